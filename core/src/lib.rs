//! # clasp-core — cluster-assignment primitives
//!
//! `#![no_std]` numerics for assigning points to clusters: entropic optimal transport
//! (Sinkhorn, log-domain, SwAV codes, unbalanced, batched), Gaussian-mixture EM, the k-means
//! SDP and concave–convex bound updates. Everything is generic over the storage scalar
//! [`Real`] (f32, f64, `half::f16`, `half::bf16`), takes caller slices plus a caller scratch
//! buffer sized by a `*_scratch` query function, and returns a [`Result`] whose [`Error`]
//! names the offending argument. Inputs are validated before any output is written.
//!
//! Features: `alloc` (owned-output conveniences and algorithms whose sizes are dynamic),
//! `std` (implies `alloc`; the default), `defmt` (`defmt::Format` on errors, params and infos).
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod params;

pub mod bound;
#[cfg(feature = "alloc")]
mod draw;
pub mod error;
pub mod fixed;
pub mod graph;
pub mod kmeans;
mod lanes;
pub mod matrix;
#[cfg(feature = "alloc")]
pub mod mixture;
pub mod monitor;
pub mod ops;
mod parallel;
pub mod reduce;
pub mod scalar;
#[cfg(feature = "alloc")]
pub mod sdp;
mod simd;
pub mod sinkhorn;
pub mod validate;

pub use error::{Error, Result};
pub use matrix::{MatMut, MatRef};
pub use monitor::{Iteration, Monitor, Unmonitored};
pub use reduce::{AllReduce, Local};
pub use scalar::{Float, Linalg, Real};
