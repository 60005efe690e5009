//! The compute device of a training run and the burn backend behind it: `cpu` is burn's
//! `flex` backend (measured the fastest CPU backend for these models; see the README), `wgpu`,
//! `cuda` and `rocm` are burn's cubecl backends, compiled in by the features of the same names.

use crate::distributed::DiffAllReduce;
use crate::{Error, Result};
use burn::tensor::backend::AutodiffBackend;
use clasp_backends::burn::SinkhornBackend;
use clasp_backends::spatial::SpatialBackend;
use std::fmt;
use std::str::FromStr;

/// What a pipeline needs of a backend: autodiff, SwAV/SIGMA codes from clasp on its tensors,
/// a differentiable all-reduce for data-parallel training, and clasp's spatial layers
/// (for training and, on the inner backend, for inference).
pub trait TrainBackend:
    AutodiffBackend<InnerBackend: SpatialBackend> + SinkhornBackend + DiffAllReduce + SpatialBackend
{
}
impl<B: AutodiffBackend<InnerBackend: SpatialBackend> + SinkhornBackend + DiffAllReduce + SpatialBackend> TrainBackend
    for B
{
}

/// The `--device` of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// burn `flex` on the CPU (always available).
    Cpu,
    /// burn's WGPU backend (feature `wgpu`).
    Wgpu,
    /// burn's CUDA backend (feature `cuda`).
    Cuda,
    /// burn's ROCm backend (feature `rocm`).
    Rocm,
}

impl FromStr for Device {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "wgpu" => Ok(Device::Wgpu),
            "cuda" => Ok(Device::Cuda),
            "rocm" => Ok(Device::Rocm),
            other => Err(Error::Unknown {
                what: "device",
                name: other.into(),
                expected: "expected cpu, wgpu, cuda or rocm".into(),
            }),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Device::Cpu => "cpu",
            Device::Wgpu => "wgpu",
            Device::Cuda => "cuda",
            Device::Rocm => "rocm",
        })
    }
}

/// Work generic over the training backend, run on the backend a [`Device`] names.
pub trait Job {
    /// What the job returns.
    type Output;
    /// Runs on backend `B`, device `device`.
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output;
}

/// The CPU training backend.
pub type CpuBackend = burn::backend::Autodiff<burn::backend::Flex>;

/// Whether `device` can run here: its backend compiled in and a device for it present (probed
/// without touching the runtime, which would panic).
pub fn check(device: Device) -> Result<()> {
    use clasp_backends::BackendKind;
    let kind = match device {
        Device::Cpu => return Ok(()),
        Device::Wgpu => BackendKind::Wgpu,
        Device::Cuda => BackendKind::Cuda,
        Device::Rocm => BackendKind::Rocm,
    };
    if !kind.is_compiled() {
        return Err(Error::InvalidArgument {
            flag: "--device",
            reason: format!("{device}: this binary was built without it; rebuild with `--features {device}`"),
        });
    }
    if !kind.is_available() {
        return Err(Error::InvalidArgument {
            flag: "--device",
            reason: format!("{device}: no {device} device found on this machine"),
        });
    }
    Ok(())
}

/// Runs `job` on the backend of `device`; an error when that backend is not compiled in or
/// no device for it exists (probed without touching the runtime, which would panic).
pub fn dispatch<J: Job>(device: Device, job: J) -> Result<J::Output> {
    check(device)?;
    match device {
        Device::Cpu => Ok(job.run::<CpuBackend>(Default::default())),
        #[cfg(feature = "wgpu")]
        Device::Wgpu => Ok(job.run::<burn::backend::Autodiff<burn::backend::Wgpu>>(Default::default())),
        #[cfg(feature = "cuda")]
        Device::Cuda => Ok(job.run::<burn::backend::Autodiff<burn::backend::Cuda>>(Default::default())),
        #[cfg(feature = "rocm")]
        Device::Rocm => Ok(job.run::<burn::backend::Autodiff<burn::backend::Rocm>>(Default::default())),
        #[allow(unreachable_patterns)]
        _ => Err(Error::InvalidArgument { flag: "--device", reason: format!("{device}: not compiled in") }),
    }
}
