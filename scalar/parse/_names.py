"""Telling author names from affiliations on a title page (HTML or PDF)."""

from __future__ import annotations

import re

from scalar.parse._text import clean_inline

NAME_SEP = re.compile(r"\s{2,}|\s*(?:,|;|&|\band\b|\\And|\\and)\s*")
_NOT_NAME = re.compile(r"[@\d{}()\[\]:/]|\b(?:Univ|University|Universit\w*|Institute|Inst\.|Department|"
                       r"Dept|Lab|Laboratory|College|School|Research|Inc\.|Corp|Google|Microsoft|"
                       r"Meta|Center|Centre|Academy|Hospital|Fellow|USA|China|Canada|Germany|France|"
                       r"Abstract)\b", re.I)
_MARKS = re.compile(r"[\d*†‡§¶∗,]+$")


def looks_like_name(part: str) -> bool:
    words = part.split()
    return 1 <= len(words) <= 5 and not _NOT_NAME.search(part) and part[0].isupper()


def names_in(line: str) -> list[str]:
    """Names on one line of an author block: "Zoë Müller1, Bob Lee* and Ann Wu" -> three."""
    out = []
    for part in NAME_SEP.split(line):
        part = _MARKS.sub("", clean_inline(part)).strip(" .*†‡§¶∗")
        if part and looks_like_name(part):
            out.append(part)
    return out
