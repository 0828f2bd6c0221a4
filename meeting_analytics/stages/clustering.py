"""Agglomerative clustering of speaker embeddings in memory linear in their number.

pyannote's ``AgglomerativeClustering`` runs scipy's ``linkage`` over every embedding, which holds
all N(N-1)/2 distances: the part of a long recording's memory that grows with the square of its
length (+1.5 GiB at 14,000 embeddings, about two hours; BENCHMARKS.md). Up to ``max_exact``
embeddings this class runs pyannote's own code. Beyond, for average linkage on cosine distance
(the shipped configuration), it builds the same dendrogram without the distance matrix: for unit
vectors the mean cosine distance between clusters A and B is ``1 - s_A·s_B / (n_A n_B)`` (s: the
sum of the members, n: their number), so each cluster is its sum and size, and the nearest-neighbour
chain algorithm (Müllner 2011; exact for reducible linkages such as average) finds the merges
computing one row of distances at a time. pyannote's rules then cut it, as they would scipy's:
the threshold, the search for a requested number of clusters, small clusters joined to the nearest
large one. A test holds the result equal to pyannote's.

Memory: O(N·d) instead of O(N²); time O(N²·d) in numpy, about a minute for a four-hour recording.
"""

from __future__ import annotations

import numpy as np
from pyannote.audio.pipelines.clustering import AgglomerativeClustering
from scipy.cluster.hierarchy import fcluster
from scipy.spatial.distance import cdist

MAX_EXACT = 6000  # scipy's linkage up to here (18 M distances, 144 MB; about 50 minutes of audio)


class BoundedAgglomerativeClustering(AgglomerativeClustering):
    """pyannote's ``AgglomerativeClustering`` (same hyperparameters, same clusters) whose memory grows
    linearly with the number of embeddings beyond ``max_exact``."""

    def __init__(self, metric: str = "cosine", constrained_assignment: bool = False, max_exact: int = MAX_EXACT):
        super().__init__(metric=metric, constrained_assignment=constrained_assignment)
        self.max_exact = max_exact

    def cluster(self, embeddings: np.ndarray, min_clusters: int | None = None, max_clusters: int | None = None,
                num_clusters: int | None = None) -> np.ndarray:
        if len(embeddings) <= self.max_exact or self.method != "average" or self.metric != "cosine":
            return super().cluster(embeddings, min_clusters=min_clusters, max_clusters=max_clusters,
                                   num_clusters=num_clusters)
        dendrogram = average_linkage(embeddings)
        min_size = min(self.min_cluster_size, max(1, round(0.1 * len(embeddings))))
        return self._cut(embeddings, dendrogram, min_size, min_clusters, max_clusters, num_clusters)

    def _cut(self, embeddings, dendrogram, min_size, min_clusters, max_clusters, num_clusters) -> np.ndarray:
        """pyannote's rules (``AgglomerativeClustering.cluster`` after its ``linkage`` call)."""
        clusters = fcluster(dendrogram, self.threshold, criterion="distance") - 1
        large = _large(clusters, min_size)
        if len(large) < min_clusters:
            num_clusters = min_clusters
        elif len(large) > max_clusters:
            num_clusters = max_clusters
        if num_clusters is not None and len(large) != num_clusters:
            clusters = _closest_cut(dendrogram, min_size, self.threshold, num_clusters)
            large = _large(clusters, min_size)
        if len(large) == 0:
            clusters[:] = 0
            return clusters
        small = np.setdiff1d(np.unique(clusters), large)
        if len(small) == 0:
            return clusters
        centroids = lambda ks: np.vstack([embeddings[clusters == k].mean(axis=0) for k in ks])  # noqa: E731
        nearest = np.argmin(cdist(centroids(large), centroids(small), metric=self.metric), axis=0)
        for k, to in zip(small, large[nearest]):
            clusters[clusters == k] = to
        return np.unique(clusters, return_inverse=True)[1]


def average_linkage(embeddings: np.ndarray) -> np.ndarray:
    """scipy's ``linkage(embeddings, "average", "cosine")`` without the distance matrix: a nearest-neighbour
    chain over cluster sums, then the merges sorted by height and numbered as scipy numbers them."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    merges = _nn_chain(unit.astype(np.float64))
    return _as_linkage(merges, len(embeddings))


def _nn_chain(unit: np.ndarray) -> list[tuple[int, int, float]]:
    """(kept, merged, height) per merge, in the order the chain finds them; ``kept`` carries on as the
    merged cluster's row. Rows are compacted as clusters merge, so the work shrinks with them."""
    sums, sizes, rows = unit.copy(), np.ones(len(unit)), np.arange(len(unit))  # rows: compact -> original
    active = np.ones(len(unit), dtype=bool)
    merges: list[tuple[int, int, float]] = []
    chain: list[int] = []
    while len(merges) < len(unit) - 1:
        if active.sum() * 2 < len(rows):  # drop merged rows; chain positions follow
            keep = np.flatnonzero(active)
            where = {old: new for new, old in enumerate(keep.tolist())}
            sums, sizes, rows, active = sums[keep], sizes[keep], rows[keep], active[keep]
            chain = [where[c] for c in chain]
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        a = chain[-1]
        dist = 1.0 - (sums @ sums[a]) / (sizes * sizes[a])
        dist[~active] = np.inf
        dist[a] = np.inf
        b = int(np.argmin(dist))
        if len(chain) > 1 and dist[chain[-2]] <= dist[b]:  # ties go back down the chain: it always ends
            b = chain[-2]
        if len(chain) > 1 and b == chain[-2]:
            chain = chain[:-2]
            merges.append((int(rows[a]), int(rows[b]), float(max(dist[b], 0.0))))
            sums[a] += sums[b]
            sizes[a] += sizes[b]
            active[b] = False
        else:
            chain.append(b)
    return merges


def _as_linkage(merges: list[tuple[int, int, float]], n: int) -> np.ndarray:
    """Merges of representatives (any order) -> scipy's linkage matrix (by height, new ids n, n+1, ...)."""
    parent, ids, count = np.arange(n), np.arange(n), np.ones(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree = np.zeros((max(n - 1, 0), 4))
    for step, (x, y, height) in enumerate(sorted(merges, key=lambda m: m[2])):
        rx, ry = root(x), root(y)
        tree[step] = [min(ids[rx], ids[ry]), max(ids[rx], ids[ry]), height, count[rx] + count[ry]]
        parent[ry] = rx
        count[rx] += count[ry]
        ids[rx] = n + step
    return tree


def _large(clusters: np.ndarray, min_size: int) -> np.ndarray:
    labels, counts = np.unique(clusters, return_counts=True)
    return labels[counts >= min_size]


def _closest_cut(dendrogram: np.ndarray, min_size: int, threshold: float, target: int) -> np.ndarray:
    """pyannote's search: walk the merges from the one nearest the threshold outwards; the cut whose
    number of large clusters comes nearest ``target``."""
    by_index = dendrogram.copy()
    by_index[:, 2] = np.arange(len(dendrogram))
    best, best_count = len(dendrogram), 1
    for it in np.argsort(np.abs(dendrogram[:, 2] - threshold)):
        if dendrogram[it, 3] < min_size:
            continue
        clusters = fcluster(by_index, it, criterion="distance") - 1
        count = len(_large(clusters, min_size))
        if abs(count - target) < abs(best_count - target):
            best, best_count = it, count
        if count == target:
            return clusters
    return fcluster(by_index, best, criterion="distance") - 1
