//! Device steps of the clustering algorithms, one file per family: a Lloyd k-means step
//! (`kmeans`), the GMM E-step with the M-step's weighted sums (`gmm`), the bound optimizer's
//! update (`bound`) and the Burer–Monteiro SDP gradient (`sdp`). Each is a method of
//! [`Gpu`](crate::Gpu) whose matrices are one-block [`DeviceMatrix`](crate::DeviceMatrix)
//! values (shapes read from them, not passed beside raw buffers), a model a [`DeviceMixture`]
//! and an affinity a [`DeviceCsr`]; the `*_host` variants upload, run and read back.

mod bound;
mod gmm;
mod kmeans;
mod sdp;

pub use bound::DeviceCsr;
pub use gmm::DeviceMixture;

use crate::error::Result;
use clasp_core::{Error as CoreError, validate};

/// Problem sizes shared by the clustering steps: n ≥ 1 points, d ≥ 1 features, 1 ≤ k ≤ n.
fn dims(n: usize, k: usize, d: usize) -> Result<()> {
    if n == 0 {
        return Err(CoreError::Empty { what: "x" }.into());
    }
    if d == 0 {
        return Err(CoreError::Empty { what: "features" }.into());
    }
    Ok(validate::cluster_count(k, n)?)
}
