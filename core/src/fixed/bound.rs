//! The few-shot bound update (SLK / LaplacianShot, Ziko et al. 2018, 2020) for one small
//! episode with fixed sizes: N points, K classes, M neighbour slots per point, the affinity
//! and the scratch inline. Runs [`crate::bound::bound_step`] / [`crate::bound::bound_update`]
//! on a padded CSR (every row has exactly M slots; a slot of weight 0 contributes nothing).

use crate::bound::{BoundInfo, BoundParams, CsrRef, StepInfo, bound_step, bound_update};
use crate::error::{Error, Result};
use crate::matrix::{MatMut, MatRef};
use crate::scalar::Float;

/// The N + 1 row pointers 0, M, 2M, …, NM as one contiguous block.
#[repr(C)]
struct RowPointers<const N: usize> {
    first: usize,
    rest: [usize; N],
}

impl<const N: usize> RowPointers<N> {
    fn as_slice(&self) -> &[usize] {
        // SAFETY: `repr(C)` of a `usize` followed by `[usize; N]`: no padding, N + 1
        // consecutive initialised `usize`s, borrowed for the lifetime of `&self`.
        unsafe { core::slice::from_raw_parts((self as *const Self).cast::<usize>(), N + 1) }
    }
}

/// One episode's affinity (at most M neighbours per point) and the bound-update scratch
/// (2·N·K compute scalars).
pub struct FixedBound<F, const N: usize, const K: usize, const M: usize> {
    indptr: RowPointers<N>,
    neighbours: [[usize; M]; N],
    weights: [[F; M]; N],
    scratch: [[[F; K]; N]; 2],
}

impl<F: Float, const N: usize, const K: usize, const M: usize> FixedBound<F, N, K, M> {
    /// The affinity W: row p has `w_{p, neighbours[p][s]} = weights[p][s]` (unused slots:
    /// weight 0, any index < N). Errors: N = 0 or K = 0 ([`Error::Empty`]), an index ≥ N,
    /// a negative or non-finite weight.
    pub fn new(neighbours: [[usize; M]; N], weights: [[F; M]; N]) -> Result<Self> {
        if K == 0 {
            return Err(Error::Empty { what: "classes" });
        }
        let indptr = RowPointers { first: 0, rest: core::array::from_fn(|p| (p + 1) * M) };
        CsrRef::new(N, indptr.as_slice(), neighbours.as_flattened(), weights.as_flattened())?;
        Ok(Self { indptr, neighbours, weights, scratch: [[[F::ZERO; K]; N]; 2] })
    }

    /// Iterated bound updates of the soft assignments `y` (rows on the simplex) with unary
    /// costs `unary`, keeping the first `fixed_rows` rows (the labelled support); as
    /// [`bound_update`]. `y` is untouched on `Err`.
    pub fn update(
        &mut self,
        unary: &[[F; K]; N],
        params: &BoundParams,
        fixed_rows: usize,
        y: &mut [[F; K]; N],
    ) -> Result<BoundInfo> {
        let a = MatRef::new(unary.as_flattened(), N, K, "unary")?;
        let mut ym = MatMut::new(y.as_flattened_mut(), N, K, "y")?;
        let w = CsrRef::new(N, self.indptr.as_slice(), self.neighbours.as_flattened(), self.weights.as_flattened())?;
        bound_update(a, &w, params, fixed_rows, &mut ym, self.scratch.as_flattened_mut().as_flattened_mut())
    }

    /// E(Y) of `y` (the `energy` argument of [`step`](Self::step)); as
    /// [`crate::bound::bound_energy`].
    pub fn energy(&mut self, unary: &[[F; K]; N], y: &[[F; K]; N], lambda: f64) -> Result<F> {
        let a = MatRef::new(unary.as_flattened(), N, K, "unary")?;
        let ym = MatRef::new(y.as_flattened(), N, K, "y")?;
        let w = CsrRef::new(N, self.indptr.as_slice(), self.neighbours.as_flattened(), self.weights.as_flattened())?;
        crate::bound::bound_energy(a, &w, ym, lambda, self.scratch[0].as_flattened_mut())
    }

    /// One parallel bound update from `y` whose energy is `energy`; as [`bound_step`].
    pub fn step(
        &mut self,
        unary: &[[F; K]; N],
        lambda: f64,
        monotone: bool,
        fixed_rows: usize,
        y: &mut [[F; K]; N],
        energy: F,
    ) -> Result<StepInfo> {
        let a = MatRef::new(unary.as_flattened(), N, K, "unary")?;
        let mut ym = MatMut::new(y.as_flattened_mut(), N, K, "y")?;
        let w = CsrRef::new(N, self.indptr.as_slice(), self.neighbours.as_flattened(), self.weights.as_flattened())?;
        let scratch = self.scratch.as_flattened_mut().as_flattened_mut();
        bound_step(a, &w, lambda, monotone, fixed_rows, &mut ym, energy, scratch)
    }
}
