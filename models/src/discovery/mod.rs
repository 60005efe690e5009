//! Generalised category discovery with the semi-supervised Gaussian mixture (GPC, Zhao, Wen &
//! Han, ICCV 2023) on images: the old/new split with a labelled share of the old classes
//! ([`split`]), the losses ([`loss`]), the semi-supervised k-means baseline ([`sskmeans`]),
//! the mixture at K̂ refitted from it ([`refit`]),
//! the alternating training loop ([`train`]) and the runner behind `clasp train gpc`
//! ([`run`]).

pub mod config;
pub mod loss;
pub mod refit;
pub mod run;
pub mod split;
pub mod sskmeans;
pub mod train;

pub use config::GpcConfig;
pub use split::{GcdSplit, gcd_split};
pub use sskmeans::semi_supervised_kmeans;
