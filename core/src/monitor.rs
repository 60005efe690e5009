//! Watching an iterative solver while it runs — a progress bar, a log line, an early stop —
//! without the core knowing how it is shown (no allocation, `no_std`).
//!
//! A [`Monitor`] is called once per iteration with an [`Iteration`]; returning
//! [`ControlFlow::Break`] stops the solver, which then returns its current iterate with
//! `converged = false` (exactly as if it had reached its iteration cap there). Solvers that
//! take a monitor have a `*_monitored` entry beside the plain one, which passes [`Unmonitored`].

use core::ops::ControlFlow;

/// One finished iteration, as reported to a [`Monitor`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iteration {
    /// The run this iteration belongs to (the initialisation index of multi-start solvers such
    /// as k-means with `n_init` > 1; 0 otherwise), counted from 0.
    pub run: usize,
    /// Iterations done in this run, counted from 1.
    pub iteration: usize,
    /// The run's iteration cap.
    pub max_iter: usize,
    /// The quantity the solver compares against its tolerance after this iteration (the
    /// largest relative residual of the SDP solvers, the centre shift of k-means).
    pub residual: f64,
}

/// Called after every iteration of a monitored solver.
pub trait Monitor {
    /// `Continue` to go on, `Break` to stop with the current iterate (not converged).
    fn iteration(&mut self, it: &Iteration) -> ControlFlow<()>;
}

/// The monitor of the plain entries: observes nothing, never stops.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unmonitored;

impl Monitor for Unmonitored {
    fn iteration(&mut self, _it: &Iteration) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// Any `FnMut(&Iteration) -> ControlFlow<()>` closure is a monitor.
impl<F: FnMut(&Iteration) -> ControlFlow<()>> Monitor for F {
    fn iteration(&mut self, it: &Iteration) -> ControlFlow<()> {
        self(it)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_monitor_and_can_stop() {
        let mut seen = 0;
        let mut stop_at_3 = |it: &Iteration| {
            seen = it.iteration;
            if it.iteration >= 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        };
        let it = |i| Iteration { run: 0, iteration: i, max_iter: 10, residual: 1.0 };
        assert_eq!(stop_at_3.iteration(&it(2)), ControlFlow::Continue(()));
        assert_eq!(stop_at_3.iteration(&it(3)), ControlFlow::Break(()));
        assert_eq!(seen, 3);
        assert_eq!(Unmonitored.iteration(&it(1)), ControlFlow::Continue(()));
    }
}
