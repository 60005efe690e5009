//! Reading a fixture folder: `manifest.json` lists `kind/name` cases; each case folder holds
//! `case.json` (scalars) and one `.npy` file per array (f64 or i64, C order).

use serde_json::Value;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// A numeric array read from `.npy`.
#[derive(Clone, Debug)]
pub struct Array<T> {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Row-major data.
    pub data: Vec<T>,
}

/// One case: its identity, its scalars and where its arrays live.
#[derive(Clone, Debug)]
pub struct Case {
    /// Folder of the kind (`sinkhorn`, `swav`, …).
    pub kind: String,
    /// Case folder name.
    pub name: String,
    /// The case folder.
    pub dir: PathBuf,
    /// Parsed `case.json`.
    pub json: Value,
}

/// The cases listed in `DIR/manifest.json`, in manifest order.
pub fn load_manifest(dir: &Path) -> Result<Vec<Case>, String> {
    let manifest = read_json(&dir.join("manifest.json"))?;
    let cases = manifest["cases"].as_array().ok_or("manifest.json has no `cases` list")?;
    cases
        .iter()
        .map(|c| {
            let id = c.as_str().ok_or("a manifest case is not a string")?;
            let (kind, name) = id.split_once('/').ok_or_else(|| format!("case `{id}` is not kind/name"))?;
            let case_dir = dir.join(kind).join(name);
            let json = read_json(&case_dir.join("case.json"))?;
            Ok(Case { kind: kind.to_string(), name: name.to_string(), dir: case_dir, json })
        })
        .collect()
}

fn read_json(path: &Path) -> Result<Value, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_reader(BufReader::new(f)).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_npy<T: npyz::Deserialize>(path: &Path) -> Result<Array<T>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| format!("{}: {e}", path.display()))?;
    if npy.order() != npyz::Order::C {
        return Err(format!("{}: Fortran order is not supported", path.display()));
    }
    let shape = npy.shape().iter().map(|&d| d as usize).collect();
    let data = npy.into_vec::<T>().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Array { shape, data })
}

impl Case {
    /// `kind/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
    /// The f64 array `stem.npy`.
    pub fn f64(&self, stem: &str) -> Result<Array<f64>, String> {
        read_npy(&self.dir.join(format!("{stem}.npy")))
    }
    /// The i64 array `stem.npy`.
    pub fn i64(&self, stem: &str) -> Result<Array<i64>, String> {
        read_npy(&self.dir.join(format!("{stem}.npy")))
    }
    /// A numeric scalar of `case.json`.
    pub fn num(&self, key: &str) -> Result<f64, String> {
        self.json[key].as_f64().ok_or_else(|| format!("{}: case.json has no number `{key}`", self.id()))
    }
    /// A boolean of `case.json`; a missing key is an error, never a default.
    pub fn bool(&self, key: &str) -> Result<bool, String> {
        self.json[key].as_bool().ok_or_else(|| format!("{}: case.json has no boolean `{key}`", self.id()))
    }
    /// A string scalar of `case.json`.
    pub fn str(&self, key: &str) -> Result<&str, String> {
        self.json[key].as_str().ok_or_else(|| format!("{}: case.json has no string `{key}`", self.id()))
    }
}
