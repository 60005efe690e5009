//! The IDX format of the MNIST files, gzip-compressed or plain (told apart by the gzip magic
//! `1f 8b`): a big-endian header — magic `0x00000803` then image count, rows and columns for
//! images, magic `0x00000801` then the count for labels, all `u32` — followed by exactly that
//! many unsigned bytes.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::error::DataError;

/// Magic of an IDX file of unsigned bytes with three dimensions (images).
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic of an IDX file of unsigned bytes with one dimension (labels).
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// Reads an IDX image file: `(pixels, n, rows, cols)` with `pixels.len() == n * rows * cols`,
/// grey levels 0–255 row-major per image.
pub fn read_idx_images(path: &Path) -> Result<(Vec<u8>, usize, usize, usize), DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    let (dims, data) = parse_idx(&bytes, IDX_IMAGES_MAGIC, path)?;
    Ok((data, dims[0], dims[1], dims[2]))
}

/// Reads an IDX label file: one byte per item.
pub fn read_idx_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    Ok(parse_idx(&bytes, IDX_LABELS_MAGIC, path)?.1)
}

/// Parses IDX bytes (gzip'd or plain) whose magic must be `magic`; returns the dimensions and
/// the payload. `path` only names the file in errors.
pub fn parse_idx(bytes: &[u8], magic: u32, path: &Path) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        decode(MultiGzDecoder::new(bytes), magic, path)
    } else {
        decode(bytes, magic, path)
    }
}

/// Reads as many bytes as `buf` holds; a short read is a truncation error naming `what`.
fn fill(r: &mut impl Read, buf: &mut [u8], path: &Path, what: &str) -> Result<(), DataError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(DataError::shape(path, format!("truncated IDX {what}: {got} of {} bytes", buf.len())));
            }
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(stream_error(path, e)),
        }
    }
    Ok(())
}

fn stream_error(path: &Path, e: std::io::Error) -> DataError {
    DataError::format(path, format!("corrupt gzip stream: {e}"))
}

fn decode(mut r: impl Read, magic: u32, path: &Path) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let mut word = [0u8; 4];
    fill(&mut r, &mut word, path, "header")?;
    let found = u32::from_be_bytes(word);
    if found != magic {
        let kind = if magic == IDX_IMAGES_MAGIC { "image" } else { "label" };
        return Err(DataError::format(
            path,
            format!("not an IDX {kind} file: magic 0x{found:08x}, expected 0x{magic:08x}"),
        ));
    }
    let rank = (magic & 0xff) as usize;
    let mut dims = Vec::with_capacity(rank);
    for _ in 0..rank {
        fill(&mut r, &mut word, path, "header")?;
        dims.push(u32::from_be_bytes(word) as usize);
    }
    let count = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| DataError::shape(path, format!("IDX dimensions {dims:?} overflow")))?;
    // Read at most one byte more than announced, so a wrong header cannot make us inflate an
    // unbounded stream; capacity is capped so a huge announced size allocates only what arrives.
    let mut data = Vec::with_capacity(count.min(1 << 26));
    r.take(count as u64 + 1).read_to_end(&mut data).map_err(|e| stream_error(path, e))?;
    if data.len() < count {
        let msg = format!("truncated: header {dims:?} announces {count} data bytes, file has {}", data.len());
        return Err(DataError::shape(path, msg));
    }
    if data.len() > count {
        return Err(DataError::shape(path, format!("trailing data after the {count} bytes header {dims:?} announces")));
    }
    Ok((dims, data))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    pub(crate) fn idx_images(n: u32, h: u32, w: u32, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [IDX_IMAGES_MAGIC, n, h, w] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(data);
        b
    }

    pub(crate) fn idx_labels(data: &[u8]) -> Vec<u8> {
        let mut b = IDX_LABELS_MAGIC.to_be_bytes().to_vec();
        b.extend_from_slice(&(data.len() as u32).to_be_bytes());
        b.extend_from_slice(data);
        b
    }

    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_plain_and_gzipped_idx_files() {
        let pixels: Vec<u8> = (0..24).collect();
        let dir = super::super::tests::TempDir::new("idx");
        for (name, bytes) in
            [("a.idx", idx_images(2, 3, 4, &pixels)), ("a.idx.gz", gzip(&idx_images(2, 3, 4, &pixels)))]
        {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            assert_eq!(read_idx_images(&p).unwrap(), (pixels.clone(), 2, 3, 4));
        }
        let p = dir.path().join("l.gz");
        std::fs::write(&p, gzip(&idx_labels(&[3, 1, 4]))).unwrap();
        assert_eq!(read_idx_labels(&p).unwrap(), vec![3, 1, 4]);
        let p = dir.path().join("l");
        std::fs::write(&p, idx_labels(&[])).unwrap();
        assert_eq!(read_idx_labels(&p).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn rejects_bad_magic_truncation_and_garbage() {
        let p = Path::new("x.gz");
        let images = idx_images(2, 3, 4, &[7; 24]);
        // Labels where images are expected and vice versa.
        let e = parse_idx(&idx_labels(&[1, 2]), IDX_IMAGES_MAGIC, p).unwrap_err();
        assert!(matches!(e, DataError::Format { .. }) && e.to_string().contains("magic 0x00000801"), "{e}");
        assert!(parse_idx(&images, IDX_LABELS_MAGIC, p).is_err());
        // Truncated payload, plain and gzip'd; truncated header; trailing bytes.
        for b in [images[..30].to_vec(), gzip(&images[..30]), images[..10].to_vec(), [images.clone(), vec![0]].concat()]
        {
            let e = parse_idx(&b, IDX_IMAGES_MAGIC, p).unwrap_err();
            assert!(matches!(e, DataError::Shape { .. }), "{e}");
            assert!(e.to_string().starts_with("x.gz: "), "{e}");
        }
        // A cut gzip stream.
        let gz = gzip(&images);
        let e = parse_idx(&gz[..gz.len() - 9], IDX_IMAGES_MAGIC, p).unwrap_err();
        assert!(matches!(e, DataError::Format { .. } | DataError::Shape { .. }), "{e}");
        // A header announcing a huge size with no data is a cheap error.
        let e = parse_idx(&idx_images(u32::MAX, u32::MAX, 2, &[]), IDX_IMAGES_MAGIC, p).unwrap_err();
        assert!(matches!(e, DataError::Shape { .. }), "{e}");
        assert!(matches!(read_idx_labels(Path::new("/nonexistent/l.gz")), Err(DataError::NotFound { .. })));
    }
}
