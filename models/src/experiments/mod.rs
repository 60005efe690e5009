//! Experiments built from the library's pieces and shared by the examples, the demo and the
//! tests (not command-line plumbing).

pub mod k_discovery;
