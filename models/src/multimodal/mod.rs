//! Paired two-view (cross-modal) representation learning: the paired data sets
//! ([`data`]: breast_cancer's two feature groups, MNIST left/right halves, image–report pairs
//! from a CSV), the MGCA pipeline ([`mgca`]: instance, token and prototype alignment) and its
//! runner ([`run`]) for `clasp train mgca` and `clasp demo`.

pub mod data;
pub mod mgca;
pub mod probe;
pub mod retrieval_grid;
pub mod run;
