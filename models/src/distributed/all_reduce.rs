//! The core's sharding hook ([`clasp_core::AllReduce`], `core/src/reduce.rs`) on the engine:
//! the sharded Sinkhorn (SwAV's `distributed_sinkhorn` order, SIGMA's hard targets) sums its
//! partial marginals through burn's collective all-reduce, like the gradients do.

use super::engine::Collective;
use burn::prelude::Backend;
use clasp_core::{AllReduce, Error};

/// Code of [`Error::Reduce`] from this hook; the engine's [`Collective::check`] holds the cause.
pub const REDUCE_FAILED: i32 = 1;

impl<B: Backend> AllReduce<f32> for Collective<B> {
    /// Σ over peers of `buf`, in place (f32 is the accumulator of f32 scores).
    fn all_reduce_sum(&mut self, buf: &mut [f32]) -> clasp_core::error::Result<()> {
        self.all_reduce_host("the Sinkhorn marginals", buf).map_err(|_| Error::Reduce { code: REDUCE_FAILED })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clasp_core::MatRef;
    use clasp_core::sinkhorn::{SwavParams, owned::swav_codes_alloc, swav_codes, swav_scratch};

    #[test]
    fn one_peer_gives_the_single_process_codes() {
        let (b, k) = (6, 4);
        let s: Vec<f32> = (0..b * k).map(|i| ((i * 7 % 11) as f32 / 11.0) - 0.5).collect();
        let params = SwavParams::default();
        let (want, _) = swav_codes_alloc(MatRef::new(&s, b, k, "s").unwrap(), &params).unwrap();
        let mut engine = Collective::<burn::backend::Flex>::solo(Default::default());
        let mut codes = vec![0.0f32; b * k];
        let mut scratch = vec![0.0f32; swav_scratch(b, k)];
        swav_codes(MatRef::new(&s, b, k, "s").unwrap(), &params, &mut codes, &mut scratch, &mut engine).unwrap();
        assert_eq!(codes, want);
    }
}
