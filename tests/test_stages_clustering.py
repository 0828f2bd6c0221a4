"""The clustering of long recordings equals pyannote's: the nearest-neighbour chain builds scipy's
dendrogram, and pyannote's rules cut it as they cut scipy's (no models: random speaker embeddings)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from meeting_analytics.stages.clustering import BoundedAgglomerativeClustering, average_linkage

PARAMS = {"method": "average", "threshold": 0.6, "min_cluster_size": 10}


def speakers(n: int, k: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(k, 256))[rng.integers(0, k, n)] + rng.normal(scale=1.0, size=(n, 256))


def clustering(max_exact: int) -> BoundedAgglomerativeClustering:
    c = BoundedAgglomerativeClustering(max_exact=max_exact)
    c.instantiate(PARAMS)
    return c


def test_nearest_neighbour_chain_builds_scipys_average_linkage():
    x = np.random.default_rng(1).normal(size=(400, 32))
    ours, scipys = average_linkage(x), linkage(x, method="average", metric="cosine")
    assert np.array_equal(ours[:, [0, 1, 3]], scipys[:, [0, 1, 3]])
    assert np.allclose(ours[:, 2], scipys[:, 2], rtol=0, atol=1e-12)


@pytest.mark.parametrize("bounds", [dict(min_clusters=1, max_clusters=20),  # the threshold decides
                                    dict(min_clusters=1, max_clusters=20, num_clusters=3),  # fewer than found
                                    dict(min_clusters=1, max_clusters=20, num_clusters=9),  # more than found
                                    dict(min_clusters=8, max_clusters=20),  # min_speakers above the threshold's
                                    dict(min_clusters=1, max_clusters=4)])  # max_speakers below it
def test_bounded_clustering_equals_pyannotes(bounds):
    emb = speakers(1500)
    exact = clustering(max_exact=10**9).cluster(emb.copy(), **bounds)
    chain = clustering(max_exact=100).cluster(emb.copy(), **bounds)
    assert np.array_equal(exact, chain)
    expected = bounds.get("num_clusters") or min(max(6, bounds["min_clusters"]), bounds["max_clusters"])
    assert len(set(chain)) == expected


def test_small_clusters_join_the_nearest_large_one():
    emb = np.vstack([speakers(600, k=2, seed=3), speakers(4, k=1, seed=9)])  # a stray 4-embedding cluster
    exact = clustering(max_exact=10**9).cluster(emb.copy(), min_clusters=1, max_clusters=20)
    chain = clustering(max_exact=100).cluster(emb.copy(), min_clusters=1, max_clusters=20)
    assert np.array_equal(exact, chain) and len(set(chain)) == 2
