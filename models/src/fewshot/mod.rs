//! Few-shot episode benchmark on bundled data: features, seeded episode sampling, the
//! transductive methods of `clasp_core::bound`, accuracy with a 95 % interval, and λ/knn
//! tuning on validation episodes.
//!
//! Digits protocol: the 1797×64 images divided by
//! 16 are the features ("backbone" = identity); CL2N uses the **global mean** of all 1797
//! images as the base-class mean; each episode draws `ways` of the 10 classes uniformly
//! without replacement and, per class, `shots + queries` distinct images (the first `shots`
//! are the support). No base/novel split exists on digits, so none is made. The support–query
//! shift is on for LaplacianShot (with or without rectification) and SLK, off for plain
//! K-means / K-modes: with these choices the reference digits numbers (bracketed below) are
//! reproduced (the LaplacianShot release shifts only when rectifying; without the shift its
//! non-rectified 1-shot accuracy is ~1.5 points below the reference row).
//!
//! Measured (1000 episodes, seed 0, `clasp fewshot --shots S --method M`; in brackets the reference numbers of the
//! same protocol, measured with the methods' released Python code when the benchmark was set up):
//!
//! | method | 1-shot | 5-shot |
//! |---|---|---|
//! | SimpleShot | 75.45 ± 0.59 [75.11] | 89.83 ± 0.35 [89.60] |
//! | K-means | 81.90 ± 0.73 [81.66] | 90.85 ± 0.36 [90.52] |
//! | LaplacianShot λ = 1, rectified | 83.24 ± 0.67 [83.27] | 91.18 ± 0.37 [90.69] |
//! | LaplacianShot λ = 0.7, not rectified | 79.86 ± 0.63 [79.74] | 91.68 ± 0.34 [91.54] |
//! | SLK-Means, tuned | 85.44 ± 0.71 | 93.93 ± 0.29 |
//! | SLK-MS, tuned | 85.06 ± 0.69 | 93.68 ± 0.30 |
//! | LaplacianShot, tuned (rectified at 1-shot) | 83.89 ± 0.70 | 92.05 ± 0.35 |
//!
//! Tuned with `clasp fewshot --shots S [--rectify] --tune --val-episodes 300` (validation
//! episodes drawn with seed 1, grid symmetrisation × knn × λ, never the test episodes).
//! Chosen: SLK-Means `--symmetrise mean --knn 3 --lambda 1.2` (1- and 5-shot); SLK-MS
//! `--symmetrise mean --knn 5` with λ = 1.2 (1-shot) / 1.0 (5-shot); LaplacianShot
//! `--symmetrise mean --knn 3` with λ = 1.5 (1-shot) / 1.2 (5-shot). SLK-Means also has the
//! best validation accuracy of all methods at both shots (84.99 / 93.97).

#[cfg(feature = "train")]
pub mod backbone;
#[cfg(feature = "train")]
pub mod backbone_run;
#[cfg(feature = "train")]
mod bars;
mod data;
mod eval;
mod methods;
mod sampler;

pub use data::{FewShotData, Protocol, load_features, load_features_with};
pub use eval::{Summary, TuneResult, evaluate, evaluate_monitored, tune};
pub use methods::{Method, MethodConfig, Preset};
pub use sampler::{EpisodeSpec, SampledEpisode, sample_episodes};
