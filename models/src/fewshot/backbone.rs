//! The few-shot backbone of the papers' protocol at small scale (SimpleShot / LaplacianShot /
//! SLK: a network trained by plain cross-entropy on the base classes only): a convolutional
//! trunk with a classifier head over the base classes, its training loop, its features (the
//! pooled trunk output), and CL2N of novel-class features
//! with the base-class mean into the episode data of [`crate::fewshot`].

use super::FewShotData;
use crate::data::ImageSet;
use crate::distributed::Replica;
use crate::nn::{ConvEncoderConfig, images_tensor};
use crate::pipelines::{EMBED_BATCH, Matrix, embed_all};
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_batches};
use crate::{Error, Result};
use burn::module::AutodiffModule;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use clasp_core::MatMut;
use clasp_core::bound::{cl2n, column_mean};
use std::collections::BTreeMap;

/// Settings of the backbone and of the episodes (serde JSON through burn's `Config`).
#[derive(Config, Debug)]
pub struct BackboneConfig {
    /// Sizes of the trunk and head (channels c₁, c₂; `hidden` = the head's width; `out` unused).
    #[config(default = "ConvEncoderConfig::new().with_channels2(16)")]
    pub encoder: ConvEncoderConfig,
    /// Side g of the trunk's pooled grid: the features are g·g·c₂ wide (7: MNIST's 7×7 maps
    /// after two poolings, unpooled; measured with g = 3, 288-d: 1-/5-shot SimpleShot 43 % /
    /// 58 % on MNIST 5–9, below the pixels' 52 % / 72 %).
    #[config(default = 7)]
    pub grid: usize,
    /// Base classes: labels `0..base_classes` train the backbone; the others are novel.
    #[config(default = 5)]
    pub base_classes: usize,
    /// Training epochs over the base-class images.
    #[config(default = 3)]
    pub epochs: usize,
    /// Images per batch.
    #[config(default = 32)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Adam L2 weight decay.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Classes per episode.
    #[config(default = 5)]
    pub ways: usize,
    /// Shot counts evaluated.
    #[config(default = "vec![1, 5]")]
    pub shots: Vec<usize>,
    /// Queries per class.
    #[config(default = 15)]
    pub queries: usize,
    /// Episodes per shot count (the same episodes for every method and feature set).
    #[config(default = 1000)]
    pub episodes: usize,
    /// Episodes per shot count on the raw pixels (the first ones of the same sequence; the
    /// 784-d pixel episodes cost several times the backbone's).
    #[config(default = 1000)]
    pub pixel_episodes: usize,
}

/// The backbone: a convolutional trunk (conv(1→c₁) · ReLU · pool → conv(c₁→c₂) · ReLU · pool →
/// adaptive-avg g×g, flattened: the features, g²·c₂ wide) and a classifier head
/// (dense(g²c₂→hidden) · ReLU → dense(hidden→base classes)).
#[derive(Module, Debug)]
pub struct Backbone<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    pool: MaxPool2d,
    grid: AdaptiveAvgPool2d,
    hidden: Linear<B>,
    classifier: Linear<B>,
}

impl BackboneConfig {
    /// A freshly initialised backbone on `device`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Backbone<B> {
        let e = &self.encoder;
        let conv =
            |i, o| Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device);
        Backbone {
            conv1: conv(1, e.channels1),
            conv2: conv(e.channels1, e.channels2),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            grid: AdaptiveAvgPool2dConfig::new([self.grid.max(1), self.grid.max(1)]).init(),
            hidden: LinearConfig::new(e.channels2 * self.grid.max(1) * self.grid.max(1), e.hidden).init(device),
            classifier: LinearConfig::new(e.hidden, self.base_classes).init(device),
        }
    }
}

impl<B: Backend> Backbone<B> {
    /// Features: the pooled trunk output (`[n, g²·c₂]`). (The head's last layers were measured
    /// worse on the novel classes: a 64-d encoder output feeding the 5-way classifier gave
    /// 37 % / 47 % 1-/5-shot SimpleShot on MNIST 5–9, below the pixels' 52 % / 72 %: CE on five
    /// classes collapses it towards five directions.)
    pub fn features(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let x = self.pool.forward(relu(self.conv1.forward(x)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        self.grid.forward(x).flatten(1, 3)
    }

    /// Base-class logits.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        self.classifier.forward(relu(self.hidden.forward(self.features(x))))
    }
}

/// The images of `set` whose label is below `base` (labels kept).
pub fn base_subset(set: &ImageSet, base: usize) -> Result<ImageSet> {
    let labels = set
        .labels
        .as_ref()
        .ok_or_else(|| Error::InvalidInput(format!("{}: the backbone needs class labels", set.name)))?;
    let idx: Vec<usize> = (0..set.n).filter(|&i| labels[i] < base).collect();
    if idx.is_empty() {
        return Err(Error::InvalidInput(format!("{}: no image of the base classes 0..{base}", set.name)));
    }
    Ok(set.subset(&idx))
}

/// Trains the backbone by cross-entropy on `base` (every label below `cfg.base_classes`) as
/// `replica` (alone, or one peer of a data-parallel run: each peer its rows of every batch);
/// returns the inference model and the per-epoch losses (phase `train`).
pub fn train_backbone<B: TrainBackend>(
    replica: &mut Replica<B>,
    cfg: &BackboneConfig,
    base: &ImageSet,
    seed: u64,
    quiet: bool,
    device: &B::Device,
) -> Result<(Backbone<B::InnerBackend>, History)> {
    let labels = base
        .labels
        .as_ref()
        .ok_or_else(|| Error::InvalidInput(format!("{}: the backbone needs class labels", base.name)))?;
    if let Some(&l) = labels.iter().find(|&&l| l >= cfg.base_classes) {
        return Err(Error::InvalidInput(format!("label {l} is not a base class (0..{})", cfg.base_classes)));
    }
    replica.check_batches(base.n, cfg.batch_size, false)?;
    B::seed(device, seed);
    let mut model: Backbone<B> = cfg.init(device);
    let mut optim = adam(cfg.weight_decay).init::<B, Backbone<B>>();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut history = History::default();
    let quiet = quiet || !replica.primary();
    for epoch in 0..cfg.epochs {
        let progress = Progress::new("backbone", base.n.div_ceil(cfg.batch_size.max(1)) as u64, quiet);
        let mut meter = EpochMeter::new();
        for idx in epoch_batches(base.n, cfg.batch_size, seed, epoch, false) {
            let mine = &idx[replica.batch(idx.len())];
            let x = images_tensor::<B>(base, mine, device);
            let y: Vec<i64> = mine.iter().map(|&i| labels[i] as i64).collect();
            let y = Tensor::<B, 1, Int>::from_data(TensorData::new(y, [mine.len()]), device);
            let loss = replica.share(loss_fn.forward(model.forward(x), y));
            let (m, value) = replica.step(model, &mut optim, loss, cfg.learning_rate, &[])?;
            model = m;
            meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
        }
        history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, BTreeMap::new()));
    }
    replica.finish(&model)?;
    Ok((model.valid(), history))
}

/// The backbone's features of every image of `set`.
pub fn backbone_features<B: Backend>(model: &Backbone<B>, set: &ImageSet, device: &B::Device) -> Result<Matrix> {
    embed_all(set, EMBED_BATCH, device, |x| model.features(x))
}

/// Base-class accuracy of the backbone's classifier on `set` (labels below `base` only).
pub fn base_accuracy<B: Backend>(model: &Backbone<B>, set: &ImageSet, device: &B::Device) -> Result<f64> {
    let labels = set.labels.as_ref().ok_or_else(|| Error::InvalidInput("no labels".into()))?;
    let logits = embed_all(set, EMBED_BATCH, device, |x| model.forward(x))?;
    let (mut hit, mut n) = (0usize, 0usize);
    for (row, &l) in logits.data.chunks_exact(logits.dim.max(1)).zip(labels) {
        if l < logits.dim {
            n += 1;
            let arg = row.iter().enumerate().fold(0, |b, (j, v)| if *v > row[b] { j } else { b });
            hit += usize::from(arg == l);
        }
    }
    Ok(hit as f64 / n.max(1) as f64)
}

/// The column mean of the `n × dim` rows `x` (the CL2N centre of base-class features).
pub fn feature_mean(x: &[f64], dim: usize) -> Result<Vec<f64>> {
    let n = x.len() / dim.max(1);
    let m = clasp_core::MatRef::new(x, n, dim, "base features")?;
    let mut mean = vec![0.0f64; dim];
    column_mean(m, &mut mean)?;
    Ok(mean)
}

/// Episode data of the novel classes: `x` (`n × dim`, labels `labels`) centred on `mean`
/// (the base-class mean) and L2-normalised (CL2N); only classes ≥ `base` are left for
/// episodes (the base classes' `by_class` lists are empty).
pub fn novel_episode_data(
    mut x: Vec<f64>,
    dim: usize,
    labels: Vec<usize>,
    mean: &[f64],
    base: usize,
) -> Result<FewShotData> {
    let n = labels.len();
    if x.len() != n * dim {
        return Err(Error::InvalidInput(format!("{} feature values for {n} rows of {dim}", x.len())));
    }
    cl2n(&mut MatMut::new(&mut x, n, dim, "features")?, mean)?;
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut by_class = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        if l >= base {
            by_class[l].push(i);
        }
    }
    Ok(FewShotData { x, dim, labels, by_class })
}

/// A matrix of f32 features as f64 values.
pub fn to_f64(m: &Matrix) -> Vec<f64> {
    m.data.iter().map(|&v| f64::from(v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cl2n_with_the_base_mean_by_hand() {
        // Base rows (1, 0), (3, 2) → mean (2, 1). Novel rows (5, 5) → (3, 4)/5; (2, 1) → 0.
        let mean = feature_mean(&[1.0, 0.0, 3.0, 2.0], 2).unwrap();
        assert_eq!(mean, vec![2.0, 1.0]);
        let d = novel_episode_data(vec![5.0, 5.0, 2.0, 1.0, 0.0, 1.0], 2, vec![7, 8, 1], &mean, 5).unwrap();
        let want = [0.6, 0.8, 0.0, 0.0, -1.0, 0.0];
        assert!(d.x.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{:?}", d.x);
        assert_eq!(d.by_class[7], vec![0]);
        assert_eq!(d.by_class[8], vec![1]);
        assert!(d.by_class[1].is_empty());
        assert!(novel_episode_data(vec![1.0], 2, vec![7], &mean, 5).is_err());
    }
}
