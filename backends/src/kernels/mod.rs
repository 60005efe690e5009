//! cubecl kernels, one file per family. All are generic over the float type `F` (f32 is the one
//! every runtime supports) and use only cube-level shared memory and barriers, no plane
//! (subgroup) operations, so they run on every WGPU adapter including lavapipe.

pub mod bound;
pub mod gmm;
pub mod hard_targets;
pub mod kmeans;
pub mod reduce;
pub mod sdp_gradient;
pub mod sinkhorn_log;
pub mod sinkhorn_scaling;
pub mod swav_batched;
