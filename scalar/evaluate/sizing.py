"""The exact token count of a prompt, without tokenising its 200 kB of paper and candidates.

tiktoken splits text into pre-tokens with a regular expression and applies BPE to each pre-token
on its own, so the count of a text is the sum of the counts of pieces cut where no pre-token
crosses. In the o200k and cl100k patterns a pre-token holding a letter is a run of letters and
marks (optionally with a leading non-letter and a trailing contraction such as 's); the patterns
have no look-behind and look ahead one character at most. Hence between an ASCII letter and the
space after it no pre-token ever crosses, whatever surrounds them: a *safe cut*.

A prompt is the template's text with the paper and every candidate text put in. Each part is cut
at its first and last safe cut (within ``EDGE`` characters of its ends) into head, interior and
tail; the heads and tails are tokenised together with the template text around them (a few kB),
and the interiors are counted once per text (cached by content hash: candidates repeat across a
paper's questions) or, for o200k, taken from the release: ``scalar build`` records in
``Question.context_tokens`` the exact o200k count of the paper plus every candidate text, so the
interiors sum to that minus the heads and tails. Recorded counts are spot-checked against our own
(the first questions of a run and every 100th); a release whose counts disagree is counted text
by text, with a warning.

Before any of that, a prompt with no more UTF-8 bytes than the limit fits (a token is at least one
byte) and is not counted at all unless a count is needed (budget, estimate, logprob scoring).

A local model's own tokenizer (SentencePiece; see truncation.ModelTokenizer) has no safe-cut rule
shown here and no recorded counts: its prompts are counted whole. Its tokens also cover at least
one byte each, but for the word-start marker it may put before the first one: the runner's
16-token framing margin covers that.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass

from scalar.evaluate.prompting import PromptTemplate
from scalar.evaluate.truncation import COUNTS, Encoding, _encode
from scalar.schema import Question

RECORDED_ENCODING = "o200k_base"  # what scalar build counts Question.context_tokens with
SAFE_CUT_ENCODINGS = ("o200k_base", "cl100k_base")  # pre-token patterns the safe-cut rule is shown for
EDGE = 400  # characters searched for a safe cut at each end of a part
SPOT_CHECK_FIRST = 3  # recorded counts are checked on the first questions of a run ...
SPOT_CHECK_EVERY = 100  # ... and on every 100th after them
_SAFE_CUT = re.compile(r"[A-Za-z](?= )")  # cut after the letter, before the space
_SENTINEL = "\x00scalar-part-{}\x00"


def safe_cuts(text: str) -> tuple[int, int] | None:
    """(a, b), a <= b: the first safe cut within ``EDGE`` characters of the start and the last one
    (searched within ``EDGE`` of the end first); None when the start has none (the part is then
    tokenised whole)."""
    first = _SAFE_CUT.search(text, 0, EDGE + 1)
    if first is None:
        return None
    last = None
    for last in _SAFE_CUT.finditer(text, max(first.start(), len(text) - EDGE - 1)):  # noqa: B007 -- keeps the last
        pass
    if last is None:  # none near the end: the last one anywhere (a long tail is tokenised with the join)
        for last in _SAFE_CUT.finditer(text, first.start()):  # noqa: B007 -- keeps the last
            pass
    assert last is not None  # the second search starts at the first match
    return first.end(), last.end()


@dataclass
class Size:
    fits: bool
    tokens: int  # exact tokens of the prompt; 0 = not counted (the server reports usage)


class PromptSizer:
    """Sizes the prompts of one run (thread-safe: prompts are prepared on two threads)."""

    def __init__(self, encoding: Encoding, *, use_recorded: bool = True):
        self.encoding = encoding
        self.use_recorded = use_recorded
        self.recorded_ok: bool | None = None  # None: not checked yet
        self.recorded_seen = 0
        self.warning: str | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ counting
    def count(self, text: str) -> int:
        """Exact tokens of a whole text (not cached: whole prompts rarely repeat)."""
        return len(_encode(text, self.encoding))

    def overhead(self, tpl: PromptTemplate, q: Question) -> int:
        """Exact tokens of the template's text alone (cached: it repeats across questions)."""
        return COUNTS.count(tpl.render(q, "", [""] * len(q.candidates)), self.encoding)

    def parts(self, q: Question) -> int:
        """Tokens of the paper text plus every candidate text, each counted alone (cached)."""
        return COUNTS.count(q.context, self.encoding) + sum(COUNTS.count(c.text, self.encoding) for c in q.candidates)

    def _layout(self, tpl: PromptTemplate, q: Question, prompt: str) -> tuple[list[str], list[str]] | None:
        """The template's text pieces and the parts between them, in prompt order; None when the
        template does not show each part exactly once, unchanged (a user template may filter,
        repeat, omit them, or branch on them: then only a whole count is exact)."""
        n = len(q.candidates)
        marks = [_SENTINEL.format(i) for i in range(n + 1)]
        skeleton = tpl.render(q, marks[0], marks[1:])
        at = []
        for i, m in enumerate(marks):
            pos = skeleton.find(m)
            if pos < 0 or skeleton.find(m, pos + 1) >= 0:
                return None
            at.append((pos, i))
        at.sort()
        texts = [q.context] + [c.text for c in q.candidates]
        pieces, parts, prev = [], [], 0
        for pos, i in at:
            pieces.append(skeleton[prev:pos])
            parts.append(texts[i])
            prev = pos + len(marks[i])
        pieces.append(skeleton[prev:])
        # the real rendering must be exactly this interleaving (no branching on the parts' content)
        if len(prompt) != sum(map(len, pieces)) + sum(map(len, parts)):
            return None
        joined = "".join(p for pair in zip(pieces, parts + [""]) for p in pair)
        return (pieces, parts) if joined == prompt else None

    def _recorded(self, q: Question) -> int | None:
        """The release's count of paper + candidates, when it can be used (spot-checked)."""
        if (not self.use_recorded or not isinstance(self.encoding, str) or self.encoding != RECORDED_ENCODING
                or q.context_tokens <= 0
                or self.recorded_ok is False):
            return None
        with self._lock:
            self.recorded_seen += 1
            seen = self.recorded_seen
        if seen <= SPOT_CHECK_FIRST or seen % SPOT_CHECK_EVERY == 0:
            ours = self.parts(q)
            with self._lock:
                if ours != q.context_tokens and self.recorded_ok is not False:
                    self.recorded_ok = False
                    self.warning = (f"question {q.id} records context_tokens={q.context_tokens} but its "
                                    f"texts count {ours} ({self.encoding}); counting every text instead")
                    print(f"scalar: warning: {self.warning}", file=sys.stderr)
                elif ours == q.context_tokens and self.recorded_ok is None:
                    self.recorded_ok = True
            if ours != q.context_tokens:
                return None
        return q.context_tokens

    def exact(self, tpl: PromptTemplate, q: Question, prompt: str) -> int:
        """Exact tokens of ``prompt`` (``q`` rendered whole by ``tpl``), tokenising only the text
        around the joins when the template and the encoding allow it."""
        safe = isinstance(self.encoding, str) and self.encoding in SAFE_CUT_ENCODINGS
        layout = self._layout(tpl, q, prompt) if safe else None
        if layout is None:
            return self.count(prompt)
        pieces, parts = layout
        recorded = self._recorded(q)
        # The prompt without the parts' interiors: each removed interior leaves a letter (end of a
        # head) next to a space (start of a tail), a safe cut, so one call counts every join.
        outside = [pieces[0]]
        interiors = 0  # without recorded counts: the interiors, counted once per text (cached)
        ends = 0  # with recorded counts: what the parts have outside their interiors
        for part, after in zip(parts, pieces[1:]):
            cuts = safe_cuts(part)
            if cuts is None:  # no safe cut near the start: the part is tokenised with its neighbours
                outside.append(part)
                if recorded is not None:
                    ends += COUNTS.count(part, self.encoding)
            else:
                a, b = cuts
                outside += [part[:a], part[b:]]
                if recorded is not None:
                    ends += self.count(part[:a] + part[b:])  # head + tail, again joined at a safe cut
                elif b > a:
                    interiors += COUNTS.count(part[a:b], self.encoding)
            outside.append(after)
        total = self.count("".join(outside))
        if recorded is not None:
            return total + recorded - ends  # the interiors, from the release's count of whole parts
        return total + interiors

    # ------------------------------------------------------------------ decision
    def size(self, tpl: PromptTemplate, q: Question, prompt: str, limit: int | None, *, need_count: bool) -> Size:
        """Does ``prompt`` fit in ``limit`` tokens (None: no limit), and how many tokens is it?"""
        if not need_count and (limit is None or len(prompt.encode("utf-8")) <= limit):
            return Size(True, 0)
        n = self.exact(tpl, q, prompt)
        return Size(limit is None or n <= limit, n)
