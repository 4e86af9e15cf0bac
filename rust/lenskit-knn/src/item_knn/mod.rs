//! Item-based k-NN: similarities between items, computed once at training,
//! and predictions from the user's ratings of the items most similar to the
//! target.

mod centre;
mod fit;
mod footprint;
mod java_top_n;
mod mirror;
mod row;
mod score;

pub use fit::{fit_item_knn, ItemKnnFitted, ItemKnnOptions};
pub use footprint::{estimate_item_knn, Footprint};
pub use score::{ItemKnnModel, ItemScratch, ItemStrategy};
