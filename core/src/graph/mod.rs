//! Sparse graphs over data points: compressed sparse row storage ([`CsrRef`], [`Csr`]) and the
//! kNN affinity of LaplacianShot / SLK ([`knn_affinity`], [`Symmetrise`]). The few-shot bound
//! optimiser ([`crate::bound`]) takes its Laplacian affinity from here; the graph pipelines
//! build on the same types.

mod csr;
#[cfg(feature = "alloc")]
mod knn;

#[cfg(feature = "alloc")]
pub use csr::Csr;
pub use csr::CsrRef;
#[cfg(feature = "alloc")]
pub use knn::{Symmetrise, knn_affinity};
#[cfg(feature = "alloc")]
pub(crate) use knn::{knn_affinity_from_distances, knn_affinity_unchecked, pairwise_sq_dist, sq_dist_lanes};
