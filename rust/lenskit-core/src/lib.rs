//! The parts every LensKit kernel crate shares, independent of Python and
//! of any one algorithm:
//!
//! * [`sparse`]: borrowed CSR views of caller-owned arrays, owned CSR
//!   matrices and a deterministic parallel transpose;
//! * [`exec`]: running a kernel on the calling thread or the current Rayon
//!   pool, with cooperative cancellation;
//! * [`select`]: the total order (value descending, index ascending) that
//!   makes "the n best" one well-defined set;
//! * [`batch`]: scoring and top-N recommendation for many users at once,
//!   for any model that implements [`UserScorer`];
//! * [`alloc`]: allocation that fails with an error rather than aborting;
//! * [`KernelError`]: the one error type.
//!
//! Every output value is computed by one task in an order fixed by the
//! data, so results are bit-identical whatever the thread count.

pub mod alloc;
pub mod batch;
pub mod error;
pub mod exec;
pub mod select;
pub mod sparse;

pub use batch::{recommend, score_pairs, Recommendations, UserScorer};
pub use error::{human_bytes, KernelError, Result};
pub use exec::Exec;
