//! The one error type of the kernels.

use std::fmt;

/// Why a kernel call did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// An input array is inconsistent (wrong length, index out of range, ...).
    /// The message names the array and what was expected.
    InvalidInput(String),
    /// The caller raised the cancel flag before the work finished.
    Cancelled,
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::InvalidInput(msg) => f.write_str(msg),
            KernelError::Cancelled => f.write_str("computation cancelled"),
        }
    }
}

impl std::error::Error for KernelError {}

/// Result alias for kernel calls.
pub type Result<T> = std::result::Result<T, KernelError>;

/// Shorthand for a [`KernelError::InvalidInput`] built with `format!`.
#[macro_export]
macro_rules! invalid {
    ($($arg:tt)*) => {
        $crate::error::KernelError::InvalidInput(format!($($arg)*))
    };
}
pub use crate::invalid;
