//! Loading attributed graphs: the bundled Cora, Citeseer and karate club (`data/graphs`, see
//! [`crate::io::bundled`]; `CLASP_DATA` replaces them) and a user's folder:
//!
//! - `edges.npy` or `edges.csv`: `[E, 2]` node ids (each undirected edge once or twice; a
//!   third column is an edge weight ≥ 0);
//! - features, either dense `features.npy` / `features.csv` (`n × d`), or sparse CSR
//!   `features_indptr.npy` + `features_indices.npy` (+ `features_data.npy`, else every stored
//!   value is 1) with `d` = largest index + 1;
//! - optionally `labels.npy` / `labels.csv` (one whole number ≥ 0 per node).
//!
//! The node count is the number of feature rows; an edge naming another id, a NaN feature,
//! mismatched sizes or a bad label is a [`GraphError`] naming the file.

use super::{GraphData, GraphError};
use crate::io::{Header, Table, bundled_file, parse_npy, read_table};
use clasp_core::graph::adjacency_from_edges;
use std::path::Path;

/// The bundled graphs.
pub const BUNDLED_GRAPHS: [&str; 3] = ["cora", "citeseer", "karate"];

/// Reads one table from a source of named files.
trait Files {
    /// The table `stem` (`edges`, `labels`, …), or `None` when no such file exists.
    fn table(&self, stem: &str) -> Result<Option<(Table, String)>, GraphError>;
}

/// The bundled copy of `data/graphs/NAME`.
struct Bundled<'a>(&'a str);

impl Files for Bundled<'_> {
    fn table(&self, stem: &str) -> Result<Option<(Table, String)>, GraphError> {
        let rel = format!("graphs/{}/{stem}.npy", self.0);
        let Ok((bytes, shown)) = bundled_file(&rel) else {
            return Ok(None);
        };
        let file = shown.display().to_string();
        let t = parse_npy(&bytes).map_err(|e| GraphError::Read { file: file.clone(), message: e.to_string() })?;
        Ok(Some((t, file)))
    }
}

/// A user's folder (`STEM.npy`, else `STEM.csv`).
struct Folder<'a>(&'a Path);

impl Files for Folder<'_> {
    fn table(&self, stem: &str) -> Result<Option<(Table, String)>, GraphError> {
        for ext in ["npy", "csv"] {
            let path = self.0.join(format!("{stem}.{ext}"));
            if path.is_file() {
                let file = path.display().to_string();
                let t = read_table(&path, Header::Auto)
                    .map_err(|e| GraphError::Read { file: file.clone(), message: e.to_string() })?;
                return Ok(Some((t, file)));
            }
        }
        Ok(None)
    }
}

fn required(files: &dyn Files, stem: &str, place: &str) -> Result<(Table, String), GraphError> {
    files.table(stem)?.ok_or_else(|| GraphError::Read {
        file: format!("{place}/{stem}.npy"),
        message: format!("missing (neither {stem}.npy nor {stem}.csv)"),
    })
}

/// Whole numbers of a table as ids ≥ 0, or the first other value and its position.
fn whole(t: &Table) -> Result<Vec<usize>, (usize, f64)> {
    t.data
        .iter()
        .enumerate()
        .map(|(i, &v)| if v.fract() == 0.0 && (0.0..9.0e15).contains(&v) { Ok(v as usize) } else { Err((i, v)) })
        .collect()
}

/// [`whole`] with a bad value reported as a [`GraphError::Shape`] of `file`.
fn ids(t: &Table, file: &str) -> Result<Vec<usize>, GraphError> {
    whole(t).map_err(|(i, v)| GraphError::Shape {
        file: file.into(),
        message: format!("entry {i} is {v}, not a whole number ≥ 0"),
    })
}

/// Dense features `n × d` (checked finite), or the CSR triple.
fn features(files: &dyn Files, place: &str) -> Result<(Vec<f32>, usize, usize), GraphError> {
    if let Some((t, file)) = files.table("features")? {
        if let Some((row, col)) = t.first_non_finite() {
            return Err(GraphError::NonFinite { file, row, col });
        }
        return Ok((t.data.iter().map(|&v| v as f32).collect(), t.rows, t.cols));
    }
    let (ip, ip_file) = required(files, "features_indptr", place)?;
    let (ix, ix_file) = required(files, "features_indices", place)?;
    let indptr = ids(&ip, &ip_file)?;
    let indices = ids(&ix, &ix_file)?;
    let values = match files.table("features_data")? {
        Some((t, file)) => {
            if let Some((row, col)) = t.first_non_finite() {
                return Err(GraphError::NonFinite { file, row, col });
            }
            t.data
        }
        None => vec![1.0; indices.len()],
    };
    let n = indptr
        .len()
        .checked_sub(1)
        .filter(|&n| n > 0)
        .ok_or_else(|| GraphError::Shape { file: ip_file.clone(), message: "needs at least two entries".into() })?;
    if indptr[0] != 0 || indptr.windows(2).any(|w| w[0] > w[1]) || indptr[n] != indices.len() {
        return Err(GraphError::Shape {
            file: ip_file,
            message: format!("must rise from 0 to the {} feature indices", indices.len()),
        });
    }
    if values.len() != indices.len() {
        return Err(GraphError::Shape {
            file: format!("{place}/features_data"),
            message: format!("{} values for {} indices", values.len(), indices.len()),
        });
    }
    let d = indices.iter().max().map_or(1, |&m| m + 1);
    let mut x = vec![0f32; n * d];
    for r in 0..n {
        for e in indptr[r]..indptr[r + 1] {
            x[r * d + indices[e]] += values[e] as f32;
        }
    }
    Ok((x, n, d))
}

/// Edges `(u, v)` and their weights from an `[E, 2]` or `[E, 3]` table, ids checked `< n`.
/// Edge endpoints and their weights.
type EdgeList = (Vec<(usize, usize)>, Vec<f64>);

fn edges(t: &Table, file: &str, n: usize) -> Result<EdgeList, GraphError> {
    if t.cols != 2 && t.cols != 3 {
        return Err(GraphError::Shape {
            file: file.into(),
            message: format!("must be [E, 2] or [E, 3], found {}×{}", t.rows, t.cols),
        });
    }
    let mut out = Vec::with_capacity(t.rows);
    let mut weights = Vec::with_capacity(t.rows);
    for (e, row) in t.data.chunks_exact(t.cols).enumerate() {
        let id = |v: f64| -> Result<usize, GraphError> {
            if v.fract() == 0.0 && v >= 0.0 && v < n as f64 {
                Ok(v as usize)
            } else if v.fract() == 0.0 && v.is_finite() {
                Err(GraphError::NodeOutOfRange { file: file.into(), edge: e, node: v as i64, nodes: n })
            } else {
                Err(GraphError::Shape { file: file.into(), message: format!("edge {e} holds {v}, not a node id") })
            }
        };
        out.push((id(row[0])?, id(row[1])?));
        let w = row.get(2).copied().unwrap_or(1.0);
        if !(w.is_finite() && w >= 0.0) {
            return Err(GraphError::Shape {
                file: file.into(),
                message: format!("edge {e} has weight {w} (must be finite, ≥ 0)"),
            });
        }
        weights.push(w);
    }
    Ok((out, weights))
}

fn labels(files: &dyn Files, n: usize) -> Result<Option<Vec<usize>>, GraphError> {
    let Some((t, file)) = files.table("labels")? else {
        return Ok(None);
    };
    if t.data.len() != n || (t.cols != 1 && t.rows != 1) {
        return Err(GraphError::Shape {
            file,
            message: format!("{}×{} labels for {n} nodes (need one column)", t.rows, t.cols),
        });
    }
    whole(&t).map(Some).map_err(|(node, value)| GraphError::Label { file, node, value })
}

/// Builds the graph from a source of files; `identity_features` gives each node a one-hot
/// feature row when the source has no features (the karate club).
fn assemble(files: &dyn Files, name: &str, place: &str, identity_features: bool) -> Result<GraphData, GraphError> {
    let (x, n, dim) = if identity_features {
        let (t, _) = required(files, "labels", place)?;
        let n = t.data.len();
        let mut x = vec![0f32; n * n];
        (0..n).for_each(|i| x[i * n + i] = 1.0);
        (x, n, n)
    } else {
        features(files, place)?
    };
    let (et, efile) = required(files, "edges", place)?;
    let (mut e, mut w) = edges(&et, &efile, n)?;
    if let Some((wt, wfile)) = files.table("weights")? {
        if wt.data.len() != e.len() {
            return Err(GraphError::Shape {
                file: wfile,
                message: format!("{} weights for {} edges", wt.data.len(), e.len()),
            });
        }
        w = wt.data;
    }
    // Each undirected edge once: a list holding both directions would otherwise double them.
    let mut seen = std::collections::BTreeSet::new();
    let keep: Vec<bool> = e.iter().map(|&(u, v)| seen.insert((u.min(v), u.max(v)))).collect();
    let mut it = keep.iter();
    e.retain(|_| *it.next().unwrap_or(&true));
    let mut it = keep.iter();
    w.retain(|_| *it.next().unwrap_or(&true));
    let adjacency = adjacency_from_edges(n, &e, Some(&w))?;
    let labels = labels(files, n)?;
    let unscored = match files.table("missing_test_nodes")? {
        Some((t, file)) => ids(&t, &file)?,
        None => Vec::new(),
    };
    Ok(GraphData { name: name.into(), adjacency, features: x, dim, labels, unscored })
}

/// A bundled graph: `cora`, `citeseer` or `karate` (one-hot node features).
pub fn load_bundled_graph(name: &str) -> Result<GraphData, GraphError> {
    if !BUNDLED_GRAPHS.contains(&name) {
        return Err(GraphError::Parameter {
            name: "--data",
            message: format!("no bundled graph `{name}` (expected one of {})", BUNDLED_GRAPHS.join(", ")),
        });
    }
    assemble(&Bundled(name), name, &format!("<bundled>/graphs/{name}"), name == "karate")
}

/// A user's graph folder (see the module docs for its files).
pub fn load_graph_folder(dir: &Path) -> Result<GraphData, GraphError> {
    if !dir.is_dir() {
        return Err(GraphError::Read { file: dir.display().to_string(), message: "not a folder".into() });
    }
    let name = dir.file_name().map_or_else(|| dir.display().to_string(), |s| s.to_string_lossy().into_owned());
    assemble(&Folder(dir), &name, &dir.display().to_string(), false)
}
