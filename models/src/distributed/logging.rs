//! burn's collective layer logs every tensor transfer at `info` level (and installs a
//! subscriber that prints them) — thousands of lines per epoch. Installing this logger first
//! keeps the warnings and errors, prefixed with the peer's rank, and drops the rest (the
//! orchestrator keeps none: it only reports peers that hung up, which they report better).

use std::sync::OnceLock;

struct Quiet {
    who: String,
    level: log::LevelFilter,
}

impl log::Log for Quiet {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("clasp ({}): {}: {}", self.who, record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: OnceLock<Quiet> = OnceLock::new();

/// Installs the quiet logger, its lines prefixed with `who` and only up to `level` (once per
/// process; later calls do nothing, and so does a process that already has a logger).
pub fn quiet_collective_logs(who: &str, level: log::LevelFilter) {
    let logger = LOGGER.get_or_init(|| Quiet { who: who.to_string(), level });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
    }
}
