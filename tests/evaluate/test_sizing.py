"""Prompt sizing: a prompt is cut only when it does not fit, sent only when it does, and 200 kB of
text is tokenised only when no cheaper bound settles the question."""

import random
from pathlib import Path

import pytest

from eval_fixtures import make_question
from scalar._util.tokens import count_tokens
from scalar.evaluate import truncation
from scalar.evaluate.backends import get_backend
from scalar.evaluate.prompting import choose_templates
from scalar.evaluate.runner import EvalConfig, Runner
from scalar.evaluate.sizing import PromptSizer, margin
from scalar.schema import Candidate, Question

MAX_TOKENS = 100
RESERVE = MAX_TOKENS + 16


def _runner(window: int | None, *, template: str | None = None, max_cost: float | None = None) -> Runner:
    args = {"context_window": window} if window else {}
    backend = get_backend("openai/gpt-4o-mini", model_args=args)
    cfg = EvalConfig(model="openai/gpt-4o-mini", data=Path("."), out=Path("."), max_tokens=MAX_TOKENS,
                     max_cost=max_cost, template=template)
    return Runner(cfg, backend, choose_templates(template))


@pytest.fixture
def encoded(monkeypatch):
    """Every text handed to tiktoken, in order."""
    seen: list[str] = []
    real = truncation._encode

    def spy(text, encoding):
        seen.append(text)
        return real(text, encoding)

    monkeypatch.setattr(truncation, "_encode", spy)
    import scalar.evaluate.sizing as sizing

    monkeypatch.setattr(sizing, "_encode", spy)
    truncation.COUNTS.clear()
    yield seen
    truncation.COUNTS.clear()


def _exact(q: Question) -> int:
    return count_tokens(choose_templates(None).for_task(q.task).render(q))


def test_a_prompt_that_fits_exactly_is_not_cut_and_one_token_more_is(encoded):
    q = make_question(1, context_words=3000, cand_words=800)
    n = _exact(q)
    whole = _runner(n + RESERVE).prepare(q)  # the window holds the prompt to the last token
    assert whole.truncated_tokens == 0 and whole.prompt == choose_templates(None).for_task("mcq").render(q)
    assert whole.prompt_tokens == n and whole.uncertainty == 0  # within the margin: counted exactly
    cut = _runner(n + RESERVE - 1).prepare(q)
    assert cut.truncated_tokens > 0 and count_tokens(cut.prompt) == cut.prompt_tokens <= n - 1
    assert n - 1 - cut.prompt_tokens < 120  # cut to the window, not far below it


def test_recorded_counts_spare_tokenising_the_texts(encoded):
    """A release records the o200k count of paper + candidates: a prompt well inside the window is
    sized from it and the template's fixed text, without encoding the 100 kB of parts."""
    qs = [make_question(i, context_words=6000, cand_words=2000) for i in range(6)]
    runner = _runner(128_000, max_cost=10.0)  # a budget needs counts
    for q in qs:
        p = runner.prepare(q)
        exact = _exact(q)
        assert p.truncated_tokens == 0 and abs(p.prompt_tokens - exact) <= p.uncertainty
    big = {q.context for q in qs} | {c.text for q in qs for c in q.candidates}
    checked = {t for t in encoded if t in big}
    # only the spot-checked first questions have their parts counted
    assert checked == {qs[0].context, qs[1].context, qs[2].context} | {c.text for q in qs[:3] for c in q.candidates}
    assert runner.sizer.recorded_ok is True


def test_wrong_recorded_counts_are_caught_and_ignored(encoded, capsys):
    qs = [make_question(i, context_words=3000, cand_words=500) for i in range(4)]
    qs = [q.model_copy(update={"context_tokens": 100}) for q in qs]  # a release counted differently
    n = _exact(qs[0])
    runner = _runner(n + RESERVE - 50, max_cost=10.0)
    p = runner.prepare(qs[0])
    assert p.truncated_tokens > 0 and count_tokens(p.prompt) <= n - 50
    assert runner.sizer.recorded_ok is False and "context_tokens=100" in capsys.readouterr().err
    for q in qs[1:]:
        p = runner.prepare(q)
        assert count_tokens(p.prompt) <= n - 50  # every prompt sent fits its window


def test_candidate_texts_shared_by_questions_are_counted_once(encoded):
    """Without recorded counts (another encoding, an old release) each part is counted once per run,
    cached by content: questions of one paper share their candidates."""
    pool = [Candidate(key=f"b{k}", text=f"shared candidate {k} " + "words of the cited paper " * 400) for k in range(4)]
    qs = [make_question(i, context_words=1500).model_copy(update={"candidates": pool, "context_tokens": 0})
          for i in range(5)]
    runner = _runner(128_000, max_cost=10.0)
    for q in qs:
        runner.prepare(q)
    for c in pool:
        assert encoded.count(c.text) == 1


def test_a_template_repeating_the_paper_is_counted_whole(tmp_path, encoded):
    """Estimates from parts assume each part appears once; a template showing the paper twice is
    tokenised whole, so its prompt is still cut to the window."""
    tpl = tmp_path / "twice.jinja"
    tpl.write_text("{{ context }}\nAgain:\n{{ context }}\n{% for c in candidates %}[{{ c.index }}] {{ c.text }}\n"
                   "{% endfor %}Answer:")
    q = make_question(3, context_words=3000, cand_words=300)
    once = count_tokens(q.context) + sum(count_tokens(c.text) for c in q.candidates)
    window = once + 400 + RESERVE  # the parts once fit easily; twice they do not
    p = _runner(window, template=str(tpl)).prepare(q)
    assert p.truncated_tokens > 0 and count_tokens(p.prompt) <= window - RESERVE


def test_unlimited_window_counts_nothing_unless_asked(encoded):
    q = make_question(4, context_words=2000)
    p = _runner(None).prepare(q)
    assert p.prompt_tokens == 0 and p.truncated_tokens == 0  # the server reports usage
    assert not any(len(t) > 1000 for t in encoded)


def test_sum_of_parts_is_within_the_margin_on_adversarial_joins():
    """The bound the estimate rests on: parts whose ends are whitespace, newlines, punctuation,
    digits, emoji or special-token text change the whole count by far less than the margin."""
    pieces = [" ", "  ", "\n", "\n\n", " \n", "\t", "/", "//", ":", ".", "...", "'s", "'", "123", "4567", "é",
              "日本", "😀", "<", ">", "</", "[", "]", "**", "-", "---", "\r\n", "A", "abc", "x", "_", "\u200b",
              "<|endoftext|>", "Candidate", "0", "</Candidate>", "</Paper>"]
    r = random.Random(0)
    templates = choose_templates(None)
    sizer = PromptSizer("o200k_base", use_recorded=False)

    def edge():
        return "".join(r.choice(pieces) for _ in range(r.randint(0, 4)))

    mid = "the model attends over its context. "
    worst = 0
    for i in range(400):
        task = r.choice(["mcq", "cloze"])
        mask = "**[MASKED_CITATION]**" if task == "mcq" else "[MASK_1]"
        ctx = edge() + mid + mask + edge() + mid + edge() + (" [MASK_2]" + edge() if task == "cloze" else "")
        cands = [Candidate(key=f"k{k}", text=edge() + mid * r.randint(0, 2) + edge()) for k in range(r.randint(2, 6))]
        q = Question(id=str(i), task=task, difficulty="easy", paper="p", context=ctx, candidates=cands,
                     answer=0 if task == "mcq" else [0, 1])
        tpl = templates.for_task(task)
        prompt = tpl.render(q)
        diff = abs(count_tokens(prompt) - sizer.estimate(tpl, q, prompt))
        assert diff <= margin(q) // 4, (i, diff)
        worst = max(worst, diff)
    assert worst > 0  # the joins do matter; the test would notice a margin of zero
