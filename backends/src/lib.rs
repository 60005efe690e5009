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
//!
//! Parameters, reports and errors are clasp-core's own types (re-exported here); an option a
//! kernel does not implement is rejected with [`Error::InvalidParameter`] naming it.
#![warn(missing_docs)]

pub use clasp_core as core;
pub use cubecl;

mod backend;
#[cfg(feature = "burn")]
pub mod burn;
pub mod clustering;
mod device;
// `#[cube]` generates undocumented expand/launch items next to each documented kernel.
#[allow(missing_docs)]
pub mod kernels;
mod probe;
pub mod sinkhorn;

pub use backend::Backend;
pub use clasp_core::Error;
pub use clasp_core::bound::{BoundParams, StepInfo};
pub use clasp_core::mixture::{CovarianceType, GaussianMixture};
pub use clasp_core::sinkhorn::{
    BatchedInfo, BatchedParams, ScoreKind, SinkhornInfo, SinkhornParams, SwavInfo, SwavParams,
};
pub use device::{DeviceBuffer, DeviceMatrix, Gpu};

/// The cubecl runtime of each compiled-in backend.
pub mod runtimes {
    #[cfg(feature = "cuda")]
    pub use cubecl::cuda::{CudaDevice, CudaRuntime};
    #[cfg(feature = "rocm")]
    pub use cubecl::hip::{AmdDevice, HipRuntime};
    #[cfg(feature = "wgpu")]
    pub use cubecl::wgpu::{WgpuDevice, WgpuRuntime};
}

/// A place the kernels can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// The core's own CPU implementation (always available).
    Cpu,
    /// WebGPU through wgpu (Vulkan, Metal, DX12; lavapipe without a GPU).
    Wgpu,
    /// NVIDIA CUDA (cubecl-cuda; libcuda loaded at run time).
    Cuda,
    /// AMD ROCm/HIP (cubecl-hip; libamdhip64 loaded at run time).
    Rocm,
}

impl BackendKind {
    /// Every kind, CPU first.
    pub const ALL: [BackendKind; 4] = [BackendKind::Cpu, BackendKind::Wgpu, BackendKind::Cuda, BackendKind::Rocm];

    /// Lower-case name used on the command line (`--device cpu`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Wgpu => "wgpu",
            BackendKind::Cuda => "cuda",
            BackendKind::Rocm => "rocm",
        }
    }

    /// Parses a `--device` name.
    pub fn from_name(name: &str) -> Option<BackendKind> {
        BackendKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether this build contains the backend (its cargo feature is on).
    pub fn is_compiled(self) -> bool {
        match self {
            BackendKind::Cpu => true,
            BackendKind::Wgpu => cfg!(feature = "wgpu"),
            BackendKind::Cuda => cfg!(feature = "cuda"),
            BackendKind::Rocm => cfg!(feature = "rocm"),
        }
    }

    /// Whether the backend is compiled in and a device for it exists on this machine (a wgpu
    /// adapter, a CUDA device behind libcuda, a ROCm device behind /dev/kfd and libamdhip64).
    /// Never panics: the driver libraries are probed before any runtime is touched.
    pub fn is_available(self) -> bool {
        match self {
            BackendKind::Cpu => true,
            BackendKind::Wgpu => probe::wgpu(),
            BackendKind::Cuda => probe::cuda(),
            BackendKind::Rocm => probe::rocm(),
        }
    }
}

/// The backends compiled into this build, CPU first.
pub fn compiled_backends() -> Vec<BackendKind> {
    BackendKind::ALL.into_iter().filter(|k| k.is_compiled()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_always_compiled() {
        assert_eq!(compiled_backends().first(), Some(&BackendKind::Cpu));
        assert_eq!(BackendKind::Cpu.name(), "cpu");
        assert!(BackendKind::Cpu.is_available());
    }

    #[test]
    fn names_round_trip_and_features_decide_compilation() {
        for k in BackendKind::ALL {
            assert_eq!(BackendKind::from_name(k.name()), Some(k));
        }
        assert_eq!(BackendKind::from_name("tpu"), None);
        assert_eq!(compiled_backends().contains(&BackendKind::Wgpu), cfg!(feature = "wgpu"));
        assert_eq!(compiled_backends().contains(&BackendKind::Cuda), cfg!(feature = "cuda"));
        assert_eq!(compiled_backends().contains(&BackendKind::Rocm), cfg!(feature = "rocm"));
    }
}
