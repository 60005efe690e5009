//! Progress of the long-running fitting commands: an indicatif bar (run, iteration, residual,
//! ETA at the iteration cap) when stderr is a terminal, a plain line every few seconds
//! otherwise, nothing with `--quiet`. It is a [`clasp_core::Monitor`], so the core solvers
//! report to it directly; [`ProgressEm`] adapts it to EM's hook.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use clasp_core::mixture::EmHook;
use clasp_core::{Float, Iteration, Monitor};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Seconds between plain progress lines.
const PLAIN_EVERY: Duration = Duration::from_secs(2);

/// Where progress goes: `(bar, plain)` — an indicatif bar on stderr (length `len`, `template`,
/// `prefix`) when stderr is a terminal, else `plain` = true (the caller prints lines), and
/// neither with `quiet`. Shared by the fitting commands and the training loops.
pub fn stderr_display(quiet: bool, len: Option<u64>, template: &str, prefix: &str) -> (Option<ProgressBar>, bool) {
    let plain = !quiet && !std::io::stderr().is_terminal();
    let bar = (!quiet && !plain).then(|| {
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(prefix.to_string());
        bar
    });
    (bar, plain)
}

/// Progress of a solver with `runs` runs of at most `max_iter` iterations each.
pub struct IterationProgress {
    label: String,
    unit: &'static str,
    measure: &'static str,
    bar: Option<ProgressBar>,
    plain: bool,
    runs: usize,
    start: Instant,
    last_line: Option<Instant>,
}

impl IterationProgress {
    /// A display labelled `label` (e.g. `sdp admm`); `quiet` shows nothing.
    pub fn new(label: &str, runs: usize, quiet: bool) -> Self {
        Self::counting(label, runs, quiet, "iterations", "residual")
    }

    /// A display whose steps are `unit` (e.g. `episodes`) and whose reported value is called
    /// `measure` (e.g. `mean accuracy %`).
    pub fn counting(label: &str, runs: usize, quiet: bool, unit: &'static str, measure: &'static str) -> Self {
        let template = format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit}  {{msg}}  ETA {{eta}}");
        let (bar, plain) = stderr_display(quiet, None, &template, label);
        Self {
            label: label.to_string(),
            unit,
            measure,
            bar,
            plain,
            runs: runs.max(1),
            start: Instant::now(),
            last_line: None,
        }
    }

    /// Removes the bar (the command then prints its one-line summary).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// The plain line for `it`, with an ETA at the iteration cap.
    fn line(&self, it: &Iteration) -> String {
        let total = (self.runs * it.max_iter).max(1);
        let done = (it.run * it.max_iter + it.iteration).min(total);
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = elapsed / done.max(1) as f64 * (total - done) as f64;
        let run = if self.runs > 1 { format!("run {}/{}, ", it.run + 1, self.runs) } else { String::new() };
        let step = self.unit.trim_end_matches('s');
        format!(
            "{}: {run}{step} {}/{}, {} {}, {elapsed:.0} s elapsed, at most {eta:.0} s to the cap",
            self.label,
            it.iteration,
            it.max_iter,
            self.measure,
            self.value(it.residual)
        )
    }

    /// The reported value: scientific for residuals, two decimals otherwise.
    fn value(&self, v: f64) -> String {
        if self.measure == "residual" { format!("{v:.3e}") } else { format!("{v:.2}") }
    }
}

impl Monitor for IterationProgress {
    fn iteration(&mut self, it: &Iteration) -> ControlFlow<()> {
        if let Some(bar) = &self.bar {
            bar.set_length((self.runs * it.max_iter) as u64);
            bar.set_position((it.run * it.max_iter + it.iteration) as u64);
            let run = if self.runs > 1 { format!("run {}/{}  ", it.run + 1, self.runs) } else { String::new() };
            bar.set_message(format!("{run}{} {}", self.measure, self.value(it.residual)));
        } else if self.plain && self.last_line.is_none_or(|t| t.elapsed() >= PLAIN_EVERY) {
            self.last_line = Some(Instant::now());
            eprintln!("{}", self.line(it));
        }
        ControlFlow::Continue(())
    }
}

/// An EM hook that reports every iteration (residual = the change of the objective) to an
/// [`IterationProgress`] and otherwise behaves as `inner`.
pub struct ProgressEm<'a, H> {
    /// The hook doing the work (e.g. plain EM).
    pub inner: H,
    /// Where iterations are reported.
    pub progress: &'a mut IterationProgress,
    /// The iteration cap of each run.
    pub max_iter: usize,
    run: Option<usize>,
    last: f64,
}

impl<'a, H> ProgressEm<'a, H> {
    /// Reports `inner`'s iterations to `progress`.
    pub fn new(inner: H, progress: &'a mut IterationProgress, max_iter: usize) -> Self {
        Self { inner, progress, max_iter, run: None, last: f64::NAN }
    }
}

impl<F: Float, H: EmHook<F>> EmHook<F> for ProgressEm<'_, H> {
    fn after_e_step(&mut self, iteration: usize, log_resp: &mut [F], log_prob_norm: &[F]) -> clasp_core::Result<F> {
        let objective = self.inner.after_e_step(iteration, log_resp, log_prob_norm)?;
        // Iterations count from 1 in every run (initialisation) of a multi-start fit.
        let run = match self.run {
            Some(r) if iteration == 1 => r + 1,
            Some(r) => r,
            None => 0,
        };
        self.run = Some(run);
        let value = Float::to_f64(objective);
        let residual = if iteration == 1 { f64::INFINITY } else { (value - self.last).abs() };
        self.last = value;
        let report = Iteration { run, iteration, max_iter: self.max_iter, residual };
        let _ = self.progress.iteration(&report);
        Ok(objective)
    }

    fn modifies_responsibilities(&self) -> bool {
        self.inner.modifies_responsibilities()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_name_run_iteration_residual_and_eta() {
        let mut p = IterationProgress::new("kmeans", 2, true);
        assert!(p.iteration(&Iteration { run: 1, iteration: 5, max_iter: 10, residual: 0.25 }).is_continue());
        let line = p.line(&Iteration { run: 1, iteration: 5, max_iter: 10, residual: 0.25 });
        assert!(line.starts_with("kmeans: run 2/2, iteration 5/10, residual 2.500e-1,"), "{line}");
        assert!(line.ends_with("s to the cap"), "{line}");
    }
}
