//! Item-kNN entry points.

use lenskit_knn::item_knn::{fit_item_knn, ItemKnnModel, ItemKnnOptions};
use lenskit_knn::{recommend, score_pairs, Exec, Feedback};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::{csr, ratings, slice, CsrArrays, RatingArrays};
use crate::run::{run_here, run_on_pool};
use crate::RecommendArrays;

type CsrOut<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<f64>>,
);

fn csr_out(py: Python<'_>, m: lenskit_knn::sparse::CsrMatrix<f64>) -> CsrOut<'_> {
    (
        m.indptr.into_pyarray(py),
        m.indices.into_pyarray(py),
        m.values.into_pyarray(py),
    )
}

/// Train item-kNN on the global pool; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (shape, data, *, explicit, min_sim, save_nbrs=None))]
#[allow(clippy::type_complexity)]
pub fn item_knn_fit<'py>(
    py: Python<'py>,
    shape: (usize, usize),
    data: RatingArrays<'py>,
    explicit: bool,
    min_sim: f64,
    save_nbrs: Option<usize>,
) -> PyResult<(
    Option<Bound<'py, PyArray1<f64>>>,
    CsrOut<'py>,
    Option<CsrOut<'py>>,
)> {
    let ratings = ratings(shape, &data)?;
    let opts = ItemKnnOptions {
        feedback: if explicit {
            Feedback::Explicit
        } else {
            Feedback::Implicit
        },
        min_sim,
        save_nbrs,
    };
    let fitted = run_on_pool(py, |cancel| {
        fit_item_knn(&ratings, &opts, &Exec::parallel().with_cancel(cancel))
    })?;
    Ok((
        fitted.item_means.map(|m| m.into_pyarray(py)),
        csr_out(py, fitted.sims),
        fitted.sims_t.map(|t| csr_out(py, t)),
    ))
}

/// The arrays of a fitted item-kNN model, as passed from Python.
type ItemModelArrays<'py> = (
    (usize, usize),
    RatingArrays<'py>,
    Option<PyReadonlyArray1<'py, f64>>,
    CsrArrays<'py, f64>,
    Option<CsrArrays<'py, f64>>,
);

fn with_model<'py, T: Send>(
    py: Python<'py>,
    model: &ItemModelArrays<'py>,
    k: usize,
    min_nbrs: usize,
    parallel: bool,
    work: impl FnOnce(&ItemKnnModel<'_>, &Exec<'_>) -> lenskit_knn::Result<T> + Send,
) -> PyResult<T> {
    let (shape, data, means, sims, sims_t) = model;
    let n = shape.1;
    let means = match means {
        Some(m) => Some(slice(m, "item_means")?),
        None => None,
    };
    let sims_t = match sims_t {
        Some(t) => Some(csr("transposed similarity matrix", (n, n), t)?),
        None => None,
    };
    let m = ItemKnnModel::new(
        ratings(*shape, data)?,
        means,
        csr("similarity matrix", (n, n), sims)?,
        sims_t,
        k,
        min_nbrs,
    )
    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    if parallel {
        run_on_pool(py, |cancel| work(&m, &Exec::parallel().with_cancel(cancel)))
    } else {
        run_here(py, || work(&m, &Exec::sequential()))
    }
}

/// Score (user, item) pairs with item-kNN; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (model, *, k, min_nbrs, users, items, parallel))]
pub fn item_knn_score<'py>(
    py: Python<'py>,
    model: ItemModelArrays<'py>,
    k: usize,
    min_nbrs: usize,
    users: PyReadonlyArray1<'py, i32>,
    items: PyReadonlyArray1<'py, i32>,
    parallel: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let users = slice(&users, "users")?;
    let items = slice(&items, "items")?;
    let scores = with_model(py, &model, k, min_nbrs, parallel, |m, exec| {
        score_pairs(m, users, items, exec)
    })?;
    Ok(scores.into_pyarray(py))
}

/// Top-N recommendations with item-kNN; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (model, *, k, min_nbrs, users, n, candidates, exclude_seen, parallel))]
#[allow(clippy::too_many_arguments)]
pub fn item_knn_recommend<'py>(
    py: Python<'py>,
    model: ItemModelArrays<'py>,
    k: usize,
    min_nbrs: usize,
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
    let recs = with_model(py, &model, k, min_nbrs, parallel, |m, exec| {
        recommend(m, users, n, candidates, exclude_seen, exec)
    })?;
    Ok(crate::recommend_out(py, recs))
}
