//! Moving-crop clips over the bundled still images (`data/stills/`: scikit-image's astronaut,
//! coffee, ihc and cell, greyscale, 96 × 96): a [`MovingCrops::window`]-pixel square window
//! slides [`MovingCrops::speed`] pixels per frame in one of the eight directions from a random
//! start and reflects at the image borders (`pipelines.md` §5 (a)). Labels: `motion` (the
//! start direction, exactly the first step) and `identity` (the source image).

use super::motion::{DIRECTIONS, bounce, direction_names, start_position};
use super::{LabelSet, VideoSet};
use crate::data::DataError;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::path::PathBuf;

/// The bundled stills, in label order.
pub const STILLS: [&str; 4] = ["astronaut", "coffee", "ihc", "cell"];

/// A grey still: values in [0, 1], row-major.
#[derive(Clone, Debug)]
pub struct Still {
    /// Name (the label's class name).
    pub name: String,
    /// Values.
    pub pixels: Vec<f32>,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

/// Decodes the bundled stills (or those under `CLASP_DATA/stills/`).
pub fn bundled_stills() -> Result<Vec<Still>, DataError> {
    STILLS
        .iter()
        .map(|name| {
            let rel = format!("stills/{name}.png");
            let (bytes, path) =
                crate::io::bundled_file(&rel).map_err(|m| DataError::format(PathBuf::from(&rel), m.to_string()))?;
            let grey = image::load_from_memory(&bytes)
                .map_err(|e| DataError::format(&path, format!("cannot decode the image: {e}")))?
                .to_luma32f();
            let (width, height) = (grey.width() as usize, grey.height() as usize);
            Ok(Still { name: name.to_string(), pixels: grey.into_raw(), height, width })
        })
        .collect()
}

/// How to cut the clips.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovingCrops {
    /// Side of the square window (the frame size).
    pub window: usize,
    /// Frames per clip.
    pub frames: usize,
    /// Pixels per frame along each moving axis.
    pub speed: i32,
}

impl Default for MovingCrops {
    /// 32 × 32 windows, 8 frames, 2 pixels per frame.
    fn default() -> Self {
        Self { window: 32, frames: 8, speed: 2 }
    }
}

impl MovingCrops {
    /// `clips` clips over `stills` (source image and direction uniform), seeded.
    pub fn generate(&self, stills: &[Still], clips: usize, seed: u64) -> Result<VideoSet, DataError> {
        let w = self.window;
        let room = w + self.speed.unsigned_abs() as usize;
        if stills.is_empty() || stills.iter().any(|s| s.height < room || s.width < room) {
            return Err(DataError::format(
                "moving-crops",
                format!("moving crops need stills of at least {room}×{room}"),
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let frame_len = w * w;
        let mut pixels = vec![0.0f32; clips * self.frames * frame_len];
        let (mut identity, mut motion) = (Vec::with_capacity(clips), Vec::with_capacity(clips));
        for clip in pixels.chunks_exact_mut(self.frames * frame_len) {
            let src = rng.random_range(0..stills.len());
            let dir = rng.random_range(0..DIRECTIONS.len());
            let s = &stills[src];
            let (_, dx, dy) = DIRECTIONS[dir];
            let (vx, vy) = (dx * self.speed, dy * self.speed);
            let (mx, my) = ((s.width - w) as i32, (s.height - w) as i32);
            let xs = bounce(start_position(&mut rng, vx, mx), vx, mx, self.frames);
            let ys = bounce(start_position(&mut rng, vy, my), vy, my, self.frames);
            for (t, frame) in clip.chunks_exact_mut(frame_len).enumerate() {
                let (x0, y0) = (xs[t] as usize, ys[t] as usize);
                for (r, row) in frame.chunks_exact_mut(w).enumerate() {
                    row.copy_from_slice(&s.pixels[(y0 + r) * s.width + x0..][..w]);
                }
            }
            identity.push(src);
            motion.push(dir);
        }
        Ok(VideoSet {
            name: "moving-crops".into(),
            pixels,
            n: clips,
            frames: self.frames,
            height: w,
            width: w,
            labels: vec![
                LabelSet {
                    name: "identity".into(),
                    values: identity,
                    class_names: stills.iter().map(|s| s.name.clone()).collect(),
                },
                LabelSet { name: "motion".into(), values: motion, class_names: direction_names() },
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide_in_the_labelled_direction_over_the_labelled_still() {
        let stills = bundled_stills().unwrap();
        assert_eq!(stills.len(), 4);
        assert!(stills.iter().all(|s| (s.height, s.width) == (96, 96)));
        let spec = MovingCrops::default();
        let set = spec.generate(&stills, 24, 5).unwrap();
        let (motion, identity) = (&set.label_set("motion").unwrap().values, &set.label_set("identity").unwrap().values);
        let w = spec.window;
        for i in 0..set.n {
            let s = &stills[identity[i]];
            let (_, dx, dy) = DIRECTIONS[motion[i]];
            let clip = set.clip(i);
            // Locate frame 0 in its still, then frame 1 must be the window moved by the label.
            let at = |x: usize, y: usize, f: &[f32]| {
                (0..w).all(|r| f[r * w..(r + 1) * w] == s.pixels[(y + r) * s.width + x..][..w])
            };
            let (x0, y0) = (0..=s.height - w)
                .flat_map(|y| (0..=s.width - w).map(move |x| (x, y)))
                .find(|&(x, y)| at(x, y, &clip[..w * w]))
                .expect("frame 0 is a window of its still");
            let (x1, y1) = (x0 as i32 + dx * spec.speed, y0 as i32 + dy * spec.speed);
            assert!(at(x1 as usize, y1 as usize, &clip[w * w..2 * w * w]), "clip {i}");
        }
        assert_eq!(set, spec.generate(&stills, 24, 5).unwrap());
    }
}
