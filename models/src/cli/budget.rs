//! Size and time checks before a command allocates or starts a long solve: the memory an
//! algorithm needs is computed from the problem size (checked arithmetic) and compared with the
//! memory the machine has available, so `clasp gmm -k 100000` on 200 000 rows is a one-line
//! refusal naming the size instead of an abort in the allocator.

use crate::{Error, Result};

/// Bytes of one f64.
const F64: u128 = 8;

/// Memory the operating system reports as available (`MemAvailable` of `/proc/meminfo`);
/// `None` where that is not known (then only sizes that overflow are refused).
pub fn available_memory() -> Option<u128> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `bytes` in the largest unit that keeps it ≥ 1 (`1.5 GB`).
pub fn human_bytes(bytes: u128) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{bytes} bytes") } else { format!("{v:.1} {}", units[u]) }
}

/// An estimate of the memory a command will allocate: `f64s` values (None = the count
/// overflows) and a description of where they come from.
pub struct Need {
    /// Number of f64 values.
    pub f64s: Option<u128>,
    /// What they are, e.g. `responsibilities and log-densities, 3·n·K`.
    pub what: String,
}

impl Need {
    /// `terms` summed, each a product of sizes (checked).
    pub fn new(what: impl Into<String>, terms: &[&[usize]]) -> Self {
        let f64s = terms.iter().try_fold(0u128, |acc, term| {
            let t = term.iter().try_fold(1u128, |a, &d| a.checked_mul(d as u128))?;
            acc.checked_add(t)
        });
        Need { f64s, what: what.into() }
    }

    /// Refuses the run when the estimate exceeds the available memory (`available`, normally
    /// [`available_memory`]); `hint` says what to do instead.
    pub fn check(&self, command: &str, available: Option<u128>, hint: &str) -> Result<()> {
        let bytes = self.f64s.and_then(|n| n.checked_mul(F64));
        let too_big = match (bytes, available) {
            (None, _) => true,
            (Some(b), Some(avail)) => b > avail,
            (Some(_), None) => false,
        };
        if !too_big {
            return Ok(());
        }
        let size = bytes.map_or("more bytes than can be addressed".to_string(), human_bytes);
        let avail = available.map_or(String::new(), |a| format!(", {} available", human_bytes(a)));
        let hint = if hint.is_empty() { String::new() } else { format!("; {hint}") };
        Err(Error::TooLarge {
            command: command.into(),
            message: format!("needs about {size} ({}){avail}{hint}", self.what),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_does_not_fit_and_names_the_size() {
        // gmm -k 100000 on 200 000 × 20: 3·n·K responsibilities alone are 480 GB.
        let need = Need::new("3·n·K responsibilities", &[&[3, 200_000, 100_000]]);
        let err = need.check("gmm", Some(24_000_000_000), "lower -k").unwrap_err().to_string();
        assert_eq!(err, "gmm: needs about 480.0 GB (3·n·K responsibilities), 24.0 GB available; lower -k");
        assert!(Need::new("x", &[&[1000, 1000]]).check("gmm", Some(24_000_000_000), "").is_ok());
        // Unknown available memory: only an overflowing size is refused.
        assert!(need.check("gmm", None, "").is_ok());
        let huge = Need::new("n²", &[&[usize::MAX, usize::MAX, usize::MAX]]);
        assert!(huge.check("sdp", None, "").unwrap_err().to_string().contains("more bytes than can be addressed"));
    }

    #[test]
    fn reads_the_machine_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_memory().is_some_and(|b| b > 1_000_000));
        }
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(320_000_000_000), "320.0 GB");
    }
}
