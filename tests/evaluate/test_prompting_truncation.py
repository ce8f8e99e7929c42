import pytest
from eval_fixtures import make_question

from scalar._util.tokens import count_tokens
from scalar.errors import ConfigError
from scalar.evaluate.prompting import choose_templates, logprob_prefixes
from scalar.evaluate.truncation import CUT, fit


def test_default_template_follows_original_layout():
    q = make_question(1)
    prompt = choose_templates(None).for_task("mcq").render(q)
    assert prompt.index("**[MASKED_CITATION]**") < prompt.index("<Paper>")  # the instruction names the mask
    assert "<answer>index</answer>" in prompt.split("\n\n<Paper>\n")[0]
    paper = prompt.split("<Paper>\n", 1)[1].split("\n</Paper>", 1)[0]
    assert paper == q.context
    refs = prompt.split("<References>\n", 1)[1].split("</References>", 1)[0]
    for i, c in enumerate(q.candidates):
        assert f"<Candidate>Candidate [{i}]:\n{c.text}</Candidate>\n" in refs
    assert refs.count("<Candidate>") == len(q.candidates)
    assert "bib.bib" not in prompt  # reference keys are never shown
    assert prompt.rstrip().endswith("<answer>0</answer>.")


def test_cloze_template_lists_every_mask():
    q = make_question(2, task="cloze")
    prompt = choose_templates(None).for_task("cloze").render(q)
    head = prompt.split("\n\n<Paper>\n")[0]
    assert "[MASK_1]" in head and "[MASK_2]" in head
    # the expected format names every mask and shows no candidate index a model could copy
    assert prompt.endswith("<answer>\n[MASK_1]: index\n[MASK_2]: index\n</answer>\n")
    assert 'replace "index" with a number from 0 to 3' in prompt


def test_cloze_template_says_masks_are_distinct_papers_and_labels_are_not_indices():
    q = make_question(2, task="cloze")
    head = choose_templates(None).for_task("cloze").render(q).split("\n\n<Paper>\n")[0]
    assert "different placeholders stand for different papers" in head
    assert "a different candidate for each placeholder" in head
    assert "more than once refers to the same paper" in head
    assert "not a candidate index" in head
    assert "may be used more than once" not in head  # the old, wrong wording


def test_mcq_template_says_every_placeholder_is_the_same_paper():
    head = choose_templates(None).for_task("mcq").render(make_question(1)).split("\n\n<Paper>\n")[0]
    assert "every placeholder refers to the same cited paper" in head
    assert "may appear more than once" in head


def test_user_template_file_and_errors(tmp_path):
    t = tmp_path / "short.jinja"
    t.write_text("{{ context }}\n{% for c in candidates %}[{{ c.index }}] {{ c.title }}\n{% endfor %}Answer:")
    choice = choose_templates(str(t))
    q = make_question(3)
    out = choice.for_task("mcq").render(q)
    assert out.startswith(q.context) and "[3] Paper 3" in out
    assert choice.for_task("cloze") is choice.for_task("mcq")
    bad = tmp_path / "bad.jinja"
    bad.write_text("{% for c in candidates %}")
    with pytest.raises(ConfigError, match="bad.jinja"):
        choose_templates(str(bad))
    with pytest.raises(ConfigError, match="not found"):
        choose_templates(str(tmp_path / "missing.jinja"))
    leak = tmp_path / "leak.jinja"
    leak.write_text("{{ answer }}")
    with pytest.raises(ConfigError):  # the answer is not a template variable
        choose_templates(str(leak)).for_task("mcq").render(q)


def test_logprob_prefix_ends_at_the_answer():
    q = make_question(4)
    prompt = choose_templates(None).for_task("mcq").render(q)
    assert logprob_prefixes(prompt, q) == [prompt + "\n<answer>"]
    assert len(logprob_prefixes(prompt, make_question(5, task="cloze"))) == 2


def _long_question(i=7):
    return make_question(i, context_words=6000, cand_words=3000)


def test_no_truncation_within_budget():
    q = make_question(1)
    f = fit(q.context, [c.text for c in q.candidates], 100_000)
    assert f.truncated_tokens == 0 and f.context == q.context
    assert [c.text for c in q.candidates] == f.candidate_texts


def test_truncation_keeps_mask_neighbourhood_and_every_candidate():
    q = _long_question()
    texts = [c.text for c in q.candidates]
    before = count_tokens(q.context) + sum(count_tokens(t) for t in texts)
    f = fit(q.context, texts, 4000)
    assert f.truncated_tokens > 0
    assert abs(f.tokens + f.truncated_tokens - before) <= 2  # the context is encoded in pieces at the mask
    assert count_tokens(f.context) + sum(count_tokens(t) for t in f.candidate_texts) <= 4000 + 40  # cut markers
    # the mask and the words right next to it survive; the opening (title) survives
    assert "as shown by **[MASKED_CITATION]** in prior work." in f.context
    assert f.context.startswith("Title 7. QID-")
    assert CUT.strip() in f.context
    # every candidate keeps its opening and is trimmed in proportion (equal lengths -> similar sizes)
    assert len(f.candidate_texts) == 4
    sizes = [count_tokens(t) for t in f.candidate_texts]
    for t, orig in zip(f.candidate_texts, texts):
        assert t.startswith(orig[:40]) and t.endswith("[...]")
    assert max(sizes) - min(sizes) < 10
    ctx_share = count_tokens(f.context) / 4000
    orig_share = count_tokens(q.context) / before
    assert abs(ctx_share - orig_share) < 0.1


def test_cloze_truncation_keeps_all_masks():
    q = make_question(8, task="cloze", context_words=8000, cand_words=1000)
    f = fit(q.context, [c.text for c in q.candidates], 3000)
    assert "[MASK_1]" in f.context and "[MASK_2]" in f.context
    assert f.truncated_tokens > 0


def test_window_too_small_is_a_config_error():
    q = _long_question()
    with pytest.raises(ConfigError, match="context window"):
        fit(q.context, [c.text for c in q.candidates], 100)


def test_truncation_keeps_the_neighbourhood_of_every_mcq_placeholder():
    """The generator masks every citation of the gold paper: a context can hold the placeholder in
    its introduction and again deep in its body; both neighbourhoods survive a cut."""
    from eval_fixtures import WORDS

    def filler(n, seed):
        return " ".join(WORDS[(seed * 5 + k * 3) % len(WORDS)] + str(k % 97) for k in range(n))

    context = (f"Title. {filler(3000, 1)} early marker words **[MASKED_CITATION]** introduced it. "
               f"{filler(4000, 2)} late marker words **[MASKED_CITATION]** extended it. {filler(3000, 3)}")
    texts = ["candidate text " * 300] * 4
    f = fit(context, texts, 3000)
    assert f.truncated_tokens > 0 and f.context.count("**[MASKED_CITATION]**") == 2
    assert "early marker words **[MASKED_CITATION]** introduced it." in f.context
    assert "late marker words **[MASKED_CITATION]** extended it." in f.context
    assert count_tokens(f.context) < count_tokens(context) / 3
