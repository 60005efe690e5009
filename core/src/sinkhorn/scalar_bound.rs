//! The scalar bound of the Sinkhorn entries.

use super::fast_exp::FastExp;
use crate::scalar::Real;

/// A storage scalar whose compute type has the fast exponential: every [`Real`] of the crate
/// (f32, f64, `half::f16`, `half::bf16`) qualifies through the blanket implementation.
pub trait SinkhornScalar: Real<Acc: FastExp> {}

impl<T: Real<Acc: FastExp>> SinkhornScalar for T {}
