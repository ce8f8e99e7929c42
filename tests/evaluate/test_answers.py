import pytest

from scalar.evaluate.answers import extract_answer, extract_choice, extract_cloze, is_correct, strip_reasoning


@pytest.mark.parametrize("text,expected", [
    ("<answer>2</answer>", 2),
    ("<answer> 2 </answer>", 2),
    ("<answer>[2]</answer>", 2),
    ("<answer>index 2</answer>", 2),
    ("<answer>Candidate [2]</answer>", 2),
    ("<answer>\n  2\n</answer>", 2),                          # multi-line tag (the original parser failed)
    ("<ANSWER>3</ANSWER>", 3),
    ("I first thought <answer>1</answer> but on reflection <answer>3</answer>", 3),  # last tag wins
    ("Candidate 2", 2),
    ("The cited work is Candidate [1].", 1),
    ("Answer: 2", 2),
    ("**Answer:** 0", 0),
    ("The answer is 3.", 3),
    ("2", 2),
    ("[1]", 1),
    ("<think>Candidate 0 looks plausible. <answer>0</answer></think>\n<answer>3</answer>", 3),
    ("<think>long reasoning about Candidate 1 and Candidate 2</think>Answer: 2", 2),
    ("reasoning without an opening tag, Candidate 0 maybe </think> <answer>1</answer>", 1),
    ("<answer>2", 2),                                         # cut off after the opening tag
])
def test_accepted_forms(text, expected):
    assert extract_choice(text, 4) == expected


@pytest.mark.parametrize("text", [
    "",
    None,
    "I am not sure.",
    "<answer></answer>",
    "<answer>C</answer>",                                     # letters are not indices here
    "<answer>1 or 2</answer>",                                # two different indices
    "<answer>7</answer>",                                     # out of range
    "Candidate 0 is about vision, Candidate 2 is about speech.",  # mentions, no decision
    "<think>Answer: 2 is tempting but I run out of tokens",   # unclosed reasoning: no answer
])
def test_undecidable_is_none(text):
    assert extract_choice(text, 4) is None


def test_strip_reasoning_keeps_text_after_think():
    assert strip_reasoning("<think>x <answer>0</answer></think>final").strip() == "final"


@pytest.mark.parametrize("text,expected", [
    ("<answer>\n[MASK_1]: 2\n[MASK_2]: 0\n</answer>", [2, 0]),
    ("<answer>[MASK_2]: 1</answer> <answer>[MASK_1]: 3</answer>", [3, 1]),
    ("<answer>2, 0</answer>", [2, 0]),
    ("[MASK_1] = [1], [MASK_2] = [1]", [1, 1]),
    ("<think>[MASK_1]: 0</think><answer>[MASK_1]: 2\n[MASK_2]: 3</answer>", [2, 3]),
])
def test_cloze_forms(text, expected):
    assert extract_cloze(text, 2, 4) == expected


@pytest.mark.parametrize("text", ["<answer>[MASK_1]: 2</answer>", "<answer>2</answer>", "<answer>[MASK_1]: 9\n[MASK_2]: 0</answer>"])
def test_cloze_incomplete_is_none(text):
    assert extract_cloze(text, 2, 4) is None


def test_is_correct_and_dispatch():
    assert extract_answer("<answer>1</answer>", task="mcq", n_candidates=4) == 1
    assert extract_answer("<answer>1, 2</answer>", task="cloze", n_candidates=4, n_masks=2) == [1, 2]
    assert is_correct(1, 1) and not is_correct(None, 1) and not is_correct(2, 1)
    assert is_correct([1, 2], [1, 2]) and not is_correct([2, 1], [1, 2]) and not is_correct(1, [1])
