//! What a graph pipeline's training returns to the runner.

use crate::pipelines::Matrix;
use crate::train::History;
use serde_json::{Map, Value};

/// The result of training one graph pipeline on one graph.
pub struct GraphTrained {
    /// Per-epoch numbers (phases `pretrain` and `train`; `seconds` is the epoch's wall time).
    pub history: History,
    /// Final node embedding (`n × dim`).
    pub embedding: Matrix,
    /// The model's cluster of every node at the final epoch.
    pub labels: Vec<usize>,
    /// Pipeline-specific report entries (e.g. DAG's K path and baselines).
    pub extra: Map<String, Value>,
}

/// The node features of `g` as a `[n, dim]` tensor.
pub fn features_tensor<B: burn::prelude::Backend>(
    g: &super::GraphData,
    device: &B::Device,
) -> burn::prelude::Tensor<B, 2> {
    burn::prelude::Tensor::from_data(burn::prelude::TensorData::new(g.features.clone(), [g.n(), g.dim]), device)
}
