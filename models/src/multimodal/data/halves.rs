//! MNIST as two views of one digit: the left 28×14 half and the right 28×14 half, each a
//! sequence of its 14 pixel columns (tokens of 28 values, top to bottom), so the token-level
//! alignment matches columns of one half with columns of the other. Training pairs come from
//! MNIST's training part, held-out pairs from its test part (seeded stratified subsets).

use super::{PairedSet, PairedSplit, View};
use crate::data::{ImageSet, MNIST_SIDE, MnistPart, load_mnist};
use crate::{Error, Result};

/// Width of a half (columns = tokens per view).
pub const HALF_WIDTH: usize = MNIST_SIDE / 2;

/// The left and right halves of every image of `set` (any even width) as token views: token
/// `c` of the left view is pixel column `c`, token `c` of the right view column `width/2 + c`.
pub fn split_halves(set: &ImageSet) -> Result<(View, View)> {
    let (h, w) = (set.height, set.width);
    if w % 2 != 0 || w == 0 || h == 0 {
        return Err(Error::InvalidInput(format!("{}: images {h}×{w} cannot be cut into two equal halves", set.name)));
    }
    let half = w / 2;
    let mut left = Vec::with_capacity(set.n * h * half);
    let mut right = Vec::with_capacity(set.n * h * half);
    for i in 0..set.n {
        let img = set.image(i);
        for (out, offset) in [(&mut left, 0), (&mut right, half)] {
            for c in 0..half {
                out.extend((0..h).map(|r| img[r * w + offset + c]));
            }
        }
    }
    let view = |data| View::Tokens { data, tokens: half, token_dim: h };
    Ok((view(left), view(right)))
}

fn paired(set: &ImageSet) -> Result<PairedSet> {
    let (a, b) = split_halves(set)?;
    let p = PairedSet {
        name: "mnist-halves".into(),
        view_names: ["left half".into(), "right half".into()],
        a,
        b,
        labels: set.labels.clone(),
        class_names: set.class_names.clone(),
    };
    p.check()?;
    Ok(p)
}

/// `train` pairs from MNIST's training part and `test` from its test part (seeded stratified
/// subsets; `None` takes the whole part).
pub fn mnist_halves(train: Option<usize>, test: Option<usize>, seed: u64) -> Result<PairedSplit> {
    let tr = load_mnist(MnistPart::Train, train, seed)?;
    let te = load_mnist(MnistPart::Test, test, seed.wrapping_add(1))?;
    Ok(PairedSplit { train: paired(&tr)?, test: paired(&te)? })
}
