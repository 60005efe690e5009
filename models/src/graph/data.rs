//! An attributed graph in memory: the symmetric adjacency A (core CSR), dense node features X
//! and, when known, the node classes.

use clasp_core::graph::Csr;

/// An undirected attributed graph of `n` nodes.
#[derive(Clone, Debug)]
pub struct GraphData {
    /// Short name for reports (`cora`, `csbm-1000`, a folder name).
    pub name: String,
    /// Symmetric adjacency, both directions stored, no self-loops unless the input had them.
    pub adjacency: Csr<f64>,
    /// Node features, row-major `n × dim`.
    pub features: Vec<f32>,
    /// Feature width.
    pub dim: usize,
    /// Node classes (0-based), if known.
    pub labels: Option<Vec<usize>>,
    /// Nodes left out of scoring (Citeseer's 15 nodes with no features and a placeholder label).
    pub unscored: Vec<usize>,
}

impl GraphData {
    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.adjacency.indptr().len() - 1
    }

    /// Number of classes of the labels (0 without labels).
    pub fn classes(&self) -> usize {
        self.labels.as_ref().and_then(|l| l.iter().max()).map_or(0, |&m| m + 1)
    }

    /// Number of undirected edges (self-loops counted once).
    pub fn edges(&self) -> usize {
        let loops = (0..self.n()).filter(|&p| self.adjacency.as_ref().row(p).0.contains(&p)).count();
        (self.adjacency.indices().len() + loops) / 2
    }

    /// The scored nodes' (truth, prediction) pairs: all nodes but `unscored`.
    pub fn scored(&self, truth: &[usize], pred: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let mut skip = vec![false; truth.len()];
        for &i in &self.unscored {
            if let Some(s) = skip.get_mut(i) {
                *s = true;
            }
        }
        truth.iter().zip(pred).zip(&skip).filter(|(_, s)| !**s).map(|((&t, &p), _)| (t, p)).unzip()
    }
}
