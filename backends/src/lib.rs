//! # clasp-backends
//!
//! Runs the heavy steps of `clasp-core` on a device. The runtime is picked at build time by
//! cargo feature (`cuda`, `rocm`, `wgpu`) and at run time by device; the CPU path (the core
//! itself) is always compiled in and is the reference every device result is tested against.
#![warn(missing_docs)]

pub use clasp_core as core;

/// A place the kernels can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// The core's own CPU implementation (always available).
    Cpu,
}

impl BackendKind {
    /// Lower-case name used on the command line (`--device cpu`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
        }
    }
}

/// The backends compiled into this build, CPU first.
pub fn compiled_backends() -> &'static [BackendKind] {
    &[BackendKind::Cpu]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_always_compiled() {
        assert_eq!(compiled_backends().first(), Some(&BackendKind::Cpu));
        assert_eq!(BackendKind::Cpu.name(), "cpu");
    }
}
