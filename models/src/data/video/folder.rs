//! A user's videos: a folder of animated GIFs (each one video) or a folder of frame images
//! (PNG/JPEG, one video, frames in file-name order). Hidden entries are skipped; a folder with
//! both GIFs and frame images, no video, frames or videos of different sizes, or a video
//! shorter than one clip is an error naming the file.

use super::gif::{Frames, decode_gif};
use crate::data::{DataError, is_image_file, read_grey_image};
use std::path::{Path, PathBuf};

fn is_gif(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("gif"))
}

/// The videos of `dir`, each at least `min_frames` long, all of one frame size.
pub fn load_video_folder(dir: &Path, min_frames: usize) -> Result<Vec<Frames>, DataError> {
    if !dir.is_dir() {
        if dir.exists() {
            return Err(DataError::format(dir, "not a folder of GIFs or frame images"));
        }
        return Err(DataError::NotFound { path: dir.into() });
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))? {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        if !entry.file_name().to_string_lossy().starts_with('.') && entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    let gifs: Vec<&PathBuf> = files.iter().filter(|p| is_gif(p)).collect();
    let images: Vec<&PathBuf> = files.iter().filter(|p| is_image_file(p)).collect();
    let videos = match (gifs.is_empty(), images.is_empty()) {
        (true, true) => return Err(DataError::empty(dir, "no GIF or frame image (PNG/JPEG)")),
        (false, false) => {
            return Err(DataError::format(dir, "holds both GIFs and frame images; keep one kind per folder"));
        }
        (false, true) => gifs
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).map_err(|e| DataError::io(p.as_path(), e))?;
                Ok(((*p).clone(), decode_gif(&bytes, p)?))
            })
            .collect::<Result<Vec<_>, DataError>>()?,
        (true, false) => vec![(dir.to_path_buf(), frames_of(&images)?)],
    };
    let (h, w) = (videos[0].1.height, videos[0].1.width);
    for (path, v) in &videos {
        if (v.height, v.width) != (h, w) {
            let msg = format!("frames are {}×{}, the first video's are {h}×{w}", v.height, v.width);
            return Err(DataError::shape(path, msg));
        }
        if v.frames < min_frames {
            return Err(DataError::shape(path, format!("{} frame(s), a clip needs {min_frames}", v.frames)));
        }
    }
    Ok(videos.into_iter().map(|(_, v)| v).collect())
}

/// The frame images `paths` (in order) as one video.
fn frames_of(paths: &[&PathBuf]) -> Result<Frames, DataError> {
    let mut out = Frames { pixels: Vec::new(), frames: 0, height: 0, width: 0 };
    for p in paths {
        let (pixels, h, w) = read_grey_image(p)?;
        if out.frames == 0 {
            (out.height, out.width) = (h, w);
        } else if (h, w) != (out.height, out.width) {
            return Err(DataError::shape(
                p.as_path(),
                format!("frame is {h}×{w}, the first frame is {}×{}", out.height, out.width),
            ));
        }
        out.pixels.extend(pixels);
        out.frames += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tests::TempDir;

    fn png(path: &Path, h: u32, w: u32, v: u8) {
        image::GrayImage::from_pixel(w, h, image::Luma([v])).save(path).unwrap();
    }

    #[test]
    fn frame_folders_and_gif_folders_load_and_bad_input_is_a_clear_error() {
        let dir = TempDir::new("video-frames");
        for t in 0..4u8 {
            png(&dir.path().join(format!("f{t}.png")), 6, 5, 40 * t);
        }
        let v = load_video_folder(dir.path(), 4).unwrap();
        assert_eq!((v.len(), v[0].frames, v[0].height, v[0].width), (1, 4, 6, 5));
        assert!((v[0].pixels[6 * 5 * 3] - 120.0 / 255.0).abs() < 1e-6, "frames in name order");
        let e = load_video_folder(dir.path(), 5).unwrap_err().to_string();
        assert!(e.contains("4 frame(s), a clip needs 5"), "{e}");
        png(&dir.path().join("f9.png"), 7, 5, 0);
        let e = load_video_folder(dir.path(), 2).unwrap_err().to_string();
        assert!(e.contains("f9.png") && e.contains("7×5"), "{e}");

        let empty = TempDir::new("video-empty");
        let e = load_video_folder(empty.path(), 2).unwrap_err().to_string();
        assert!(e.contains("no GIF or frame image"), "{e}");
        let e = load_video_folder(&empty.path().join("missing"), 2).unwrap_err();
        assert!(matches!(e, DataError::NotFound { .. }), "{e}");

        let gifs = TempDir::new("video-gifs");
        let (bytes, _) = crate::io::bundled_file(super::super::gif::TINY_GIF).unwrap();
        std::fs::write(gifs.path().join("a.gif"), &bytes[..]).unwrap();
        std::fs::write(gifs.path().join("b.gif"), &bytes[..]).unwrap();
        let v = load_video_folder(gifs.path(), 8).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0], v[1]);
        png(&gifs.path().join("c.png"), 25, 14, 0);
        let e = load_video_folder(gifs.path(), 8).unwrap_err().to_string();
        assert!(e.contains("both GIFs and frame images"), "{e}");
    }
}
