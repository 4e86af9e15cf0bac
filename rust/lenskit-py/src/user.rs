//! User-kNN entry points.

use lenskit_knn::user_knn::{fit_user_knn, UserKnnModel};
use lenskit_knn::{Exec, Feedback};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::{csr, ratings, slice, CsrArrays, RatingArrays};
use crate::run::run_on_pool;
use crate::scoring::{recommend_with, score_with};
use crate::RecommendArrays;

type UserFitOut<'py> = (
    Option<Bound<'py, PyArray1<f64>>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f32>>,
    (
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<i32>>,
        Bound<'py, PyArray1<f32>>,
    ),
);

/// Train user-kNN (normalise and index the user vectors); see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (shape, data, *, explicit))]
pub fn user_knn_fit<'py>(
    py: Python<'py>,
    shape: (usize, usize),
    data: RatingArrays<'py>,
    explicit: bool,
) -> PyResult<UserFitOut<'py>> {
    let ratings = ratings(shape, &data)?;
    let feedback = if explicit {
        Feedback::Explicit
    } else {
        Feedback::Implicit
    };
    let f = run_on_pool(py, |cancel| {
        fit_user_knn(&ratings, feedback, &Exec::parallel().with_cancel(cancel))
    })?;
    Ok((
        f.user_means.map(|m| m.into_pyarray(py)),
        f.user_norms.into_pyarray(py),
        f.user_vectors.into_pyarray(py),
        (
            f.item_indptr.into_pyarray(py),
            f.item_users.into_pyarray(py),
            f.item_vectors.into_pyarray(py),
        ),
    ))
}

/// The arrays of a fitted user-kNN model, as passed from Python.
type UserModelArrays<'py> = (
    (usize, usize),
    RatingArrays<'py>,
    Option<PyReadonlyArray1<'py, f64>>,
    PyReadonlyArray1<'py, f64>,
    PyReadonlyArray1<'py, f32>,
    CsrArrays<'py>,
);

/// Borrow a fitted user-kNN model's arrays.
fn user_model<'a>(
    model: &'a UserModelArrays<'_>,
    k: usize,
    min_nbrs: usize,
    min_sim: f64,
) -> PyResult<UserKnnModel<'a>> {
    let (shape, data, means, norms, vectors, index) = model;
    let means = match means {
        Some(m) => Some(slice(m, "user_means")?),
        None => None,
    };
    UserKnnModel::new(
        ratings(*shape, data)?,
        means,
        slice(norms, "user_norms")?,
        slice(vectors, "user_vectors")?,
        csr("item index", (shape.1, shape.0), index)?,
        k,
        min_nbrs,
        min_sim,
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Score (user, item) pairs with user-kNN; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (model, *, k, min_nbrs, min_sim, users, items, parallel))]
#[allow(clippy::too_many_arguments)]
pub fn user_knn_score<'py>(
    py: Python<'py>,
    model: UserModelArrays<'py>,
    k: usize,
    min_nbrs: usize,
    min_sim: f64,
    users: PyReadonlyArray1<'py, i32>,
    items: PyReadonlyArray1<'py, i32>,
    parallel: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = user_model(&model, k, min_nbrs, min_sim)?;
    score_with(py, &m, &users, &items, parallel)
}

/// Top-N recommendations with user-kNN; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (model, *, k, min_nbrs, min_sim, users, n, candidates, exclude_seen, parallel))]
#[allow(clippy::too_many_arguments)]
pub fn user_knn_recommend<'py>(
    py: Python<'py>,
    model: UserModelArrays<'py>,
    k: usize,
    min_nbrs: usize,
    min_sim: f64,
    users: PyReadonlyArray1<'py, i32>,
    n: usize,
    candidates: Option<PyReadonlyArray1<'py, i32>>,
    exclude_seen: bool,
    parallel: bool,
) -> PyResult<RecommendArrays<'py>> {
    let m = user_model(&model, k, min_nbrs, min_sim)?;
    recommend_with(
        py,
        &m,
        lenskit_core::recommend,
        &users,
        n,
        candidates.as_ref(),
        exclude_seen,
        parallel,
    )
}
