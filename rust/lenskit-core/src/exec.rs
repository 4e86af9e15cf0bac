//! How a kernel call runs: on the calling thread or on the current Rayon pool,
//! and whether somebody may ask it to stop early.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::error::{KernelError, Result};

/// Execution options for one kernel call.
///
/// Results never depend on these options: every output element is computed
/// by one task in an order fixed by the data.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exec<'a> {
    parallel: bool,
    cancel: Option<&'a AtomicBool>,
}

impl<'a> Exec<'a> {
    /// Run everything on the calling thread.
    pub fn sequential() -> Self {
        Exec {
            parallel: false,
            cancel: None,
        }
    }

    /// Spread the work over the Rayon pool the call runs in (the global pool
    /// unless the caller is inside `ThreadPool::install`).
    pub fn parallel() -> Self {
        Exec {
            parallel: true,
            cancel: None,
        }
    }

    /// Stop early with [`KernelError::Cancelled`] once `flag` becomes true.
    pub fn with_cancel(self, flag: &'a AtomicBool) -> Self {
        Exec {
            cancel: Some(flag),
            ..self
        }
    }

    /// Whether the work is spread over the Rayon pool.
    pub fn is_parallel(&self) -> bool {
        self.parallel
    }

    /// How many workers share the work: the pool's threads, or 1.
    pub fn workers(&self) -> usize {
        if self.parallel {
            rayon::current_num_threads()
        } else {
            1
        }
    }

    /// Fail with [`KernelError::Cancelled`] if cancellation was requested.
    #[inline]
    pub fn check(&self) -> Result<()> {
        match self.cancel {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(KernelError::Cancelled),
            _ => Ok(()),
        }
    }

    /// Compute `f(scratch, i)` for every `i` in `0..n`, in index order in the
    /// output, each worker owning one scratch value made by `init`.
    ///
    /// Checks for cancellation before each element.
    pub fn map_indexed<T, S, I, F>(&self, n: usize, init: I, f: F) -> Result<Vec<T>>
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize) -> T + Sync + Send,
    {
        self.map_range(0..n, init, f)
    }

    /// Run `f` on every element of `items`, spread over the pool when
    /// parallel; for work whose outputs are disjoint (no ordering to keep).
    pub fn for_each<T, F>(&self, items: Vec<T>, f: F)
    where
        T: Send,
        F: Fn(T) + Sync + Send,
    {
        if self.parallel {
            items.into_par_iter().for_each(f);
        } else {
            items.into_iter().for_each(f);
        }
    }

    /// [`Exec::for_each`], each worker owning one scratch value made by
    /// `init`.
    pub fn for_each_init<T, S, I, F>(&self, items: Vec<T>, init: I, f: F)
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, T) + Sync + Send,
    {
        if self.parallel {
            items.into_par_iter().for_each_init(init, f);
        } else {
            let mut scratch = init();
            items.into_iter().for_each(|item| f(&mut scratch, item));
        }
    }

    /// Run `f(scratch, i, row)` on each row `i` of `data`, a matrix of rows
    /// of `width` values stored one after another, each worker owning one
    /// scratch value made by `init`; rows are updated in place.
    ///
    /// Checks for cancellation before each row and stops at the first
    /// error (which rows were updated by then is unspecified).
    pub fn try_for_each_row_mut<T, S, I, F>(
        &self,
        data: &mut [T],
        width: usize,
        init: I,
        f: F,
    ) -> Result<()>
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize, &mut [T]) -> Result<()> + Sync + Send,
    {
        assert!(width > 0, "rows need at least one value");
        assert_eq!(data.len() % width, 0, "data is not a whole number of rows");
        let run = |scratch: &mut S, (i, row): (usize, &mut [T])| {
            self.check()?;
            f(scratch, i, row)
        };
        if self.parallel {
            data.par_chunks_mut(width)
                .enumerate()
                .try_for_each_init(&init, run)
        } else {
            let mut scratch = init();
            data.chunks_mut(width)
                .enumerate()
                .try_for_each(|item| run(&mut scratch, item))
        }
    }

    /// [`Exec::map_indexed`] over the indices of `range`.
    pub fn map_range<T, S, I, F>(&self, range: Range<usize>, init: I, f: F) -> Result<Vec<T>>
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize) -> T + Sync + Send,
    {
        if self.parallel {
            range
                .into_par_iter()
                .map_init(&init, |scratch, i| {
                    self.check()?;
                    Ok(f(scratch, i))
                })
                .collect()
        } else {
            let mut scratch = init();
            range
                .map(|i| {
                    self.check()?;
                    Ok(f(&mut scratch, i))
                })
                .collect()
        }
    }
}
