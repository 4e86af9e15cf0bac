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
    /// Memory for `what` (`bytes` in all) could not be allocated.
    OutOfMemory {
        /// Size of the allocation that failed.
        bytes: usize,
        /// What it was for, e.g. "the similarity matrix".
        what: &'static str,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::InvalidInput(msg) => f.write_str(msg),
            KernelError::Cancelled => f.write_str("computation cancelled"),
            KernelError::OutOfMemory { bytes, what } => {
                write!(
                    f,
                    "could not allocate {} for {what}",
                    human_bytes(*bytes as u64)
                )
            }
        }
    }
}

impl std::error::Error for KernelError {}

/// A byte count for people: "1.53 GB", "20.0 MB", "512 bytes" (powers of 1000).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    UNITS
        .iter()
        .find(|(_, size)| bytes as f64 >= *size)
        .map(|(unit, size)| format!("{:.2} {unit}", bytes as f64 / size))
        .unwrap_or_else(|| format!("{bytes} bytes"))
}

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
