//! Attributed-graph clustering: the data (bundled Cora, Citeseer and karate club, a user's
//! folder, the contextual SBM generator), sparse device operations over the core's CSR, and the
//! pipelines PamC (with its dense InfoNCE baseline) and DAG, run by [`run`] for `clasp train`
//! and `clasp demo`.

pub mod csbm;
#[cfg(feature = "train")]
pub mod dag;
pub mod data;
pub mod error;
#[cfg(feature = "train")]
pub mod features;
pub mod load;
pub mod memory;
#[cfg(feature = "train")]
pub mod outcome;
#[cfg(feature = "train")]
pub mod pamc;
#[cfg(feature = "train")]
pub mod run;
#[cfg(feature = "train")]
pub mod scaling;
#[cfg(feature = "train")]
pub mod source;
#[cfg(feature = "train")]
pub mod sparse;

pub use csbm::{CsbmParams, csbm};
pub use data::GraphData;
pub use error::GraphError;
pub use load::{BUNDLED_GRAPHS, load_bundled_graph, load_graph_folder};
