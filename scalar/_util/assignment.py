"""The one-to-one row -> column assignment with the highest total score (rows <= columns).

The Hungarian method with row/column potentials and shortest augmenting paths, O(rows² x columns).
Written here rather than taken from scipy.optimize: importing scipy costs more than a second at
start-up, and the matrices it solves (masks x candidates of one cloze question) are tiny.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["max_weight_assignment"]


def max_weight_assignment(scores: Sequence[Sequence[float]]) -> list[int]:
    """The column chosen for each row, maximising the sum of ``scores[row][column]`` with every row
    on its own column. Needs finite scores and rows <= columns."""
    cost = [[-float(x) for x in row] for row in scores]  # minimise the negated scores
    k = len(cost)
    n = len(cost[0]) if k else 0
    if k > n:
        raise ValueError(f"{k} rows cannot take distinct columns out of {n}")
    inf = float("inf")
    u = [0.0] * (k + 1)  # row potentials (1-based; 0 is the row being added)
    v = [0.0] * (n + 1)  # column potentials (column 0 is a virtual start)
    owner = [0] * (n + 1)  # owner[j]: the 1-based row on column j, 0 = free
    way = [0] * (n + 1)  # previous column on the shortest path
    for i in range(1, k + 1):
        owner[0] = i
        j0 = 0
        dist = [inf] * (n + 1)
        used = [False] * (n + 1)
        while True:  # grow shortest paths from row i until they reach a free column
            used[j0] = True
            row = owner[j0]
            delta, j1 = inf, 0
            costs = cost[row - 1]
            ur = u[row]
            for j in range(1, n + 1):
                if used[j]:
                    continue
                reduced = costs[j - 1] - ur - v[j]
                if reduced < dist[j]:
                    dist[j] = reduced
                    way[j] = j0
                if dist[j] < delta:
                    delta, j1 = dist[j], j
            for j in range(n + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    dist[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:  # flip the path: every row on it moves one column along
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    out = [0] * k
    for j in range(1, n + 1):
        if owner[j]:
            out[owner[j] - 1] = j - 1
    return out
