//! Few-shot episode benchmark on bundled data: features, seeded episode sampling, the
//! transductive methods of `clasp_core::bound`, accuracy with a 95 % interval, and λ/knn
//! tuning on validation episodes.
//!
//! Digits protocol (project notes, `bound_optimizer.md` §8): the 1797×64 images divided by
//! 16 are the features ("backbone" = identity); CL2N uses the **global mean** of all 1797
//! images as the base-class mean; each episode draws `ways` of the 10 classes uniformly
//! without replacement and, per class, `shots + queries` distinct images (the first `shots`
//! are the support). No base/novel split exists on digits, so none is made.

mod data;
mod eval;
mod methods;
mod sampler;

pub use data::{FewShotData, load_features};
pub use eval::{Summary, TuneResult, evaluate, tune};
pub use methods::{Method, MethodConfig};
pub use sampler::{EpisodeSpec, SampledEpisode, sample_episodes};
