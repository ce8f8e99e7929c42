"""How many tokens a prompt takes, without tokenising 200 kB per question when a bound settles it.

A prompt is the template's fixed text (the template rendered with empty parts) with the paper
text and every candidate text put in. Its size is known, cheapest first, from:

1. bytes: a token is at least one UTF-8 byte, so a prompt with no more bytes than the limit fits
   (exact reasoning, nothing tokenised).
2. parts: the count of the fixed text plus the counts of the parts. A part is counted once and
   cached by content hash (candidate texts repeat across a paper's questions); for o200k the
   release's ``Question.context_tokens`` already holds the sum (``scalar build`` records the exact
   o200k count of the paper text plus every candidate text), spot-checked against our own count.
   BPE works per pre-token and a join changes only the pre-tokens touching it: the whole prompt
   differs from the sum by at most 1 token per join in 3,000 fuzzed questions whose parts start and
   end with whitespace, newlines, punctuation, digits, emoji and special-token text, and is 3-6
   tokens *smaller* on every question of the sample and original releases. ``margin`` allows
   4 per join plus 16.
3. exact: the whole prompt tokenised, when the estimate is within the margin of the limit (or the
   template does not show each part once, verbatim).

So a prompt is cut only when its exact count passes the limit (see ``Runner.prepare``), and an
uncut prompt is sent only when its exact count, or its estimate plus the margin, is within it.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from scalar.evaluate.prompting import PromptTemplate, masks_of
from scalar.evaluate.truncation import COUNTS, _encode
from scalar.schema import Question

RECORDED_ENCODING = "o200k_base"  # what scalar build counts Question.context_tokens with
MARGIN_BASE = 16
MARGIN_PER_JOIN = 4
SPOT_CHECK_FIRST = 3  # recorded counts checked on the first questions of a run ...
SPOT_CHECK_EVERY = 100  # ... and on every 100th after them


def joins(q: Question) -> int:
    """Places where a part meets the fixed text: both ends of the paper and of each candidate."""
    return 2 * (1 + len(q.candidates))


def margin(q: Question) -> int:
    return MARGIN_BASE + MARGIN_PER_JOIN * joins(q)


@dataclass
class Size:
    fits: bool
    tokens: int  # exact or estimated tokens of the prompt; 0 = not counted (the server reports usage)
    uncertainty: int = 0  # |true - tokens| is at most this (0: exact)


class PromptSizer:
    """Sizes the prompts of one run (thread-safe: prompts are prepared on two threads)."""

    def __init__(self, encoding: str, *, use_recorded: bool = True):
        self.encoding = encoding
        self.use_recorded = use_recorded and encoding == RECORDED_ENCODING
        self.recorded_ok: bool | None = None  # None: not yet checked
        self.recorded_seen = 0
        self.warning: str | None = None
        self._verbatim: dict[tuple, bool] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ pieces
    def overhead(self, tpl: PromptTemplate, q: Question) -> int:
        """Exact tokens of the template's fixed text (cached: it repeats across questions)."""
        return COUNTS.count(tpl.render(q, "", [""] * len(q.candidates)), self.encoding)

    def _parts_verbatim(self, tpl: PromptTemplate, q: Question) -> bool:
        """Does the template show the paper and each candidate text exactly once, unchanged? (A user
        template may filter, repeat or omit them; then only an exact count is trustworthy.)"""
        key = (tpl.sha, q.task, len(q.candidates), len(masks_of(q)))
        ok = self._verbatim.get(key)
        if ok is None:
            ctx = "\x00scalar-context\x00"
            texts = [f"\x00scalar-candidate-{i}\x00" for i in range(len(q.candidates))]
            out = tpl.render(q, ctx, texts)
            ok = all(out.count(s) == 1 for s in [ctx, *texts])
            self._verbatim[key] = ok
        return ok

    def _recorded(self, q: Question) -> int | None:
        """The release's count of paper + candidates, when it can be used (spot-checked)."""
        if not self.use_recorded or q.context_tokens <= 0 or self.recorded_ok is False:
            return None
        with self._lock:
            self.recorded_seen += 1
            seen = self.recorded_seen
        if seen <= SPOT_CHECK_FIRST or seen % SPOT_CHECK_EVERY == 0:
            ours = self.parts(q)
            if ours != q.context_tokens:
                with self._lock:
                    if self.recorded_ok is not False:
                        self.recorded_ok = False
                        self.warning = (f"question {q.id} records context_tokens={q.context_tokens} but its "
                                        f"texts count {ours} ({self.encoding}); counting every prompt instead")
                        print(f"scalar: warning: {self.warning}", file=sys.stderr)
                return ours
            with self._lock:
                if self.recorded_ok is None:
                    self.recorded_ok = True
        return q.context_tokens

    def parts(self, q: Question) -> int:
        return COUNTS.count(q.context, self.encoding) + sum(COUNTS.count(c.text, self.encoding) for c in q.candidates)

    def estimate(self, tpl: PromptTemplate, q: Question, prompt: str) -> int | None:
        """Fixed text + parts, or None when the template does not hold the parts verbatim."""
        if not self._parts_verbatim(tpl, q):
            return None
        empty = tpl.render(q, "", [""] * len(q.candidates))
        if len(prompt) != len(empty) + len(q.context) + sum(len(c.text) for c in q.candidates):
            return None  # the template's fixed text depends on the parts
        parts = self._recorded(q)
        if parts is None:
            parts = self.parts(q)
        return COUNTS.count(empty, self.encoding) + parts

    # ------------------------------------------------------------------ decision
    def size(self, tpl: PromptTemplate, q: Question, prompt: str, limit: int | None, *, need_count: bool) -> Size:
        """Does ``prompt`` (the question rendered whole) fit in ``limit`` tokens, and how big is it?"""
        if not need_count and (limit is None or len(prompt.encode("utf-8")) <= limit):
            return Size(True, 0)
        est = self.estimate(tpl, q, prompt)
        if est is not None:
            m = margin(q)
            if limit is None or est + m <= limit:
                return Size(True, est, m)
        exact = self.count(prompt)
        return Size(limit is None or exact <= limit, exact)

    def count(self, text: str) -> int:
        """Exact tokens of a whole prompt (not cached: whole prompts rarely repeat)."""
        return len(_encode(text, self.encoding))
