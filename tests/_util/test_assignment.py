import itertools
import random

import pytest

from scalar._util.assignment import max_weight_assignment


def _best_total(s):
    k, n = len(s), len(s[0])
    return max(sum(s[i][p[i]] for i in range(k)) for p in itertools.permutations(range(n), k))


def test_assignment_reaches_the_brute_force_optimum_with_ties_and_rectangles():
    rnd = random.Random(7)
    for _ in range(1500):
        k = rnd.randint(1, 5)
        n = rnd.randint(k, 7)
        # few distinct values: many tied optima, the hard case for augmenting paths
        s = [[rnd.choice([0.0, 1.0, 2.0, 0.5, rnd.uniform(-3, 3)]) for _ in range(n)] for _ in range(k)]
        got = max_weight_assignment(s)
        assert len(got) == k and len(set(got)) == k and all(0 <= c < n for c in got)
        assert sum(s[i][got[i]] for i in range(k)) == pytest.approx(_best_total(s), abs=1e-12)


def test_assignment_prefers_the_total_over_each_row_greedily():
    # row 0 alone would take column 0; the best total gives it column 1
    assert max_weight_assignment([[5.0, 4.0], [5.0, 0.0]]) == [1, 0]
    assert max_weight_assignment([]) == []
    with pytest.raises(ValueError):
        max_weight_assignment([[1.0], [2.0]])
