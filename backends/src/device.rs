//! A compute client for one runtime and device, plus typed device buffers.
//!
//! Everything the kernels touch lives in [`DeviceBuffer`]s; the `*_host` conveniences of each
//! algorithm upload caller slices, run, and read the results back.

use core::marker::PhantomData;

use crate::error::{Error, Result};
use clasp_core::Error as CoreError;
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

/// A row-major `rows × cols` f32 matrix on the device, stored as consecutive blocks of
/// `block_rows` rows (the last may be shorter), each within one storage binding of the device
/// (wgpu caps a binding, e.g. at 256 MiB on lavapipe, below what a SIGMA-size problem needs).
pub struct DeviceMatrix {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) block_rows: usize,
    pub(crate) blocks: Vec<DeviceBuffer<f32>>,
}

impl DeviceMatrix {
    /// A one-block matrix over an existing buffer of `rows · cols` values (no copy).
    pub fn from_buffer(buffer: DeviceBuffer<f32>, rows: usize, cols: usize) -> Result<Self> {
        check_len(&buffer, rows.saturating_mul(cols), "matrix buffer")?;
        Ok(Self { rows, cols, block_rows: rows.max(1), blocks: vec![buffer] })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Rows per block.
    pub fn block_rows(&self) -> usize {
        self.block_rows
    }

    /// The row blocks, in order: block b holds rows `b · block_rows ..`.
    pub fn blocks(&self) -> &[DeviceBuffer<f32>] {
        &self.blocks
    }

    /// The matrix as one `rows × cols` buffer, checked: the clustering steps take one-block
    /// matrices (`from_buffer`, or `upload_matrix` / `empty_matrix` within one binding).
    pub(crate) fn single(&self, rows: usize, cols: usize, what: &'static str) -> Result<&DeviceBuffer<f32>> {
        if (self.rows, self.cols) != (rows, cols) {
            return Err(CoreError::ShapeMismatch { what, expected: rows * cols, found: self.rows * self.cols }.into());
        }
        match self.blocks.as_slice() {
            [b] => Ok(b),
            blocks => Err(CoreError::ShapeMismatch { what, expected: 1, found: blocks.len() }.into()),
        }
    }

    /// `(first row, rows, buffer)` of every block.
    pub(crate) fn row_blocks(&self) -> impl Iterator<Item = (usize, usize, &DeviceBuffer<f32>)> {
        self.blocks.iter().enumerate().map(|(b, buf)| (b * self.block_rows, buf.len / self.cols.max(1), buf))
    }
}

/// A cubecl client for runtime `R` on one device.
pub struct Gpu<R: Runtime> {
    pub(crate) client: ComputeClient<R>,
    max_binding: u64,
}

impl<R: Runtime> Gpu<R> {
    /// Opens `device`. For CUDA/ROCm call [`crate::BackendKind::is_available`] first: without a
    /// driver their runtimes panic or abort.
    pub fn new(device: &R::Device) -> Self {
        Self::from_client(R::client(device))
    }

    /// Wraps an existing client (for instance the one of a burn tensor).
    pub fn from_client(client: ComputeClient<R>) -> Self {
        let max_binding = client.properties().memory.max_page_size;
        Self { client, max_binding }
    }

    /// Lowers the largest buffer this handle creates or binds (bytes, at most the device's
    /// limit): matrices are then split into more row blocks. For tests of the blocked path,
    /// or to leave room on a shared device.
    pub fn limit_binding(&mut self, bytes: u64) {
        self.max_binding = bytes.clamp(4, self.client.properties().memory.max_page_size);
    }

    /// The largest buffer (bytes) one binding may hold.
    pub fn max_binding(&self) -> u64 {
        self.max_binding
    }

    /// Rows per block of a matrix with `cols` columns (at least 1; a single row above the limit
    /// is rejected by [`Gpu::check_fits`]).
    pub fn block_rows(&self, cols: usize) -> usize {
        (self.max_binding as usize / (4 * cols.max(1))).max(1)
    }

    /// An uninitialised `rows × cols` matrix in row blocks.
    pub fn empty_matrix(&self, rows: usize, cols: usize) -> Result<DeviceMatrix> {
        self.check_fits(cols, "one matrix row (bytes above the device's largest binding)")?;
        let block_rows = self.block_rows(cols);
        let blocks =
            (0..rows.div_ceil(block_rows)).map(|b| self.empty(block_rows.min(rows - b * block_rows) * cols)).collect();
        Ok(DeviceMatrix { rows, cols, block_rows, blocks })
    }

    /// Copies the row-major `rows × cols` `data` to the device in row blocks.
    pub fn upload_matrix(&self, data: &[f32], rows: usize, cols: usize) -> Result<DeviceMatrix> {
        clasp_core::validate::len(data, rows.saturating_mul(cols), "matrix")?;
        self.check_fits(cols, "one matrix row (bytes above the device's largest binding)")?;
        let block_rows = self.block_rows(cols);
        let blocks = data.chunks(block_rows * cols.max(1)).map(|c| self.upload(c)).collect();
        Ok(DeviceMatrix { rows, cols, block_rows, blocks })
    }

    /// Copies the row-major `rows × cols` `data` to the device as one block (the form the
    /// clustering steps take); fails if it does not fit one binding.
    pub fn upload_single(&self, data: &[f32], rows: usize, cols: usize) -> Result<DeviceMatrix> {
        clasp_core::validate::len(data, rows.saturating_mul(cols), "matrix")?;
        self.check_fits(data.len(), "matrix bytes (above the device's largest binding)")?;
        DeviceMatrix::from_buffer(self.upload(data), rows, cols)
    }

    /// An uninitialised `rows × cols` matrix in one block; fails if it does not fit one binding.
    pub fn empty_single(&self, rows: usize, cols: usize) -> Result<DeviceMatrix> {
        self.check_fits(rows.saturating_mul(cols), "matrix bytes (above the device's largest binding)")?;
        DeviceMatrix::from_buffer(self.empty(rows * cols), rows, cols)
    }

    /// Reads a blocked matrix back (row-major).
    pub fn download_matrix(&self, m: &DeviceMatrix) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(m.rows * m.cols);
        for b in &m.blocks {
            out.extend(self.download(b)?);
        }
        Ok(out)
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

    /// Checks that a buffer of `elems` f32 values fits in one binding (see [`Gpu::max_binding`]),
    /// before anything is allocated.
    pub fn check_fits(&self, elems: usize, what: &'static str) -> Result<()> {
        let max = self.max_binding;
        let bytes = elems.saturating_mul(4) as u64;
        if bytes > max {
            return Err(CoreError::InvalidParameter { name: what, value: bytes as f64 }.into());
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
    if buf.len == expected { Ok(()) } else { Err(CoreError::ShapeMismatch { what, expected, found: buf.len }.into()) }
}
