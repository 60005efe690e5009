//! One labelled medical image: intensities in [0, 1] (channel-last), the per-pixel inlier
//! class, and small image helpers (decoding, box downscaling, greyscale).

use crate::{Error, Result};

/// An image with per-pixel inlier labels.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledImage {
    /// Name (file or source).
    pub name: String,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Channels (1 grey, 3 RGB).
    pub channels: usize,
    /// Values in [0, 1], row-major, channel-last: `(y · width + x) · channels + c`.
    pub pixels: Vec<f32>,
    /// Class id of every pixel, row-major.
    pub labels: Vec<u8>,
}

impl LabelledImage {
    /// Pixels.
    pub fn area(&self) -> usize {
        self.height * self.width
    }
}

/// A grey image in [0, 1] (a source of pasted OOD patches).
#[derive(Clone, Debug, PartialEq)]
pub struct GreyImage {
    /// Name.
    pub name: String,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Values in [0, 1], row-major.
    pub pixels: Vec<f32>,
}

/// Decodes PNG/JPEG/GIF bytes into `(height, width, channels, values in [0, 1])`: grey images
/// keep one channel, everything else becomes RGB.
pub fn decode_image(bytes: &[u8], what: &str) -> Result<(usize, usize, usize, Vec<f32>)> {
    let img = image::load_from_memory(bytes).map_err(|source| Error::ImageDecode {
        what: what.into(),
        kind: "image",
        source,
    })?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let grey = matches!(img.color(), image::ColorType::L8 | image::ColorType::L16 | image::ColorType::La8);
    if grey {
        let g = img.to_luma8();
        Ok((h, w, 1, g.as_raw().iter().map(|&v| f32::from(v) / 255.0).collect()))
    } else {
        let rgb = img.to_rgb8();
        Ok((h, w, 3, rgb.as_raw().iter().map(|&v| f32::from(v) / 255.0).collect()))
    }
}

/// Box (area-average) downscaling of a channel-last image to `out_h × out_w`: output pixel
/// (i, j) is the mean of input rows ⌊i·h/out_h⌋ .. ⌊(i+1)·h/out_h⌋ and the same for columns.
pub fn box_downscale(px: &[f32], h: usize, w: usize, c: usize, out_h: usize, out_w: usize) -> Vec<f32> {
    let mut out = vec![0f32; out_h * out_w * c];
    for i in 0..out_h {
        let (r0, r1) = (i * h / out_h, ((i + 1) * h / out_h).max(i * h / out_h + 1).min(h));
        for j in 0..out_w {
            let (c0, c1) = (j * w / out_w, ((j + 1) * w / out_w).max(j * w / out_w + 1).min(w));
            let n = ((r1 - r0) * (c1 - c0)) as f32;
            for ch in 0..c {
                let mut s = 0f32;
                for r in r0..r1 {
                    for col in c0..c1 {
                        s += px[(r * w + col) * c + ch];
                    }
                }
                out[(i * out_w + j) * c + ch] = s / n;
            }
        }
    }
    out
}

/// Luma (0.299 R + 0.587 G + 0.114 B) of a channel-last image; grey images are returned as is.
pub fn to_grey(px: &[f32], c: usize) -> Vec<f32> {
    if c == 1 {
        return px.to_vec();
    }
    px.chunks_exact(c).map(|p| 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_and_grey() {
        let px = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0];
        // 4×4 → 2×2: means of the 2×2 blocks.
        assert_eq!(box_downscale(&px, 4, 4, 1, 2, 2), vec![2.5, 4.5, 10.5, 12.5]);
        assert_eq!(to_grey(&[1.0, 1.0, 1.0], 3), vec![1.0]);
    }
}
