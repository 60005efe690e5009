//! Tolerance bookkeeping for a fixture case: every comparison updates the case's largest
//! absolute error and records a message when it is outside its tolerance.

/// How a comparison's error is measured.
#[derive(Clone, Copy, Debug)]
pub enum Tol {
    /// max |got − want| ≤ tol.
    Abs(f64),
    /// max |got − want| / max |want| ≤ tol (the fixtures README's "rel").
    Rel(f64),
}

/// Accumulates the comparisons of one case.
#[derive(Debug, Default)]
pub struct Report {
    /// Largest absolute error over every comparison.
    pub max_abs_err: f64,
    /// One message per comparison that failed.
    pub failures: Vec<String>,
}

impl Report {
    /// Compares two arrays of equal length.
    pub fn close(&mut self, what: &str, got: &[f64], want: &[f64], tol: Tol) {
        if got.len() != want.len() {
            self.failures.push(format!("{what}: length {} vs {}", got.len(), want.len()));
            return;
        }
        let mut abs = 0.0f64;
        for (g, w) in got.iter().zip(want) {
            let d = (g - w).abs();
            abs = if d.is_nan() { f64::INFINITY } else { abs.max(d) };
        }
        self.max_abs_err = self.max_abs_err.max(abs);
        let (err, limit) = match tol {
            Tol::Abs(t) => (abs, t),
            Tol::Rel(t) => (abs / want.iter().fold(0.0f64, |m, w| m.max(w.abs())).max(f64::MIN_POSITIVE), t),
        };
        if err.is_nan() || err > limit {
            self.failures.push(format!("{what}: error {err:.3e} > {limit:.1e}"));
        }
    }
    /// Compares two scalars.
    pub fn scalar(&mut self, what: &str, got: f64, want: f64, tol: Tol) {
        self.close(what, &[got], &[want], tol);
    }
    /// Records a condition that must hold.
    pub fn check(&mut self, what: &str, ok: bool) {
        if !ok {
            self.failures.push(what.to_string());
        }
    }
    /// Records an error returned by the code under test.
    pub fn error(&mut self, what: &str, e: impl std::fmt::Display) {
        self.failures.push(format!("{what}: {e}"));
    }
    /// No failures.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_recorded() {
        let mut r = Report::default();
        r.close("a", &[1.0, 2.0], &[1.0, 2.0 + 1e-9], Tol::Abs(1e-8));
        assert!(r.passed());
        r.close("b", &[1.0], &[2.0], Tol::Rel(0.1));
        r.scalar("c", f64::NAN, 1.0, Tol::Abs(1.0));
        r.check("d", false);
        assert_eq!(r.failures.len(), 3);
        assert!(r.max_abs_err.is_infinite());
    }
}
