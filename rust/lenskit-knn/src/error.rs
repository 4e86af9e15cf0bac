//! The one error type of the kernels.

use std::fmt;

/// Why a kernel call did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnnError {
    /// An input array is inconsistent (wrong length, index out of range, ...).
    /// The message names the array and what was expected.
    InvalidInput(String),
    /// The caller raised the cancel flag before the work finished.
    Cancelled,
}

impl fmt::Display for KnnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KnnError::InvalidInput(msg) => f.write_str(msg),
            KnnError::Cancelled => f.write_str("computation cancelled"),
        }
    }
}

impl std::error::Error for KnnError {}

/// Result alias for kernel calls.
pub type Result<T> = std::result::Result<T, KnnError>;

/// Shorthand for an [`KnnError::InvalidInput`] built with `format!`.
macro_rules! invalid {
    ($($arg:tt)*) => {
        $crate::error::KnnError::InvalidInput(format!($($arg)*))
    };
}
pub(crate) use invalid;
