//! Moving digits (after Moving MNIST, Srivastava et al., ICML 2015) from the bundled real
//! MNIST: every clip shows [`MovingDigits::digits`] instances of one digit class (14 × 14,
//! MNIST downscaled 2×) on a dark square canvas, all starting in the same one of the eight
//! directions at [`MovingDigits::speed`] pixels per frame from random positions, each
//! bouncing off the canvas borders on its own. Labels: `identity` (the digit class) and
//! `motion` (the common start direction, exactly the displacement of every digit between the
//! first two frames). One frame shows the digit but not where it goes, so the motion label
//! needs the clip.

use super::motion::{DIRECTIONS, bounce, direction_names, start_position};
use super::{LabelSet, VideoSet};
use crate::data::{DataError, ImageSet, MnistPart, digit_class_names, load_mnist};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// Side of a digit on the canvas (MNIST's 28 downscaled 2×).
pub const DIGIT_SIDE: usize = 14;

/// How to draw the clips.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovingDigits {
    /// Side of the square canvas.
    pub side: usize,
    /// Frames per clip.
    pub frames: usize,
    /// Digits per clip.
    pub digits: usize,
    /// Pixels per frame along each moving axis.
    pub speed: i32,
}

impl Default for MovingDigits {
    /// 32 × 32 canvas, 8 frames, two digits, 2 pixels per frame.
    fn default() -> Self {
        Self { side: 32, frames: 8, digits: 2, speed: 2 }
    }
}

/// The MNIST test digits (`pool` of them, a seeded stratified sample) downscaled to
/// [`DIGIT_SIDE`], as two disjoint halves: one for the training clips, one for the test clips.
pub fn digit_pools(pool: usize, seed: u64) -> Result<(ImageSet, ImageSet), DataError> {
    let digits = load_mnist(MnistPart::Test, Some(pool), seed)?.resized(DIGIT_SIDE, DIGIT_SIDE);
    let even: Vec<usize> = (0..digits.n).step_by(2).collect();
    let odd: Vec<usize> = (1..digits.n).step_by(2).collect();
    Ok((digits.subset(&even), digits.subset(&odd)))
}

impl MovingDigits {
    /// `clips` clips drawn from the labelled digit images `pool` (14 × 14), seeded.
    pub fn generate(&self, pool: &ImageSet, clips: usize, seed: u64) -> Result<VideoSet, DataError> {
        let bad = |message: String| DataError::format("moving-digits", message);
        let labels = pool.labels.as_ref().ok_or_else(|| bad("moving digits need labelled digit images".into()))?;
        let by_class: Vec<Vec<usize>> = (0..10).map(|c| (0..pool.n).filter(|&i| labels[i] == c).collect()).collect();
        let classes: Vec<usize> = (0..10).filter(|&c| !by_class[c].is_empty()).collect();
        let ds = pool.height;
        if classes.is_empty() || pool.width != ds || self.side < ds + self.speed.unsigned_abs() as usize {
            return Err(bad(format!(
                "cannot draw {ds}×{} digits moving {} px/frame on a {} canvas",
                pool.width, self.speed, self.side
            )));
        }
        let max = (self.side - ds) as i32;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let frame_len = self.side * self.side;
        let mut pixels = vec![0.0f32; clips * self.frames * frame_len];
        let (mut identity, mut motion) = (Vec::with_capacity(clips), Vec::with_capacity(clips));
        for clip in pixels.chunks_exact_mut(self.frames * frame_len) {
            let class = classes[rng.random_range(0..classes.len())];
            let dir = rng.random_range(0..DIRECTIONS.len());
            let (_, dx, dy) = DIRECTIONS[dir];
            let (vx, vy) = (dx * self.speed, dy * self.speed);
            for _ in 0..self.digits {
                let img = pool.image(by_class[class][rng.random_range(0..by_class[class].len())]);
                let xs = bounce(start_position(&mut rng, vx, max), vx, max, self.frames);
                let ys = bounce(start_position(&mut rng, vy, max), vy, max, self.frames);
                for (t, frame) in clip.chunks_exact_mut(frame_len).enumerate() {
                    let (x0, y0) = (xs[t] as usize, ys[t] as usize);
                    for (r, row) in img.chunks_exact(ds).enumerate() {
                        let out = &mut frame[(y0 + r) * self.side + x0..][..ds];
                        out.iter_mut().zip(row).for_each(|(o, &v)| *o = o.max(v));
                    }
                }
            }
            identity.push(class);
            motion.push(dir);
        }
        Ok(VideoSet {
            name: "moving-digits".into(),
            pixels,
            n: clips,
            frames: self.frames,
            height: self.side,
            width: self.side,
            labels: vec![
                LabelSet { name: "identity".into(), values: identity, class_names: digit_class_names() },
                LabelSet { name: "motion".into(), values: motion, class_names: direction_names() },
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Intensity-weighted centroid (x, y) of a frame.
    fn centroid(frame: &[f32], side: usize) -> (f64, f64) {
        let (mut m, mut x, mut y) = (0.0, 0.0, 0.0);
        for (i, &v) in frame.iter().enumerate() {
            let v = f64::from(v);
            m += v;
            x += v * (i % side) as f64;
            y += v * (i / side) as f64;
        }
        (x / m, y / m)
    }

    #[test]
    fn digits_move_in_the_labelled_direction_and_repeat_by_seed() {
        let (pool, _) = digit_pools(200, 1).unwrap();
        let spec = MovingDigits::default();
        let set = spec.generate(&pool, 40, 7).unwrap();
        assert_eq!((set.n, set.frames, set.height, set.width), (40, 8, 32, 32));
        let motion = &set.label_set("motion").unwrap().values;
        let fl = 32 * 32;
        let mut seen = [false; 8];
        for i in 0..set.n {
            let clip = set.clip(i);
            let (x0, y0) = centroid(&clip[..fl], 32);
            let (x1, y1) = centroid(&clip[fl..2 * fl], 32);
            let (_, dx, dy) = DIRECTIONS[motion[i]];
            let (ex, ey) = (f64::from(dx * spec.speed), f64::from(dy * spec.speed));
            assert!((x1 - x0 - ex).abs() < 1e-3 && (y1 - y0 - ey).abs() < 1e-3, "clip {i}: {x0},{y0} → {x1},{y1}");
            seen[motion[i]] = true;
        }
        assert!(seen.iter().all(|&s| s), "all eight directions occur: {seen:?}");
        assert_eq!(set, spec.generate(&pool, 40, 7).unwrap());
        assert_ne!(set.pixels, spec.generate(&pool, 40, 8).unwrap().pixels);
    }
}
