//! Device probes that never panic: the runtimes themselves panic (cudarc, wgpu) or abort (HIP)
//! when no driver or device exists, so availability is checked on the driver libraries first.

/// A wgpu adapter exists for the graphics API cubecl uses on this platform.
#[cfg(feature = "wgpu")]
pub(crate) fn wgpu() -> bool {
    use cubecl::wgpu::{AutoGraphicsApi, GraphicsApi};
    let backend = AutoGraphicsApi::backend();
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: backend.into(),
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    !cubecl::future::block_on(instance.enumerate_adapters(backend.into())).is_empty()
}

#[cfg(not(feature = "wgpu"))]
pub(crate) fn wgpu() -> bool {
    false
}

/// libcuda loads and reports at least one device.
#[cfg(feature = "cuda")]
pub(crate) fn cuda() -> bool {
    // SAFETY: only checks whether the shared library can be opened.
    if !unsafe { cudarc::driver::sys::is_culib_present() } {
        return false;
    }
    cudarc::driver::result::init().is_ok() && cudarc::driver::result::device::get_count().is_ok_and(|n| n > 0)
}

#[cfg(not(feature = "cuda"))]
pub(crate) fn cuda() -> bool {
    false
}

/// A ROCm device node exists, the HIP libraries load, and HIP counts at least one device.
#[cfg(feature = "rocm")]
pub(crate) fn rocm() -> bool {
    if !std::path::Path::new("/dev/kfd").exists() || !cubecl_hip_sys::is_available() {
        return false;
    }
    let mut count = 0;
    // SAFETY: `count` is a valid out-pointer; the libraries were checked to load.
    let status = unsafe { cubecl_hip_sys::hipGetDeviceCount(&mut count) };
    status == cubecl_hip_sys::HIP_SUCCESS && count > 0
}

#[cfg(not(feature = "rocm"))]
pub(crate) fn rocm() -> bool {
    false
}
