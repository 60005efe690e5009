//! The `--data` of a graph pipeline: a bundled graph (`cora`, `citeseer`, `karate`), a
//! contextual SBM (`csbm`: 5 classes, the profile's size; `csbm-N`: N nodes; `csbm-N-K`: N
//! nodes in K classes) or a user's folder.

use super::{CsbmParams, GraphData, GraphError, csbm, load_bundled_graph, load_graph_folder};
use crate::pipelines::Profile;
use std::path::Path;

/// Classes of the generated `csbm` graphs.
pub const CSBM_CLASSES: usize = 5;

/// Loads or generates the graph `data` names (`seed` seeds the generator).
pub fn load_graph_source(data: &str, profile: Profile, seed: u64) -> Result<GraphData, GraphError> {
    if super::BUNDLED_GRAPHS.contains(&data) {
        return load_bundled_graph(data);
    }
    if data == "csbm" {
        let n = match profile {
            Profile::Quick => 2000,
            Profile::Full => 10_000,
        };
        return csbm(&CsbmParams::sparse(n, CSBM_CLASSES), seed);
    }
    if let Some(spec) = data.strip_prefix("csbm-") {
        let bad = || GraphError::Parameter {
            name: "--data",
            message: format!("`{data}`: csbm-N takes a node count N, csbm-N-K also a class count K"),
        };
        let mut parts = spec.split('-').map(|p| p.parse::<usize>().map_err(|_| bad()));
        let n = parts.next().ok_or_else(bad)??;
        let k = parts.next().transpose()?.unwrap_or(CSBM_CLASSES);
        if parts.next().is_some() {
            return Err(bad());
        }
        return csbm(&CsbmParams::sparse(n, k), seed);
    }
    let path = Path::new(data);
    if path.is_dir() {
        return load_graph_folder(path);
    }
    Err(GraphError::Parameter {
        name: "--data",
        message: format!(
            "`{data}` is neither a bundled graph ({}), csbm, csbm-N, csbm-N-K nor a folder with edges and features",
            super::BUNDLED_GRAPHS.join(", ")
        ),
    })
}
