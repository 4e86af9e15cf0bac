//! The one global Rayon pool, sized once.
//!
//! Rayon panics on any later use of the global pool once building it has
//! failed (threads could not be spawned: memory or thread limits), so the
//! outcome of the one build is kept and every later use checks it first.

use std::sync::Mutex;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// The global pool's size once built, or why it could not be built; unset before.
static POOL: Mutex<Option<Result<usize, String>>> = Mutex::new(None);

fn build(threads: Option<usize>) -> Result<usize, String> {
    let mut builder = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("lenskit-rayon-{i}"));
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    // Only this module builds the global pool, and only once (guarded by
    // POOL), so an error here is a failure to start its threads.
    match builder.build_global() {
        Ok(()) => Ok(rayon::current_num_threads()),
        Err(err) => {
            let size =
                threads.map_or_else(|| "default size".to_string(), |n| format!("{n} threads"));
            Err(format!("the Rayon pool ({size}) could not start: {err}"))
        }
    }
}

/// Build the pool (with `threads`, or Rayon's default size) unless an earlier call did;
/// returns whether this call built it, and the outcome of the one build.
fn get_or_build(threads: Option<usize>) -> (bool, Result<usize, String>) {
    let mut pool = POOL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match pool.as_ref() {
        Some(outcome) => (false, outcome.clone()),
        None => {
            let outcome = build(threads);
            *pool = Some(outcome.clone());
            (true, outcome)
        }
    }
}

/// Build the pool with Rayon's default size if nobody has sized it yet.
///
/// Fails (instead of letting Rayon panic) when the pool could not start.
pub fn ensure_pool() -> PyResult<()> {
    get_or_build(None)
        .1
        .map(|_| ())
        .map_err(PyRuntimeError::new_err)
}

/// Build the global Rayon pool with `threads` threads.
///
/// Returns True if this call built it, False if it already existed (its
/// size is then unchanged; see `thread_count`).  Raises RuntimeError if
/// the pool could not start (now or in an earlier attempt).
#[pyfunction]
pub fn init_thread_pool(threads: usize) -> PyResult<bool> {
    if threads == 0 {
        return Err(PyValueError::new_err(
            "init_thread_pool: threads must be at least 1, got 0",
        ));
    }
    let (built, outcome) = get_or_build(Some(threads));
    outcome.map(|_| built).map_err(PyRuntimeError::new_err)
}

/// Number of threads in the global Rayon pool, or 0 if it is not built (or failed to start).
#[pyfunction]
pub fn thread_count() -> usize {
    let pool = POOL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pool.as_ref()
        .and_then(|o| o.as_ref().ok())
        .copied()
        .unwrap_or(0)
}
