"""Token counts with a per-text cache: every text is encoded once per build.

Generation re-uses the same paragraphs and candidate texts across many questions and budget
variants; tokenising is the hot spot, so counts are memoised by the text itself.
"""

from __future__ import annotations

from scalar._util import tokens


class TokenCounter:
    def __init__(self, encoding: str = tokens.DEFAULT_ENCODING):
        self.name = encoding
        self._enc = tokens.encoding(encoding)
        self._counts: dict[str, int] = {}

    def count(self, text: str) -> int:
        n = self._counts.get(text)
        if n is None:
            n = len(self._enc.encode_ordinary(text)) if text else 0
            self._counts[text] = n
        return n

    def count_many(self, texts: list[str]) -> list[int]:
        """Counts for many texts; the uncached ones are encoded in one batch (tiktoken threads)."""
        todo = [t for t in dict.fromkeys(texts) if t and t not in self._counts]
        if len(todo) > 8:
            for t, ids in zip(todo, self._enc.encode_ordinary_batch(todo, num_threads=2)):
                self._counts[t] = len(ids)
        return [self.count(t) for t in texts]

    def joined(self, counts: list[int]) -> int:
        """Estimate for the texts joined by blank lines: each separator costs about one token (an
        over-estimate by a fraction of a percent; exact counts are taken on the final strings)."""
        return sum(counts) + max(0, len(counts) - 1)

    def head(self, text: str, n: int) -> str:
        """The longest prefix of ``text`` with at most ``n`` tokens, cut at a word boundary."""
        if n <= 0:
            return ""
        ids = self._enc.encode_ordinary(text)
        if len(ids) <= n:
            return text
        prefix = self._enc.decode(ids[:n])
        prefix = prefix.rstrip("\ufffd")  # a multi-byte character cut in half
        cut = max(prefix.rfind(" "), prefix.rfind("\n"))
        if cut > len(prefix) // 2:
            prefix = prefix[:cut]
        return prefix.rstrip()
