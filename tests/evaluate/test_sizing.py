"""Prompt sizing: a prompt is cut only when it does not fit, sent only when it does, and 200 kB of
text is tokenised only when no cheaper bound settles the question."""

import random
from pathlib import Path

import pytest
from eval_fixtures import make_question

from scalar._util.tokens import count_tokens
from scalar.evaluate import get_backend, truncation
from scalar.evaluate.prompting import choose_templates
from scalar.evaluate.runner import EvalConfig, Runner
from scalar.evaluate.sizing import PromptSizer, safe_cuts
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
    assert whole.prompt_tokens == n
    cut = _runner(n + RESERVE - 1).prepare(q)
    assert cut.truncated_tokens > 0 and count_tokens(cut.prompt) == cut.prompt_tokens <= n - 1
    assert n - 1 - cut.prompt_tokens < 120  # cut to the window, not far below it


def test_recorded_counts_spare_tokenising_the_texts(encoded):
    """A release records the o200k count of paper + candidates: the exact prompt count follows from
    it and the text around the joins, without encoding the 100 kB of parts."""
    qs = [make_question(i, context_words=6000, cand_words=2000) for i in range(6)]
    runner = _runner(128_000, max_cost=10.0)  # a budget needs counts
    for q in qs:
        p = runner.prepare(q)
        exact = _exact(q)
        assert p.truncated_tokens == 0 and p.prompt_tokens == exact
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
    for c in pool:  # its bulk (all but the ends next to the joins) is encoded once in five questions
        assert sum(1 for t in encoded if len(t) > 5000 and t in c.text) == 1


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


def _adversarial_questions(n, seed=0):
    """Parts whose ends are whitespace, newlines, punctuation, digits, emoji, CJK or special-token
    text, some without any safe cut, some a single character."""
    pieces = [" ", "  ", "\n", "\n\n", " \n", "\t", "/", "//", ":", ".", "...", "'s", "'", "123", "4567", "é",
              "日本語の文", "😀", "<", ">", "</", "[", "]", "**", "-", "---", "\r\n", "A", "abc", "x", "_", "\u200b",
              "<|endoftext|>", "Candidate", "0", "</Candidate>", "</Paper>", "a ", " b", "word ", "e\u0301 "]
    r = random.Random(seed)

    def edge():
        return "".join(r.choice(pieces) for _ in range(r.randint(0, 5)))

    def body():
        kind = r.random()
        if kind < 0.15:
            return "".join(r.choice(pieces) for _ in range(r.randint(0, 300)))  # maybe no safe cut at all
        if kind < 0.25:
            return "日本語の論文の本文。" * r.randint(1, 80)
        return "the model attends over its context, it's fast. " * r.randint(0, 60)

    for i in range(n):
        task = r.choice(["mcq", "cloze"])
        mask = "**[MASKED_CITATION]**" if task == "mcq" else "[MASK_1]"
        ctx = edge() + body() + mask + edge() + body() + edge() + (" [MASK_2]" + edge() if task == "cloze" else "")
        cands = [Candidate(key=f"k{k}", text=edge() + body() + edge()) for k in range(r.randint(2, 6))]
        yield Question(id=str(i), task=task, difficulty="easy", paper="p", context=ctx, candidates=cands,
                       answer=0 if task == "mcq" else [0, 1])


@pytest.mark.parametrize("recorded", [True, False])
def test_counts_from_parts_equal_tiktoken_on_the_whole_prompt(recorded):
    """The safe-cut rule: counting the text around the joins plus the parts' interiors (or the
    release's recorded sum) gives exactly what tiktoken reports for the whole prompt."""
    templates = choose_templates(None)
    sizer = PromptSizer("o200k_base", use_recorded=recorded)
    truncation.COUNTS.clear()
    without_cuts = 0
    for q in _adversarial_questions(300, seed=int(recorded)):
        q = q.model_copy(update={"context_tokens": count_tokens(q.context) + sum(count_tokens(c.text)
                                                                                 for c in q.candidates)})
        tpl = templates.for_task(q.task)
        prompt = tpl.render(q)
        assert sizer.exact(tpl, q, prompt) == count_tokens(prompt), q
        without_cuts += any(safe_cuts(t) is None for t in [q.context] + [c.text for c in q.candidates])
    assert without_cuts > 10  # the fallback for parts without a safe cut is exercised
    if recorded:
        assert sizer.recorded_ok is True


def test_cl100k_counts_are_exact_too():
    sizer = PromptSizer("cl100k_base")
    templates = choose_templates(None)
    for q in _adversarial_questions(100, seed=5):
        tpl = templates.for_task(q.task)
        prompt = tpl.render(q)
        assert sizer.exact(tpl, q, prompt) == count_tokens(prompt, "cl100k_base")


def test_safe_cuts_sit_between_a_letter_and_a_space():
    text = "12 apples and pears. Then (x) more "
    a, b = safe_cuts(text)
    assert text[:a] == "12 apples" and text[b:] == " "
    assert safe_cuts("日本語の文です。") is None and safe_cuts("... 123 !!") is None
    assert safe_cuts("one two")[0] == 3
