"""`scalar export --format hf`: a release -> a folder ``datasets.load_dataset(DIR)`` reads.

Layout: ``data/<task>-<release id>-<hash>.parquet`` (one file per task, one schema for both, see ``records``) and a
``README.md`` dataset card whose YAML header declares the configs "all" (default: both tasks),
"mcq" and "cloze", split "test". The folder is written next to ``out`` and renamed into place; an
existing non-empty ``out`` is refused, so no file of the user's is ever replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from scalar.errors import InputError
from scalar.export.card import render_card
from scalar.export.licenses import license_of, paper_licenses
from scalar.export.records import features, to_record
from scalar.leaderboard.chance import mean_chance
from scalar.schema import TASKS


def data_file(task: str, release_id: str, data: bytes) -> str:
    """``data/<task>-<release id>-<sha256 of the file, 8 hex>.parquet``. ``datasets`` caches a local
    folder by its data-file names, not their content: names that change with the content keep it
    from serving rows of another release, or of an earlier export of this one."""
    import hashlib

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in release_id)
    return f"data/{task}-{safe}-{hashlib.sha256(data).hexdigest()[:8]}.parquet"


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose a new --out (nothing is overwritten)")


def audit_summary(release_dir: Path) -> dict[str, dict]:
    from scalar.generate.audit import audit_release

    report = audit_release(release_dir, progress=False)
    return {name: {"answers": g.n_targets, "chance": g.chance, "lexical_baseline": g.lexical_accuracy.share,
                   "gold_title_in_context": g.gold_title_in_context.share,
                   "surface_name_match": g.surface_name_match.share,
                   "gold_cited_elsewhere": g.gold_cited_elsewhere.share, "gold_longest": g.gold_longest.share}
            for name, g in report.groups.items()}


def export_hf(release_dir: str | Path, out: str | Path, *, audit: bool = True) -> Path:
    """Write the dataset folder; returns ``out``. Raises InputError (nothing written) for a bad
    release or an ``out`` that is not new/empty."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset

    from scalar.release import load_release

    release_dir, out = Path(release_dir), Path(out)
    _check_out(out)
    manifest, questions = load_release(release_dir)
    licenses = paper_licenses(release_dir)
    by_task = {t: [q for q in questions if q.task == t] for t in TASKS}
    by_task = {t: qs for t, qs in by_task.items() if qs}
    papers: dict[str, tuple[str, str, str | None]] = {}
    for q in questions:
        papers.setdefault(q.paper, (q.paper, q.title or "", license_of(q.paper, licenses)))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        (tmp / "data").mkdir()
        feats = features()
        files = {}
        for task, qs in by_task.items():
            rows = [to_record(q, release_id=manifest.release_id, license=license_of(q.paper, licenses)) for q in qs]
            # pyarrow writes the table datasets built (its schema carries the features), quietly
            buf = pa.BufferOutputStream()
            pq.write_table(Dataset.from_list(rows, features=feats).data.table, buf)
            data = buf.getvalue().to_pybytes()
            files[task] = data_file(task, manifest.release_id, data)
            (tmp / files[task]).write_bytes(data)
        card = render_card(manifest, tasks={t: len(qs) for t, qs in by_task.items()}, files=files,
                           papers=sorted(papers.values()), audit=audit_summary(release_dir) if audit else None,
                           chance={t: mean_chance(qs) or 0.0 for t, qs in by_task.items()})
        (tmp / "README.md").write_text(card, encoding="utf-8")
        os.chmod(tmp, 0o755)
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


__all__ = ["export_hf"]
