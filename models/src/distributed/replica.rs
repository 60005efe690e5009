//! One replica of a training run: the one path every minibatch pipeline trains through, alone
//! (one process: every sum is the identity and every call is the plain single-process one, bit
//! for bit) or as one peer of a data-parallel run over the [`Collective`] engine.
//!
//! Data parallelism here is the single-process run on the same global batches, split by rows:
//!
//! - every peer draws the same global batch, crops and masks (the host random streams are the
//!   single-process run's) and keeps its rows, [`shard_rows`] ([`Replica::batch`],
//!   [`Replica::local`]); random masks of burn's stream are drawn at the global batch's shape
//!   and cut the same way ([`Replica::dropout`]), so the stream advances as in one process;
//! - each peer's loss is its share of the global loss: a mean over its rows times
//!   rows/global-batch ([`Replica::share`]); terms that need the whole batch (batch
//!   statistics, contrastive negatives, Dice's class sums) get them through a differentiable
//!   all-reduce ([`Replica::batch_norm`], [`Replica::gather_views`], [`Replica::sum`]), each peer
//!   adding 1/peers of a term every peer computes whole;
//! - the Sinkhorn codes are sharded (SwAV's `distributed_sinkhorn` order: the prototype sums
//!   all-reduced every iteration) through the core's `AllReduce` hook on the same engine
//!   ([`Replica::codes`]);
//! - [`Replica::step`] sums the gradients and the loss terms over the peers in one all-reduce
//!   ([`ddp::step`]) and every peer takes the same optimiser step. After the first step, rank
//!   0's parameters and running statistics are sent to the others: burn initialises parameters
//!   lazily, at their first use, so sending them earlier would fix them in another order than
//!   the single-process run's forward pass; on a backend whose seeded random stream is the
//!   same in every process (burn's CPU backend) this changes nothing, on another it puts
//!   every peer on rank 0's run from the second step on;
//! - rank 0 writes checkpoints and outputs ([`Replica::primary`]); at the end the peers check
//!   that their parameters agree bit for bit ([`Replica::finish`]).

use super::engine::Collective;
use super::error::DistError;
use super::shard::shard_rows;
use super::sync_bn::sync_batch_norm;
use super::{DistSpec, Traffic, ddp};
use crate::train::{Checkpoint, TrainBackend};
use crate::{Error, Result};
use burn::module::{AutodiffModule, ParamId};
use burn::nn::{BatchNorm, Dropout};
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::tensor::Distribution;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{SwavParams, swav_codes, swav_scratch};
use serde::Serialize;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::time::{Duration, Instant};

/// A hash of what must be equal on every peer of a run: the configuration (as JSON), the
/// training data and the seed.
pub fn run_fingerprint(config: &impl Serialize, data: &[f32], seed: u64) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(config).unwrap_or_default().hash(&mut h);
    (data.len(), seed).hash(&mut h);
    data.iter().for_each(|v| v.to_bits().hash(&mut h));
    h.finish()
}

/// The smallest batch of an epoch of `n` rows cut into batches of `batch` (the last, smaller
/// one dropped when `drop_last`, unless it is the only one: [`crate::train::epoch_batches`]).
fn smallest_batch(n: usize, batch: usize, drop_last: bool) -> usize {
    let last = n % batch.max(1);
    if n < batch {
        n
    } else if last == 0 || drop_last {
        batch
    } else {
        last
    }
}

/// One replica of a training run on backend `B`; see the module documentation.
pub struct Replica<B: TrainBackend> {
    engine: Collective<B::InnerBackend>,
    /// Rank 0's parameters were sent to the other peers (after the first step).
    synced: bool,
    /// This peer's rows of the current global batch, and that batch's size.
    rows: Range<usize>,
    global: usize,
    step_start: Option<Instant>,
    step_time: Duration,
    sinkhorn_time: Duration,
    steps: u64,
    traffic_start: Traffic,
}

impl<B: TrainBackend> Replica<B> {
    /// A run of one process.
    pub fn solo(device: &B::Device) -> Self {
        Self::with(Collective::solo(device.clone()))
    }

    /// One peer of the run `dist` (alone when `None`), whose configuration, data and seed hash
    /// to `fingerprint` ([`run_fingerprint`]; checked equal on every peer).
    pub fn join(dist: Option<&DistSpec>, device: &B::Device, fingerprint: u64) -> Result<Self> {
        match dist {
            None => Ok(Self::solo(device)),
            Some(spec) => Ok(Self::with(Collective::join(spec, device.clone(), fingerprint)?)),
        }
    }

    fn with(engine: Collective<B::InnerBackend>) -> Self {
        let traffic_start = engine.traffic();
        Self {
            engine,
            synced: false,
            rows: 0..0,
            global: 0,
            step_start: None,
            step_time: Duration::ZERO,
            sinkhorn_time: Duration::ZERO,
            steps: 0,
            traffic_start,
        }
    }

    /// A new model trains from here (MLCD's ablation after its main model): its first step
    /// sends rank 0's parameters again, and the step statistics start afresh.
    pub fn restart(&mut self) {
        *self = Self::with(self.engine.clone());
    }

    /// Whether this is one of several peers.
    pub fn is_distributed(&self) -> bool {
        self.engine.peers() > 1
    }

    /// This peer's rank (0 alone).
    pub fn rank(&self) -> usize {
        self.engine.rank()
    }

    /// Number of peers (1 alone).
    pub fn peers(&self) -> usize {
        self.engine.peers()
    }

    /// Whether this peer writes the checkpoints and outputs (rank 0).
    pub fn primary(&self) -> bool {
        self.engine.rank() == 0
    }

    /// The engine (for host all-reduces of a pipeline's own state).
    pub fn engine(&self) -> &Collective<B::InnerBackend> {
        &self.engine
    }

    /// An error unless every batch of an epoch (`n` rows cut into batches of `batch`, the last
    /// smaller one dropped when `drop_last`) gives every peer at least one row.
    pub fn check_batches(&self, n: usize, batch: usize, drop_last: bool) -> Result<()> {
        let (peers, smallest) = (self.peers(), smallest_batch(n, batch, drop_last));
        if self.is_distributed() && smallest < peers {
            return Err(DistError::Unshardable {
                detail: format!(
                    "a batch of {smallest} rows (batch size {batch}, {n} rows) cannot give each of the {peers} peers a row"
                ),
            }
            .into());
        }
        Ok(())
    }

    /// Starts a step on a global batch of `n` rows; this peer's rows of it.
    pub fn batch(&mut self, n: usize) -> Range<usize> {
        self.step_start = Some(Instant::now());
        self.global = n;
        self.rows = shard_rows(n, self.rank(), self.peers());
        self.rows.clone()
    }

    /// This peer's rows (of the current batch, [`Replica::batch`]) of a tensor holding the
    /// global batch's rows along dimension 0.
    pub fn local<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        self.local_views(x, 1)
    }

    /// This peer's rows of each of `views` blocks stacked along dimension 0, each block the
    /// global batch's rows (`[views·global, …]` → `[views·rows, …]`, block by block).
    pub fn local_views<const D: usize>(&self, x: Tensor<B, D>, views: usize) -> Tensor<B, D> {
        if !self.is_distributed() {
            return x;
        }
        let (start, len) = (self.rows.start, self.rows.len());
        Tensor::cat((0..views).map(|v| x.clone().narrow(0, v * self.global + start, len)).collect(), 0)
    }

    /// This peer's share of a mean over the global batch, from the mean over its rows:
    /// `loss · rows / global` (alone: `loss`).
    pub fn share(&self, loss: Tensor<B, 1>) -> Tensor<B, 1> {
        if self.is_distributed() { loss.mul_scalar(self.fraction()) } else { loss }
    }

    /// This peer's share of a term every peer computes whole from all-reduced sums: `1/peers`.
    pub fn whole(&self, term: Tensor<B, 1>) -> Tensor<B, 1> {
        if self.is_distributed() { term.div_scalar(self.peers() as f64) } else { term }
    }

    /// rows / global batch of the current batch.
    fn fraction(&self) -> f64 {
        self.rows.len() as f64 / self.global.max(1) as f64
    }

    /// burn's [`Dropout`] on this peer's rows of the current batch, `x`: the mask is drawn at
    /// the global batch's shape (as the single-process run draws it) and cut to these rows.
    pub fn dropout<const D: usize>(&self, dropout: &Dropout, x: Tensor<B, D>) -> Tensor<B, D> {
        if !self.is_distributed() || !B::ad_enabled(&x.device()) || dropout.prob == 0.0 {
            return dropout.forward(x);
        }
        let keep = 1.0 - dropout.prob;
        let mut shape = x.dims();
        shape[0] = self.global;
        let mask = Tensor::<B, D>::random(shape, Distribution::Bernoulli(keep), &x.device());
        (x * self.local(mask)) * (1.0 / keep)
    }

    /// `bn` applied to each of `batches` (this peer's rows of each) with the statistics of the
    /// global batch; alone, `bn.forward` on each.
    pub fn batch_norm(&self, bn: &BatchNorm<B>, batches: Vec<Tensor<B, 2>>) -> Result<Vec<Tensor<B, 2>>> {
        if self.is_distributed() {
            Ok(sync_batch_norm(&self.engine, bn, batches)?)
        } else {
            Ok(batches.into_iter().map(|x| bn.forward(x)).collect())
        }
    }

    /// [`Replica::batch_norm`] of one batch.
    pub fn norm(&self, bn: &BatchNorm<B>, x: Tensor<B, 2>) -> Result<Tensor<B, 2>> {
        let normed = self.batch_norm(bn, vec![x])?.pop();
        normed.ok_or_else(|| Error::Internal("the batch norm returned no batch".into()))
    }

    /// Σ over the peers of `x`, differentiable (its gradient sums the peers' gradients).
    pub fn sum<const D: usize>(&self, what: &'static str, x: Tensor<B, D>) -> Result<Tensor<B, D>> {
        if self.is_distributed() { Ok(B::all_reduce_sum_diff(&self.engine, what, x)?) } else { Ok(x) }
    }

    /// The inverse of [`Replica::local_views`], differentiable: `x` holds `views` blocks of this
    /// peer's rows of the current batch (`[views·rows, d]`); returns every peer's, `[views·global,
    /// d]`, each block in row order (one all-reduce of the blocks placed at their rows).
    pub fn gather_views(&self, what: &'static str, x: Tensor<B, 2>, views: usize) -> Result<Tensor<B, 2>> {
        if !self.is_distributed() {
            return Ok(x);
        }
        let [_, d] = x.dims();
        let device = x.device();
        let (n, before, after) = (self.rows.len(), self.rows.start, self.global - self.rows.end);
        let mut parts = Vec::with_capacity(3 * views);
        for v in 0..views {
            if before > 0 {
                parts.push(Tensor::zeros([before, d], &device));
            }
            parts.push(x.clone().narrow(0, v * n, n));
            if after > 0 {
                parts.push(Tensor::zeros([after, d], &device));
            }
        }
        self.sum(what, Tensor::cat(parts, 0))
    }

    /// SwAV codes of the last `keep` rows of `scores` (no gradient): alone on the backend
    /// ([`clasp_backends::burn::swav_codes`], the device kernel on a GPU); as a peer, this
    /// peer's rows of the sharded Sinkhorn of every peer's rows.
    pub fn codes(&mut self, scores: Tensor<B, 2>, keep: usize, params: &SwavParams) -> Result<Tensor<B, 2>> {
        let start = Instant::now();
        let [n, k] = scores.dims();
        let codes = if self.is_distributed() {
            let device = scores.device();
            let data = scores.detach().into_data().into_vec::<f32>().map_err(Error::TensorRead)?;
            let params = params.keep_last(Some(keep));
            let (mut codes, mut scratch) = (vec![0.0f32; keep * k], vec![0.0f32; swav_scratch(n, k)]);
            let m = MatRef::new(&data, n, k, "scores")?;
            swav_codes(m, &params, &mut codes, &mut scratch, &mut self.engine).map_err(|e| self.engine.blame(e))?;
            Tensor::from_data(TensorData::new(codes, [keep, k]), &device)
        } else {
            let (q, _) = clasp_backends::burn::swav_codes::<B>(scores.detach(), params)?;
            if keep < n { q.narrow(0, n - keep, keep) } else { q }
        };
        self.sinkhorn_time += start.elapsed();
        Ok(codes)
    }

    /// One optimiser step on this peer's share of the loss ([`ddp::step`]; alone,
    /// [`crate::train::step`]); `skip` drops the gradients of the named parameters. Returns
    /// the module and the global loss.
    pub fn step<M, O>(
        &mut self,
        model: M,
        optim: &mut O,
        loss: Tensor<B, 1>,
        lr: f64,
        skip: &[ParamId],
    ) -> Result<(M, f64)>
    where
        M: AutodiffModule<B>,
        O: Optimizer<M, B>,
    {
        let (model, value, _) = self.step_with(model, optim, loss, lr, skip, &[])?;
        Ok((model, value))
    }

    /// [`Replica::step`] that also sums `terms` (this peer's shares of logged loss terms) over
    /// the peers in the same all-reduce; returns the module, the global loss and the terms.
    pub fn step_with<M, O>(
        &mut self,
        model: M,
        optim: &mut O,
        loss: Tensor<B, 1>,
        lr: f64,
        skip: &[ParamId],
        terms: &[f64],
    ) -> Result<(M, f64, Vec<f64>)>
    where
        M: AutodiffModule<B>,
        O: Optimizer<M, B>,
    {
        let (mut model, value, terms) = if self.is_distributed() {
            let extra: Vec<f32> = terms.iter().map(|&t| t as f32).collect();
            let (model, value, sums) = ddp::step(&self.engine, model, optim, loss, lr, skip, &extra)?;
            (model, value, sums.into_iter().map(f64::from).collect())
        } else {
            let (model, value) = crate::train::step(model, optim, loss, lr, skip)?;
            (model, value, terms.to_vec())
        };
        if self.is_distributed() && !self.synced {
            model = ddp::broadcast_module(&self.engine, model)?;
            self.synced = true;
        }
        if let Some(start) = self.step_start.take() {
            self.step_time += start.elapsed();
            self.steps += 1;
        }
        Ok((model, value, terms))
    }

    /// Writes a checkpoint (rank 0 only: the others hold the same model and optimiser state).
    pub fn save<M, O, S>(&self, ckpt: &Checkpoint, model: &M, optim: &O, state: &S) -> Result<()>
    where
        M: AutodiffModule<B>,
        O: Optimizer<M, B>,
        S: Serialize,
    {
        if self.primary() { ckpt.save(model, optim, state) } else { Ok(()) }
    }

    /// The end of training: the peers' parameters (and running statistics) must agree bit for
    /// bit. Returns the run's numbers for the report: `peers`, `step_s`,
    /// `sinkhorn_share_of_step` (when codes were computed) and, with peers, the all-reduce
    /// calls and bytes per step (this peer's).
    pub fn finish<M: AutodiffModule<B>>(&self, model: &M) -> Result<serde_json::Map<String, serde_json::Value>> {
        self.engine
            .agree("the parameters after training (the peers drifted apart)", ddp::fingerprint::<B, _>(model))?;
        let mut out = serde_json::Map::new();
        if self.is_distributed() {
            out.insert("peers".into(), self.peers().into());
        }
        if self.steps > 0 {
            let per_step = |x: u64| (x as f64 / self.steps as f64).into();
            out.insert("step_s".into(), (self.step_time.as_secs_f64() / self.steps as f64).into());
            if self.sinkhorn_time > Duration::ZERO {
                let share = self.sinkhorn_time.as_secs_f64() / self.step_time.as_secs_f64().max(1e-12);
                out.insert("sinkhorn_share_of_step".into(), share.into());
            }
            if self.is_distributed() {
                let t = self.engine.traffic();
                out.insert("allreduce_calls_per_step".into(), per_step(t.calls - self.traffic_start.calls));
                out.insert("allreduce_bytes_per_step".into(), per_step(t.bytes() - self.traffic_start.bytes()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::device::CpuBackend as B;

    #[test]
    fn alone_every_call_is_the_single_process_one() {
        let dev = Default::default();
        let mut r = Replica::<B>::solo(&dev);
        assert_eq!(r.batch(10), 0..10);
        let x = Tensor::<B, 2>::from_floats([[1.0, 2.0], [3.0, 4.0]], &dev);
        assert_eq!(r.local(x.clone()).dims(), [2, 2]);
        assert_eq!(r.gather_views("t", x.clone(), 2).unwrap().into_data(), x.clone().into_data());
        assert_eq!(r.local_views(x.clone(), 2).into_data(), x.clone().into_data());
        let l = Tensor::<B, 1>::from_floats([3.0], &dev);
        assert_eq!(r.share(l.clone()).into_data(), l.clone().into_data());
        assert_eq!(r.whole(l.clone()).into_data(), l.into_data());
        assert!(r.check_batches(10, 4, false).is_ok());
    }

    #[test]
    fn smallest_batches() {
        assert_eq!(smallest_batch(10, 4, false), 2);
        assert_eq!(smallest_batch(10, 4, true), 4);
        assert_eq!(smallest_batch(8, 4, false), 4);
        assert_eq!(smallest_batch(3, 4, true), 3);
    }

    #[test]
    fn fingerprints_differ_with_the_config_data_and_seed() {
        let a = run_fingerprint(&[1, 2], &[0.5, 0.25], 0);
        assert_eq!(a, run_fingerprint(&[1, 2], &[0.5, 0.25], 0));
        assert_ne!(a, run_fingerprint(&[1, 3], &[0.5, 0.25], 0));
        assert_ne!(a, run_fingerprint(&[1, 2], &[0.5, 0.5], 0));
        assert_ne!(a, run_fingerprint(&[1, 2], &[0.5, 0.25], 1));
    }
}
