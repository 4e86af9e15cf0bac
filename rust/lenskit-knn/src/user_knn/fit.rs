//! Training: normalised user vectors, and an item -> users index of them.
//! Similarities are not stored; they are computed for each user when scored.

use crate::error::{invalid, Result};
use crate::exec::Exec;
use crate::normalize::normalize_segments;
use crate::sparse::{transpose_map_on, Ratings};
use crate::Feedback;

/// A trained user-kNN model: everything besides the ratings themselves.
#[derive(Clone, Debug, PartialEq)]
pub struct UserKnnFitted {
    /// Mean rating of each user (explicit feedback only).
    pub user_means: Option<Vec<f64>>,
    /// L2 norm of each user's centred (or binary) vector.
    pub user_norms: Vec<f64>,
    /// Each rating's entry of its user's unit vector, aligned with the
    /// ratings' CSR entries. Times the user's norm it gives back the centred
    /// rating.
    pub user_vectors: Vec<f32>,
    /// Item -> users index (CSC of the ratings): row pointers, length `n_items + 1`.
    pub item_indptr: Vec<i64>,
    /// Users of each item, increasing within an item.
    pub item_users: Vec<i32>,
    /// The same vector entries as `user_vectors`, in item order.
    pub item_vectors: Vec<f32>,
}

/// Normalise the user vectors and index them by item, O(nnz); the index is
/// built on the workers of `exec`, and is the same whatever their number.
pub fn fit_user_knn(
    ratings: &Ratings<'_>,
    feedback: Feedback,
    exec: &Exec<'_>,
) -> Result<UserKnnFitted> {
    ratings.validate()?;
    let values = ratings.values();
    if feedback == Feedback::Explicit && values.is_none() {
        return Err(invalid!(
            "explicit feedback needs rating values, but the data has none"
        ));
    }
    let norm = normalize_segments(ratings.indptr(), feedback, |p| match values {
        Some(v) => v[p] as f64,
        None => 1.0,
    })?;
    let (item_indptr, item_users, item_vectors) = transpose_map_on(
        ratings.n_users(),
        ratings.n_items(),
        ratings.indptr(),
        ratings.indices(),
        exec,
        |p| norm.values[p],
    )?;
    exec.check()?;
    Ok(UserKnnFitted {
        user_means: norm.means,
        user_norms: norm.norms,
        user_vectors: norm.values,
        item_indptr,
        item_users,
        item_vectors,
    })
}
