//! k-nearest-neighbour recommender kernels for LensKit, independent of Python.
//!
//! * [`item_knn`]: item-item similarities (trained once, in parallel over
//!   items) and scoring from a user's ratings of similar items;
//! * [`user_knn`]: normalised user vectors, with user-user similarities
//!   computed per scored user;
//! * [`batch`]: scoring and top-N recommendation for many users at once.
//!
//! Kernels borrow caller-owned arrays ([`sparse`]), keep all mutable state in
//! per-worker scratch, and run on the current Rayon pool or the calling
//! thread ([`Exec`]); those shared parts live in `lenskit-core` and are
//! re-exported here under their usual paths. Every output value is computed by one task in an order
//! fixed by the data, so results are bit-identical whatever the thread count.
//! Neighbour selection uses the total order (similarity descending, index
//! ascending) of [`select`].

pub mod item_knn;
pub mod normalize;
pub mod user_knn;

pub use lenskit_core::{alloc, batch, error, exec, select, sparse};
pub use lenskit_core::{
    recommend, score_pairs, Exec, KernelError, Recommendations, Result, UserScorer,
};

/// What rating values mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feedback {
    /// Explicit ratings: vectors are mean-centred; scores are weighted
    /// averages of neighbours' centred ratings plus the mean.
    Explicit,
    /// Implicit interactions: vectors are binary; scores are sums of the
    /// neighbours' similarities.
    Implicit,
}
