//! Data parallelism on the collective operations (not burn-train's `ddp` feature, which breaks
//! CPU training through feature unification: shared/notes/burn_training.md):
//!
//! - [`broadcast_module`]: every peer takes rank 0's parameters and running statistics
//!   (rank 0's values, the others' zeros, summed by one all-reduce — no shared file system);
//! - [`step`]: each peer's loss is its share of the global loss (its rows' sum / global batch),
//!   so the sum of the peers' gradients is the gradient of the global loss; all gradients (and
//!   the loss value) are flattened in the module's structure order and summed by one all-reduce
//!   (one barrier per step instead of one per parameter, as `GradientsParams::all_reduce` does,
//!   and independent of the random parameter ids); every peer then takes the same optimiser step;
//! - [`fingerprint`]: a hash of the parameters, to check the peers never drifted apart.

use super::engine::Collective;
use super::error::DistError;
use burn::module::{AutodiffModule, Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::{GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Collects every float tensor of a module (flattened, in visiting order).
struct Flatten<B: Backend> {
    parts: Vec<Tensor<B, 1>>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Flatten<B::InnerBackend> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.parts.push(param.val().inner().flatten(0, D - 1));
    }
}

/// Replaces every float tensor of a module by the next slice of `flat` (same visiting order).
struct Unflatten<B: Backend> {
    flat: Tensor<B, 1>,
    offset: usize,
}

impl<B: AutodiffBackend> ModuleMapper<B> for Unflatten<B::InnerBackend> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let dims = tensor.dims();
        let len = dims.iter().product::<usize>();
        let value = self.flat.clone().narrow(0, self.offset, len).reshape(dims);
        self.offset += len;
        let value = Tensor::from_inner(value);
        let value = if tensor.is_require_grad() { value.require_grad() } else { value };
        Param::from_mapped_value(id, value, mapper)
    }
}

/// Every peer's `model` becomes rank 0's (parameters and running statistics).
pub fn broadcast_module<B: AutodiffBackend, M: Module<B>>(
    engine: &Collective<B::InnerBackend>,
    model: M,
) -> Result<M, DistError> {
    if engine.peers() == 1 {
        return Ok(model);
    }
    let mut flat = Flatten::<B::InnerBackend> { parts: Vec::new() };
    model.visit(&mut flat);
    if flat.parts.is_empty() {
        return Ok(model);
    }
    let mut all = Tensor::cat(flat.parts, 0);
    if engine.rank() != 0 {
        all = all.zeros_like();
    }
    let all = engine.all_reduce_sum("the broadcast of the initial model", all)?;
    Ok(model.map(&mut Unflatten::<B::InnerBackend> { flat: all, offset: 0 }))
}

/// Takes the gradients of the module's parameters out of `grads`, flattened in visiting order.
struct TakeGrads<'g, B: Backend> {
    grads: &'g mut GradientsParams,
    parts: Vec<Tensor<B, 1>>,
    taken: Vec<ParamId>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for TakeGrads<'_, B::InnerBackend> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(g) = self.grads.remove::<B::InnerBackend, D>(param.id) {
            self.parts.push(g.flatten(0, D - 1));
            self.taken.push(param.id);
        }
    }
}

/// Puts the summed gradients back, in the same order.
struct PutGrads<'g, B: Backend> {
    grads: &'g mut GradientsParams,
    flat: Tensor<B, 1>,
    offset: usize,
    taken: &'g [ParamId],
}

impl<B: AutodiffBackend> ModuleVisitor<B> for PutGrads<'_, B::InnerBackend> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if !self.taken.contains(&param.id) {
            return;
        }
        let dims = param.val().dims();
        let len = dims.iter().product::<usize>();
        let g = self.flat.clone().narrow(0, self.offset, len).reshape(dims);
        self.offset += len;
        self.grads.register::<B::InnerBackend, D>(param.id, g);
    }
}

/// Σ over peers of the gradients of `model`'s parameters in `grads`, with `extra` values
/// summed in the same all-reduce; returns the summed gradients and extras.
pub fn all_reduce_grads<B: AutodiffBackend, M: AutodiffModule<B>>(
    engine: &Collective<B::InnerBackend>,
    model: &M,
    mut grads: GradientsParams,
    extra: &[f32],
) -> Result<(GradientsParams, Vec<f32>), DistError> {
    if engine.peers() == 1 {
        return Ok((grads, extra.to_vec()));
    }
    let mut take = TakeGrads::<B::InnerBackend> { grads: &mut grads, parts: Vec::new(), taken: Vec::new() };
    model.visit(&mut take);
    let (mut parts, taken) = (take.parts, take.taken);
    let device = engine.device().clone();
    parts.push(Tensor::from_data(TensorData::new(extra.to_vec(), [extra.len()]), &device));
    let total = engine.all_reduce_sum("the all-reduce of the gradients", Tensor::cat(parts, 0))?;
    let n = total.dims()[0];
    let extras = total
        .clone()
        .narrow(0, n - extra.len(), extra.len())
        .into_data()
        .into_vec::<f32>()
        .map_err(|_| DistError::Data { what: "the summed loss" })?;
    let mut put = PutGrads::<B::InnerBackend> { grads: &mut grads, flat: total, offset: 0, taken: &taken };
    model.visit(&mut put);
    Ok((grads, extras))
}

/// One data-parallel optimiser step. `loss` is this peer's share of the global loss (the sum
/// of its rows' losses over the global batch size), so the summed loss and gradients are the
/// global ones. `skip` drops the gradients of the named parameters on every peer (SwAV's
/// frozen prototypes); `extra` values (shares of logged loss terms) are summed in the same
/// all-reduce. Returns the updated module, the global loss and the summed `extra`.
pub fn step<B, M, O>(
    engine: &Collective<B::InnerBackend>,
    model: M,
    optim: &mut O,
    loss: Tensor<B, 1>,
    lr: f64,
    skip: &[ParamId],
    extra: &[f32],
) -> crate::Result<(M, f64, Vec<f32>)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    let local = loss.clone().into_scalar().elem::<f32>();
    let mut grads = GradientsParams::from_grads(loss.backward(), &model);
    engine.check()?;
    for id in skip {
        grads.remove::<B::InnerBackend, 2>(*id);
    }
    let mut values = Vec::with_capacity(1 + extra.len());
    values.push(local);
    values.extend_from_slice(extra);
    let (grads, mut sums) = all_reduce_grads(engine, &model, grads, &values)?;
    let value = f64::from(sums.first().copied().unwrap_or(f32::NAN));
    if !value.is_finite() {
        return Err(crate::Error::Diverged { loss: value });
    }
    sums.remove(0);
    Ok((optim.step(lr, model, grads), value, sums))
}

/// Hashes the bit patterns of every float tensor of a module, in visiting order.
struct Hashing {
    hasher: DefaultHasher,
}

impl<B: Backend> ModuleVisitor<B> for Hashing {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        match param.val().into_data().into_vec::<f32>() {
            Ok(v) => v.iter().for_each(|x| x.to_bits().hash(&mut self.hasher)),
            Err(_) => u64::MAX.hash(&mut self.hasher),
        }
    }
}

/// A hash of every float tensor of `model` (parameters and running statistics, the latter
/// synchronised first: burn keeps their last update pending until a save or `valid()`).
pub fn fingerprint<B: AutodiffBackend, M: AutodiffModule<B>>(model: &M) -> u64 {
    let mut hashing = Hashing { hasher: DefaultHasher::new() };
    model.valid().visit(&mut hashing);
    hashing.hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};
    use burn::nn::{Linear, LinearConfig};
    type B = Autodiff<Flex>;

    #[test]
    fn one_peer_step_is_the_plain_step() {
        let dev = Default::default();
        let engine = Collective::<Flex>::solo(dev);
        let model: Linear<B> = LinearConfig::new(3, 2).init(&dev);
        let model = broadcast_module(&engine, model).unwrap();
        let before = fingerprint::<B, _>(&model);
        let mut optim = burn::optim::SgdConfig::new().init::<B, Linear<B>>();
        let x = Tensor::<B, 2>::ones([4, 3], &dev);
        let loss = model.forward(x).sum().reshape([1]);
        let (model, value, extra) = step(&engine, model, &mut optim, loss, 0.1, &[], &[2.5]).unwrap();
        assert_eq!(extra, vec![2.5]);
        assert!(value.is_finite());
        assert_ne!(fingerprint::<B, _>(&model), before);
    }

    #[test]
    fn flatten_and_unflatten_round_trip() {
        let dev = Default::default();
        let model: Linear<B> = LinearConfig::new(3, 2).init(&dev);
        let mut flat = Flatten::<Flex> { parts: Vec::new() };
        model.visit(&mut flat);
        let all = Tensor::cat(flat.parts, 0);
        assert_eq!(all.dims(), [3 * 2 + 2]);
        let back = model.clone().map(&mut Unflatten::<Flex> { flat: all, offset: 0 });
        assert_eq!(fingerprint::<B, _>(&back), fingerprint::<B, _>(&model));
    }
}
