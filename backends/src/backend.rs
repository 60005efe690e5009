//! Run-time choice of the device: one enum over the compiled-in runtimes plus the CPU path.

use clasp_core::Result;

use crate::BackendKind;
#[allow(unused_imports)]
use crate::device::Gpu;
use crate::sinkhorn::{SwavInfo, SwavParams};

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

    /// SwAV codes (n × k, rows sum to 1) of `scores` (n × k).
    pub fn swav_codes(&self, scores: &[f32], n: usize, k: usize, params: &SwavParams) -> Result<(Vec<f32>, SwavInfo)> {
        dispatch!(self, gpu => gpu.swav_codes_host(scores, n, k, params), cpu => cpu_swav_codes(scores, n, k, params))
    }

    /// SIGMA hard targets (argmax of the plan's rows) of `scores` (n × k).
    pub fn swav_hard(&self, scores: &[f32], n: usize, k: usize, params: &SwavParams) -> Result<(Vec<u32>, SwavInfo)> {
        dispatch!(self, gpu => gpu.swav_hard_host(scores, n, k, params), cpu => cpu_swav_hard(scores, n, k, params))
    }

    /// Waits for queued device work (no-op on the CPU).
    pub fn sync(&self) -> Result<()> {
        dispatch!(self, gpu => gpu.sync(), cpu => Ok(()))
    }
}

/// The core's SwAV parameters for the backend's (global max shift, all rows kept, as the kernels do).
fn core_swav_params(params: &SwavParams) -> clasp_core::sinkhorn::SwavParams {
    clasp_core::sinkhorn::SwavParams {
        eps: params.epsilon,
        iterations: params.iterations,
        max_shift: true,
        keep_last: None,
    }
}

/// The backend's info from the core's.
fn backend_swav_info(info: &clasp_core::sinkhorn::SwavInfo) -> SwavInfo {
    SwavInfo { iterations: info.iterations, prototype_marginal_error: info.prototype_err }
}

/// CPU path of [`Backend::swav_codes`]: the core's `swav_codes_alloc`.
fn cpu_swav_codes(scores: &[f32], n: usize, k: usize, params: &SwavParams) -> Result<(Vec<f32>, SwavInfo)> {
    let scores = clasp_core::MatRef::new(scores, n, k, "scores")?;
    let (codes, info) = clasp_core::sinkhorn::owned::swav_codes_alloc(scores, &core_swav_params(params))?;
    Ok((codes, backend_swav_info(&info)))
}

/// CPU path of [`Backend::swav_hard`]: the core's `swav_assign_alloc`.
fn cpu_swav_hard(scores: &[f32], n: usize, k: usize, params: &SwavParams) -> Result<(Vec<u32>, SwavInfo)> {
    let scores = clasp_core::MatRef::new(scores, n, k, "scores")?;
    let (labels, info) = clasp_core::sinkhorn::owned::swav_assign_alloc(scores, &core_swav_params(params))?;
    let labels = labels
        .into_iter()
        .map(|l| u32::try_from(l).map_err(|_| clasp_core::Error::InvalidParameter { name: "k", value: k as f64 }))
        .collect::<Result<Vec<u32>>>()?;
    Ok((labels, backend_swav_info(&info)))
}
