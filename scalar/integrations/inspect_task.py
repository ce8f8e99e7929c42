"""SCALAR as an inspect_ai task.

    inspect eval scalar/integrations/inspect_task.py -T data=RELEASE_DIR --model openai/gpt-4o-mini
    inspect eval scalar/integrations/inspect_task.py -T data=RELEASE_DIR -T task_type=cloze -T difficulty=hard ...

``data`` is a release folder (``scalar build`` / ``import-reference``) or a folder written by
``scalar export --format hf``. Prompts are SCALAR's built-in templates (the same text
``scalar eval`` sends) and replies are parsed by ``scalar eval``'s parser: a reply that names no
single candidate is wrong. Accuracy is reported per task (mcq and cloze have different chance
levels, 25% against near 0, so they are never averaged) and per task/difficulty.
"""

from __future__ import annotations

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import CORRECT, INCORRECT, Score, Target, accuracy, grouped, scorer, stderr
from inspect_ai.solver import TaskState, generate

from scalar.evaluate.answers import extract_choice, extract_cloze
from scalar.evaluate.prompting import choose_templates
from scalar.schema import Question


def load_questions(data: str | Path) -> list[Question]:
    """Questions of a release folder, or of an exported dataset folder (data/*.parquet)."""
    path = Path(data)
    if (path / "manifest.json").is_file():
        from scalar.release import load_release

        return load_release(path)[1]
    files = sorted((path / "data").glob("*.parquet"))
    if not files:
        raise ValueError(f"{path} is neither a SCALAR release (manifest.json) nor an exported dataset (data/*.parquet)")
    import pyarrow.parquet as pq

    from scalar.export.records import to_question

    return [to_question(row) for f in files for row in pq.read_table(f).to_pylist()]


def to_sample(q: Question, templates) -> Sample:
    return Sample(
        id=q.id, input=templates.for_task(q.task).render(q),
        target=[str(a) for a in q.answer] if isinstance(q.answer, list) else str(q.answer),
        metadata={"task": q.task, "difficulty": q.difficulty, "task_difficulty": f"{q.task}/{q.difficulty}",
                  "paper": q.paper, "n_candidates": len(q.candidates),
                  "answer": q.answer, "context_tokens": q.context_tokens,
                  "context_budget": q.context_budget if q.context_budget is not None else "full"})


@scorer(metrics=[grouped(accuracy(), "task", all=False), grouped(accuracy(), "task_difficulty", all=False),
                 stderr()])
def scalar_answer():
    """Right when the reply names the gold candidate (every mask's, for cloze)."""

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        reply = state.output.completion if state.output else ""
        if meta["task"] == "cloze":
            got = extract_cloze(reply, len(meta["answer"]), meta["n_candidates"])
            ok = got is not None and list(got) == list(meta["answer"])
        else:
            got = extract_choice(reply, meta["n_candidates"])
            ok = got == meta["answer"]
        return Score(value=CORRECT if ok else INCORRECT, answer=None if got is None else str(got),
                     explanation=None if got is not None else "no single candidate could be parsed from the reply")

    return score


@task
def scalar(data: str, task_type: str = "all", difficulty: str | None = None, budget: str | None = None) -> Task:
    """``task_type``: all / mcq / cloze; ``difficulty``: easy / medium / hard; ``budget``: a
    ``--context-tokens`` budget (or "full") of a multi-budget release."""
    questions = load_questions(data)
    if task_type != "all":
        questions = [q for q in questions if q.task == task_type]
    if difficulty:
        questions = [q for q in questions if q.difficulty == difficulty]
    if budget:
        questions = [q for q in questions if str(q.context_budget if q.context_budget is not None else "full") == str(budget)]
    if not questions:
        raise ValueError(f"no questions in {data} for task_type={task_type} difficulty={difficulty} budget={budget}")
    # inspect counts tokens with tiktoken's o200k: use the offline copy scalar uses (no download)
    from scalar._util.tokens import encoding

    encoding()
    templates = choose_templates(None)
    return Task(dataset=MemoryDataset([to_sample(q, templates) for q in questions], name="scalar"),
                solver=generate(), scorer=scalar_answer())
