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

    /// Three blobs of 2-D points, row-major.
    #[cfg(feature = "alloc")]
    fn blobs() -> alloc::vec::Vec<f64> {
        (0..60)
            .flat_map(|i| {
                let c = [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)][i % 3];
                [c.0 + (i % 7) as f64 * 0.3, c.1 + (i % 5) as f64 * 0.4]
            })
            .collect()
    }

    /// Stops every run at iteration 2 and records what it saw.
    #[cfg(feature = "alloc")]
    fn stop_at_2(seen: &mut alloc::vec::Vec<Iteration>) -> impl FnMut(&Iteration) -> ControlFlow<()> + '_ {
        move |it: &Iteration| {
            seen.push(*it);
            if it.iteration >= 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        }
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn monitored_solvers_report_every_iteration_and_stop_on_break() {
        use crate::MatRef;
        let data = blobs();
        let x = MatRef::new(&data, 60, 2, "x").unwrap();
        // k-means: unmonitored equals plain; a Break after pass 2 of each of 2 runs.
        let p = crate::kmeans::KMeansParams { k: 3, n_init: 2, seed: 3, tol: 0.0, ..Default::default() };
        let plain = crate::kmeans::kmeans(x, &p).unwrap();
        assert_eq!(crate::kmeans::kmeans_monitored(x, &p, &mut Unmonitored).unwrap(), plain);
        let mut seen = alloc::vec::Vec::new();
        let _ = crate::kmeans::kmeans_monitored(x, &p, &mut stop_at_2(&mut seen)).unwrap();
        assert!(seen.iter().all(|it| it.iteration <= 2 && it.max_iter == 300));
        assert_eq!(seen.iter().map(|it| it.run).max(), Some(1));
        // ADMM: the residuals reach the monitor; a Break at 2 returns 2 iterations, not converged.
        let aff = crate::sdp::Affinity::from_data(x).unwrap();
        let params = crate::sdp::AdmmParams::default();
        let mut seen = alloc::vec::Vec::new();
        let (_, info) = crate::sdp::admm_monitored(&aff, 3, &params, &mut stop_at_2(&mut seen)).unwrap();
        assert_eq!((info.iterations, info.converged, seen.len()), (2, false, 2));
        assert!(seen.iter().all(|it| it.residual.is_finite() && it.residual > 0.0));
        let (z, full) = crate::sdp::admm_alloc(&aff, 3, &params).unwrap();
        let (zm, fm) = crate::sdp::admm_monitored(&aff, 3, &params, &mut Unmonitored).unwrap();
        assert_eq!((z, full.iterations), (zm, fm.iterations));
        // Burer–Monteiro and projected gradient.
        let mut seen = alloc::vec::Vec::new();
        let bm = crate::sdp::BurerMonteiroParams::default();
        let sol = crate::sdp::burer_monteiro_monitored(x, 3, &bm, &mut stop_at_2(&mut seen)).unwrap();
        assert_eq!((sol.info.iterations, sol.info.converged), (2, false));
        let mut seen = alloc::vec::Vec::new();
        let pgd = crate::sdp::PgdParams::default();
        let (_, info) = crate::sdp::pgd_monitored(&aff, 3, &pgd, &mut stop_at_2(&mut seen)).unwrap();
        assert_eq!((info.iterations, info.converged), (2, false));
        // Split/merge: one report per sweep.
        let sm = crate::mixture::split_merge::SplitMergeParams { k_init: 1, max_sweeps: 6, ..Default::default() };
        let mut sweeps = alloc::vec::Vec::new();
        let fit = crate::mixture::split_merge::split_merge_monitored(x, None, &sm, &mut |it: &Iteration| {
            sweeps.push(it.iteration);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(sweeps.len(), fit.info.sweeps);
        assert!(sweeps.iter().enumerate().all(|(i, &s)| s == i + 1));
    }
}
