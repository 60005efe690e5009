//! [`VideoSet`]: single-channel clips of equal length and size, with named label sets.

/// One labelling of a set's clips (e.g. `motion` or `identity`).
#[derive(Clone, Debug, PartialEq)]
pub struct LabelSet {
    /// What the labels say (`motion`, `identity`).
    pub name: String,
    /// One class id per clip, `< class_names.len()`.
    pub values: Vec<usize>,
    /// Name of every class id.
    pub class_names: Vec<String>,
}

/// Clips of `frames` grey frames of `height × width`, values in [0, 1], stored flat clip by
/// clip, frame by frame, row-major (`n × frames × height × width`).
#[derive(Clone, Debug, PartialEq)]
pub struct VideoSet {
    /// Name of the data set (`moving-digits`, `moving-crops`, `tiny-gif` or the folder name).
    pub name: String,
    /// The values.
    pub pixels: Vec<f32>,
    /// Number of clips.
    pub n: usize,
    /// Frames per clip.
    pub frames: usize,
    /// Rows per frame.
    pub height: usize,
    /// Columns per frame.
    pub width: usize,
    /// Every labelling the clips have (none for a user's videos).
    pub labels: Vec<LabelSet>,
}

/// A train and a test part.
#[derive(Clone, Debug)]
pub struct VideoSplit {
    /// Training clips.
    pub train: VideoSet,
    /// Held-out clips.
    pub test: VideoSet,
}

impl VideoSet {
    /// Values per clip.
    pub fn clip_len(&self) -> usize {
        self.frames * self.height * self.width
    }

    /// The values of clip `i`.
    ///
    /// # Panics
    /// If `i >= n`.
    pub fn clip(&self, i: usize) -> &[f32] {
        let d = self.clip_len();
        &self.pixels[i * d..(i + 1) * d]
    }

    /// The labelling called `name`, if the set has it.
    pub fn label_set(&self, name: &str) -> Option<&LabelSet> {
        self.labels.iter().find(|l| l.name == name)
    }

    /// The clips at `idx` in that order, with their labels.
    ///
    /// # Panics
    /// If an index is `>= n`.
    pub fn subset(&self, idx: &[usize]) -> VideoSet {
        let mut pixels = Vec::with_capacity(idx.len() * self.clip_len());
        for &i in idx {
            pixels.extend_from_slice(self.clip(i));
        }
        let labels = self
            .labels
            .iter()
            .map(|l| LabelSet {
                name: l.name.clone(),
                values: idx.iter().map(|&i| l.values[i]).collect(),
                class_names: l.class_names.clone(),
            })
            .collect();
        VideoSet { pixels, n: idx.len(), labels, name: self.name.clone(), ..*self }
    }
}
