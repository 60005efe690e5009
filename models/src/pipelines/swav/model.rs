//! SwAV's network: backbone, projection head and prototypes.

use super::SwavConfig;
use crate::nn::{ConvEncoder, Mlp, MlpConfig, SpatialBackend, l2_normalize, normalized_rows_param};
use burn::module::Param;
use burn::prelude::*;

/// Backbone f, projection head h and the K × d prototype matrix C (rows unit-normalised before
/// every step by [`SwavModel::normalize_prototypes`]).
#[derive(Module, Debug)]
pub struct SwavModel<B: Backend> {
    /// Backbone; its output is the embedding that is evaluated.
    pub encoder: ConvEncoder<B>,
    head: Mlp<B>,
    /// Prototypes C, `[K, d]`.
    pub prototypes: Param<Tensor<B, 2>>,
}

impl SwavConfig {
    /// A freshly initialised model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> SwavModel<B> {
        let c =
            Tensor::random([self.prototypes, self.projection], burn::tensor::Distribution::Normal(0.0, 1.0), device);
        SwavModel {
            encoder: self.encoder.init(device),
            head: MlpConfig::new(self.encoder.out, self.head_hidden, self.projection).init(device),
            prototypes: Param::from_tensor(l2_normalize(c)),
        }
    }
}

impl<B: SpatialBackend> SwavModel<B> {
    /// The evaluated embedding of `[n, 1, h, w]` images: the unit projection z (the space in
    /// which the prototypes cluster).
    pub fn embed(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        self.project(x)
    }

    /// Scores S = zCᵀ of a view, z the unit projection.
    pub fn scores(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let z = l2_normalize(self.head.forward(self.encoder.forward(x)));
        z.matmul(self.prototypes.val().transpose())
    }

    /// The projection head h (data-parallel training applies it with a synchronised batch norm).
    pub fn head(&self) -> &Mlp<B> {
        &self.head
    }

    /// Unit projections z of a view.
    pub fn project(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        l2_normalize(self.head.forward(self.encoder.forward(x)))
    }

    /// The backbone's features of each view, consecutive views of one size passed through it
    /// as one batch (the backbone treats images independently, so this is the per-view
    /// function; SwAV's `MultiCropWrapper` does the same).
    pub fn encode_views(&self, views: Vec<Tensor<B, 4>>) -> Vec<Tensor<B, 2>> {
        let mut features = Vec::with_capacity(views.len());
        let mut views = views.into_iter().peekable();
        while let Some(first) = views.next() {
            let size = first.dims()[2..].to_vec();
            let mut group = vec![first];
            while let Some(v) = views.next_if(|v| v.dims()[2..] == size[..]) {
                group.push(v);
            }
            let rows: Vec<usize> = group.iter().map(|v| v.dims()[0]).collect();
            let out = self.encoder.forward(Tensor::cat(group, 0));
            let mut start = 0;
            for r in rows {
                features.push(out.clone().narrow(0, start, r));
                start += r;
            }
        }
        features
    }

    /// Re-normalises the prototype rows in place (no gradient; the parameter keeps its id, so
    /// the optimiser state follows it).
    pub fn normalize_prototypes(mut self) -> Self {
        self.prototypes = normalized_rows_param(self.prototypes);
        self
    }
}
