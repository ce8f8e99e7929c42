"""A script for the loopback OpenAI server that answers every SCALAR prompt right (or wrong):
it finds the question whose rendered prompt the request holds."""

from __future__ import annotations

from openai_server import Reply

from scalar.evaluate.prompting import choose_templates


def _text(request: dict) -> str:
    parts = []
    for m in request.get("messages", []):
        c = m.get("content")
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, list):
            parts += [p.get("text", "") for p in c if isinstance(p, dict)]
    return "\n".join(parts)


def reply_text(answer, wrong: bool = False) -> str:
    if isinstance(answer, list):
        picks = list(reversed(answer)) if wrong else answer
        return "<answer>\n" + "\n".join(f"[MASK_{i + 1}]: {a}" for i, a in enumerate(picks)) + "\n</answer>"
    return f"<answer>{(answer + 1) % 4 if wrong else answer}</answer>"


def oracle(questions, wrong: bool = False):
    templates = choose_templates(None)
    prompts = [(templates.for_task(q.task).render(q).strip(), q) for q in questions]
    seen: list[str] = []

    def script(request: dict, n: int) -> Reply:
        text = _text(request)
        for prompt, q in prompts:
            if prompt in text:
                seen.append(q.id)
                return Reply(text=reply_text(q.answer, wrong))
        return Reply(text="I do not know.")

    script.seen = seen  # type: ignore[attr-defined]
    return script
