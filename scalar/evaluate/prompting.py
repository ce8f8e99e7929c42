"""Prompt templates: Jinja2 files in ``scalar/evaluate/prompts/`` (or a user's file), rendered per
question.

A template sees ``context`` (the paper text with its mask placeholders), ``candidates`` (a list of
``{index, text, title}``), ``masks`` (the placeholder strings in order), ``task``, ``title`` (the
citing paper) and ``n_candidates``. Never the answer or the candidates' reference keys.
The built-in ``mcq`` template follows the original SCALAR layout (instruction, ``<Paper>``,
``<References>`` with ``<Candidate>Candidate [i]:`` blocks, answer as ``<answer>index</answer>``).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from scalar.errors import ConfigError
from scalar.schema import Question

PROMPTS_DIR = Path(__file__).parent / "prompts"
BUILTIN = ("mcq", "cloze")


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    source: str

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:12]

    @functools.cached_property
    def _compiled(self):
        import jinja2

        env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                 autoescape=False)
        try:
            return env.from_string(self.source)
        except jinja2.TemplateSyntaxError as e:
            raise ConfigError(f"prompt template {self.name}: line {e.lineno}: {e.message}") from None

    def render(self, question: Question, context: str | None = None,
               candidate_texts: list[str] | None = None) -> str:
        """The prompt for ``question``, with ``context`` / ``candidate_texts`` overriding the
        question's own (truncated versions)."""
        import jinja2

        texts = candidate_texts if candidate_texts is not None else [c.text for c in question.candidates]
        try:
            return self._compiled.render(
                context=question.context if context is None else context,
                candidates=[{"index": i, "text": t, "title": c.title or ""}
                            for i, (c, t) in enumerate(zip(question.candidates, texts))],
                masks=question.masks, task=question.task, title=question.title or "",
                n_candidates=len(question.candidates))
        except jinja2.TemplateError as e:
            raise ConfigError(f"prompt template {self.name} failed to render: {e}") from None


@dataclass(frozen=True)
class TemplateChoice:
    """Which template each task uses: the built-ins by task, or one user template for all."""

    mcq: PromptTemplate
    cloze: PromptTemplate
    only_task: str | None = None  # a built-in chosen by name is written for its own task only

    def for_task(self, task: str) -> PromptTemplate:
        return self.cloze if task == "cloze" else self.mcq

    def check(self, tasks: set[str]) -> None:
        """Refuse a built-in template on questions of the other task (``--template cloze`` on MCQ
        questions would render without their mask and candidates as the model expects)."""
        other = sorted(t for t in tasks if self.only_task and t != self.only_task)
        if other:
            raise ConfigError(f"--template {self.only_task} is for {self.only_task} questions, but the selection "
                              f"has {', '.join(other)} questions; leave --template out (each task gets its own)")

    @property
    def label(self) -> str:
        if self.mcq is self.cloze:
            return f"{self.mcq.name}@{self.mcq.sha}"
        return f"{self.mcq.name}@{self.mcq.sha}+{self.cloze.name}@{self.cloze.sha}"


def builtin_template(name: str) -> PromptTemplate:
    path = PROMPTS_DIR / f"{name}.jinja"
    return PromptTemplate(name=name, source=path.read_text(encoding="utf-8"))


def choose_templates(spec: str | None) -> TemplateChoice:
    """``None`` -> built-ins per task; a built-in name (``mcq``, ``cloze``) or a ``.jinja`` path ->
    that template for every question."""
    if spec is None:
        return TemplateChoice(mcq=builtin_template("mcq"), cloze=builtin_template("cloze"))
    if spec in BUILTIN:
        t = builtin_template(spec)
        return TemplateChoice(mcq=t, cloze=t, only_task=spec)
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(f"prompt template not found: {spec} (built-in: {', '.join(BUILTIN)}, or a .jinja file)")
    t = PromptTemplate(name=path.name, source=path.read_text(encoding="utf-8"))
    t._compiled  # noqa: B018 -- compiling fails early on syntax errors
    return TemplateChoice(mcq=t, cloze=t)


def logprob_prefixes(prompt: str, question: Question) -> list[str]:
    """Shared prefixes for ``--scoring logprob``: the prompt followed by the opening of the answer,
    so the next token is the candidate index (one prefix per mask for cloze)."""
    if question.task == "cloze":
        return [f"{prompt}\n<answer>\n{m}: " for m in question.masks]
    return [f"{prompt}\n<answer>"]
