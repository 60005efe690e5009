//! A sparse matrix on a burn device as its entry list (row, column, weight) — an `n × n`
//! adjacency, or the `n × d` node features of a bag-of-words graph — with the two operations
//! the graph losses and the GCN need, each O(nnz·d) and differentiable in the dense operand:
//! gathering rows along the entries (`select`) and summing per-entry values into their rows
//! (`select_assign` with addition — a segment sum).

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use clasp_core::graph::Csr;

/// The stored entries of a CSR matrix as device tensors.
#[derive(Clone, Debug)]
pub struct SparseEdges<B: Backend> {
    /// Number of rows (= columns for an adjacency).
    pub n: usize,
    /// Row of each entry, `[nnz]`.
    pub rows: Tensor<B, 1, Int>,
    /// Column of each entry, `[nnz]`.
    pub cols: Tensor<B, 1, Int>,
    /// Weight of each entry, `[nnz]`.
    pub weights: Tensor<B, 1>,
    /// 1 for off-diagonal entries, 0 on the diagonal, `[nnz]`.
    pub off_diagonal: Tensor<B, 1>,
}

impl<B: Backend> SparseEdges<B> {
    /// Uploads `m` to `device`.
    pub fn from_csr(m: &Csr<f64>, device: &B::Device) -> Self {
        let n = m.indptr().len() - 1;
        let mut rows = Vec::with_capacity(m.indices().len());
        for p in 0..n {
            rows.extend(std::iter::repeat_n(p as i64, m.indptr()[p + 1] - m.indptr()[p]));
        }
        let cols: Vec<i64> = m.indices().iter().map(|&q| q as i64).collect();
        let weights: Vec<f32> = m.weights().iter().map(|&w| w as f32).collect();
        Self::from_entries(n, rows, cols, weights, device)
    }

    /// The non-zero entries of the row-major `n × d` matrix `values`; `matmul` then takes a
    /// `[d, k]` operand.
    pub fn from_dense(values: &[f32], n: usize, d: usize, device: &B::Device) -> Self {
        let (mut rows, mut cols, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        for (i, row) in values.chunks_exact(d.max(1)).take(n).enumerate() {
            for (j, &v) in row.iter().enumerate().filter(|(_, v)| **v != 0.0) {
                rows.push(i as i64);
                cols.push(j as i64);
                weights.push(v);
            }
        }
        Self::from_entries(n, rows, cols, weights, device)
    }

    fn from_entries(n: usize, rows: Vec<i64>, cols: Vec<i64>, weights: Vec<f32>, device: &B::Device) -> Self {
        let nnz = rows.len();
        let off: Vec<f32> = rows.iter().zip(&cols).map(|(r, c)| if r == c { 0.0 } else { 1.0 }).collect();
        Self {
            n,
            rows: Tensor::from_data(TensorData::new(rows, [nnz]), device),
            cols: Tensor::from_data(TensorData::new(cols, [nnz]), device),
            weights: Tensor::from_data(TensorData::new(weights, [nnz]), device),
            off_diagonal: Tensor::from_data(TensorData::new(off, [nnz]), device),
        }
    }

    /// Per-row sums of per-entry `values` (`[nnz]` → `[n]`).
    pub fn row_sum(&self, values: Tensor<B, 1>) -> Tensor<B, 1> {
        Tensor::zeros([self.n], &values.device()).select_assign(0, self.rows.clone(), values, IndexingUpdateOp::Add)
    }

    /// Per-entry inner products ⟨x_row, y_col⟩ (`[n, d]`, `[n, d]` → `[nnz]`).
    pub fn pair_dots(&self, x: Tensor<B, 2>, y: Tensor<B, 2>) -> Tensor<B, 1> {
        let xr = x.select(0, self.rows.clone());
        let yc = y.select(0, self.cols.clone());
        (xr * yc).sum_dim(1).squeeze_dim(1)
    }

    /// The sparse–dense product W·x (`[columns, d]` → `[n, d]`).
    pub fn matmul(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let [_, d] = x.dims();
        let device = x.device();
        let msgs = x.select(0, self.cols.clone()) * self.weights.clone().unsqueeze_dim(1);
        Tensor::zeros([self.n, d], &device).select_assign(0, self.rows.clone(), msgs, IndexingUpdateOp::Add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Autodiff<burn::backend::Flex>;

    #[test]
    fn product_and_row_sums_match_dense() {
        let dev = Default::default();
        // W = [[0, 2, 0], [2, 1, 3], [0, 3, 0]].
        let w = clasp_core::graph::adjacency_from_edges(3, &[(0, 1), (1, 1), (1, 2)], Some(&[2.0, 1.0, 3.0])).unwrap();
        let s = SparseEdges::<B>::from_csr(&w, &dev);
        let x = Tensor::<B, 2>::from_floats([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]], &dev);
        let got = s.matmul(x.clone()).into_data().to_vec::<f32>().unwrap();
        assert_eq!(got, vec![0.0, 2.0, 8.0, -2.0, 0.0, 3.0]);
        let sums = s.row_sum(s.weights.clone()).into_data().to_vec::<f32>().unwrap();
        assert_eq!(sums, vec![2.0, 6.0, 3.0]);
        let dots = s.pair_dots(x.clone(), x.clone()).into_data().to_vec::<f32>().unwrap();
        // Entries in CSR order: (0,1) (1,0) (1,1) (1,2) (2,1).
        assert_eq!(dots, vec![0.0, 0.0, 1.0, -1.0, -1.0]);
        assert_eq!(s.off_diagonal.into_data().to_vec::<f32>().unwrap(), vec![1.0, 1.0, 0.0, 1.0, 1.0]);
        // A rectangular 2 × 3 matrix from its dense values: [[0, 2, 0], [1, 0, 3]] · x.
        let r = SparseEdges::<B>::from_dense(&[0.0, 2.0, 0.0, 1.0, 0.0, 3.0], 2, 3, &dev);
        assert_eq!(r.matmul(x).into_data().to_vec::<f32>().unwrap(), vec![0.0, 2.0, 7.0, -3.0]);
    }
}
