//! Image data sets for the training pipelines (being written).
