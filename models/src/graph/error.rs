//! The one error type of the graph data layer: every variant names the file (or the bundled
//! set) at fault and prints as one line saying what is wrong with it.

/// Why an attributed graph could not be loaded or generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// Reading or parsing a file failed (missing file, bad `.npy`/CSV).
    #[error("{file}: {message}")]
    Read {
        /// The file (or `<bundled>/…` name).
        file: String,
        /// What went wrong.
        message: String,
    },
    /// Sizes do not fit together (edge list not `[E, 2]`, feature rows ≠ nodes, …).
    #[error("{file}: {message}")]
    Shape {
        /// The offending file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// An edge names a node id outside `0..nodes`.
    #[error("{file}: edge {edge} names node {node}, outside 0..{nodes}")]
    NodeOutOfRange {
        /// The edge file.
        file: String,
        /// Row of the edge (from 0).
        edge: usize,
        /// The bad id.
        node: i64,
        /// Number of nodes.
        nodes: usize,
    },
    /// A feature value is NaN or infinite.
    #[error("{file}: row {}, column {} is not finite (every feature must be)", row + 1, col + 1)]
    NonFinite {
        /// The features file.
        file: String,
        /// Row (node) of the value, from 0.
        row: usize,
        /// Column, from 0.
        col: usize,
    },
    /// A label is negative or not a whole number.
    #[error("{file}: label of node {node} is {value} (labels are whole numbers ≥ 0)")]
    Label {
        /// The labels file.
        file: String,
        /// Node of the first bad label.
        node: usize,
        /// Its value.
        value: f64,
    },
    /// A generator or loader parameter is out of its domain.
    #[error("{name}: {message}")]
    Parameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// The core rejected the graph (e.g. a negative edge weight).
    #[error("graph: {0}")]
    Core(#[from] clasp_core::Error),
}
