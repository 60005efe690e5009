//! Run-time choice of the device: one enum over the compiled-in runtimes plus the CPU path.

use crate::error::Result;
use clasp_core::sinkhorn::{SwavInfo, SwavParams};
use clasp_core::{Error as CoreError, MatRef};

#[allow(unused_imports)]
use crate::device::Gpu;
use crate::probe;

/// An opened backend. Host-slice entry points with the same semantics on every variant.
pub enum Backend {
    /// clasp's CPU path.
    Cpu,
    /// A wgpu device.
    #[cfg(feature = "wgpu")]
    Wgpu(Gpu<cubecl::wgpu::WgpuRuntime>),
    /// A CUDA device.
    #[cfg(feature = "cuda")]
    Cuda(Gpu<cubecl::cuda::CudaRuntime>),
    /// A ROCm device.
    #[cfg(feature = "rocm")]
    Rocm(Gpu<cubecl::hip::HipRuntime>),
}

macro_rules! dispatch {
    ($self:expr, $gpu:ident => $on_gpu:expr, cpu => $on_cpu:expr) => {
        match $self {
            Backend::Cpu => $on_cpu,
            #[cfg(feature = "wgpu")]
            Backend::Wgpu($gpu) => $on_gpu,
            #[cfg(feature = "cuda")]
            Backend::Cuda($gpu) => $on_gpu,
            #[cfg(feature = "rocm")]
            Backend::Rocm($gpu) => $on_gpu,
        }
    };
}

impl Backend {
    /// Opens device 0 of `kind`. When the backend is not compiled in or has no device here, it
    /// says so on stderr and returns the CPU path.
    pub fn open(kind: BackendKind) -> Backend {
        if !kind.is_compiled() {
            eprintln!(
                "clasp-backends: `{}` is not compiled into this build (enable the cargo feature `{}`); using the CPU path",
                kind.name(),
                kind.name()
            );
            return Backend::Cpu;
        }
        if !kind.is_available() {
            eprintln!("clasp-backends: no `{}` device found on this machine; using the CPU path", kind.name());
            return Backend::Cpu;
        }
        match kind {
            #[cfg(feature = "wgpu")]
            BackendKind::Wgpu => Backend::Wgpu(Gpu::new(&cubecl::wgpu::WgpuDevice::DefaultDevice)),
            #[cfg(feature = "cuda")]
            BackendKind::Cuda => Backend::Cuda(Gpu::new(&cubecl::cuda::CudaDevice { index: 0 })),
            #[cfg(feature = "rocm")]
            BackendKind::Rocm => Backend::Rocm(Gpu::new(&cubecl::hip::AmdDevice { index: 0 })),
            _ => Backend::Cpu,
        }
    }

    /// Which backend this is.
    pub fn kind(&self) -> BackendKind {
        match self {
            Backend::Cpu => BackendKind::Cpu,
            #[cfg(feature = "wgpu")]
            Backend::Wgpu(_) => BackendKind::Wgpu,
            #[cfg(feature = "cuda")]
            Backend::Cuda(_) => BackendKind::Cuda,
            #[cfg(feature = "rocm")]
            Backend::Rocm(_) => BackendKind::Rocm,
        }
    }

    /// SwAV codes (n × k, rows sum to 1) of `scores` (n × k): clasp-core's `swav_codes_alloc`
    /// on the CPU, [`Gpu::swav_codes_host`] on a device (which rejects `keep_last` and
    /// `max_shift = false`).
    pub fn swav_codes(&self, scores: MatRef<'_, f32>, params: &SwavParams) -> Result<(Vec<f32>, SwavInfo)> {
        dispatch!(self, gpu => gpu.swav_codes_host(scores, params), cpu => Ok(clasp_core::sinkhorn::owned::swav_codes_alloc(scores, params)?))
    }

    /// SIGMA hard targets (argmax of the plan's rows) of `scores` (n × k): clasp-core's
    /// `swav_assign_alloc` on the CPU, [`Gpu::swav_assign_host`] on a device.
    pub fn swav_assign(&self, scores: MatRef<'_, f32>, params: &SwavParams) -> Result<(Vec<u32>, SwavInfo)> {
        dispatch!(self, gpu => gpu.swav_assign_host(scores, params), cpu => cpu_swav_assign(scores, params))
    }

    /// Waits for queued device work (no-op on the CPU).
    pub fn sync(&self) -> Result<()> {
        dispatch!(self, gpu => gpu.sync(), cpu => Ok(()))
    }
}

/// CPU path of [`Backend::swav_assign`]: the core's `swav_assign_alloc`, labels as u32.
fn cpu_swav_assign(scores: MatRef<'_, f32>, params: &SwavParams) -> Result<(Vec<u32>, SwavInfo)> {
    let k = scores.cols();
    let (labels, info) = clasp_core::sinkhorn::owned::swav_assign_alloc(scores, params)?;
    let labels = labels
        .into_iter()
        .map(|l| u32::try_from(l).map_err(|_| CoreError::InvalidParameter { name: "k", value: k as f64 }))
        .collect::<core::result::Result<Vec<u32>, CoreError>>()?;
    Ok((labels, info))
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
