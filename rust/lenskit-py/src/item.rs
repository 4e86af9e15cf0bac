//! Item-kNN entry points.

use lenskit_knn::item_knn::{estimate_item_knn, fit_item_knn, ItemKnnModel, ItemKnnOptions};
use lenskit_knn::{Exec, Feedback};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::{csr, ratings, slice, CsrArrays, RatingArrays};
use crate::run::run_on_pool;
use crate::scoring::{recommend_with, score_with};
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

fn options(explicit: bool, min_sim: f64, save_nbrs: Option<usize>) -> ItemKnnOptions {
    ItemKnnOptions {
        feedback: if explicit {
            Feedback::Explicit
        } else {
            Feedback::Implicit
        },
        min_sim,
        save_nbrs,
    }
}

/// Estimate the memory an item-kNN fit would need; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (shape, data, *, explicit, min_sim, save_nbrs=None, budget))]
pub fn item_knn_footprint(
    py: Python<'_>,
    shape: (usize, usize),
    data: RatingArrays<'_>,
    explicit: bool,
    min_sim: f64,
    save_nbrs: Option<usize>,
    budget: u64,
) -> PyResult<(u64, u64, u64, usize, Option<usize>)> {
    let ratings = ratings(shape, &data)?;
    let opts = options(explicit, min_sim, save_nbrs);
    let f = run_on_pool(py, |cancel| {
        estimate_item_knn(
            &ratings,
            &opts,
            budget,
            &Exec::parallel().with_cancel(cancel),
        )
    })?;
    Ok((
        f.similarities,
        f.model_bytes,
        f.peak_bytes,
        f.sampled_rows,
        f.largest_save_nbrs,
    ))
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
    let opts = options(explicit, min_sim, save_nbrs);
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

/// Borrow a fitted item-kNN model's arrays.
fn item_model<'a>(
    model: &'a ItemModelArrays<'_>,
    k: usize,
    min_nbrs: usize,
) -> PyResult<ItemKnnModel<'a>> {
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
    ItemKnnModel::new(
        ratings(*shape, data)?,
        means,
        csr("similarity matrix", (n, n), sims)?,
        sims_t,
        k,
        min_nbrs,
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))
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
    let m = item_model(&model, k, min_nbrs)?;
    score_with(py, &m, &users, &items, parallel)
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
    let m = item_model(&model, k, min_nbrs)?;
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
