//! Fitting subcommands of the `clasp` binary, one file each.

pub mod sdp;
