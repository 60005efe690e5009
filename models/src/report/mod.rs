//! Run reports: SVG plots and the self-contained HTML page a person reads instead of the JSON.
//!
//! Plots ([`plot_curves`], [`plot_embedding`], [`plot_confusion`], [`plot_cluster_sizes`]) are
//! drawn with plotters' SVG backend (text is laid out with a built-in estimate, so no system
//! font is needed), rendered in memory and written atomically. [`write_html`] turns a run's
//! report JSON into one HTML page with inline CSS and the plots embedded; [`write_json_atomic`]
//! writes the JSON itself. Every file is written to `<path>.tmp` and renamed into place, so a
//! failed or interrupted write never leaves a half-written file under the final name. All
//! inputs are checked first: empty inputs, mismatched lengths and non-finite values are
//! [`ReportError`]s.

mod atomic;
mod chart;
mod confusion;
mod curves;
mod embedding;
mod error;
mod html;
mod json_html;
mod projection;
mod roc;
mod sizes;
#[cfg(test)]
mod testutil;

pub use atomic::write_json_atomic;
pub use confusion::plot_confusion;
pub use curves::plot_curves;
pub use embedding::plot_embedding;
pub use error::ReportError;
pub use html::write_html;
pub use projection::MAX_EMBEDDING_POINTS;
pub use roc::plot_roc;
pub use sizes::plot_cluster_sizes;
