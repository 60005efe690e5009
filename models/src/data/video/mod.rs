//! Video data for the video pipelines (SIGMA, Salehi et al., ECCV 2024; VideoMAE, Tong et al.,
//! NeurIPS 2022): grey clips of a fixed number of frames ([`VideoSet`]) with named labellings
//! (`motion`, `identity`), from
//!
//! - `moving-digits`: real MNIST digits moving and bouncing ([`MovingDigits`]);
//! - `moving-crops`: windows sliding over the bundled stills ([`MovingCrops`]);
//! - `tiny-gif`: the bundled tiny GIF cut into clips (a loader smoke test, unlabelled);
//! - a path: a user's folder of GIFs or of frame images ([`load_video_folder`]), unlabelled.
//!
//! Every failure is a [`DataError`] naming the file and the problem.

mod clips;
mod folder;
mod gif;
mod motion;
mod moving_crops;
mod moving_digits;
mod video_set;

pub use clips::{CLIP_FRAMES, CLIP_STRIDE, cut_clips};
pub use folder::load_video_folder;
pub use gif::{Frames, TINY_GIF, decode_gif, tiny_gif};
pub use motion::{DIRECTIONS, bounce, direction_names, start_position};
pub use moving_crops::{MovingCrops, STILLS, Still, bundled_stills};
pub use moving_digits::{DIGIT_SIDE, MovingDigits, digit_pools};
pub use video_set::{LabelSet, VideoSet, VideoSplit};

use crate::data::{DataError, train_test_indices};
use std::path::PathBuf;

/// Where clips come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VideoSource {
    /// Moving MNIST digits (labels `identity`, `motion`).
    MovingDigits,
    /// Windows sliding over the bundled stills (labels `identity`, `motion`).
    MovingCrops,
    /// The bundled tiny GIF (unlabelled).
    TinyGif,
    /// A folder of GIFs or of frame images (unlabelled).
    Path(PathBuf),
}

impl std::str::FromStr for VideoSource {
    type Err = std::convert::Infallible;

    /// `moving-digits`, `moving-crops` and `tiny-gif` name the built-in sets; anything else is a path.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "moving-digits" => VideoSource::MovingDigits,
            "moving-crops" => VideoSource::MovingCrops,
            "tiny-gif" => VideoSource::TinyGif,
            other => VideoSource::Path(PathBuf::from(other)),
        })
    }
}

impl VideoSource {
    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            VideoSource::MovingDigits => "moving-digits".into(),
            VideoSource::MovingCrops => "moving-crops".into(),
            VideoSource::TinyGif => "tiny-gif".into(),
            VideoSource::Path(p) => {
                p.file_name().map_or_else(|| p.display().to_string(), |s| s.to_string_lossy().into())
            }
        }
    }
}

/// Digits in the MNIST pool of the moving-digits clips (a stratified sample of the test part).
const DIGIT_POOL: usize = 2000;

/// Training and test clips of `source`. The synthetic sets draw `train` and `test` clips
/// (seeded; moving digits from disjoint digit instances); videos are cut into clips of
/// [`CLIP_FRAMES`] frames every [`CLIP_STRIDE`] frames and split at random into 80 % / 20 %
/// (at least one clip each), `train`/`test` capping the parts.
pub fn load_video_split(source: &VideoSource, train: usize, test: usize, seed: u64) -> Result<VideoSplit, DataError> {
    match source {
        VideoSource::MovingDigits => {
            let (a, b) = digit_pools(DIGIT_POOL, seed)?;
            let spec = MovingDigits::default();
            Ok(VideoSplit {
                train: spec.generate(&a, train, seed)?,
                test: spec.generate(&b, test, seed.wrapping_add(1))?,
            })
        }
        VideoSource::MovingCrops => {
            let stills = bundled_stills()?;
            let spec = MovingCrops::default();
            Ok(VideoSplit {
                train: spec.generate(&stills, train, seed)?,
                test: spec.generate(&stills, test, seed.wrapping_add(1))?,
            })
        }
        VideoSource::TinyGif => split_videos(&[tiny_gif()?], "tiny-gif", TINY_GIF, train, test, seed),
        VideoSource::Path(p) => split_videos(
            &load_video_folder(p, CLIP_FRAMES)?,
            &source.name(),
            &p.display().to_string(),
            train,
            test,
            seed,
        ),
    }
}

/// Cuts `videos` into clips and splits them 80/20 at random.
fn split_videos(
    videos: &[Frames],
    name: &str,
    path: &str,
    train: usize,
    test: usize,
    seed: u64,
) -> Result<VideoSplit, DataError> {
    let clips = cut_clips(videos, CLIP_FRAMES, CLIP_STRIDE, name);
    if clips.n < 2 {
        return Err(DataError::empty(
            path,
            format!("{} clip(s) of {CLIP_FRAMES} frames; at least 2 are needed to split into train and test", clips.n),
        ));
    }
    let (tr, te) = train_test_indices(None, clips.n, crate::data::TEST_FRACTION, seed);
    Ok(VideoSplit { train: clips.subset(&tr[..tr.len().min(train)]), test: clips.subset(&te[..te.len().min(test)]) })
}
