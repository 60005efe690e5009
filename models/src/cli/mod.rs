//! Fitting commands of the `clasp` binary: each reads `.npy`/CSV data, fits, and writes a
//! JSON report (parameters, labels, iterations, objective, and ACC/NMI/ARI when labels are
//! given).

#[cfg(feature = "train")]
pub mod assign;
pub mod budget;
pub mod demo;
#[cfg(feature = "train")]
pub mod export_edge;
pub mod fewshot;
pub mod gmm;
mod gmm_job;
pub mod kmeans;
pub mod limits;
pub mod progress;
mod report;
pub mod sdp;
pub mod split_merge;
#[cfg(feature = "train")]
pub mod train;
