//! # clasp-models
//!
//! The pipelines built on `clasp-core` and the `clasp` command line: fitting commands that
//! read `.npy`/CSV data and write JSON reports, and `clasp bench`, which times clasp's
//! kernels on the workloads of `shared/bench/peers.py` and prints ratios against the
//! reference libraries measured in the same run.

pub mod bench;
pub mod cli;
pub mod data;
#[cfg(feature = "train")]
pub mod discovery;
#[cfg(feature = "train")]
pub mod distributed;
mod error;
#[cfg(feature = "train")]
pub mod eval;
pub mod experiments;
pub mod fewshot;
pub mod graph;
pub mod io;
#[cfg(feature = "train")]
pub mod medical;
pub mod metrics;
#[cfg(feature = "train")]
pub mod multimodal;
#[cfg(feature = "train")]
pub mod nn;
pub mod pca;
#[cfg(feature = "train")]
pub mod pipelines;
pub mod report;
#[cfg(feature = "train")]
pub mod train;

pub(crate) use error::Context;
pub use error::{Error, Result};
