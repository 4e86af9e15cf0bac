//! The one global Rayon pool, sized once.

use std::sync::OnceLock;

use pyo3::prelude::*;

/// Size of the global pool once built; unset before.
static POOL_THREADS: OnceLock<usize> = OnceLock::new();

fn build(threads: Option<usize>) -> usize {
    let mut builder = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("lenskit-rayon-{i}"));
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    // Only this module builds the global pool, and only once (guarded by
    // the OnceLock), so this cannot fail because of an earlier build.
    let _ = builder.build_global();
    rayon::current_num_threads()
}

/// Build the pool with Rayon's default size if nobody has sized it yet.
pub fn ensure_pool() {
    POOL_THREADS.get_or_init(|| build(None));
}

/// Build the global Rayon pool with `threads` threads.
///
/// Returns True if this call built it, False if it already existed (its
/// size is then unchanged; see `thread_count`).
#[pyfunction]
pub fn init_thread_pool(threads: usize) -> PyResult<bool> {
    if threads == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "init_thread_pool: threads must be at least 1, got 0",
        ));
    }
    let mut built = false;
    POOL_THREADS.get_or_init(|| {
        built = true;
        build(Some(threads))
    });
    Ok(built)
}

/// Number of threads in the global Rayon pool, or 0 if it is not built yet.
#[pyfunction]
pub fn thread_count() -> usize {
    POOL_THREADS.get().copied().unwrap_or(0)
}
