//! User-kNN entry points.

use lenskit_knn::user_knn::{fit_user_knn, UserKnnModel};
use lenskit_knn::{recommend, score_pairs, Exec, Feedback};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::{csr, ratings, slice, CsrArrays, RatingArrays};
use crate::run::{run_here, run_on_pool};
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

#[allow(clippy::too_many_arguments)]
fn with_model<'py, T: Send>(
    py: Python<'py>,
    model: &UserModelArrays<'py>,
    k: usize,
    min_nbrs: usize,
    min_sim: f64,
    parallel: bool,
    work: impl FnOnce(&UserKnnModel<'_>, &Exec<'_>) -> lenskit_knn::Result<T> + Send,
) -> PyResult<T> {
    let (shape, data, means, norms, vectors, index) = model;
    let means = match means {
        Some(m) => Some(slice(m, "user_means")?),
        None => None,
    };
    let m = UserKnnModel::new(
        ratings(*shape, data)?,
        means,
        slice(norms, "user_norms")?,
        slice(vectors, "user_vectors")?,
        csr("item index", (shape.1, shape.0), index)?,
        k,
        min_nbrs,
        min_sim,
    )
    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    if parallel {
        run_on_pool(py, |cancel| work(&m, &Exec::parallel().with_cancel(cancel)))
    } else {
        run_here(py, || work(&m, &Exec::sequential()))
    }
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
    let users = slice(&users, "users")?;
    let items = slice(&items, "items")?;
    let scores = with_model(py, &model, k, min_nbrs, min_sim, parallel, |m, exec| {
        score_pairs(m, users, items, exec)
    })?;
    Ok(scores.into_pyarray(py))
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
    let users = slice(&users, "users")?;
    let candidates = match &candidates {
        Some(c) => Some(slice(c, "candidates")?),
        None => None,
    };
    let recs = with_model(py, &model, k, min_nbrs, min_sim, parallel, |m, exec| {
        recommend(m, users, n, candidates, exclude_seen, exec)
    })?;
    Ok(crate::recommend_out(py, recs))
}
