//! Item embeddings laid out for scoring, and the scores themselves.
//!
//! A score is the dot product of a user's and an item's embedding, summed
//! dimension by dimension in one fused multiply-add chain. Item embeddings
//! are packed in panels of [`PANEL`] items, each panel holding dimension 0
//! of its items, then dimension 1, and so on, so that scoring every item for
//! a block of users runs [`PANEL`] chains side by side per vector register,
//! several registers at once, with contiguous loads. A single pair is the
//! same chain run alone, so every path gives the same bits.

use lenskit_core::error::{invalid, Result};

use crate::embeddings::EmbeddingsView;

/// Items per panel.
pub const PANEL: usize = 8;

/// Users scored together by [`PanelsView::score_all_block`].
pub const BLOCK: usize = 4;

/// Owned item panels.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemPanels {
    n_items: usize,
    dim: usize,
    data: Vec<f32>,
}

impl ItemPanels {
    /// Pack item embeddings (the last panel is padded with zeros).
    pub fn pack(items: EmbeddingsView<'_>) -> Self {
        let (n, k) = (items.n_rows(), items.dim());
        let mut data = vec![0f32; n.div_ceil(PANEL) * PANEL * k];
        for i in 0..n {
            let (p, lane) = (i / PANEL, i % PANEL);
            for (d, &v) in items.row(i).iter().enumerate() {
                data[(p * k + d) * PANEL + lane] = v;
            }
        }
        ItemPanels {
            n_items: n,
            dim: k,
            data,
        }
    }

    /// Borrow as a view.
    pub fn view(&self) -> PanelsView<'_> {
        PanelsView {
            n_items: self.n_items,
            dim: self.dim,
            data: &self.data,
        }
    }

    /// The packed values.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }
}

/// Borrowed item panels.
#[derive(Clone, Copy, Debug)]
pub struct PanelsView<'a> {
    n_items: usize,
    dim: usize,
    data: &'a [f32],
}

impl<'a> PanelsView<'a> {
    /// View `data`, packed by [`ItemPanels::pack`] from `n_items` embeddings of `dim` values.
    pub fn new(what: &str, n_items: usize, dim: usize, data: &'a [f32]) -> Result<Self> {
        let expected = n_items.div_ceil(PANEL) * PANEL * dim;
        if dim == 0 || data.len() != expected {
            return Err(invalid!(
                "{what}: {} values cannot be the panels of {n_items} items of {dim} dimensions \
                 (expected {expected})",
                data.len()
            ));
        }
        Ok(PanelsView { n_items, dim, data })
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Values per embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `user . item_i`.
    #[inline(always)]
    pub fn score(&self, user: &[f32], i: usize) -> f32 {
        let k = self.dim;
        let (p, lane) = (i / PANEL, i % PANEL);
        let panel = &self.data[p * k * PANEL..(p + 1) * k * PANEL];
        let mut s = 0f32;
        for (d, &u) in user.iter().enumerate().take(k) {
            s = u.mul_add(panel[d * PANEL + lane], s);
        }
        s
    }
}

impl PanelsView<'_> {
    /// `users[b] . item_i` for every item and each of [`BLOCK`] users,
    /// user `b`'s products into `out[b * stride..]` with `stride` the item
    /// count rounded up to whole panels (the entries past the items are
    /// overwritten). Each panel column loaded serves all the users, and the
    /// eight chains of two panels for four users cover the latency of two
    /// FMA units.
    #[inline(always)]
    pub fn score_all_block(&self, users: [&[f32]; BLOCK], out: &mut [f32]) {
        let k = self.dim;
        assert!(
            users.iter().all(|u| u.len() == k),
            "user embedding of the wrong size"
        );
        let n_panels = self.n_items.div_ceil(PANEL);
        let stride = n_panels * PANEL;
        assert!(out.len() >= BLOCK * stride, "score buffer too short");
        let [u0, u1, u2, u3] = users;
        let panel = |p: usize| &self.data[p * k * PANEL..(p + 1) * k * PANEL];
        let mut p = 0;
        while p + 2 <= n_panels {
            let (c0, c1) = (panel(p), panel(p + 1));
            let mut acc = [[0f32; PANEL]; 2 * BLOCK];
            for d in 0..k {
                let (x0, x1) = (
                    &c0[d * PANEL..(d + 1) * PANEL],
                    &c1[d * PANEL..(d + 1) * PANEL],
                );
                chain(&mut acc[0], u0[d], x0);
                chain(&mut acc[1], u0[d], x1);
                chain(&mut acc[2], u1[d], x0);
                chain(&mut acc[3], u1[d], x1);
                chain(&mut acc[4], u2[d], x0);
                chain(&mut acc[5], u2[d], x1);
                chain(&mut acc[6], u3[d], x0);
                chain(&mut acc[7], u3[d], x1);
            }
            for (b, pair) in acc.chunks_exact(2).enumerate() {
                let at = b * stride + p * PANEL;
                out[at..at + 2 * PANEL].copy_from_slice(pair.as_flattened());
            }
            p += 2;
        }
        if p < n_panels {
            let c = panel(p);
            let mut acc = [[0f32; PANEL]; BLOCK];
            for d in 0..k {
                let x = &c[d * PANEL..(d + 1) * PANEL];
                chain(&mut acc[0], u0[d], x);
                chain(&mut acc[1], u1[d], x);
                chain(&mut acc[2], u2[d], x);
                chain(&mut acc[3], u3[d], x);
            }
            for (b, lanes) in acc.iter().enumerate() {
                let at = b * stride + p * PANEL;
                out[at..at + PANEL].copy_from_slice(lanes);
            }
        }
    }
}

/// `acc[l] = u * column[l] + acc[l]`, fused, for each lane.
#[inline(always)]
fn chain(acc: &mut [f32; PANEL], u: f32, column: &[f32]) {
    let column: &[f32; PANEL] = column.try_into().expect("a panel column has PANEL values");
    for l in 0..PANEL {
        acc[l] = u.mul_add(column[l], acc[l]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embeddings::Embeddings;

    #[test]
    fn scoring_every_item_gives_each_pairs_score_bit_for_bit() {
        let mut state = 99u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        };
        // enough panels for full groups and a remainder, and a part-filled last panel
        for (n, k) in [(1, 3), (7, 5), (150, 37), (301, 64)] {
            let items =
                Embeddings::new("items", n, k, (0..n * k).map(|_| next()).collect()).unwrap();
            let panels = ItemPanels::pack(items.view());
            let view = panels.view();
            let stride = n.div_ceil(PANEL) * PANEL;
            let users: Vec<Vec<f32>> = (0..BLOCK)
                .map(|_| (0..k).map(|_| next()).collect())
                .collect();
            let mut block = vec![f32::NAN; BLOCK * stride];
            view.score_all_block(std::array::from_fn(|b| &users[b][..]), &mut block);
            for (b, user) in users.iter().enumerate() {
                for i in 0..n {
                    let score = block[b * stride + i];
                    assert_eq!(
                        score.to_bits(),
                        view.score(user, i).to_bits(),
                        "n {n}, item {i}"
                    );
                    let row = items.view().row(i);
                    let exact: f64 = row
                        .iter()
                        .zip(user)
                        .map(|(a, b)| f64::from(*a) * f64::from(*b))
                        .sum();
                    assert!((f64::from(score) - exact).abs() < 1e-4, "n {n}, item {i}");
                }
            }
        }
    }
}
