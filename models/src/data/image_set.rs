//! [`ImageSet`]: single-channel images in [0, 1], stored flat, with optional class labels.

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Luma};

/// A set of single-channel images, values in [0, 1], row-major per image (n × height × width).
#[derive(Clone, Debug)]
pub struct ImageSet {
    /// Name of the data set (`mnist`, `digits`, or the file/folder name of a path).
    pub name: String,
    /// `n * height * width` values, each in [0, 1]; image `i` is `pixels[i*dim .. (i+1)*dim]`.
    pub pixels: Vec<f32>,
    /// Number of images.
    pub n: usize,
    /// Rows per image.
    pub height: usize,
    /// Columns per image.
    pub width: usize,
    /// Class id of every image (`0..num_classes`), or `None` when unlabelled.
    pub labels: Option<Vec<usize>>,
    /// Name of every class id; empty when unlabelled. `"0"`..`"9"` for MNIST and digits.
    pub class_names: Vec<String>,
}

impl ImageSet {
    /// Values per image: `height * width`.
    pub fn dim(&self) -> usize {
        self.height * self.width
    }

    /// The pixels of image `i`, row-major.
    ///
    /// # Panics
    /// If `i >= n`.
    pub fn image(&self, i: usize) -> &[f32] {
        let d = self.dim();
        &self.pixels[i * d..(i + 1) * d]
    }

    /// Number of classes: `class_names.len()`, or the largest label + 1 when there are labels
    /// but no names, or 0 when unlabelled.
    pub fn num_classes(&self) -> usize {
        if !self.class_names.is_empty() {
            return self.class_names.len();
        }
        self.labels.as_ref().and_then(|l| l.iter().max()).map_or(0, |&m| m + 1)
    }

    /// The images at `idx` (in that order, repeats allowed), with their labels; name and class
    /// names are kept.
    ///
    /// # Panics
    /// If an index is `>= n`.
    pub fn subset(&self, idx: &[usize]) -> ImageSet {
        let mut pixels = Vec::with_capacity(idx.len() * self.dim());
        for &i in idx {
            pixels.extend_from_slice(self.image(i));
        }
        ImageSet {
            name: self.name.clone(),
            pixels,
            n: idx.len(),
            height: self.height,
            width: self.width,
            labels: self.labels.as_ref().map(|l| idx.iter().map(|&i| l[i]).collect()),
            class_names: self.class_names.clone(),
        }
    }

    /// Every image resized to `height × width` by linear interpolation (the image crate's
    /// `Triangle` filter, which widens its support when shrinking so it also anti-aliases);
    /// values stay in [0, 1]. A same-size call is a copy.
    ///
    /// # Panics
    /// If `height` or `width` is zero, or does not fit in `u32`.
    pub fn resized(&self, height: usize, width: usize) -> ImageSet {
        assert!(height > 0 && width > 0, "ImageSet::resized: target size {height}×{width} must be positive");
        if (height, width) == (self.height, self.width) {
            return self.clone();
        }
        let mut pixels = Vec::with_capacity(self.n * height * width);
        for i in 0..self.n {
            pixels.extend(resize_image(self.image(i), self.height, self.width, height, width));
        }
        ImageSet { pixels, height, width, ..self.clone_meta() }
    }

    /// A copy of everything but the pixels (which are left empty).
    fn clone_meta(&self) -> ImageSet {
        ImageSet {
            name: self.name.clone(),
            pixels: Vec::new(),
            n: self.n,
            height: self.height,
            width: self.width,
            labels: self.labels.clone(),
            class_names: self.class_names.clone(),
        }
    }
}

/// Resizes one row-major `h × w` grey image in [0, 1] to `nh × nw` (see [`ImageSet::resized`]).
pub(crate) fn resize_image(pixels: &[f32], h: usize, w: usize, nh: usize, nw: usize) -> Vec<f32> {
    if (h, w) == (nh, nw) {
        return pixels.to_vec();
    }
    let dims = |a: usize, b: usize| u32::try_from(b).ok().zip(u32::try_from(a).ok());
    let ((w32, h32), (nw32, nh32)) = match (dims(h, w), dims(nh, nw)) {
        (Some(s), Some(t)) => (s, t),
        _ => panic!("image size {h}×{w} or {nh}×{nw} does not fit in u32"),
    };
    let buf: ImageBuffer<Luma<f32>, &[f32]> = match ImageBuffer::from_raw(w32, h32, pixels) {
        Some(b) => b,
        None => panic!("image of {} values is not {h}×{w}", pixels.len()),
    };
    let out = imageops::resize(&buf, nw32, nh32, FilterType::Triangle);
    out.into_raw().into_iter().map(|v| v.clamp(0.0, 1.0)).collect()
}

/// Train and test parts of one data set.
#[derive(Clone, Debug)]
pub struct Split {
    /// The training images.
    pub train: ImageSet,
    /// The held-out test images.
    pub test: ImageSet,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ImageSet {
        ImageSet {
            name: "t".into(),
            pixels: (0..12).map(|v| v as f32 / 11.0).collect(),
            n: 3,
            height: 2,
            width: 2,
            labels: Some(vec![0, 2, 1]),
            class_names: vec![],
        }
    }

    #[test]
    fn image_subset_and_classes() {
        let s = tiny();
        assert_eq!(s.dim(), 4);
        assert_eq!(s.image(1), &s.pixels[4..8]);
        assert_eq!(s.num_classes(), 3);
        let sub = s.subset(&[2, 0]);
        assert_eq!((sub.n, sub.labels.clone()), (2, Some(vec![1, 0])));
        assert_eq!(sub.image(0), s.image(2));
        assert_eq!(sub.name, "t");
        let named = ImageSet { class_names: vec!["a".into(); 5], ..s };
        assert_eq!(named.num_classes(), 5);
        assert_eq!(ImageSet { labels: None, class_names: vec![], ..named }.num_classes(), 0);
    }

    #[test]
    fn resize_keeps_constant_images_and_range() {
        let s = ImageSet { pixels: vec![0.25; 12], ..tiny() };
        let r = s.resized(5, 3);
        assert_eq!((r.n, r.height, r.width, r.pixels.len()), (3, 5, 3, 45));
        assert!(r.pixels.iter().all(|&v| (v - 0.25).abs() < 1e-5));
        let up = tiny().resized(7, 9);
        assert!(up.pixels.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let down = up.resized(2, 2);
        assert_eq!(down.pixels.len(), 12);
        assert_eq!(tiny().resized(2, 2).pixels, tiny().pixels);
    }
}
