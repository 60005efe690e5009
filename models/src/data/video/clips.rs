//! Videos cut into clips: overlapping windows of a fixed number of frames.

use super::{Frames, VideoSet};

/// Frames per clip (`pipelines.md` §5: 8 frames, two tubelets deep each).
pub const CLIP_FRAMES: usize = 8;
/// Frames between the starts of consecutive clips of a video.
pub const CLIP_STRIDE: usize = 2;

/// Every window of `frames` frames starting every `stride` frames in each of `videos` (all of
/// one frame size), unlabelled, named `name`.
pub fn cut_clips(videos: &[Frames], frames: usize, stride: usize, name: &str) -> VideoSet {
    let (height, width) = videos.first().map_or((0, 0), |v| (v.height, v.width));
    let frame_len = height * width;
    let mut pixels = Vec::new();
    let mut n = 0;
    for v in videos {
        let mut start = 0;
        while start + frames <= v.frames {
            pixels.extend_from_slice(&v.pixels[start * frame_len..(start + frames) * frame_len]);
            n += 1;
            start += stride.max(1);
        }
    }
    VideoSet { name: name.into(), pixels, n, frames, height, width, labels: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_start_every_stride_frames() {
        let v = Frames { pixels: (0..10).map(|t| t as f32).collect(), frames: 10, height: 1, width: 1 };
        let c = cut_clips(&[v], 4, 3, "v");
        assert_eq!((c.n, c.frames), (3, 4));
        assert_eq!(c.clip(2), &[6.0, 7.0, 8.0, 9.0]);
        assert_eq!(cut_clips(&[super::super::tiny_gif().unwrap()], CLIP_FRAMES, CLIP_STRIDE, "g").n, 9);
    }
}
