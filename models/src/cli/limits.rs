//! Value parsers with sane ranges for the command-line counts and tolerances: a count of
//! 18446744073709551615 initialisations or a tolerance of 1e308 is a clear usage error (exit
//! code 2, naming the flag and the range), not a run that never ends or a "converged" that
//! means nothing.

use clap::builder::{TypedValueParser, ValueParser};

/// Parser of a `usize` count in `lo..=hi` (a negative number gets the range error too).
pub fn count(lo: u64, hi: u64) -> ValueParser {
    ValueParser::new(clap::builder::StringValueParser::new().try_map(move |s| {
        let v: i128 = s.parse().map_err(|_| format!("`{s}` is not a whole number"))?;
        if (i128::from(lo)..=i128::from(hi)).contains(&v) {
            usize::try_from(v).map_err(|e| e.to_string())
        } else {
            Err(format!("{v} is not in {lo}..={hi}"))
        }
    }))
}

/// Parser of a finite f64 in `(0, max]` (tolerances, scales, concentrations).
pub fn positive(max: f64) -> ValueParser {
    ValueParser::new(clap::builder::StringValueParser::new().try_map(move |s| {
        let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
        if v.is_finite() && v > 0.0 && v <= max { Ok(v) } else { Err(format!("{v} is not in (0, {max:e}]")) }
    }))
}

/// Parser of a finite f64 in `[lo, hi]`.
pub fn between(lo: f64, hi: f64) -> ValueParser {
    ValueParser::new(clap::builder::StringValueParser::new().try_map(move |s| {
        let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
        if v.is_finite() && (lo..=hi).contains(&v) { Ok(v) } else { Err(format!("{v} is not in [{lo}, {hi:e}]")) }
    }))
}

/// Largest number of clusters or components any command accepts (the memory check refuses
/// sizes that do not fit well before this).
pub const MAX_K: u64 = 1_000_000;
/// Largest number of initialisations.
pub const MAX_INIT: u64 = 1_000;
/// Largest iteration cap.
pub const MAX_ITER: u64 = 10_000_000;
/// Largest number of episodes.
pub const MAX_EPISODES: u64 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[arg(long, value_parser = count(1, MAX_INIT))]
        n: usize,
        #[arg(long, value_parser = positive(1.0))]
        tol: f64,
        #[arg(long, value_parser = between(0.0, 1.0), default_value_t = 0.5)]
        p: f64,
    }

    #[test]
    fn ranges_are_enforced_with_the_flag_named() {
        let ok = Cli::try_parse_from(["x", "--n", "3", "--tol", "1e-4"]).unwrap();
        assert_eq!((ok.n, ok.tol, ok.p), (3, 1e-4, 0.5));
        let err = Cli::try_parse_from(["x", "--n", "18446744073709551615", "--tol", "1e-4"]).unwrap_err().to_string();
        assert!(err.contains("--n") && err.contains("1..=1000"), "{err}");
        for bad in ["1e308", "0", "-1", "nan", "inf", "x"] {
            assert!(Cli::try_parse_from(["x", "--n", "1", "--tol", bad]).is_err(), "{bad}");
        }
        assert!(Cli::try_parse_from(["x", "--n", "1", "--tol", "1", "--p", "1.5"]).is_err());
    }
}
