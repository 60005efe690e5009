//! The contingency table of two labelings: C[a][b] = #{i : truthᵢ = a-th class, predᵢ = b-th cluster},
//! classes and clusters in increasing id order (as `numpy.unique`).

use std::collections::BTreeMap;

/// Dense contingency table.
pub(crate) struct Contingency {
    /// Row-major counts, `classes × clusters`.
    pub counts: Vec<u64>,
    /// Number of distinct truth ids.
    pub classes: usize,
    /// Number of distinct predicted ids.
    pub clusters: usize,
}

/// Index of every id in sorted order of distinct ids.
pub(crate) fn encode(labels: &[i64]) -> (Vec<usize>, usize) {
    let mut ids: BTreeMap<i64, usize> = labels.iter().map(|&l| (l, 0)).collect();
    for (i, v) in ids.values_mut().enumerate() {
        *v = i;
    }
    (labels.iter().map(|l| ids[l]).collect(), ids.len())
}

impl Contingency {
    /// Table of equal-length labelings.
    pub(crate) fn new(truth: &[i64], pred: &[i64]) -> Self {
        let (t, classes) = encode(truth);
        let (p, clusters) = encode(pred);
        let mut counts = vec![0u64; classes * clusters];
        for (&a, &b) in t.iter().zip(&p) {
            counts[a * clusters + b] += 1;
        }
        Self { counts, classes, clusters }
    }
    /// Row sums (class sizes).
    pub(crate) fn row_sums(&self) -> Vec<u64> {
        self.counts.chunks_exact(self.clusters).map(|r| r.iter().sum()).collect()
    }
    /// Column sums (cluster sizes).
    pub(crate) fn col_sums(&self) -> Vec<u64> {
        let mut s = vec![0u64; self.clusters];
        for r in self.counts.chunks_exact(self.clusters) {
            for (a, &v) in s.iter_mut().zip(r) {
                *a += v;
            }
        }
        s
    }
}
