"""Would bigger distractor pools make questions shortcut-proof? A measurement, not a timing.

A question can have its gold below the top under a set of shortcut scorers only if some work of
its pool beats the gold under every one of them; a balanced release needs three such questions
for each question with the gold on top, so it keeps at most about 4/3 of them
(docs/question-generation.md, "Why it costs questions"). This script counts those questions on
the 128 real papers of ``../shared/reference/scalar-release-128`` for three pools:

* ``in-paper`` — the citing paper's own works (those any of its questions shows as a candidate);
* ``other papers`` — works cited by the *other* papers of the release, published on arXiv before
  the citing paper (by arXiv id), with another title than the gold (about 470 per question);
* ``both``.

and three scorer sets: ``--distractors balanced``'s scorers (BM25 over 10/25/50 words, dense over
50 words, best of the first 2 chunks), plus its BM25 guard windows (5/15/35/100), and the default
(robust) set (plus the 3-word window and the nine dense variants). The questions come from ``import-reference
--regenerate --distractors original`` with opaque markers, so every gold the generator would ask
is there, with the context a balanced build sees. Pool-wide BM25 takes its IDF from the pool (the
generator's exact check scores the four candidates alone): a capacity estimate, not a release.

    python benchmarks/pool_capacity.py [--src ../shared/reference/scalar-release-128]

Needs the [dense] extra (all-MiniLM-L6-v2); embeddings come from and go to the usual store.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "reference" / "scalar-release-128"


def scorer_sets() -> dict[str, list[str]]:
    """The generator's own scorer sets (``--distractors balanced``'s, then the default robust one's)."""
    from scalar.generate.config import ROBUST_DEFAULTS, GenerationConfig, robust_dense_family
    from scalar.generate.shortcuts import DENSE, bm25_name, dense_variant_name

    # the windows only; the dense scorer is added by name
    balanced = GenerationConfig(distractors="balanced", shortcut_model="none")
    topical = [bm25_name(w) for w in balanced.shortcut_windows] + [DENSE]
    guarded = topical + [bm25_name(w) for w in balanced.shortcut_guard_windows]
    robust_guards = [w for w in ROBUST_DEFAULTS["shortcut_guard_windows"] if w not in balanced.shortcut_guard_windows]
    robust = guarded + [bm25_name(w) for w in robust_guards] + [dense_variant_name(w, k) for w, k in robust_dense_family()]
    return {"balanced scorers": topical, "+ BM25 guards": guarded, "robust set": robust}


def bm25_windows() -> list[int]:
    """Every BM25 window of ``scorer_sets``."""
    from scalar.generate.config import ROBUST_DEFAULTS, GenerationConfig

    balanced = GenerationConfig(distractors="balanced", shortcut_model="none")
    return sorted({*balanced.shortcut_windows, *balanced.shortcut_guard_windows, *ROBUST_DEFAULTS["shortcut_guard_windows"]})


def arxiv_month(arxiv_id: str) -> tuple[int, int] | None:
    """(year, month) of an arXiv id: new style 'YYMM.NNNNN', old style 'cs/YYMMNNN'."""
    m = re.match(r"(\d\d)(\d\d)\.\d+", arxiv_id) or re.search(r"/(\d\d)(\d\d)\d+", arxiv_id)
    if not m:
        return None
    yy = int(m[1])
    return (1900 + yy if "/" in arxiv_id and yy > 50 else 2000 + yy), int(m[2])


def _title_key(title: str | None) -> str:
    return " ".join(re.findall(r"\w+", (title or "").lower()))


def coverable(beats: list[frozenset[str]], names: list[str], k: int = 3) -> bool:
    """Whether at most ``k`` works (each given as the scorers it beats the gold under) beat the
    gold under every scorer of ``names`` between them: the gold can then sit below the top."""
    need = frozenset(names)
    # only what a work contributes matters; drop works another one dominates
    kinds = sorted({b & need for b in beats if b & need}, key=len, reverse=True)
    kinds = [b for i, b in enumerate(kinds) if not any(b < o for o in kinds[:i])]
    return any(frozenset().union(*combo) == need
               for r in range(1, k + 1) for combo in itertools.combinations(kinds, r))


def questions(src: Path, out: Path) -> list[dict]:
    from scalar.reference.importer import import_reference

    import_reference(src, out, regenerate=True, progress=False,
                     generation={"distractors": "original", "citation_markers": "opaque", "tasks": ["mcq"]})
    return [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, default=SRC, help="the original release (default: %(default)s)")
    args = ap.parse_args(argv)
    if not args.src.exists():
        print(f"pool_capacity: {args.src} not found", file=sys.stderr)
        return 2
    from scalar.generate._prep import view_for
    from scalar.generate.config import robust_dense_family
    from scalar.generate.dense import CHUNK_WORDS, MAX_CHUNKS, DenseScorer
    from scalar.generate.shortcuts import (
        DENSE,
        DENSE_WINDOW,
        TermCounts,
        bm25,
        bm25_name,
        compare,
        dense_variant_name,
        query_tokens,
    )
    from scalar.schema import MCQ_MASK

    with tempfile.TemporaryDirectory() as tmp:
        qs = questions(args.src, Path(tmp) / "release")
    # every work any question shows, per candidate view, by arXiv id (undated works are left out)
    texts: dict[str, dict[str, str]] = defaultdict(dict)
    titles: dict[str, str] = {}
    cited_by: dict[str, set[str]] = defaultdict(set)
    for q in qs:
        for c in q["candidates"]:
            aid = (c.get("arxiv_id") or "").split("v")[0]
            if aid and arxiv_month(aid):
                texts[view_for(q["difficulty"])].setdefault(aid, c["text"])
                titles[aid] = _title_key(c.get("title"))
                cited_by[q["paper"]].add(aid)
    terms = {v: {a: TermCounts.of(t) for a, t in ws.items()} for v, ws in texts.items()}
    family = robust_dense_family()
    # the dense scorer reads the first chunks only: the words they hold give the same chunks
    most_words = CHUNK_WORDS * max(k for _w, k in family)
    heads = {v: {a: " ".join(t.split()[:most_words]) for a, t in ws.items()} for v, ws in texts.items()}
    dense = DenseScorer()
    sets = scorer_sets()

    beaten: dict[tuple[str, str, str], int] = defaultdict(int)  # (pool, scorer set, difficulty) -> questions
    asked: dict[str, int] = defaultdict(int)
    pool_sizes: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(qs):
        gold = q["candidates"][q["answer"]]
        gid = (gold.get("arxiv_id") or "").split("v")[0]
        view = view_for(q["difficulty"])
        if gid not in texts[view]:
            continue  # an undated gold: no comparable pool
        asked[q["difficulty"]] += 1
        month = tuple(int(x) for x in q["first_public_date"].split("-")[:2])
        own = cited_by[q["paper"]]
        ids = [a for a in texts[view] if a != gid and titles[a] != titles[gid]]
        in_paper = {a for a in ids if a in own}
        other = {a for a in ids if a not in own and arxiv_month(a) < month}  # type: ignore[operator]
        pool_sizes["in-paper"].append(len(in_paper))
        pool_sizes["other papers"].append(len(other))
        works = [gid] + [a for a in ids if a in in_paper or a in other]
        scores: dict[str, list[float]] = {}
        docs = [terms[view][a] for a in works]
        for w in bm25_windows():
            scores[bm25_name(w)] = bm25(query_tokens(q["context"], w, MCQ_MASK), docs)
        scores.update(dense.variant_scores(q["context"], MCQ_MASK, [heads[view][a] for a in works], family))
        scores[DENSE] = scores[dense_variant_name(DENSE_WINDOW, MAX_CHUNKS)]  # the balanced dense scorer is this variant
        beats = {works[j]: frozenset(n for n in scores if compare(scores[n][0], scores[n][j]) > 0)
                 for j in range(1, len(works))}
        for set_name, names in sets.items():
            for pool_name, pool in (("in-paper", in_paper), ("other papers", other), ("both", in_paper | other)):
                beaten[(pool_name, set_name, q["difficulty"])] += coverable([beats[a] for a in pool], names)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(qs)} questions", file=sys.stderr, flush=True)
    total = sum(asked.values())
    print(f"{total} mcq questions with a dated gold ({dict(asked)}); median pool: "
          + ", ".join(f"{k} {sorted(v)[len(v) // 2]}" for k, v in pool_sizes.items()))
    print("share of questions where three pool works can put the gold below the top under every "
          "scorer of the set (a balanced release keeps at most ~4/3 of it):")
    print(f"| pool | {' | '.join(sets)} |")
    print("|---|" + "---|" * len(sets))
    for pool_name in ("in-paper", "other papers", "both"):
        cells = []
        for set_name in sets:
            n = sum(beaten[(pool_name, set_name, d)] for d in asked)
            cells.append(f"{100 * n / total:.0f}% ({n}; keeps <= {min(100, 400 * n / 3 / total):.0f}%)")
        print(f"| {pool_name} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    from scalar.errors import ScalarError

    try:
        sys.exit(main())
    except ScalarError as e:  # e.g. the [dense] extra missing
        print(f"pool_capacity: {e}", file=sys.stderr)
        sys.exit(2)
