//! The sharding hook: "all-reduce these partial sums".
//!
//! Column-sharded Sinkhorn (SwAV's `distributed_sinkhorn`, SIGMA) keeps the prototype
//! (K-length) sums global while every process owns only its own samples. Algorithms that
//! support sharding take an `&mut impl AllReduce<F>` and call it on every partial sum that
//! must be global; the single-process implementation [`Local`] is the identity. A distributed
//! engine implements the trait by summing across ranks: `clasp-models` ships one on burn's
//! collective operations (`clasp_models::distributed::Collective`, its `AllReduce<f32>` in
//! `models/src/distributed/all_reduce.rs`), shared with the gradients of data-parallel training.

use crate::error::Result;
use crate::scalar::Float;

/// Sums a buffer element-wise across all participants, in place.
pub trait AllReduce<F: Float> {
    /// After the call, every participant's `buf[i]` holds Σ over participants of `buf[i]`.
    fn all_reduce_sum(&mut self, buf: &mut [F]) -> Result<()>;
}

/// One process, one shard: the all-reduce is the identity.
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Local;

impl<F: Float> AllReduce<F> for Local {
    #[inline]
    fn all_reduce_sum(&mut self, _buf: &mut [F]) -> Result<()> {
        Ok(())
    }
}

impl<F: Float, R: AllReduce<F> + ?Sized> AllReduce<F> for &mut R {
    #[inline]
    fn all_reduce_sum(&mut self, buf: &mut [F]) -> Result<()> {
        (**self).all_reduce_sum(buf)
    }
}
