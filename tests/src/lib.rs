//! Shared machinery of clasp's cross-crate tests: reading reference fixtures (the
//! `manifest.json` + `case.json` + `.npy` layout of `shared/fixtures`), comparing results
//! with tolerances, and one checker per fixture kind. The `check-fixtures` binary and the
//! parity tests both run the same checkers.

pub mod compare;
pub mod fixtures;
pub mod kinds;
pub mod sdp_data;

use std::path::PathBuf;

/// The fixtures copied into this crate (`tests/fixtures`).
pub fn bundled_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}
