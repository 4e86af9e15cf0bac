//! Allocations that can fail without aborting the process.
//!
//! Rust's ordinary allocation aborts the whole process when memory runs out
//! (under an address-space limit, a cgroup limit or a full machine). The
//! kernels allocate everything that grows with the data through these
//! helpers instead, so a model too big for the memory at hand ends in
//! [`KernelError::OutOfMemory`], which the binding raises as Python's
//! `MemoryError`, and the caller can pick smaller parameters.

use std::alloc::{alloc_zeroed, Layout};

use crate::error::{KernelError, Result};

/// Types whose all-zero bit pattern is the value zero.
///
/// # Safety
/// Implementors must be valid when every byte is zero.
pub unsafe trait Zero: Copy {}

// SAFETY: zero bytes are 0 (integers) and +0.0 (IEEE floats).
unsafe impl Zero for i32 {}
unsafe impl Zero for i64 {}
unsafe impl Zero for u32 {}
unsafe impl Zero for u64 {}
unsafe impl Zero for usize {}
unsafe impl Zero for f32 {}
unsafe impl Zero for f64 {}

fn out_of_memory<T>(n: usize, what: &'static str) -> KernelError {
    KernelError::OutOfMemory {
        bytes: n.saturating_mul(size_of::<T>()),
        what,
    }
}

/// `n` zeros, from zeroed memory: large ones come from the operating system
/// as untouched pages, written (and so placed in memory) by whoever first
/// fills them.
pub fn zeroed<T: Zero>(n: usize, what: &'static str) -> Result<Vec<T>> {
    if n == 0 || size_of::<T>() == 0 {
        return Ok(Vec::new());
    }
    let layout = Layout::array::<T>(n).map_err(|_| out_of_memory::<T>(n, what))?;
    // SAFETY: the layout is non-zero in size; a non-null result is a fresh
    // zeroed block of exactly `n` values of `T`, for which zero bytes are a
    // valid value (`Zero`), allocated by the global allocator with the
    // layout `Vec` frees it with.
    unsafe {
        let ptr = alloc_zeroed(layout).cast::<T>();
        if ptr.is_null() {
            return Err(out_of_memory::<T>(n, what));
        }
        Ok(Vec::from_raw_parts(ptr, n, n))
    }
}

/// `n` copies of `value`.
pub fn filled<T: Clone>(n: usize, value: T, what: &'static str) -> Result<Vec<T>> {
    let mut v = with_capacity(n, what)?;
    v.resize(n, value);
    Ok(v)
}

/// An empty vector with room for exactly `n` values.
pub fn with_capacity<T>(n: usize, what: &'static str) -> Result<Vec<T>> {
    let mut v = Vec::new();
    reserve(&mut v, n, what)?;
    Ok(v)
}

/// Room for `additional` more values in `v`, and no more (a doubling
/// growth could ask for twice the memory the data needs).
pub fn reserve<T>(v: &mut Vec<T>, additional: usize, what: &'static str) -> Result<()> {
    v.try_reserve_exact(additional)
        .map_err(|_| out_of_memory::<T>(v.len().saturating_add(additional), what))
}

/// Room for `additional` more values in `v`, growing it the way `push`
/// does (for buffers that grow a little at a time).
pub fn grow<T>(v: &mut Vec<T>, additional: usize, what: &'static str) -> Result<()> {
    v.try_reserve(additional)
        .map_err(|_| out_of_memory::<T>(v.len().saturating_add(additional), what))
}

/// Collect `items` (whose length is known) into a vector allocated fallibly.
pub fn collect<T>(items: impl ExactSizeIterator<Item = T>, what: &'static str) -> Result<Vec<T>> {
    let mut v = with_capacity(items.len(), what)?;
    v.extend(items);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_allocations_are_errors_not_aborts() {
        let huge = usize::MAX / 16;
        let err = zeroed::<f64>(huge, "a test array").unwrap_err();
        assert!(matches!(
            err,
            KernelError::OutOfMemory {
                what: "a test array",
                ..
            }
        ));
        assert!(filled(huge, 1u64, "x").is_err());
        assert!(with_capacity::<u32>(huge, "x").is_err());
        let mut v = vec![1i32];
        assert!(reserve(&mut v, huge, "x").is_err());
        assert_eq!(v, [1]);
    }

    #[test]
    fn zeroed_and_filled_give_the_values_asked_for() {
        assert_eq!(zeroed::<f64>(3, "x").unwrap(), [0.0; 3]);
        assert_eq!(zeroed::<i32>(0, "x").unwrap(), Vec::<i32>::new());
        assert_eq!(filled(2, 1.5f32, "x").unwrap(), [1.5, 1.5]);
        assert_eq!(collect([1, 2].into_iter(), "x").unwrap(), [1, 2]);
    }
}
