//! User-based k-NN: at scoring time, similarities from the target user to
//! every other user, and predictions from the most similar users who rated
//! each item.

mod fit;
mod score;

pub use fit::{fit_user_knn, UserKnnFitted};
pub use score::{UserKnnModel, UserScratch, UserStrategy};
