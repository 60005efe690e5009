//! The arithmetic the portable SIMD kernels need, for the two compute types. The kernels are
//! written once over this trait, below the crate's scalar traits (which call them).

use core::ops::{Add, AddAssign, Mul, Sub};

/// A compute type of the portable kernels (f32 and f64).
pub(crate) trait Lane:
    Copy + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + AddAssign
{
    /// 0.
    const ZERO: Self;
    /// +∞.
    const INFINITY: Self;
    /// −∞.
    const NEG_INFINITY: Self;
    /// The fast exponential of [`super::exp`].
    fn exp_fast(self) -> Self;
}

impl Lane for f32 {
    const ZERO: Self = 0.0;
    const INFINITY: Self = f32::INFINITY;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    #[inline(always)]
    fn exp_fast(self) -> Self {
        super::exp::exp_f32(self)
    }
}

impl Lane for f64 {
    const ZERO: Self = 0.0;
    const INFINITY: Self = f64::INFINITY;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    #[inline(always)]
    fn exp_fast(self) -> Self {
        super::exp::exp_f64(self)
    }
}
