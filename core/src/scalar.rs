//! The scalar layer: one storage trait ([`Real`]), one compute trait ([`Float`]) and the
//! compute scalars dense linear algebra runs on ([`Linalg`]).
//!
//! Every algorithm in the crate is generic over a storage scalar `T: Real` and does its
//! arithmetic in `T::Acc`, the compute type: `f32` for `f32`, `half::f16` and `half::bf16`
//! (half types are storage only, accumulated in f32), and `f64` for `f64`.
//! All transcendental functions go through [`libm`], so the crate never touches `std`'s
//! float methods, and a `no_std` build computes exactly what a `std` build computes.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A compute scalar (`f32` or `f64`): arithmetic, constants and libm math.
pub trait Float:
    Real<Acc = Self>
    + Display
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Machine epsilon (distance from 1 to the next representable value).
    const EPSILON: Self;
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// Largest finite value.
    const MAX: Self;
    /// +∞.
    const INFINITY: Self;
    /// −∞.
    const NEG_INFINITY: Self;
    /// ln of the smallest positive normal value: below this, `exp` underflows.
    const LN_MIN_POSITIVE: Self;

    /// Nearest value of this type to `x`.
    fn from_f64(x: f64) -> Self;
    /// Widening conversion to f64 (exact).
    fn to_f64(self) -> f64;
    /// `n` as this type (rounded for huge `n`).
    fn from_usize(n: usize) -> Self;
    /// eˣ.
    fn exp(self) -> Self;
    /// eˣ by the crate's branch-free, auto-vectorisable fast exponential (Cody–Waite range
    /// reduction and a polynomial: relative error ≤ 2e-15 in f64, ≤ 5e-7 in f32; results below
    /// the smallest normal flush to 0, above ln(MAX) give +∞, NaN stays NaN), for loops that
    /// exponentiate whole arrays. Deviation from "all math through libm": libm's scalar exp
    /// does not vectorise and would dominate every Sinkhorn solve.
    fn exp_fast(self) -> Self;
    /// xᵢ ← eˣⁱ over a slice with [`Float::exp_fast`]'s accuracy; returns the arguments'
    /// (max, min), NaN arguments ignored (their results are NaN). f32 runs explicit AVX-512F or
    /// AVX2 + FMA code when the `std` feature detects it (fused multiply-adds, so the last bit
    /// may differ from `exp_fast`).
    fn exp_fast_in_place(xs: &mut [Self]) -> (Self, Self);
    /// Σⱼ xⱼ with 16 independent lane accumulators folded pairwise, then the tail; the same
    /// bits on every code path (f32 runs explicit AVX code when detected).
    fn sum_lanes(x: &[Self]) -> Self;
    /// Σⱼ xⱼ yⱼ over the common length, accumulated as [`Float::sum_lanes`].
    fn dot_lanes(x: &[Self], y: &[Self]) -> Self;
    /// The upper triangle of a block's scatter: s[a·d + j] += Σᵣ w[a·b + r] · c[j·b + r] for
    /// j ≥ a (`w`, `c`: d feature-major runs of `b` values; `s`: d × d), each sum with four lane
    /// partial sums over whole chunks of 4 folded (s₀ + s₂) + (s₁ + s₃), then the tail: the same
    /// bits on every code path (f64 runs explicit AVX code when detected).
    fn scatter_upper(w: &[Self], c: &[Self], b: usize, d: usize, s: &mut [Self]);
    /// The k-means assignment's fold of the centres `centres` (rows of `d` values, indices
    /// `first..`) into the running argmin (`best`, `arg`) of 8 rows whose feature j is
    /// `xt[j * stride..][..8]`: each squared distance summed over the features in order
    /// (subtract, multiply, add), compared in centre order with a strict `<` (ties keep the
    /// lowest index); the same bits on every code path (f64 runs explicit AVX code when
    /// detected).
    fn fold_nearest(
        xt: &[Self],
        stride: usize,
        centres: &[Self],
        d: usize,
        first: usize,
        best: &mut [Self; 8],
        arg: &mut [usize; 8],
    );
    /// The full-covariance E-step's quadratic forms of 16 rows whose feature i is
    /// `t[i * stride..][..16]` (differences x − μ) under the upper-triangular `d × d` factor `u`:
    /// qᵣ = Σⱼ yⱼ², yⱼ = Σ_{i ≤ j} tᵢ U_ij, each sum in index order (multiply, add); the same bits
    /// on every code path (f64 runs explicit AVX code when detected).
    fn tri_quad(t: &[Self], stride: usize, u: &[Self], d: usize, q: &mut [Self; 16]);
    /// The M-step's weighted row sums: nₖ += Σᵢ rᵢₖ and sₖⱼ += Σᵢ rᵢₖ xᵢⱼ for the rows `x`
    /// (n × d, row-major) and weights `resp` (n × k), `nk` (k) and `sums` (k × d), each entry
    /// summed in row order (multiply, add); the same bits on every code path (f64 runs
    /// explicit AVX code when detected).
    fn weighted_sums(x: &[Self], resp: &[Self], d: usize, k: usize, nk: &mut [Self], sums: &mut [Self]);
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate for small x.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// xʸ.
    fn powf(self, y: Self) -> Self;
    /// Largest integer ≤ x.
    fn floor(self) -> Self;
    /// IEEE maximum (a NaN operand is ignored).
    fn max(self, other: Self) -> Self;
    /// IEEE minimum (a NaN operand is ignored).
    fn min(self, other: Self) -> Self;
    /// Neither NaN nor ±∞.
    fn is_finite(self) -> bool;
    /// NaN.
    fn is_nan(self) -> bool;
}

/// A compute scalar the crate's small dense linear algebra runs on (Cholesky, symmetric eigen:
/// the mixtures and the SDP solvers): `f32` and `f64`.
///
/// The crate factors matrices with `nalgebra` (default features off); this trait is the one
/// place its `RealField` appears, so public signatures name `F: Linalg` (or `T::Acc: Linalg`
/// for a storage scalar) instead of a foreign trait. Implemented for exactly the two compute
/// types; every [`Float`] is one.
pub trait Linalg: Float + nalgebra::RealField {}

impl Linalg for f32 {}
impl Linalg for f64 {}

/// A storage scalar: what callers keep their matrices in.
pub trait Real: Copy + Debug + Default + PartialOrd + Send + Sync + 'static {
    /// The type arithmetic is done in.
    type Acc: Float;
    /// Short type name for reports (`"f32"`, `"f64"`, `"f16"`, `"bf16"`).
    const NAME: &'static str;
    /// Widen to the compute type.
    fn to_acc(self) -> Self::Acc;
    /// Round from the compute type (round-to-nearest-even for half types).
    fn from_acc(x: Self::Acc) -> Self;
    /// dstⱼ = from_acc(gⱼ · vⱼ · s), the product in that order, over `dst` (`g` and `v` at
    /// least as long). f32 writes with non-temporal stores when AVX is detected: for output
    /// rows written once and not read back (the SwAV codes).
    #[inline]
    fn store_scaled_row(dst: &mut [Self], g: &[Self::Acc], v: &[Self::Acc], s: Self::Acc) {
        for ((d, &gj), &vj) in dst.iter_mut().zip(g).zip(v) {
            *d = Self::from_acc(gj * vj * s);
        }
    }
}

macro_rules! impl_float {
    ($t:ty, $name:literal, $exp:path, $ln:path, $ln1p:path, $sqrt:path, $fabs:path, $pow:path,
     $floor:path, $fmax:path, $fmin:path, simd: $exp_fast:path, $exp_in_place:path, $sum:path,
     $dot:path, $scatter:path, $nearest:path, $tri:path, $wsums:path $(, $store:path)?) => {
        impl Real for $t {
            type Acc = $t;
            const NAME: &'static str = $name;
            #[inline(always)]
            fn to_acc(self) -> $t {
                self
            }
            #[inline(always)]
            fn from_acc(x: $t) -> $t {
                x
            }
            $(
                #[inline]
                fn store_scaled_row(dst: &mut [$t], g: &[$t], v: &[$t], s: $t) {
                    $store(dst, g, v, s);
                }
            )?
        }

        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = <$t>::EPSILON;
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            const MAX: Self = <$t>::MAX;
            const INFINITY: Self = <$t>::INFINITY;
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            // ln(MIN_POSITIVE) = MIN_EXP - 1 times ln 2.
            const LN_MIN_POSITIVE: Self = ((<$t>::MIN_EXP - 1) as $t) * core::f64::consts::LN_2 as $t;

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn exp_fast(self) -> Self {
                $exp_fast(self)
            }
            #[inline(always)]
            fn exp_fast_in_place(xs: &mut [Self]) -> (Self, Self) {
                $exp_in_place(xs)
            }
            #[inline(always)]
            fn sum_lanes(x: &[Self]) -> Self {
                $sum(x)
            }
            #[inline(always)]
            fn dot_lanes(x: &[Self], y: &[Self]) -> Self {
                $dot(x, y)
            }
            #[inline(always)]
            fn scatter_upper(w: &[Self], c: &[Self], b: usize, d: usize, s: &mut [Self]) {
                $scatter(w, c, b, d, s)
            }
            #[inline(always)]
            fn fold_nearest(
                xt: &[Self],
                stride: usize,
                centres: &[Self],
                d: usize,
                first: usize,
                best: &mut [Self; 8],
                arg: &mut [usize; 8],
            ) {
                $nearest(xt, stride, centres, d, first, best, arg)
            }
            #[inline(always)]
            fn tri_quad(t: &[Self], stride: usize, u: &[Self], d: usize, q: &mut [Self; 16]) {
                $tri(t, stride, u, d, q)
            }
            #[inline(always)]
            fn weighted_sums(x: &[Self], resp: &[Self], d: usize, k: usize, nk: &mut [Self], sums: &mut [Self]) {
                $wsums(x, resp, d, k, nk, sums)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                $ln1p(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                $fabs(self)
            }
            #[inline(always)]
            fn powf(self, y: Self) -> Self {
                $pow(self, y)
            }
            #[inline(always)]
            fn floor(self) -> Self {
                $floor(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                $fmax(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                $fmin(self, other)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}

impl_float!(
    f32,
    "f32",
    libm::expf,
    libm::logf,
    libm::log1pf,
    libm::sqrtf,
    libm::fabsf,
    libm::powf,
    libm::floorf,
    libm::fmaxf,
    libm::fminf,
    simd: crate::simd::exp::exp_f32,
    crate::simd::exp::exp_in_place_f32,
    crate::simd::reduce::sum_f32,
    crate::simd::reduce::dot_f32,
    crate::simd::reduce::scatter_upper_portable,
    crate::simd::nearest::fold_nearest_portable,
    crate::simd::triangular::tri_quad_portable,
    crate::simd::row_sums::weighted_sums_portable,
    crate::simd::stream::store_scaled_row_f32
);
impl_float!(
    f64,
    "f64",
    libm::exp,
    libm::log,
    libm::log1p,
    libm::sqrt,
    libm::fabs,
    libm::pow,
    libm::floor,
    libm::fmax,
    libm::fmin,
    simd: crate::simd::exp::exp_f64,
    crate::simd::exp::exp_in_place_portable,
    crate::simd::reduce::sum_portable,
    crate::simd::reduce::dot_portable,
    crate::simd::reduce::scatter_upper_f64,
    crate::simd::nearest::fold_nearest_f64,
    crate::simd::triangular::tri_quad_f64,
    crate::simd::row_sums::weighted_sums_f64
);

macro_rules! impl_half {
    ($t:ty, $name:literal) => {
        impl Real for $t {
            type Acc = f32;
            const NAME: &'static str = $name;
            #[inline(always)]
            fn to_acc(self) -> f32 {
                self.to_f32()
            }
            #[inline(always)]
            fn from_acc(x: f32) -> Self {
                <$t>::from_f32(x)
            }
        }
    };
}

impl_half!(half::f16, "f16");
impl_half!(half::bf16, "bf16");

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<T: Real>(x: f64, tol: f64) {
        let y = T::from_acc(<T::Acc as Float>::from_f64(x)).to_acc().to_f64();
        assert!((x - y).abs() <= tol * x.abs(), "{} {x} -> {y}", T::NAME);
    }

    #[test]
    fn conversions_round_to_the_storage_precision() {
        roundtrip::<f64>(0.1, 0.0);
        roundtrip::<f32>(0.1, 6e-8);
        roundtrip::<half::f16>(0.1, 5e-4);
        roundtrip::<half::bf16>(0.1, 4e-3);
    }

    #[test]
    fn ln_min_positive_is_the_underflow_edge() {
        assert!((f64::LN_MIN_POSITIVE - f64::MIN_POSITIVE.ln()).abs() < 1e-9);
        assert!((f32::LN_MIN_POSITIVE - f32::MIN_POSITIVE.ln()).abs() < 1e-3);
    }

    #[test]
    fn libm_math_matches_expectations() {
        assert_eq!(Float::exp(0.0f64), 1.0);
        assert!((Float::ln(core::f32::consts::E) - 1.0).abs() < 1e-6);
        assert_eq!(Float::max(f64::NAN, 2.0), 2.0);
        assert_eq!(Float::sqrt(4.0f32), 2.0);
    }
}
