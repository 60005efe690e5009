//! Weighted k-nearest-neighbour accuracy on cosine similarity: the kNN monitor of
//! instance discrimination (Wu, Xiong, Yu & Lin, "Unsupervised Feature Learning via
//! Non-Parametric Instance Discrimination", CVPR 2018), also used by MoCo and DINO
//! (`eval_knn.py`: k = 20, T = 0.07).
//!
//! Every test row votes with its k most similar train rows (cosine similarity), each
//! neighbour's vote weighted by exp(sim / T); the predicted class is the one with the largest
//! total weight. Similarities come from blocked matrix products (nalgebra's f32 gemm) of 256
//! test rows against 2 048 train rows at a time, so the working memory is
//! O(threads · 256 · (2 048 + dim + k)) floats whatever the sizes (a 10k × 60k evaluation never
//! holds the full similarity matrix); the test rows are split over the available cores.

use super::{EvalError, Features, check_supervised};
use nalgebra::{DMatrixView, DMatrixViewMut, Dyn, MatrixView};

/// Default number of neighbours (InstDisc, DINO).
pub const KNN_DEFAULT_K: usize = 20;
/// Temperature T of the vote weights exp(sim / T) (InstDisc, DINO).
pub const KNN_TEMPERATURE: f32 = 0.07;
/// Test rows per similarity block.
const QUERY_CHUNK: usize = 256;
/// Train rows per similarity block.
const TRAIN_CHUNK: usize = 2048;

/// Accuracy on `test` of the weighted cosine kNN classifier built on `train` (Wu et al. 2018,
/// InstDisc; the DINO/MoCo kNN monitor): each test row takes its `k` train rows of highest
/// cosine similarity s and gives class `train_y[j]` the weight exp(s / [`KNN_TEMPERATURE`]);
/// the class of largest total weight wins (ties to the lowest class id). The usual choice is
/// `k` = [`KNN_DEFAULT_K`].
///
/// Details: `k` larger than the train set uses every train row; neighbours of equal similarity
/// are taken in train-row order; an all-zero row has similarity 0 to everything. The weights
/// are computed as exp((s − 1) / T), the same up to a common factor, which cannot overflow.
///
/// Errors: empty or non-finite features, different dimensions, label vectors of the wrong
/// length or with a label `≥ classes`, `classes` = 0 or above [`MAX_CLASSES`](super::MAX_CLASSES), `k = 0`.
pub fn knn_accuracy(
    train: Features,
    train_y: &[usize],
    test: Features,
    test_y: &[usize],
    classes: usize,
    k: usize,
) -> Result<f64, EvalError> {
    check_supervised(&train, train_y, &test, test_y, classes)?;
    if k == 0 {
        return Err(EvalError::InvalidParameter { name: "k", value: 0.0 });
    }
    let pred = knn_predict(&train, train_y, &test, classes, k.min(train.n));
    let correct = pred.iter().zip(test_y).filter(|(p, t)| p == t).count();
    Ok(correct as f64 / test.n as f64)
}

/// 1 / ‖row‖ of every row (0 for a zero row), accumulated in f64.
fn inverse_norms(x: &Features) -> Vec<f32> {
    x.data
        .chunks_exact(x.dim)
        .map(|r| {
            let n = r.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt();
            if n > 0.0 && n.is_finite() { (1.0 / n) as f32 } else { 0.0 }
        })
        .collect()
}

/// Predicted class of every test row (inputs checked, `1 ≤ k ≤ train.n`), the test rows
/// split into one contiguous range per available core.
fn knn_predict(train: &Features, train_y: &[usize], test: &Features, classes: usize, k: usize) -> Vec<usize> {
    let train_inv = inverse_norms(train);
    let job = Job { train, train_y, train_inv: &train_inv, test, classes, k };
    let chunks = test.n.div_ceil(QUERY_CHUNK);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, chunks.max(1));
    if threads == 1 {
        return job.predict(0, test.n);
    }
    let per_thread = chunks.div_ceil(threads) * QUERY_CHUNK;
    let ranges: Vec<(usize, usize)> =
        (0..test.n).step_by(per_thread).map(|a| (a, per_thread.min(test.n - a))).collect();
    std::thread::scope(|s| {
        let job = &job;
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(a, len)| (a, len, std::thread::Builder::new().spawn_scoped(s, move || job.predict(a, len)).ok()))
            .collect();
        let mut pred = Vec::with_capacity(test.n);
        for (a, len, handle) in handles {
            // A range whose thread could not be spawned is computed here.
            match handle.and_then(|h| h.join().ok()) {
                Some(p) => pred.extend(p),
                None => pred.extend(job.predict(a, len)),
            }
        }
        pred
    })
}

/// The read-only inputs of one kNN evaluation.
struct Job<'a> {
    train: &'a Features<'a>,
    train_y: &'a [usize],
    train_inv: &'a [f32],
    test: &'a Features<'a>,
    classes: usize,
    k: usize,
}

impl Job<'_> {
    /// Predictions for test rows `start..start + len`.
    fn predict(&self, start: usize, len: usize) -> Vec<usize> {
        let (d, k) = (self.train.dim, self.k);
        let mut pred = vec![0usize; len];
        let mut q = vec![0f32; QUERY_CHUNK * d];
        let mut sims = vec![0f32; QUERY_CHUNK * TRAIN_CHUNK.min(self.train.n)];
        let mut top = TopK::new(QUERY_CHUNK, k);
        let mut votes = vec![0f64; self.classes];
        for (c, out) in pred.chunks_mut(QUERY_CHUNK).enumerate() {
            let (q0, nq) = (start + c * QUERY_CHUNK, out.len());
            for (i, dst) in q.chunks_exact_mut(d).take(nq).enumerate() {
                let row = self.test.row(q0 + i);
                let n = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt();
                let inv = if n > 0.0 && n.is_finite() { 1.0 / n } else { 0.0 };
                for (o, &v) in dst.iter_mut().zip(row) {
                    *o = (f64::from(v) * inv) as f32;
                }
            }
            top.clear();
            for t0 in (0..self.train.n).step_by(TRAIN_CHUNK) {
                let nt = TRAIN_CHUNK.min(self.train.n - t0);
                similarities(&self.train.data[t0 * d..(t0 + nt) * d], &q[..nq * d], d, &mut sims[..nt * nq]);
                for (i, col) in sims[..nt * nq].chunks_exact(nt).enumerate() {
                    for (j, (&dot, &inv)) in col.iter().zip(&self.train_inv[t0..t0 + nt]).enumerate() {
                        top.push(i, dot * inv, self.train_y[t0 + j]);
                    }
                }
            }
            for (i, o) in out.iter_mut().enumerate() {
                votes.iter_mut().for_each(|v| *v = 0.0);
                for (&s, &l) in top.neighbours(i) {
                    votes[l] += ((f64::from(s) - 1.0) / f64::from(KNN_TEMPERATURE)).exp();
                }
                *o = argmax(&votes);
            }
        }
        pred
    }
}

/// Dot products of every row of `train` (nt × d, row-major) with every row of `queries`
/// (nq × d, row-major), written column-major: `out[i * nt + j] = queries_i · train_j`.
/// Large blocks go through nalgebra's gemm, i.e. `matrixmultiply::sgemm` (packed, SIMD kernels
/// chosen at run time); blocks with a side ≤ 5, which nalgebra would hand to its own strided
/// fallback, are plain loops.
fn similarities(train: &[f32], queries: &[f32], d: usize, out: &mut [f32]) {
    let (nt, nq) = (train.len() / d, queries.len() / d);
    if nt > 5 && nq > 5 && d > 5 {
        // S (nt × nq, column-major) = train block (nt × d, row-major) · queriesᵀ (d × nq).
        let a = MatrixView::<f32, Dyn, Dyn, Dyn, Dyn>::from_slice_with_strides(train, nt, d, d, 1);
        let b = DMatrixView::from_slice(queries, d, nq);
        DMatrixViewMut::from_slice(out, nt, nq).gemm(1.0, &a, &b, 0.0);
    } else {
        for (col, q) in out.chunks_exact_mut(nt).zip(queries.chunks_exact(d)) {
            for (o, t) in col.iter_mut().zip(train.chunks_exact(d)) {
                *o = q.iter().zip(t).map(|(&a, &b)| a * b).sum();
            }
        }
    }
}

/// Index of the largest value (the first on ties).
fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// The k best (similarity, label) pairs of each of `rows` queries, sorted by decreasing
/// similarity; ties keep the earlier insertion first.
struct TopK {
    k: usize,
    sims: Vec<f32>,
    labels: Vec<usize>,
    len: Vec<usize>,
}

impl TopK {
    fn new(rows: usize, k: usize) -> Self {
        TopK { k, sims: vec![0.0; rows * k], labels: vec![0; rows * k], len: vec![0; rows] }
    }

    fn clear(&mut self) {
        self.len.iter_mut().for_each(|l| *l = 0);
    }

    #[inline]
    fn push(&mut self, row: usize, s: f32, label: usize) {
        let k = self.k;
        let len = self.len[row];
        let sims = &mut self.sims[row * k..(row + 1) * k];
        // NaN never enters; when full, only a strictly better similarity does.
        if s.is_nan() || (len == k && s <= sims[k - 1]) {
            return;
        }
        let labels = &mut self.labels[row * k..(row + 1) * k];
        let mut p = if len == k { k - 1 } else { len };
        while p > 0 && sims[p - 1] < s {
            sims[p] = sims[p - 1];
            labels[p] = labels[p - 1];
            p -= 1;
        }
        sims[p] = s;
        labels[p] = label;
        if len < k {
            self.len[row] = len + 1;
        }
    }

    fn neighbours(&self, row: usize) -> impl Iterator<Item = (&f32, &usize)> {
        let (a, n) = (row * self.k, self.len[row]);
        self.sims[a..a + n].iter().zip(&self.labels[a..a + n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::tests::digits_split;

    #[test]
    fn digits_knn_is_accurate() {
        let (tr, tr_y, te, te_y) = digits_split();
        let train = Features { data: &tr, n: tr_y.len(), dim: 64 };
        let test = Features { data: &te, n: te_y.len(), dim: 64 };
        let acc = knn_accuracy(train, &tr_y, test, &te_y, 10, KNN_DEFAULT_K).unwrap();
        assert!(acc > 0.9, "kNN accuracy {acc}");
    }

    #[test]
    fn a_query_equal_to_a_train_point_takes_its_label() {
        let train = [1.0f32, 0.0, 0.0, 1.0, -1.0, -1.0, 0.3, 0.9];
        let ty = [2, 0, 1, 3];
        let train = Features { data: &train, n: 4, dim: 2 };
        for (i, &label) in ty.iter().enumerate() {
            let q = &train.data[2 * i..2 * i + 2];
            let test = Features { data: q, n: 1, dim: 2 };
            assert_eq!(knn_accuracy(train, &ty, test, &[label], 4, 1).unwrap(), 1.0, "row {i}");
        }
        // k larger than the train set is clamped; scaling a query does not change cosine.
        let q = [10.0f32, 0.1];
        assert_eq!(knn_accuracy(train, &ty, Features { data: &q, n: 1, dim: 2 }, &[2], 4, 1).unwrap(), 1.0);
        assert!(knn_accuracy(train, &ty, Features { data: &q, n: 1, dim: 2 }, &[2], 4, 100).is_ok());
    }

    #[test]
    fn chunking_and_threads_agree_with_brute_force() {
        // Small blocks (plain loops) and large ones (gemm).
        agree_with_brute_force(3);
        agree_with_brute_force(7);
    }

    fn agree_with_brute_force(d: usize) {
        // More rows than one query chunk and one train chunk, so every boundary is crossed;
        // the last train block has 3 rows (below gemm's size threshold).
        let (n_tr, n_te, classes, k) = (TRAIN_CHUNK + 3, QUERY_CHUNK * 2 + 5, 4, 5);
        // Pseudo-random values in [-1, 1) (splitmix64), so that exact ties are unlikely.
        let val = |i: usize, j: usize| {
            let mut z = (i as u64 * 1_000_003 + j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        };
        let tr: Vec<f32> = (0..n_tr * d).map(|t| val(t / d, t % d)).collect();
        let te: Vec<f32> = (0..n_te * d).map(|t| val(t / d + 3 * n_tr, t % d)).collect();
        let tr_y: Vec<usize> = (0..n_tr).map(|i| (i * 31) % classes).collect();
        let train = Features { data: &tr, n: n_tr, dim: d };
        let test = Features { data: &te, n: n_te, dim: d };
        let fast = knn_predict(&train, &tr_y, &test, classes, k);
        let cos = |a: &[f32], b: &[f32]| {
            let dot: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
            let na: f64 = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
            let nb: f64 = b.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
            dot / (na * nb)
        };
        let mut agree = 0;
        for (i, &f) in fast.iter().enumerate() {
            let mut s: Vec<(f64, usize)> = (0..n_tr).map(|j| (cos(test.row(i), train.row(j)), tr_y[j])).collect();
            s.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut votes = vec![0.0; classes];
            for &(sim, l) in &s[..k] {
                votes[l] += ((sim - 1.0) / 0.07).exp();
            }
            agree += usize::from(argmax(&votes) == f);
        }
        // f32 vs f64 similarities could swap a near-tie; on this data every row agrees.
        assert_eq!(agree, n_te, "d = {d}");
    }

    #[test]
    fn bad_input_is_rejected() {
        let x = [1.0f32, 2.0, 3.0, 4.0];
        let f = Features { data: &x, n: 2, dim: 2 };
        assert!(matches!(
            knn_accuracy(f, &[0], f, &[0, 1], 2, 1),
            Err(EvalError::ShapeMismatch { what: "train_y", .. })
        ));
        assert!(matches!(
            knn_accuracy(f, &[0, 1], f, &[0, 2], 2, 1),
            Err(EvalError::LabelOutOfRange { what: "test_y", index: 1, label: 2, classes: 2 })
        ));
        assert!(matches!(
            knn_accuracy(f, &[0, 1], f, &[0, 1], 2, 0),
            Err(EvalError::InvalidParameter { name: "k", .. })
        ));
        let nan = [1.0f32, 2.0, 3.0, f32::NAN];
        let g = Features { data: &nan, n: 2, dim: 2 };
        assert_eq!(
            knn_accuracy(f, &[0, 1], g, &[0, 1], 2, 1).unwrap_err(),
            EvalError::NonFinite { what: "test", row: 1 }
        );
        let h = Features { data: &x, n: 4, dim: 1 };
        assert!(matches!(
            knn_accuracy(f, &[0, 1], h, &[0, 1, 0, 1], 2, 1),
            Err(EvalError::ShapeMismatch { what: "test dim", .. })
        ));
    }
}
