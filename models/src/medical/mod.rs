//! Medical pipelines: MaxQuery — mask-transformer segmentation with out-of-distribution
//! localisation — on real images with labels derived by fixed rules and a seeded OOD benchmark.
//!
//! - [`source`], [`folder`], [`labels`], [`image`], [`dicom`]: the data (bundled CT slice and
//!   fundus photograph, or a user's folder of slices with masks) and the label rules.
//! - [`bench`]: the seeded construction of the training crops (inliers only) and the test crops
//!   with pasted real patches and synthetic lesions of known masks.
//! - [`maxquery`]: the model, losses, OOD scores, training loop and the k-means-query baseline.
//! - [`plots`] and [`run`]: the figure of OOD maps and the runner behind `clasp train maxquery`
//!   and `clasp demo`.

pub mod bench;
pub mod dicom;
pub mod folder;
pub mod image;
pub mod labels;
pub mod maxquery;
pub mod plots;
pub mod run;
pub mod source;

pub use source::{MedicalSet, MedicalSource, load_source};
