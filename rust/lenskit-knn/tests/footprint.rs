//! Estimating an item-kNN fit's memory before it runs.

mod common;

use common::*;
use lenskit_knn::item_knn::{estimate_item_knn, fit_item_knn, Footprint, ItemKnnOptions};
use lenskit_knn::{Exec, Feedback};

fn options(save_nbrs: Option<usize>) -> ItemKnnOptions {
    ItemKnnOptions {
        feedback: Feedback::Explicit,
        min_sim: 1e-6,
        save_nbrs,
    }
}

fn estimate(d: &Data, save_nbrs: Option<usize>, budget: u64) -> Footprint {
    let ratings = d.ratings(Feedback::Explicit);
    estimate_item_knn(&ratings, &options(save_nbrs), budget, &Exec::parallel()).unwrap()
}

fn fitted_size(d: &Data, save_nbrs: Option<usize>) -> u64 {
    let ratings = d.ratings(Feedback::Explicit);
    let fitted = fit_item_knn(&ratings, &options(save_nbrs), &Exec::parallel()).unwrap();
    fitted.sims.indices.len() as u64
}

#[test]
fn within_the_budget_the_estimate_is_a_bound_from_the_ratings_alone() {
    let d = large_data(11);
    for save_nbrs in [None, Some(30)] {
        let f = estimate(&d, save_nbrs, u64::MAX);
        assert_eq!(f.sampled_rows, 0);
        assert!(f.similarities >= fitted_size(&d, save_nbrs));
        assert!(f.peak_bytes >= f.model_bytes && f.model_bytes >= 12 * f.similarities);
    }
}

#[test]
fn beyond_the_budget_sampled_rows_estimate_the_size_closely() {
    let d = large_data(12);
    let actual = fitted_size(&d, None) as f64;
    let bound = estimate(&d, None, u64::MAX).similarities as f64;
    let f = estimate(&d, None, 0);
    assert!(f.sampled_rows > 0);
    let estimated = f.similarities as f64;
    assert!(
        (estimated - actual).abs() < 0.1 * actual,
        "estimated {estimated}, fitted {actual}"
    );
    assert!(bound > estimated, "the sample should tighten the bound");
}

#[test]
fn the_suggested_save_nbrs_leaves_a_quarter_of_the_budget() {
    let d = large_data(13);
    let budget = estimate(&d, Some(40), u64::MAX).peak_bytes;
    let suggested = estimate(&d, None, budget).largest_save_nbrs.unwrap();
    let peak = |s: usize| estimate(&d, Some(s), u64::MAX).peak_bytes as f64;
    assert!(peak(suggested) <= 0.75 * budget as f64);
    assert!(peak(suggested + 1) > 0.75 * budget as f64);
    assert!(estimate(&d, None, 0).largest_save_nbrs.is_none());
}
