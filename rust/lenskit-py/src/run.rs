//! Running kernels with the GIL released, without letting a panic or a
//! stuck computation reach Python.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use lenskit_core::{Exec, KernelError};
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::pool::ensure_pool;

/// How often a thread waiting for pool work checks for Python signals.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

type Outcome<T> = std::thread::Result<Result<T, KernelError>>;

fn into_py<T>(outcome: Outcome<T>) -> PyResult<T> {
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(KernelError::InvalidInput(msg))) => Err(PyValueError::new_err(msg)),
        Ok(Err(KernelError::Cancelled)) => Err(PyRuntimeError::new_err("computation cancelled")),
        Ok(Err(err @ KernelError::OutOfMemory { .. })) => {
            Err(PyMemoryError::new_err(err.to_string()))
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            Err(PyRuntimeError::new_err(format!(
                "internal error in lenskit._accel ({msg}); the model arrays are inconsistent"
            )))
        }
    }
}

/// Run `work` on the calling thread with the GIL released.
pub fn run_here<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, KernelError> + Send,
{
    into_py(py.detach(|| catch_unwind(AssertUnwindSafe(work))))
}

/// Run `work` on the global pool with the GIL released, staying responsive
/// to Ctrl-C.
///
/// A helper thread drives the pool while this thread waits, waking every
/// 50 ms to run Python's signal handlers. If one raises (KeyboardInterrupt),
/// the cancel flag stops the kernels at their next row, this thread waits
/// for them to return, and the exception propagates: nothing is left
/// running.
pub fn run_on_pool<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&AtomicBool) -> Result<T, KernelError> + Send,
{
    ensure_pool()?;
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<Outcome<T>>(1);
    std::thread::scope(|scope| {
        let flag = &cancel;
        std::thread::Builder::new()
            .name("lenskit-driver".into())
            .spawn_scoped(scope, move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| work(flag)));
                let _ = tx.send(outcome);
            })
            .map_err(|err| {
                PyRuntimeError::new_err(format!("could not start a thread for the kernel: {err}"))
            })?;
        let mut rx = rx;
        loop {
            let (received, back) = py.detach(move || (rx.recv_timeout(SIGNAL_POLL), rx));
            rx = back;
            match received {
                Ok(outcome) => return into_py(outcome),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        cancel.store(true, Ordering::Relaxed);
                        let _ = py.detach(move || rx.recv());
                        return Err(interrupt);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err(
                        "lenskit._accel worker thread ended without a result",
                    ))
                }
            }
        }
    })
}

/// Run `work` on the global pool (`parallel`, interruptible) or on the
/// calling thread, with the GIL released either way.
pub fn run_exec<T, F>(py: Python<'_>, parallel: bool, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Exec<'_>) -> Result<T, KernelError> + Send,
{
    if parallel {
        run_on_pool(py, |cancel| work(&Exec::parallel().with_cancel(cancel)))
    } else {
        run_here(py, || work(&Exec::sequential()))
    }
}
