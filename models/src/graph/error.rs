//! The one error type of the graph data layer: every variant names the file (or the bundled
//! set) at fault and prints as one line saying what is wrong with it.

use std::fmt;

/// Why an attributed graph could not be loaded or generated.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphError {
    /// Reading or parsing a file failed (missing file, bad `.npy`/CSV).
    Read {
        /// The file (or `<bundled>/…` name).
        file: String,
        /// What went wrong.
        message: String,
    },
    /// Sizes do not fit together (edge list not `[E, 2]`, feature rows ≠ nodes, …).
    Shape {
        /// The offending file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// An edge names a node id outside `0..nodes`.
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
    NonFinite {
        /// The features file.
        file: String,
        /// Row (node) of the value, from 0.
        row: usize,
        /// Column, from 0.
        col: usize,
    },
    /// A label is negative or not a whole number.
    Label {
        /// The labels file.
        file: String,
        /// Node of the first bad label.
        node: usize,
        /// Its value.
        value: f64,
    },
    /// A generator or loader parameter is out of its domain.
    Parameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// The core rejected the graph (e.g. a negative edge weight).
    Core(clasp_core::Error),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Read { file, message } | GraphError::Shape { file, message } => write!(f, "{file}: {message}"),
            GraphError::NodeOutOfRange { file, edge, node, nodes } => {
                write!(f, "{file}: edge {edge} names node {node}, outside 0..{nodes}")
            }
            GraphError::NonFinite { file, row, col } => {
                write!(f, "{file}: row {}, column {} is not finite (every feature must be)", row + 1, col + 1)
            }
            GraphError::Label { file, node, value } => {
                write!(f, "{file}: label of node {node} is {value} (labels are whole numbers ≥ 0)")
            }
            GraphError::Parameter { name, message } => write!(f, "{name}: {message}"),
            GraphError::Core(e) => write!(f, "graph: {e}"),
        }
    }
}

impl std::error::Error for GraphError {}

impl From<clasp_core::Error> for GraphError {
    fn from(e: clasp_core::Error) -> Self {
        GraphError::Core(e)
    }
}
