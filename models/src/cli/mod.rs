//! Subcommands of the `clasp` binary that live in the library (so they can be tested).

pub mod fewshot;
