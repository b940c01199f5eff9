"""Weighted range counting: for many queries (lo, hi, key) at once, the weight of items in positions
[lo, hi) whose key is below / equal to the query key.

A wavelet matrix over the item keys, walked by all queries together level by level: O((n + q) log m)
with whole-array numpy operations only. A Fenwick tree would need a Python-level loop per item; numba
would add a heavy dependency for what vectorised numpy already does within the speed target.
"""

from __future__ import annotations

import numpy as np


class RangeCounter:
    def __init__(self, keys: np.ndarray, weights: list[np.ndarray]):
        """keys: int array in position order, values 0..m-1. weights: one or more weight arrays (same order)."""
        keys = np.asarray(keys, dtype=np.int64)
        n = keys.size
        m = int(keys.max()) + 1 if n else 1
        self.levels = max(1, int(m - 1).bit_length())
        self.n = n
        self._zero_counts = []  # per level: number of items with bit 0 among the first i (length n + 1)
        self._zero_weights = []  # per level and weight array: their weight
        self._n_zeros = []
        arr = keys
        ws = [np.asarray(w, dtype=float) for w in weights]
        self._totals = [np.concatenate([[0.0], np.cumsum(w)]) for w in ws]
        for level in range(self.levels):
            shift = self.levels - 1 - level
            zero = ((arr >> shift) & 1) == 0
            counts = np.empty(n + 1, dtype=np.int64)
            counts[0] = 0
            np.cumsum(zero, out=counts[1:])
            self._zero_counts.append(counts)
            self._zero_weights.append([np.concatenate([[0.0], np.cumsum(np.where(zero, w, 0.0))]) for w in ws])
            self._n_zeros.append(int(counts[-1]))
            order = np.argsort(~zero, kind="stable")  # stable partition: zeros first, then ones
            arr = arr[order]
            ws = [w[order] for w in ws]
        self._leaf_weights = [np.concatenate([[0.0], np.cumsum(w)]) for w in ws]

    def query(self, lo: np.ndarray, hi: np.ndarray, key: np.ndarray, which: int = 0):
        """Weights (below, equal, total) of items in [lo, hi) with key below / equal to `key`."""
        lo = np.asarray(lo, dtype=np.int64).copy()
        hi = np.asarray(hi, dtype=np.int64).copy()
        key = np.asarray(key, dtype=np.int64)
        total = self._totals[which][hi] - self._totals[which][lo]
        below = np.zeros(lo.size)
        for level in range(self.levels):
            shift = self.levels - 1 - level
            one = ((key >> shift) & 1) == 1
            counts = self._zero_counts[level]
            zw = self._zero_weights[level][which]
            zlo, zhi = counts[lo], counts[hi]
            below += np.where(one, zw[hi] - zw[lo], 0.0)
            nz = self._n_zeros[level]
            lo = np.where(one, nz + lo - zlo, zlo)
            hi = np.where(one, nz + hi - zhi, zhi)
        leaf = self._leaf_weights[which]
        equal = leaf[hi] - leaf[lo]
        return below, equal, total
