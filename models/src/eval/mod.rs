//! Evaluation of learned embeddings (being written).
