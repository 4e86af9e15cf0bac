//! Thin PyO3 layer: borrows numpy arrays, releases the GIL, calls the
//! kernel crates (lenskit-knn, lenskit-als), and turns errors (and any
//! panic) into Python exceptions.
//!
//! Every function is stateless: fitted models live in Python as numpy
//! arrays and are passed back in on each call. `lenskit/_accel.pyi`
//! documents the Python signatures.

mod als;
mod arrays;
mod item;
mod pool;
mod run;
mod scoring;
mod user;

use lenskit_core::Recommendations;
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

/// Ragged recommendation lists: `(offsets, items, scores)`.
type RecommendArrays<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i32>>,
    Bound<'py, PyArray1<f64>>,
);

fn recommend_out(py: Python<'_>, recs: Recommendations) -> RecommendArrays<'_> {
    (
        recs.offsets.into_pyarray(py),
        recs.items.into_pyarray(py),
        recs.scores.into_pyarray(py),
    )
}

#[pymodule(gil_used = false)]
mod _accel {
    #[pymodule_export]
    use crate::pool::{init_thread_pool, thread_count};

    #[pymodule_export]
    use crate::item::{item_knn_fit, item_knn_footprint, item_knn_recommend, item_knn_score};

    #[pymodule_export]
    use crate::user::{user_knn_fit, user_knn_recommend, user_knn_score};

    #[pymodule_export]
    use crate::als::{
        als_biases, als_fold_in_explicit, als_fold_in_implicit, als_gram, als_item_panels,
        als_recommend, als_score, als_train,
    };
}
