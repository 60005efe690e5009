//! Gaussian mixtures.
pub mod niw;
pub mod split_merge;
