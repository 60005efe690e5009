//! # clasp-backends
//!
//! Runs the heavy steps of `clasp-core` on a device. The runtime is picked at build time by
//! cargo feature (`cuda`, `rocm`, `wgpu`) and at run time by device; the CPU path (the core
//! itself) is always compiled in and is the reference every device result is tested against.
//!
//! - [`Gpu`] is a cubecl client for one runtime `R` and device; its methods take
//!   [`DeviceBuffer`]s and [`DeviceMatrix`]es (row blocks within the device's largest binding;
//!   nothing leaves the device) and have `*_host` conveniences on slices.
//! - [`Backend`] picks the runtime at run time and falls back to the CPU path, with a message
//!   on stderr, when the requested device is missing.
//! - [`kernels`] holds the cubecl kernels, one file per family.
//! - `burn` (feature `burn`): SwAV codes on burn tensors through a backend extension trait.
//! - `spatial` (feature `burn`): 2-D convolutions, transposed convolutions and max pooling for
//!   training on burn, with host kernels for burn's CPU backend `flex`, through a backend
//!   extension trait.
//!
//! Parameters and reports are clasp-core's own types (re-exported here). Errors are [`Error`]:
//! the core's input errors ([`Error::Input`]; an option a kernel does not implement is the
//! core's `InvalidParameter` naming it) or a failure of the device runtime ([`Error::Device`]).

pub use clasp_core as core;
pub use cubecl;

mod backend;
#[cfg(feature = "burn")]
pub mod burn;
pub mod clustering;
mod device;
mod error;
// `#[cube]` generates undocumented expand/launch items next to each documented kernel.
#[allow(missing_docs)]
pub mod kernels;
mod probe;
pub mod sinkhorn;
#[cfg(feature = "burn")]
pub mod spatial;

pub use backend::{Backend, BackendKind, compiled_backends};
pub use clasp_core::bound::{BoundParams, StepInfo};
pub use clasp_core::mixture::{CovarianceType, GaussianMixture};
pub use clasp_core::sinkhorn::{
    BatchedInfo, BatchedParams, ScoreKind, SinkhornInfo, SinkhornParams, SwavInfo, SwavParams,
};
pub use clustering::{DeviceCsr, DeviceMixture};
pub use device::{DeviceBuffer, DeviceMatrix, Gpu};
pub use error::{Error, Result};

/// The cubecl runtime of each compiled-in backend.
pub mod runtimes {
    #[cfg(feature = "cuda")]
    pub use cubecl::cuda::{CudaDevice, CudaRuntime};
    #[cfg(feature = "rocm")]
    pub use cubecl::hip::{AmdDevice, HipRuntime};
    #[cfg(feature = "wgpu")]
    pub use cubecl::wgpu::{WgpuDevice, WgpuRuntime};
}
