//! The data sets that ship with clasp — scikit-learn's digits, iris, wine and breast_cancer, MNIST,
//! four scikit-image stills, one GIF, and the graphs Cora, Citeseer and the karate club
//! (`data/` in the repository, with their licences) — compiled into the binary, so `clasp demo`,
//! `clasp fewshot` and `clasp train --data mnist` work wherever the binary is copied or
//! installed. Setting `CLASP_DATA` to a folder with the same layout (`digits/features.npy`,
//! `mnist/train-images.idx3-ubyte.gz`, …) reads those files instead; a file missing there is
//! an error naming the path looked for (never a silent fallback).

use std::borrow::Cow;
use std::path::PathBuf;

/// Why a bundled file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum BundledError {
    /// No file of that name ships with clasp.
    #[error("no bundled file {rel}")]
    Unknown {
        /// The name asked for (below `data/`).
        rel: String,
    },
    /// `CLASP_DATA` is set and the file cannot be read from its folder.
    #[error("{}: {source} ({DATA_ENV} is set, so the copy built into clasp is not used)", path.display())]
    Override {
        /// The file looked for under `CLASP_DATA`.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// The environment variable naming a folder that replaces the bundled copies.
pub const DATA_ENV: &str = "CLASP_DATA";

/// One bundled file: its path below `data/` and its bytes.
struct Entry {
    rel: &'static str,
    bytes: &'static [u8],
}

macro_rules! bundle {
    ($($rel:literal),* $(,)?) => {
        &[$(Entry { rel: $rel, bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/", $rel)) }),*]
    };
}

static FILES: &[Entry] = bundle!(
    "digits/features.npy",
    "digits/labels.npy",
    "iris/features.npy",
    "iris/labels.npy",
    "wine/features.npy",
    "wine/labels.npy",
    "breast_cancer/features.npy",
    "breast_cancer/labels.npy",
    "mnist/train-images.idx3-ubyte.gz",
    "mnist/train-labels.idx1-ubyte.gz",
    "mnist/t10k-images.idx3-ubyte.gz",
    "mnist/t10k-labels.idx1-ubyte.gz",
    "stills/astronaut.png",
    "stills/coffee.png",
    "stills/ihc.png",
    "stills/cell.png",
    "video/no_time_for_that_tiny.gif",
    "graphs/cora/edges.npy",
    "graphs/cora/features_indptr.npy",
    "graphs/cora/features_indices.npy",
    "graphs/cora/labels.npy",
    "graphs/citeseer/edges.npy",
    "graphs/citeseer/features_indptr.npy",
    "graphs/citeseer/features_indices.npy",
    "graphs/citeseer/labels.npy",
    "graphs/citeseer/missing_test_nodes.npy",
    "graphs/karate/edges.npy",
    "graphs/karate/weights.npy",
    "graphs/karate/labels.npy",
    "medical/ct_small/CT_small.dcm",
    "medical/mr_small/MR_small.dcm",
    "medical/fundus/retina.jpg",
    "medical/fundus/microaneurysms.png",
);

/// A bundled file's bytes and the name errors use for it: the real path under `CLASP_DATA`
/// when that is set, else `<bundled>/REL`.
pub fn bundled_file(rel: &str) -> Result<(Cow<'static, [u8]>, PathBuf), BundledError> {
    if let Some(dir) = std::env::var_os(DATA_ENV) {
        let path = PathBuf::from(dir).join(rel);
        return match std::fs::read(&path) {
            Ok(bytes) => Ok((Cow::Owned(bytes), path)),
            Err(source) => Err(BundledError::Override { path, source }),
        };
    }
    let entry = FILES.iter().find(|e| e.rel == rel).ok_or_else(|| BundledError::Unknown { rel: rel.into() })?;
    Ok((Cow::Borrowed(entry.bytes), PathBuf::from("<bundled>").join(rel)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_file_is_present_and_unknown_names_are_errors() {
        for e in FILES {
            let (bytes, name) = bundled_file(e.rel).unwrap();
            assert!(!bytes.is_empty() && name.ends_with(e.rel), "{}", e.rel);
        }
        assert!(bundled_file("cifar/x.npy").unwrap_err().to_string().contains("no bundled file"));
    }
}
