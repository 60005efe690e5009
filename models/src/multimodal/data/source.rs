//! The `--data` of `clasp train mgca`.

use crate::{Error, Result};
use std::path::PathBuf;
use std::str::FromStr;

/// Where paired data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PairSource {
    /// Bundled breast_cancer: mean+SE features vs worst features.
    BreastCancer,
    /// Bundled MNIST: left vs right 28×14 halves, pixel columns as tokens.
    MnistHalves,
    /// A CSV of `image_path,report_text[,label]` lines.
    Csv(PathBuf),
}

impl FromStr for PairSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "breast-cancer" | "breast_cancer" => Ok(PairSource::BreastCancer),
            "mnist-halves" | "mnist_halves" => Ok(PairSource::MnistHalves),
            path if path.to_ascii_lowercase().ends_with(".csv") => Ok(PairSource::Csv(PathBuf::from(path))),
            other => Err(Error::Unknown {
                what: "paired data",
                name: other.into(),
                expected: "expected breast-cancer, mnist-halves or a .csv of image_path,report_text pairs".into(),
            }),
        }
    }
}

impl PairSource {
    /// The name reports use.
    pub fn name(&self) -> String {
        match self {
            PairSource::BreastCancer => "breast-cancer".into(),
            PairSource::MnistHalves => "mnist-halves".into(),
            PairSource::Csv(p) => p.display().to_string(),
        }
    }
}
