//! Nearest-centre assignment (labelᵢ = argmin_k ‖xᵢ − c_k‖², Lloyd 1982) with fixed sizes:
//! [`crate::kmeans::kmeans_assign`] on `[[T; D]; N]` points and `[[C; D]; K]` centres.

use crate::error::{Error, Result};
use crate::kmeans::kmeans_assign;
use crate::matrix::MatRef;
use crate::scalar::Real;

/// K centres in D dimensions, e.g. fitted on a host with [`crate::kmeans`] (under `alloc`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedKMeans<C, const K: usize, const D: usize> {
    centers: [[C; D]; K],
}

impl<C: Real, const K: usize, const D: usize> FixedKMeans<C, K, D> {
    /// The centres. Errors: K = 0 or D = 0 ([`Error::Empty`]), a non-finite centre.
    pub fn new(centers: [[C; D]; K]) -> Result<Self> {
        if K == 0 || D == 0 {
            return Err(Error::Empty { what: "centers" });
        }
        crate::validate::finite(centers.as_flattened(), "centers")?;
        Ok(Self { centers })
    }

    /// The centres.
    pub fn centers(&self) -> &[[C; D]; K] {
        &self.centers
    }

    /// Labels and squared distances of the N points `x`; returns the inertia. As
    /// [`kmeans_assign`]; outputs untouched on `Err` (non-finite `x`).
    pub fn assign<T: Real<Acc = C::Acc>, const N: usize>(
        &self,
        x: &[[T; D]; N],
        labels: &mut [usize; N],
        distances: &mut [T::Acc; N],
    ) -> Result<T::Acc> {
        let x = MatRef::new(x.as_flattened(), N, D, "x")?;
        let c = MatRef::new(self.centers.as_flattened(), K, D, "centers")?;
        kmeans_assign(x, c, labels, distances)
    }
}
