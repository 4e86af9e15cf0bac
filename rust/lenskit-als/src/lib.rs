//! Matrix factorisation by alternating least squares (ALS) for LensKit,
//! independent of Python.
//!
//! * [`bias`]: the damped user-item bias model explicit feedback starts with;
//! * [`train`]: epochs of ALS, each half-epoch solving every user's (or
//!   item's) regularised least-squares system in parallel on the current
//!   Rayon pool, by Cholesky factorisation or conjugate gradient
//!   ([`Solver`]), for explicit ratings or confidence-weighted implicit
//!   feedback ([`Objective`]);
//! * [`fold_in`]: embeddings for users not in the training data;
//! * [`panels`] and [`score`]: scoring and, through `lenskit_core::batch`,
//!   top-N for many users at once.
//!
//! Every value is computed by one task in an order fixed by the data
//! ([`dense`]), so results are bit-identical whatever the thread count.

pub mod bias;
pub mod dense;
pub mod embeddings;
pub mod fold_in;
pub mod panels;
pub mod score;
mod solve;
pub mod train;

pub use bias::{fit_biases, residuals, BiasView, Biases, Damping};
pub use embeddings::{Embeddings, EmbeddingsView};
pub use fold_in::{fold_in_explicit, fold_in_implicit, FoldedIn};
pub use panels::{ItemPanels, PanelsView};
pub use score::{recommend, MfModel};
pub use solve::{Objective, Solver};
pub use train::{gram, train, AlsOptions, Trained};
