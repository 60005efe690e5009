//! The backends' error: the core's input errors, plus the device runtime's own failures.

use core::fmt;

/// What a device operation can fail with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Error {
    /// Bad input or a numerical failure, as the core reports it (the CPU path's error too).
    Input(clasp_core::Error),
    /// The device runtime (CUDA, ROCm, WGPU) failed: lost device, out of memory, launch error.
    Device {
        /// What the runtime was doing.
        what: &'static str,
    },
}

/// Result of a device operation.
pub type Result<T> = core::result::Result<T, Error>;

impl From<clasp_core::Error> for Error {
    fn from(e: clasp_core::Error) -> Self {
        Error::Input(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(e) => e.fmt(f),
            Error::Device { what } => write!(f, "device runtime failed while {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Input(e) => Some(e),
            Error::Device { .. } => None,
        }
    }
}
