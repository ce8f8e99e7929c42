"""The dataset card (README.md with a YAML header) of an exported release: what the task is, the
fields, where the questions come from (venue, build date, counts), the shortcut audit, and the
licence of every citing paper as its source states it."""

from __future__ import annotations

from collections import Counter

from scalar.export.licenses import dataset_license
from scalar.export.records import FIELDS
from scalar.schema import ReleaseManifest

AUDIT_CHECKS = [("chance", "chance (per answer)"), ("lexical_baseline", "lexical baseline (BM25)"),
                ("gold_title_in_context", "gold title in context"), ("surface_name_match", "surface-name match"),
                ("gold_cited_elsewhere", "gold cited elsewhere, unmasked"), ("gold_longest", "gold is the longest candidate")]


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def render_card(manifest: ReleaseManifest, *, tasks: dict[str, int], files: dict[str, str],
                papers: list[tuple[str, str, str | None]], audit: dict[str, dict] | None,
                chance: dict[str, float]) -> str:
    """``papers``: (paper id, title, licence) per citing paper; ``tasks``: task -> questions;
    ``files``: task -> its data file;
    ``audit``: group -> check -> share (None: not run); ``chance``: task -> chance level."""
    import yaml

    lic = dataset_license([p[2] for p in papers])
    configs = [{"config_name": "all", "default": True,
                "data_files": [{"split": "test", "path": [files[t] for t in tasks]}]}]
    configs += [{"config_name": t, "data_files": [{"split": "test", "path": files[t]}]} for t in tasks]
    header = {
        "pretty_name": f"SCALAR — {manifest.venue} ({manifest.build_date})",
        "license": lic,
        "language": ["en"],
        "task_categories": ["multiple-choice", "question-answering"],
        "tags": ["long-context", "citation-prediction", "scientific-papers", "live-benchmark"],
        "size_categories": [_size_category(sum(tasks.values()))],
        "configs": configs,
    }
    if lic == "other":
        header["license_name"] = "per-paper"
        header["license_link"] = "README.md"  # the Licences section lists each paper's
    out = ["---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    out += [f"# SCALAR: {manifest.venue}, built {manifest.build_date}", "",
            "SCALAR is a live long-context benchmark built from fresh papers and their citations: each "
            "question is a passage of a recent paper with a citation masked, and candidate cited works "
            "given by their text; the model must say which candidate the masked citation refers to.", "",
            "## Task", "",
            "- **mcq** (multiple choice): one `**[MASKED_CITATION]**`, pick the cited work among the "
            f"candidates. Chance: {_pct(chance.get('mcq'))}.",
            "- **cloze**: two to six citations of one paragraph masked as `[MASK_1]`, `[MASK_2]`…, match "
            "each mask to a candidate; right only when every mask is. Chance (a random one-to-one "
            f"assignment): {_pct(chance.get('cloze'))}.", "",
            "Report the two tasks apart: their chance levels differ (a constant answer scores 25% on "
            "mcq and about 0 on cloze).", "",
            "```python", "from datasets import load_dataset",
            "ds = load_dataset(PATH_OR_REPO)            # both tasks (config \"all\"), split \"test\"",
            "mcq = load_dataset(PATH_OR_REPO, \"mcq\")    # or \"cloze\"", "```", "",
            "Evaluate with `scalar eval --data RELEASE --model ...`, the inspect_ai task "
            "(`inspect eval scalar/integrations/inspect_task.py -T data=RELEASE`) or lm-evaluation-harness "
            "(`scalar export --format lm-eval`).", "",
            "## Fields", "", "| field | meaning |", "|---|---|"]
    out += [f"| `{k}` | {v.replace('|', '/')} |" for k, v in FIELDS.items()]
    out += ["", "## Provenance", "",
            f"- release id: `{manifest.release_id}`",
            f"- venue: {manifest.venue}", f"- build date: {manifest.build_date}",
            f"- generator: {manifest.generator_version}, seed {manifest.seed}",
            "- citing papers first public: " + ", ".join(f"{k} {v or '?'}" for k, v in manifest.source_cutoff.items()),
            f"- SHA-256 of questions.jsonl: `{manifest.questions_sha256}`",
            f"- context budgets: {', '.join(map(str, manifest.context_budgets)) or 'one (full paper, or the default)'}",
            "", "### Counts", "", "| difficulty | " + " | ".join(tasks) + " |", "|---|" + "---:|" * len(tasks)]
    for d, per_task in manifest.counts.items():
        out.append(f"| {d} | " + " | ".join(str(per_task.get(t, 0)) for t in tasks) + " |")
    out.append("| **total** | " + " | ".join(str(n) for n in tasks.values()) + " |")
    out += ["", f"{manifest.n_papers} citing papers.", ""]
    out += ["## Shortcut audit", ""]
    if audit:
        out += ["How far answers can be found without reading (`scalar audit`); per answer (one per mcq "
                "question, one per cloze mask). The lexical baseline should stay near chance, leaks near 0.", "",
                "| group | answers | " + " | ".join(label for _, label in AUDIT_CHECKS) + " |",
                "|---|---:|" + "---:|" * len(AUDIT_CHECKS)]
        for group, a in audit.items():
            out.append(f"| {group} | {a.get('answers', '')} | " + " | ".join(_pct(a.get(k)) for k, _ in AUDIT_CHECKS) + " |")
    else:
        out.append("Not run for this export (`scalar audit --data RELEASE`).")
    stated = Counter(p[2] or "not stated" for p in papers)
    out += ["", "## Licences", "",
            "Each question holds text of its citing paper (context) and of the works it cites "
            "(candidates). The licence of each citing paper is given below as OpenReview or arXiv "
            "state it (`paper_license` in every row; \"not stated\" when the source gave none); the "
            "cited works keep their own licences. Summary: "
            + ", ".join(f"{k}: {n}" for k, n in stated.most_common()) + ".", "",
            "| citing paper | title | licence |", "|---|---|---|"]
    for pid, title, license in papers:
        out.append(f"| [{pid}](https://arxiv.org/abs/{pid}) | {(title or '').replace('|', '/')} | {license or 'not stated'} |")
    out.append("")
    return "\n".join(out)


__all__ = ["render_card"]
