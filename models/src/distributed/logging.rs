//! burn's collective layer logs every tensor transfer at `info` level (and installs a
//! subscriber that prints them) — thousands of lines per epoch. Installing this logger first
//! keeps the warnings and errors, prefixed with the peer's rank, and drops the rest.

use std::sync::OnceLock;

struct Quiet {
    rank: usize,
}

impl log::Log for Quiet {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("clasp (rank {}): {}: {}", self.rank, record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: OnceLock<Quiet> = OnceLock::new();

/// Installs the quiet logger for rank `rank` (once per process; later calls do nothing, and
/// so does a process that already has a logger).
pub fn quiet_collective_logs(rank: usize) {
    let logger = LOGGER.get_or_init(|| Quiet { rank });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}
