//! Fixed-capacity, heap-free front ends for microcontrollers: the sizes are const generics,
//! inputs and outputs are nested arrays (`[[T; K]; N]`, flattened with `as_flattened`), and the
//! scratch lives inside a struct the caller keeps on the stack (or in a `static`). Nothing here
//! needs `alloc`; every call runs the same slice algorithm as the general API, so the numbers
//! are identical.
//!
//! - [`FixedSwav`]: SwAV codes / SIGMA hard targets for an N × K score block.
//! - [`FixedSinkhorn`]: balanced entropic OT in scaling form for an N × K cost.
//! - [`FixedKMeans`]: nearest-centre assignment with `[[T; D]; K]` centres.
//! - [`FixedGmm`]: diag/spherical Gaussian-mixture E-step, `predict`, `predict_proba` from
//!   parameters fitted elsewhere and shipped as a byte blob ([`FixedGmm::from_bytes`], format in
//!   [`gmm_blob`]).
//! - [`FixedBound`]: the few-shot bound update of one small episode (N points, K classes, at
//!   most M neighbours per point).

mod bound;
mod covariance;
mod gmm;
pub mod gmm_blob;
mod kmeans;
mod scratch;
mod sinkhorn;
mod swav;

pub use bound::FixedBound;
pub use covariance::FixedCovariance;
pub use gmm::FixedGmm;
pub use kmeans::FixedKMeans;
pub use sinkhorn::FixedSinkhorn;
pub use swav::FixedSwav;
