//! Run-time choice of the device: one enum over the compiled-in runtimes plus the CPU path.

use clasp_core::sinkhorn::{SwavInfo, SwavParams};
use clasp_core::{MatRef, Result};

use crate::BackendKind;
#[allow(unused_imports)]
use crate::device::Gpu;

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
        dispatch!(self, gpu => gpu.swav_codes_host(scores, params), cpu => clasp_core::sinkhorn::owned::swav_codes_alloc(scores, params))
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
        .map(|l| u32::try_from(l).map_err(|_| clasp_core::Error::InvalidParameter { name: "k", value: k as f64 }))
        .collect::<Result<Vec<u32>>>()?;
    Ok((labels, info))
}
