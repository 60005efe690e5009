//! Tubelets and tube masking (VideoMAE, Tong et al., NeurIPS 2022, §3.3): a clip of T frames is
//! cut into non-overlapping tubes of `tube_frames × patch_h × patch_w` pixels, ordered time
//! step by time step, row by row (token `t·S + s`, S spatial positions); "tube masking" hides
//! the same spatial positions in every time step, so a masked patch cannot be copied from its
//! neighbour in time.

use crate::{Error, Result};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How a clip is cut into tubes (remainder rows, columns and frames are dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TubeGrid {
    /// Frames per tube.
    pub tube_frames: usize,
    /// Rows per tube.
    pub patch_h: usize,
    /// Columns per tube.
    pub patch_w: usize,
    /// Tube steps in time.
    pub steps: usize,
    /// Tube rows.
    pub rows: usize,
    /// Tube columns.
    pub cols: usize,
}

impl TubeGrid {
    /// The grid of `frames × height × width` clips, or an error when not even one tube fits.
    pub fn new(tube: (usize, usize, usize), frames: usize, height: usize, width: usize) -> Result<Self> {
        let (tube_frames, patch_h, patch_w) = tube;
        let g = TubeGrid {
            tube_frames,
            patch_h,
            patch_w,
            steps: frames / tube_frames.max(1),
            rows: height / patch_h.max(1),
            cols: width / patch_w.max(1),
        };
        if tube_frames == 0 || patch_h == 0 || patch_w == 0 || g.tokens() == 0 {
            return Err(Error::InvalidConfig(format!(
                "{tube_frames}×{patch_h}×{patch_w} tubes do not fit {frames}×{height}×{width} clips"
            )));
        }
        Ok(g)
    }

    /// Spatial positions S.
    pub fn spatial(&self) -> usize {
        self.rows * self.cols
    }

    /// Tubes per clip.
    pub fn tokens(&self) -> usize {
        self.steps * self.spatial()
    }

    /// Values per tube.
    pub fn tube_dim(&self) -> usize {
        self.tube_frames * self.patch_h * self.patch_w
    }

    /// The tubes of one clip (`frames × height × width`, row-major) as `tokens × tube_dim`
    /// values, each tube frame by frame, row by row.
    pub fn tubes(&self, clip: &[f32], height: usize, width: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.tokens() * self.tube_dim());
        for t in 0..self.steps {
            for r in 0..self.rows {
                for c in 0..self.cols {
                    for f in 0..self.tube_frames {
                        let frame = &clip[(t * self.tube_frames + f) * height * width..];
                        for y in 0..self.patch_h {
                            let row = (r * self.patch_h + y) * width + c * self.patch_w;
                            out.extend_from_slice(&frame[row..row + self.patch_w]);
                        }
                    }
                }
            }
        }
        out
    }

    /// Number of masked spatial positions at `ratio` (at least one visible, at least one masked).
    pub fn masked_positions(&self, ratio: f64) -> usize {
        let s = self.spatial();
        ((ratio * s as f64).round() as usize).clamp(1, s.saturating_sub(1).max(1))
    }

    /// A tube mask: `(visible, masked)` token indices, sorted, hiding the same
    /// [`masked_positions`](Self::masked_positions) random spatial positions in every time step.
    pub fn tube_mask(&self, ratio: f64, rng: &mut ChaCha8Rng) -> (Vec<usize>, Vec<usize>) {
        let s = self.spatial();
        let mut order: Vec<usize> = (0..s).collect();
        order.shuffle(rng);
        let mut hidden = vec![false; s];
        order[..self.masked_positions(ratio)].iter().for_each(|&p| hidden[p] = true);
        (0..self.tokens()).partition(|&i| !hidden[i % s])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn tubes_cover_the_clip_in_token_order() {
        // 4 frames of 4×6, values = their flat index; tubes 2×2×3 → 2 steps × (2×2) positions.
        let clip: Vec<f32> = (0..4 * 4 * 6).map(|v| v as f32).collect();
        let g = TubeGrid::new((2, 2, 3), 4, 4, 6).unwrap();
        assert_eq!((g.steps, g.rows, g.cols, g.tokens(), g.tube_dim()), (2, 2, 2, 8, 12));
        let t = g.tubes(&clip, 4, 6);
        // Token 5 = step 1, row 0, col 1: frames 2 and 3, rows 0–1, columns 3–5.
        let f2 = 2.0 * 24.0;
        let want = [3.0, 4.0, 5.0, 9.0, 10.0, 11.0].map(|v| v + f2);
        assert_eq!(&t[5 * 12..5 * 12 + 6], &want);
        let mut all = t.clone();
        all.sort_by(f32::total_cmp);
        assert_eq!(all, clip, "every pixel once");
        assert!(TubeGrid::new((2, 8, 8), 8, 5, 32).is_err());
    }

    #[test]
    fn tube_masks_hide_the_ratio_at_the_same_places_in_every_step() {
        let g = TubeGrid::new((2, 8, 8), 8, 32, 32).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for ratio in [0.75, 0.9] {
            let (visible, masked) = g.tube_mask(ratio, &mut rng);
            assert_eq!(masked.len(), 4 * g.masked_positions(ratio));
            assert_eq!(g.masked_positions(ratio), if ratio == 0.75 { 12 } else { 14 });
            assert_eq!(visible.len() + masked.len(), 64);
            let per_step: Vec<Vec<usize>> =
                (0..4).map(|t| masked.iter().filter(|&&i| i / 16 == t).map(|i| i % 16).collect()).collect();
            assert!(per_step.iter().all(|p| *p == per_step[0]), "{per_step:?}");
        }
        assert_ne!(g.tube_mask(0.75, &mut rng), g.tube_mask(0.75, &mut rng), "a new mask per draw");
    }
}
