//! The crate's SIMD layer, used by every hot loop (Sinkhorn, SwAV codes, k-means assignment,
//! the mixture E- and M-steps, the SDP projections, the bound updates, kNN graphs). It sits
//! below the scalar traits: its kernels are written for f32 and f64 (over the private `Lane`
//! arithmetic), and [`Float`] / [`Real`] expose them per type.
//!
//! - `features`: CPU-feature detection, run once and cached (x86/x86-64 with `std`).
//! - [`simd_dispatch!`]: the one run-time dispatch: a portable generic body instantiated with
//!   AVX2 enabled when the CPU has it (same operations, same results).
//! - `reduce`: lane reductions behind [`Float::sum_lanes`] and [`Float::dot_lanes`] (f32 has
//!   explicit, bit-identical AVX code in `x86_reduce`); the generic helpers built on them are
//!   `crate::lanes`.
//! - `exp`: the branch-free fast exponential behind [`Float::exp_fast`] and
//!   [`Float::exp_fast_in_place`] (f32 slices through AVX-512F or AVX2 + FMA in `x86_exp`).
//! - `nearest`: the nearest-centre fold of the k-means assignment behind
//!   [`Float::fold_nearest`] (f64 has explicit, bit-identical AVX code in `x86_nearest`).
//! - `row_sums`: the M-step's weighted row sums behind [`Float::weighted_sums`] (f64 has
//!   explicit, bit-identical AVX code in `x86_row_sums`).
//! - `triangular`: the full-covariance E-step's quadratic forms behind [`Float::tri_quad`]
//!   (f64 has explicit, bit-identical AVX code in `x86_triangular`).
//! - `stream`: non-temporal f32 row stores behind [`Real::store_scaled_row`].
//!
//! Per-type specialisation goes through the methods of [`Float`] and [`Real`] (never a
//! `TypeId` test); explicit intrinsics live only in the `x86_*` files.
//!
//! [`Float`]: crate::Float
//! [`Float::sum_lanes`]: crate::Float::sum_lanes
//! [`Float::dot_lanes`]: crate::Float::dot_lanes
//! [`Float::exp_fast`]: crate::Float::exp_fast
//! [`Float::fold_nearest`]: crate::Float::fold_nearest
//! [`Float::tri_quad`]: crate::Float::tri_quad
//! [`Float::weighted_sums`]: crate::Float::weighted_sums
//! [`Float::exp_fast_in_place`]: crate::Float::exp_fast_in_place
//! [`Real`]: crate::Real
//! [`Real::store_scaled_row`]: crate::Real::store_scaled_row

#[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
mod detect;
mod dispatch;
pub(crate) mod exp;
mod lane;
pub(crate) mod nearest;
pub(crate) mod reduce;
pub(crate) mod row_sums;
pub(crate) mod stream;
pub(crate) mod triangular;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86_exp;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86_nearest;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86_reduce;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86_row_sums;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86_triangular;

#[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
pub(crate) use detect::features;
pub(crate) use dispatch::simd_dispatch;
