from scalar.generate.lexical import MASK, best_candidate, masked_window, rank_candidates


def test_obviously_matching_candidate_ranks_first():
    query = masked_window(
        "Policies were trained with proximal policy optimization and clipped surrogate objectives, "
        f"following {MASK}, with generalized advantage estimation.")
    candidates = [
        "Image classification with deep residual networks on ImageNet.",
        "We propose proximal policy optimization, a policy gradient method with a clipped surrogate "
        "objective; advantage estimation is generalized.",
        "A dataset of annotated street scenes for semantic segmentation.",
        "Language models are few-shot learners.",
    ]
    scores = rank_candidates(query, candidates)
    assert len(scores) == 4
    assert best_candidate(scores) == 1
    assert scores[1] > 0 and all(scores[1] > s for i, s in enumerate(scores) if i != 1)


def test_unrelated_query_scores_zero_and_is_not_a_choice():
    scores = rank_candidates("zebra xylophone", ["cats and dogs", "", "birds"])
    assert scores == [0.0, 0.0, 0.0]
    assert best_candidate(scores) is None
    assert rank_candidates("anything", []) == []


def test_empty_candidate_keeps_its_slot():
    scores = rank_candidates("widget network", ["", "widget network layers", "gadgets"])
    assert best_candidate(scores) == 1 and scores[0] == 0.0


def test_masked_window_is_the_words_around_the_mask():
    context = " ".join(f"w{i}" for i in range(100)) + f" ({MASK}) " + " ".join(f"v{i}" for i in range(100))
    window = masked_window(context, words=3)
    assert window == "w97 w98 w99 v0 v1 v2"  # the brackets around the mask are not words
    assert MASK not in masked_window(context)
    assert len(masked_window(context).split()) == 100
    assert masked_window("no mask here") == ""
    assert masked_window("a [MASK_2] b", mask="[MASK_2]", words=1) == "a b"


def test_term_contributions_add_up_to_the_scores_and_name_the_deciding_words():
    from scalar.generate.lexical import deciding_terms, term_contributions

    query = masked_window(f"Following {MASK}, we report the interquartile mean (IQM) and the optimality gap "
                          "of human-normalized scores.")
    candidates = [
        "We study exploration bonuses for sparse rewards in Atari games with human-normalized scores.",
        "Reliable evaluation: report the IQM, the interquartile mean, and the optimality gap with "
        "stratified bootstrap confidence intervals instead of the median of human-normalized scores.",
        "A benchmark of board games.",
    ]
    scores = rank_candidates(query, candidates)
    parts = term_contributions(query, candidates)
    assert [round(sum(p.values()), 4) for p in parts] == [round(s, 4) for s in scores]
    assert parts[2] == {}  # shares no word with the query
    terms = [t for t, _ in deciding_terms(query, candidates, gold=1)]
    assert {"iqm", "optimality"} <= set(terms)
    assert "normalized" not in terms  # in both texts: it does not separate them
    assert deciding_terms("zebra", candidates, gold=1) == []
