//! Animated GIFs as grey frame sequences (the `image` crate's GIF decoder composes every frame
//! onto the full canvas), among them the bundled `data/video/no_time_for_that_tiny.gif`
//! (scikit-image; 24 frames of 25 × 14), a smoke test of the loaders.

use crate::data::DataError;
use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;
use std::path::{Path, PathBuf};

/// Grey frames of one video: values in [0, 1], `frames × height × width`.
#[derive(Clone, Debug, PartialEq)]
pub struct Frames {
    /// Values.
    pub pixels: Vec<f32>,
    /// Number of frames.
    pub frames: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

/// The bundled name of the tiny GIF.
pub const TINY_GIF: &str = "video/no_time_for_that_tiny.gif";

/// Decodes the GIF `bytes` (named `path` in errors) into grey frames.
pub fn decode_gif(bytes: &[u8], path: &Path) -> Result<Frames, DataError> {
    let bad = |e: image::ImageError| DataError::format(path, format!("cannot decode the GIF: {e}"));
    let frames =
        GifDecoder::new(std::io::Cursor::new(bytes)).map_err(bad)?.into_frames().collect_frames().map_err(bad)?;
    let first = frames.first().ok_or_else(|| DataError::empty(path, "the GIF has no frame"))?;
    let (width, height) = (first.buffer().width() as usize, first.buffer().height() as usize);
    let mut pixels = Vec::with_capacity(frames.len() * width * height);
    for f in &frames {
        let grey = image::DynamicImage::ImageRgba8(f.buffer().clone()).to_luma32f();
        pixels.extend(grey.into_raw().into_iter().map(|v| v.clamp(0.0, 1.0)));
    }
    Ok(Frames { pixels, frames: frames.len(), height, width })
}

/// The bundled tiny GIF (or `CLASP_DATA/video/…`).
pub fn tiny_gif() -> Result<Frames, DataError> {
    let (bytes, path) =
        crate::io::bundled_file(TINY_GIF).map_err(|m| DataError::format(PathBuf::from(TINY_GIF), m.to_string()))?;
    decode_gif(&bytes, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiny_gif_has_its_documented_frames_and_garbage_is_an_error() {
        let f = tiny_gif().unwrap();
        assert_eq!((f.frames, f.height, f.width), (24, 25, 14));
        assert!(f.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
        let fl = 25 * 14;
        assert_ne!(f.pixels[..fl], f.pixels[fl..2 * fl], "the frames differ");
        let e = decode_gif(b"GIF89a not really", Path::new("x.gif")).unwrap_err();
        assert!(e.to_string().contains("x.gif") && e.to_string().contains("GIF"), "{e}");
    }
}
