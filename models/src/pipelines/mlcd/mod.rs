//! MLCD (An et al., "Multi-label Cluster Discrimination for Visual Representation Learning",
//! ECCV 2024): cluster a frozen off-the-shelf embedding of the corpus into many more centres
//! than classes (clasp core k-means), give every sample its l nearest centres as positive
//! labels, and train an encoder with a cosine classifier and the multi-label
//! cluster-discrimination loss
//! L_i = log(1 + Σ_{j∉Ω⁺ᵢ} e^{s·cos θ_ij}) + log(1 + Σ_{j∈Ω⁺ᵢ} e^{−s·cos θ_ij}),
//! negatives sub-sampled PartialFC-style (every positive class of the batch plus a random
//! fraction r of the others); the clustering is redone periodically on the encoder's own
//! embedding. l = 1 is single-label cluster discrimination (the ablation).

mod config;
mod loss;
mod model;
mod train;

pub use config::MlcdConfig;
pub use loss::multi_label_loss;
pub use model::MlcdModel;
pub(crate) use train::train_step;
pub use train::{Mlcd, nearest_centres};
