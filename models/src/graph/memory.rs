//! Peak memory of a run, measured as the process's peak resident set size: `VmHWM` of
//! `/proc/self/status`, after resetting it by writing `5` to `/proc/self/clear_refs` (Linux ≥
//! 4.0) at the start of the run. So each run's number is its own high-water mark (including the
//! resident data and binary of the process), not the maximum over earlier runs. `None` where
//! `/proc` is not available or the reset is refused.

/// Resets the peak-RSS counter; whether that worked.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak resident set size since the last [`reset_peak`], in MB (10⁶ bytes).
pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0 / 1e6)
}
