"""Building clean paragraph text with exact character offsets.

The TextBuilder collapses whitespace as text arrives (so offsets never have to be remapped
afterwards): runs of whitespace, including no-break spaces, become one space; leading and
trailing whitespace of the paragraph is dropped; a span's start is fixed only when its first
visible character is emitted, so spans never begin or end with a space.
"""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


class Span:
    __slots__ = ("start", "end", "ref")

    def __init__(self, ref: str):
        self.ref = ref
        self.start: int | None = None
        self.end: int | None = None


class TextBuilder:
    __slots__ = ("parts", "n", "pending", "_waiting")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.pending = ""  # separator owed before the next visible text: "", " " or "\n"
        self._waiting: list[Span] = []

    # -- text
    def text(self, s: str | None) -> None:
        if not s:
            return
        # str.split() is the fastest whitespace collapse in CPython (no-break spaces included).
        core = " ".join(s.split())
        if s[0].isspace():
            self.space()
        if not core:
            return
        self._emit(core)
        if s[-1].isspace():
            self.pending = " "

    def _emit(self, s: str) -> int:
        """Append visible text ``s`` (no leading/trailing space) and return where it starts."""
        if self.pending and self.n:
            self.parts.append(self.pending)
            self.n += len(self.pending)
        self.pending = ""
        start = self.n
        if self._waiting:
            for sp in self._waiting:
                sp.start = start
            self._waiting.clear()
        self.parts.append(s)
        self.n += len(s)
        return start

    def space(self) -> None:
        if not self.pending:
            self.pending = " "

    def newline(self) -> None:
        self.pending = "\n"

    # -- spans
    def open_span(self, ref: str) -> Span:
        sp = Span(ref)
        self._waiting.append(sp)
        return sp

    def close_span(self, sp: Span) -> None:
        if sp in self._waiting:  # nothing visible was emitted inside it
            self._waiting.remove(sp)
            return
        sp.end = self.n

    def emit_with_spans(self, s: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Append ``s`` (already clean, no surrounding whitespace) whose spans are relative to
        it; return the spans shifted to builder offsets."""
        if not s:
            return []
        base = self._emit(s)
        return [(base + a, base + b, ref) for a, b, ref in spans]

    def value(self) -> str:
        return "".join(self.parts)


def clean_inline(s: str) -> str:
    """Whitespace-normalise a short string (titles, names)."""
    return _WS.sub(" ", s).strip()


def math_text(el) -> str:
    """A math element once: its LaTeX alttext (never the MathML presentation or annotations)."""
    alt = el.get("alttext")
    if alt is None:
        for ann in el.iter("annotation"):
            if (ann.get("encoding") or "").endswith("tex"):
                alt = ann.text or ""
                break
        else:
            alt = "".join(el.itertext())
    alt = alt.strip()
    if alt.startswith("\\displaystyle"):
        alt = alt[len("\\displaystyle"):].lstrip()
    return alt


_MATH_ALNUM: dict[int, str] | None = None


def fold_math_alphanumerics(s: str) -> str:
    """Mathematical Alphanumeric Symbols (U+1D400–U+1D7FF: 𝐱, 𝑾, 𝟏, 𝛼) -> their plain letters
    and digits, as NFKC would map them; nothing outside that block changes (NFKC on the whole
    text would also rewrite ligatures, superscripts and fractions)."""
    global _MATH_ALNUM
    if _MATH_ALNUM is None:
        import unicodedata

        _MATH_ALNUM = {}
        for cp in range(0x1D400, 0x1D800):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp) and len(folded) == 1:
                _MATH_ALNUM[cp] = folded
    return s.translate(_MATH_ALNUM)
