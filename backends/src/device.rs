//! A compute client for one runtime and device, plus typed device buffers.
//!
//! Everything the kernels touch lives in [`DeviceBuffer`]s; the `*_host` conveniences of each
//! algorithm upload caller slices, run, and read the results back.

use core::marker::PhantomData;

use clasp_core::{Error, Result};
use cubecl::prelude::*;
use cubecl::server::Handle;

/// Cube size (units per cube) used by every row-reduction kernel: a power of two no WGPU
/// adapter rejects (WebGPU guarantees 256 invocations per workgroup).
pub(crate) const BLOCK: usize = 128;
/// Rows per cube of the fused Sinkhorn row passes.
pub(crate) const ROWS_PER_CUBE: usize = 8;
/// Units per cube of the element-wise kernels.
pub(crate) const ELEMWISE: usize = 256;
/// Largest cube count per grid dimension every runtime accepts.
const MAX_GRID: usize = 65_535;

/// A device buffer of `len` elements of `E` (`f32` data or `u32` labels).
pub struct DeviceBuffer<E> {
    pub(crate) handle: Handle,
    pub(crate) len: usize,
    _elem: PhantomData<E>,
}

impl<E> Clone for DeviceBuffer<E> {
    fn clone(&self) -> Self {
        Self { handle: self.handle.clone(), len: self.len, _elem: PhantomData }
    }
}

impl<E> DeviceBuffer<E> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The cubecl handle (to pass the buffer to your own kernels).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Wraps an existing cubecl handle holding `len` elements of `E` (e.g. a burn tensor's
    /// contiguous storage), without copying.
    ///
    /// # Safety
    /// The handle must reference at least `len · size_of::<E>()` bytes on this client's device.
    pub unsafe fn from_handle(handle: Handle, len: usize) -> Self {
        Self { handle, len, _elem: PhantomData }
    }

    pub(crate) fn arg<R: Runtime>(&self) -> ArrayArg<R> {
        // SAFETY: `len` is the element count the buffer was created with.
        unsafe { ArrayArg::from_raw_parts(self.handle.clone(), self.len) }
    }
}

/// A cubecl client for runtime `R` on one device.
pub struct Gpu<R: Runtime> {
    pub(crate) client: ComputeClient<R>,
}

impl<R: Runtime> Gpu<R> {
    /// Opens `device`. For CUDA/ROCm call [`crate::BackendKind::is_available`] first: without a
    /// driver their runtimes panic or abort.
    pub fn new(device: &R::Device) -> Self {
        Self { client: R::client(device) }
    }

    /// Wraps an existing client (for instance the one of a burn tensor).
    pub fn from_client(client: ComputeClient<R>) -> Self {
        Self { client }
    }

    /// The underlying client.
    pub fn client(&self) -> &ComputeClient<R> {
        &self.client
    }

    /// Copies `data` to the device.
    pub fn upload(&self, data: &[f32]) -> DeviceBuffer<f32> {
        let handle = self.client.create_from_slice(f32::as_bytes(data));
        // SAFETY: the handle was just created from `data.len()` f32 values.
        unsafe { DeviceBuffer::from_handle(handle, data.len()) }
    }

    /// Copies `data` (labels) to the device.
    pub fn upload_u32(&self, data: &[u32]) -> DeviceBuffer<u32> {
        let handle = self.client.create_from_slice(u32::as_bytes(data));
        // SAFETY: the handle was just created from `data.len()` u32 values.
        unsafe { DeviceBuffer::from_handle(handle, data.len()) }
    }

    /// An uninitialised buffer of `len` f32 values.
    pub fn empty(&self, len: usize) -> DeviceBuffer<f32> {
        // SAFETY: the handle holds `len` f32 values.
        unsafe { DeviceBuffer::from_handle(self.client.empty(len.max(1) * 4), len) }
    }

    /// An uninitialised buffer of `len` u32 values.
    pub fn empty_u32(&self, len: usize) -> DeviceBuffer<u32> {
        // SAFETY: the handle holds `len` u32 values.
        unsafe { DeviceBuffer::from_handle(self.client.empty(len.max(1) * 4), len) }
    }

    /// Reads a buffer back (blocks until the queued kernels finished).
    pub fn download(&self, buf: &DeviceBuffer<f32>) -> Result<Vec<f32>> {
        let bytes = self.client.read_one(buf.handle.clone()).map_err(|_| DEVICE_ERROR)?;
        Ok(f32::from_bytes(&bytes)[..buf.len].to_vec())
    }

    /// Reads a label buffer back.
    pub fn download_u32(&self, buf: &DeviceBuffer<u32>) -> Result<Vec<u32>> {
        let bytes = self.client.read_one(buf.handle.clone()).map_err(|_| DEVICE_ERROR)?;
        Ok(u32::from_bytes(&bytes)[..buf.len].to_vec())
    }

    /// Checks that a buffer of `elems` f32 values fits in one binding of this device (wgpu caps
    /// a storage binding, e.g. at 256 MiB on lavapipe), before anything is allocated.
    pub fn check_fits(&self, elems: usize, what: &'static str) -> Result<()> {
        let max = self.client.properties().memory.max_page_size;
        let bytes = elems.saturating_mul(4) as u64;
        if bytes > max {
            return Err(Error::InvalidParameter { name: what, value: bytes as f64 });
        }
        Ok(())
    }

    /// Waits until every queued kernel has finished (for timing).
    pub fn sync(&self) -> Result<()> {
        cubecl::future::block_on(self.client.sync()).map_err(|_| DEVICE_ERROR)
    }
}

/// The error reported when the device runtime itself fails (lost device, out of memory).
pub(crate) const DEVICE_ERROR: Error = Error::Device { what: "running or reading back a kernel" };

/// A cube count of at least `cubes` cubes, split over two grid dimensions when one is not
/// enough; kernels linearise it through `CUBE_POS` / `ABSOLUTE_POS` and bound-check.
pub(crate) fn grid(cubes: usize) -> CubeCount {
    let cubes = cubes.max(1);
    if cubes <= MAX_GRID {
        CubeCount::Static(cubes as u32, 1, 1)
    } else {
        let y = cubes.div_ceil(MAX_GRID);
        CubeCount::Static(MAX_GRID as u32, y as u32, 1)
    }
}

/// Cube count for an element-wise kernel over `n` entries with [`ELEMWISE`] units per cube.
pub(crate) fn elementwise(n: usize) -> (CubeCount, CubeDim) {
    (grid(n.div_ceil(ELEMWISE)), CubeDim::new_1d(ELEMWISE as u32))
}

/// Checks that a device buffer has the length the other arguments imply.
pub(crate) fn check_len<E>(buf: &DeviceBuffer<E>, expected: usize, what: &'static str) -> Result<()> {
    if buf.len == expected { Ok(()) } else { Err(Error::ShapeMismatch { what, expected, found: buf.len }) }
}
