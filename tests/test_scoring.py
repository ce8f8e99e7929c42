from scalar.evaluate.scoring import clustered_score, length_bucket


def test_clustered_interval_contains_accuracy_and_widens_with_clustering():
    # 20 papers x 10 questions; papers are all-right or all-wrong: strongly clustered.
    correct = [i % 2 == 0 for i in range(20) for _ in range(10)]
    papers = [f"p{i}" for i in range(20) for _ in range(10)]
    clustered = clustered_score(correct, papers)
    independent = clustered_score(correct, [f"q{i}" for i in range(200)])
    assert clustered.accuracy == independent.accuracy == 0.5
    assert clustered.low <= 0.5 <= clustered.high
    assert (clustered.high - clustered.low) > 1.8 * (independent.high - independent.low)
    assert clustered.n == 200 and clustered.n_papers == 20


def test_clustered_score_is_deterministic_and_handles_edges():
    a = clustered_score([True, False, True], ["a", "b", "c"])
    assert a == clustered_score([True, False, True], ["a", "b", "c"])
    one = clustered_score([True, True, False], ["a", "a", "a"])
    assert 0 < one.low < one.accuracy < one.high < 1
    assert clustered_score([], []).n == 0


def test_length_buckets():
    assert length_bucket(100) == "0k-8k"
    assert length_bucket(31_999) == "16k-32k"
    assert length_bucket(500_000) == ">=128k"
