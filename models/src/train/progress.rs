//! Progress display: an indicatif bar (epoch, batch, loss, ETA) when stderr is a terminal,
//! one plain line per epoch otherwise, nothing with `--quiet`.

use indicatif::ProgressBar;

/// The progress of one training phase.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    label: String,
}

impl Progress {
    /// A display for `total` batches of phase `label`.
    pub fn new(label: &str, total: u64, quiet: bool) -> Self {
        let template = "{prefix:>12} [{bar:30}] {pos}/{len} batches  {msg}  ETA {eta}";
        let (bar, plain) = crate::cli::progress::stderr_display(quiet, Some(total), template, label);
        Self { bar, plain, label: label.to_string() }
    }

    /// One batch done; `msg` is shown beside the bar (epoch, running loss).
    pub fn batch(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_string());
            bar.inc(1);
        }
    }

    /// One epoch done: a plain line when stderr is not a terminal.
    pub fn epoch(&self, msg: &str) {
        if self.plain {
            eprintln!("{:>12} {msg}", self.label);
        } else if let Some(bar) = &self.bar {
            bar.println(format!("{:>12} {msg}", self.label));
        }
    }

    /// Closes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
