//! Scale-out on burn's collective operations (`burn-collective` 0.21, patched: see
//! `patches/README.md`): one engine per process ([`Collective`]) through which every
//! cross-peer sum goes — the core's sharded-Sinkhorn hook ([`clasp_core::AllReduce`]), the
//! synchronised batch norm and the gradients of data-parallel training.
//!
//! - [`engine`]: joining a run (rank 0 hosts the orchestrator), timeouts, the first failure;
//! - [`all_reduce`]: the core's `AllReduce` hook on the engine;
//! - [`autodiff`], [`sync_bn`], [`ddp`]: a differentiable all-reduce, SyncBN, and the
//!   data-parallel step (gradients summed in one all-reduce, rank 0's model sent to all);
//! - [`replica`]: the one training path of every minibatch pipeline, alone or as a peer
//!   (sharded batches, loss shares, sharded codes, SyncBN, the step, checkpoints by rank 0);
//! - [`launch`], [`orchestrator`], [`flags`]: `--peers N` on one machine, the orchestrator
//!   child process, the command-line flags; [`shard`]: which rows a peer holds;
//! - [`check`]: the hidden `clasp collective-check` (tests and benchmark).

pub mod all_reduce;
pub mod autodiff;
pub mod check;
pub mod ddp;
pub mod engine;
pub mod error;
pub mod flags;
pub mod launch;
mod logging;
pub mod orchestrator;
pub mod replica;
pub mod shard;
pub mod sync_bn;

pub use autodiff::DiffAllReduce;
pub use engine::{Collective, DistSpec, Traffic};
pub use error::DistError;
pub use flags::{DistArgs, DistMode};
pub use replica::{Replica, run_fingerprint};
