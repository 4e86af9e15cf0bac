//! The damped user-item bias model that explicit matrix factorisation
//! learns first and then factorises the residuals of.
//!
//! With global mean `mu`, item damping `d_i` and user damping `d_u`:
//! `b_i = sum_u (r_ui - mu) / (n_i + d_i)` and
//! `b_u = sum_i (r_ui - mu - b_i) / (n_u + d_u)`; an item or user with no
//! ratings and no damping has bias 0. Sums are taken in f64, in data order,
//! on one thread: O(ratings), a small part of a fit.

use lenskit_core::error::{invalid, Result};
use lenskit_core::sparse::Ratings;

/// Damping terms: how many mean ratings to assume a priori for each user
/// and item.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Damping {
    /// Added to each user's rating count.
    pub user: f64,
    /// Added to each item's rating count.
    pub item: f64,
}

/// A fitted bias model.
#[derive(Clone, Debug, PartialEq)]
pub struct Biases {
    /// The mean of all ratings.
    pub global: f64,
    /// Item offsets from the mean.
    pub items: Vec<f64>,
    /// User offsets from the mean plus item offsets.
    pub users: Vec<f64>,
}

/// Borrowed bias arrays, as a fitted model keeps them.
#[derive(Clone, Copy, Debug)]
pub struct BiasView<'a> {
    /// The mean of all ratings.
    pub global: f64,
    /// Item offsets.
    pub items: &'a [f64],
    /// User offsets.
    pub users: &'a [f64],
}

impl Biases {
    /// Borrow as a view.
    pub fn view(&self) -> BiasView<'_> {
        BiasView {
            global: self.global,
            items: &self.items,
            users: &self.users,
        }
    }
}

fn check_damping(damping: Damping) -> Result<()> {
    for (name, d) in [("user", damping.user), ("item", damping.item)] {
        if !(d.is_finite() && d >= 0.0) {
            return Err(invalid!(
                "{name} damping must be a finite number >= 0, got {d}"
            ));
        }
    }
    Ok(())
}

/// Learn the bias model of `data` (explicit ratings, at least one).
pub fn fit_biases(data: &Ratings<'_>, damping: Damping) -> Result<Biases> {
    check_damping(damping)?;
    let Some(values) = data.values() else {
        return Err(invalid!("the bias model needs rating values"));
    };
    if values.is_empty() {
        return Err(invalid!("the bias model needs at least one rating"));
    }
    let global = values.iter().map(|&r| f64::from(r)).sum::<f64>() / values.len() as f64;

    let mut sums = vec![0.0f64; data.n_items()];
    let mut counts = vec![0u64; data.n_items()];
    for (&i, &r) in data.indices().iter().zip(values) {
        sums[i as usize] += f64::from(r) - global;
        counts[i as usize] += 1;
    }
    let items: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(&s, &n)| damped_mean(s, n as f64, damping.item))
        .collect();

    let users = (0..data.n_users())
        .map(|u| {
            let offsets = row_offsets(data, u, global, &items);
            let n = data.row_range(u).len() as f64;
            damped_mean(offsets, n, damping.user)
        })
        .collect();
    Ok(Biases {
        global,
        items,
        users,
    })
}

fn damped_mean(sum: f64, count: f64, damping: f64) -> f64 {
    let denominator = count + damping;
    if denominator > 0.0 {
        sum / denominator
    } else {
        0.0
    }
}

fn row_offsets(data: &Ratings<'_>, u: usize, global: f64, items: &[f64]) -> f64 {
    let values = data.row_values(u).unwrap_or(&[]);
    data.row_items(u)
        .iter()
        .zip(values)
        .map(|(&i, &r)| f64::from(r) - global - items[i as usize])
        .sum()
}

/// Each rating minus its global, item and user biases: what the factors
/// are trained to reconstruct, aligned with `data`'s entries.
pub fn residuals(data: &Ratings<'_>, biases: BiasView<'_>) -> Result<Vec<f32>> {
    let Some(values) = data.values() else {
        return Err(invalid!("residuals need rating values"));
    };
    check_bias_shape(biases, data.n_users(), data.n_items())?;
    let mut out = Vec::with_capacity(values.len());
    for u in 0..data.n_users() {
        let b_u = biases.users[u];
        for (&i, &r) in data.row_items(u).iter().zip(&values[data.row_range(u)]) {
            out.push((f64::from(r) - biases.global - biases.items[i as usize] - b_u) as f32);
        }
    }
    Ok(out)
}

/// The bias of a user who is not in the training data, from their ratings
/// of known items (`items` valid indices): their damped mean offset.
pub fn user_bias(
    items: &[i32],
    ratings: &[f32],
    global: f64,
    item_biases: &[f64],
    damping: f64,
) -> f64 {
    let sum: f64 = items
        .iter()
        .zip(ratings)
        .map(|(&i, &r)| f64::from(r) - global - item_biases[i as usize])
        .sum();
    damped_mean(sum, items.len() as f64, damping)
}

/// Check that bias arrays fit `n_users` users and `n_items` items.
pub fn check_bias_shape(biases: BiasView<'_>, n_users: usize, n_items: usize) -> Result<()> {
    if biases.items.len() != n_items {
        return Err(invalid!(
            "{} item biases for {n_items} items",
            biases.items.len()
        ));
    }
    if biases.users.len() != n_users {
        return Err(invalid!(
            "{} user biases for {n_users} users",
            biases.users.len()
        ));
    }
    Ok(())
}
