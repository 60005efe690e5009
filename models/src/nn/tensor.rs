//! Tensor helpers: images in, matrices out, row normalisation.

use crate::data::ImageSet;
use crate::{Error, Result};
use burn::module::Param;
use burn::prelude::*;

/// Rows scaled to unit L2 norm, `x / max(‖x‖, 1e-12)` (PyTorch's `F.normalize`).
pub fn l2_normalize<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    x / norm
}

/// The images `idx` of `set` as an `[n, 1, height, width]` tensor on `device`.
pub fn images_tensor<B: Backend>(set: &ImageSet, idx: &[usize], device: &B::Device) -> Tensor<B, 4> {
    let (h, w) = (set.height, set.width);
    let mut data = Vec::with_capacity(idx.len() * h * w);
    for &i in idx {
        data.extend_from_slice(set.image(i));
    }
    Tensor::from_data(TensorData::new(data, [idx.len(), 1, h, w]), device)
}

/// A 2-D tensor's values as a row-major `Vec<f32>` with its shape.
pub fn to_matrix<B: Backend>(x: Tensor<B, 2>) -> Result<(Vec<f32>, usize, usize)> {
    let [n, d] = x.dims();
    let v = x.into_data().convert::<f32>().into_vec::<f32>().map_err(Error::TensorRead)?;
    Ok((v, n, d))
}

/// `t`'s values as a new leaf tensor (no graph history), e.g. to write a parameter in place:
/// burn only lets leaf tensors be marked as requiring a gradient.
pub fn leaf<B: Backend, const D: usize>(t: Tensor<B, D>) -> Tensor<B, D> {
    let device = t.device();
    Tensor::from_data(t.into_data(), &device)
}

/// A prototype matrix with its rows re-normalised to unit length in place: no gradient, and the
/// parameter keeps its id, so the optimiser state follows it (SwAV's and SIGMA's C).
pub fn normalized_rows_param<B: Backend>(p: Param<Tensor<B, 2>>) -> Param<Tensor<B, 2>> {
    p.map(|c| {
        let g = c.is_require_grad();
        leaf(l2_normalize(c.detach())).set_require_grad(g)
    })
}
