//! Sparse graphs over data points: compressed sparse row storage ([`CsrRef`], [`Csr`]), the
//! kNN affinity of LaplacianShot / SLK ([`knn_affinity`], [`Symmetrise`]), the adjacency of an
//! edge list ([`adjacency_from_edges`]), the propagated adjacency Σ_r (D̃⁻¹(A + I))^r of
//! SCGC / PamC ([`propagated_adjacency`]), the GCN propagation matrix ([`gcn_normalized`]) and label-free partition quality ([`modularity`],
//! [`conductance`], [`coverage`]). The few-shot bound optimiser ([`crate::bound`]) takes its
//! Laplacian affinity from here; the graph pipelines build on the same types.

mod csr;
#[cfg(feature = "alloc")]
mod edges;
#[cfg(feature = "alloc")]
mod knn;
#[cfg(feature = "alloc")]
mod propagate;
#[cfg(feature = "alloc")]
mod quality;

#[cfg(feature = "alloc")]
pub use csr::Csr;
pub use csr::CsrRef;
#[cfg(feature = "alloc")]
pub use edges::adjacency_from_edges;
#[cfg(feature = "alloc")]
pub use knn::{Symmetrise, knn_affinity};
#[cfg(feature = "alloc")]
pub(crate) use knn::{knn_affinity_from_distances, knn_affinity_unchecked, pairwise_sq_dist, sq_dist_lanes};
#[cfg(feature = "alloc")]
pub use propagate::{gcn_normalized, propagated_adjacency, random_walk, sparse_product};
#[cfg(feature = "alloc")]
pub use quality::{conductance, coverage, modularity};
