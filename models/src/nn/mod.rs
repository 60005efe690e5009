//! Network building blocks shared by the pipelines (burn modules): the convolutional encoder,
//! the projection MLP, the convolutional autoencoder of DEPICT, and small tensor helpers.

pub mod autoencoder;
pub mod conv_encoder;
pub mod mlp;
pub mod spatial;
pub mod tensor;

pub use autoencoder::{ConvAutoencoder, ConvAutoencoderConfig};
pub use conv_encoder::{ConvEncoder, ConvEncoderConfig};
pub use mlp::{Mlp, MlpConfig};
pub use spatial::SpatialBackend;
pub use tensor::{images_tensor, l2_normalize, leaf, normalized_rows_param, to_matrix};
