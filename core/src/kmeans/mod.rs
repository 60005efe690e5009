//! k-means: nearest-centre assignment (no allocation), greedy k-means++ seeding and Lloyd's
//! algorithm with scikit-learn's semantics (strict label convergence, centre-shift
//! tolerance scaled by the mean feature variance, farthest-point relocation of empty
//! clusters, `n_init` restarts keeping the lowest inertia).

mod assign;
#[cfg(feature = "alloc")]
pub(crate) mod fit;
#[cfg(feature = "alloc")]
mod lloyd;
mod params;
#[cfg(feature = "alloc")]
pub(crate) mod plus_plus;
#[cfg(feature = "alloc")]
mod relocate;

pub use assign::kmeans_assign;
#[cfg(feature = "alloc")]
pub use fit::{KMeansFit, kmeans, kmeans_from, kmeans_monitored};
pub use params::{KMeansInfo, KMeansInit, KMeansParams};
#[cfg(feature = "alloc")]
pub use plus_plus::{kmeans_plus_plus, kmeans_plus_plus_from};
