//! Scoring with a trained user-kNN model.
//!
//! For user `u`: similarities to every user sharing an item with `u` are
//! accumulated through the item -> users index (a sparse dot product per
//! user, summed in `u`'s item order). Neighbours are the users `v != u` with
//! similarity above `min_sim`. Each target item `t` takes the `k` best
//! neighbours who rated it, by (similarity desc, user index asc), summed in
//! that order. Two ways find them, with identical bits:
//!
//! * walk: visit neighbours best first and add each one's ratings to the
//!   items' accumulators until an item has `k`; the first `k` neighbours to
//!   reach an item are its `k` best;
//! * by target: scan the users of item `t` and keep the `k` best.
//!
//! Popular items fill up early in the walk, while the users of rare items
//! are few, so the automatic strategy walks until the remaining walk would
//! cost more than finishing the unfilled targets one by one, then switches
//! (or scans from the start when there are only a few targets).
//!
//! With many targets (top-N over every item), the neighbours are sorted
//! once and numbered; a by-target scan then finds an item's `k` best users
//! by their numbers (integers) instead of comparing similarities: through a
//! bitmap of numbers for items with many users, by integer selection for
//! the others. The order, and so every bit of the sums, is unchanged.

use crate::batch::UserScorer;
use crate::error::{invalid, Result};
use crate::select::by_value_desc;
use crate::sparse::{CsrView, Ratings};

/// Which way to find neighbours; results are the same, only speed differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UserStrategy {
    /// Walk, switching to by-target when that is cheaper.
    #[default]
    Auto,
    /// Walk all neighbours.
    Walk,
    /// Scan each target's users.
    ByTarget,
}

/// A trained user-kNN model, borrowed, ready to score.
#[derive(Clone, Copy, Debug)]
pub struct UserKnnModel<'a> {
    ratings: Ratings<'a>,
    user_means: Option<&'a [f64]>,
    user_norms: &'a [f64],
    users: CsrView<'a>,
    items: CsrView<'a>,
    k: usize,
    min_nbrs: usize,
    min_sim: f64,
    strategy: UserStrategy,
}

impl<'a> UserKnnModel<'a> {
    /// Assemble a model from the training ratings, the fitted arrays of
    /// [`fit_user_knn`](crate::user_knn::fit_user_knn) (`user_means` is
    /// `Some` for explicit feedback) and the scoring parameters.
    /// Checks shapes only (O(1)).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ratings: Ratings<'a>,
        user_means: Option<&'a [f64]>,
        user_norms: &'a [f64],
        user_vectors: &'a [f32],
        item_index: CsrView<'a>,
        k: usize,
        min_nbrs: usize,
        min_sim: f64,
    ) -> Result<Self> {
        let (n_users, n_items) = (ratings.n_users(), ratings.n_items());
        let users = CsrView::new(
            "user vectors",
            n_users,
            n_items,
            ratings.indptr(),
            ratings.indices(),
            user_vectors,
        )?;
        if item_index.n_rows() != n_items
            || item_index.n_cols() != n_users
            || item_index.nnz() != ratings.nnz()
        {
            return Err(invalid!(
                "item index is {} x {} with {} entries, expected {n_items} x {n_users} with {}",
                item_index.n_rows(),
                item_index.n_cols(),
                item_index.nnz(),
                ratings.nnz()
            ));
        }
        if user_norms.len() != n_users {
            return Err(invalid!(
                "{} user norms for {n_users} users",
                user_norms.len()
            ));
        }
        if let Some(m) = user_means {
            if m.len() != n_users {
                return Err(invalid!("{} user means for {n_users} users", m.len()));
            }
        }
        if k == 0 {
            return Err(invalid!("k must be at least 1, got 0"));
        }
        if min_nbrs == 0 {
            return Err(invalid!("min_nbrs must be at least 1, got 0"));
        }
        if !min_sim.is_finite() || min_sim < 0.0 {
            return Err(invalid!(
                "min_sim must be finite and at least 0, got {min_sim}"
            ));
        }
        Ok(UserKnnModel {
            ratings,
            user_means,
            user_norms,
            users,
            items: item_index,
            // Nobody has more neighbours than there are users, so a larger k
            // means all of them; capped, k fits the u32 counts it meets.
            k: k.min(n_users.max(1)),
            min_nbrs,
            min_sim,
            strategy: UserStrategy::Auto,
        })
    }

    /// Force a neighbour-finding strategy (for tests and benchmarks).
    pub fn with_strategy(self, strategy: UserStrategy) -> Self {
        UserKnnModel { strategy, ..self }
    }

    /// Accumulate `sim[v]` for every user sharing an item with `u`, and
    /// list those users in `s.touched` (every user, when most are).
    fn similarities(&self, u: usize, s: &mut UserScratch) {
        s.touched.clear();
        let (items, xs) = self.users.row(u);
        let work: usize = items.iter().map(|&i| self.items.row_len(i as usize)).sum();
        let n_users = self.ratings.n_users();
        if work >= n_users {
            // most users share an item with `u`: add without marking who
            // (a branch per entry), and take every user as touched
            self.each_product(items, xs, |v, p| s.sim[v] += p);
            s.touched.extend(0..n_users as i32);
            return;
        }
        s.gen = s.gen.wrapping_add(1);
        if s.gen == 0 {
            s.mark.fill(0);
            s.gen = 1;
        }
        self.each_product(items, xs, |v, p| {
            if s.mark[v] != s.gen {
                s.mark[v] = s.gen;
                s.touched.push(v as i32);
            }
            s.sim[v] += p;
        });
    }

    /// Call `add(v, a * y)` for each product of one of `u`'s entries `a`
    /// (its `items` and values `xs`) with the entry `y` of a user `v` who
    /// rated the same item, in `u`'s item order; zero entries add nothing.
    #[inline(always)]
    fn each_product(&self, items: &[i32], xs: &[f32], mut add: impl FnMut(usize, f64)) {
        for (&i, &a) in items.iter().zip(xs) {
            if a == 0.0 {
                continue;
            }
            let a = a as f64;
            let (vs, ys) = self.items.row(i as usize);
            for (&v, &y) in vs.iter().zip(ys) {
                add(v as usize, a * y as f64);
            }
        }
    }

    /// Recompute target `t` from scratch by scanning its users.
    fn by_target(&self, u: usize, t: usize, s: &mut UserScratch) {
        if s.ranked {
            return self.by_target_ranked(t, s);
        }
        let (vs, xs) = self.items.row(t);
        // gather, then select: cheaper than keeping a sorted list of k when
        // many users rated the item
        let best = &mut s.best;
        best.clear();
        for (rel, &v) in vs.iter().enumerate() {
            let sim = s.sim[v as usize];
            if sim > self.min_sim && v as usize != u {
                best.push((sim, rel as i32));
            }
        }
        if best.len() > self.k {
            best.select_nth_unstable_by(self.k - 1, by_value_desc);
            best.truncate(self.k);
        }
        best.sort_unstable_by(by_value_desc);
        let mut acc = ItemAcc::target(s.wgen);
        for &(sim, rel) in best.iter() {
            let rel = rel as usize;
            acc.add(sim, self.centred(vs[rel] as usize, xs[rel]));
        }
        s.acc[t] = acc;
    }

    /// [`Self::by_target`] once the neighbours are sorted and ranked: the
    /// same neighbours, summed in the same order (by rank), found without
    /// comparing similarities. An item with many users marks their ranks
    /// in a bitmap and takes the first `k` marks; one with few selects
    /// among integer keys (rank, then position in the item's users).
    fn by_target_ranked(&self, t: usize, s: &mut UserScratch) {
        let (vs, xs) = self.items.row(t);
        let n_nbrs = s.nbrs.len();
        let k = self.k as u32;
        let mut acc = ItemAcc::target(s.wgen);
        // the bitmap costs a word per 64 neighbours; worth it from about
        // one of the item's users per word
        if vs.len() * 64 >= n_nbrs {
            // non-neighbours all land on one spare bit past the last rank,
            // so marking needs no branch
            let spare = n_nbrs as u32;
            let (marks, rel_at) = (&mut s.marks, &mut s.rel_at);
            for (rel, &v) in vs.iter().enumerate() {
                let rank = s.rank[v as usize].min(spare) as usize;
                marks[rank / 64] |= 1u64 << (rank % 64);
                rel_at[rank] = rel as u32;
            }
            marks[n_nbrs / 64] &= !(1u64 << (n_nbrs % 64));
            for (w, word) in marks[..=n_nbrs / 64].iter_mut().enumerate() {
                let mut bits = std::mem::take(word);
                while bits != 0 && acc.count < k {
                    let rank = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let rel = rel_at[rank] as usize;
                    acc.add(s.nbrs[rank].0, self.centred(vs[rel] as usize, xs[rel]));
                }
            }
        } else {
            let keys = &mut s.keys;
            keys.clear();
            for (rel, &v) in vs.iter().enumerate() {
                let rank = s.rank[v as usize];
                if rank != UNRANKED {
                    keys.push(u64::from(rank) << 32 | rel as u64);
                }
            }
            if keys.len() > self.k {
                keys.select_nth_unstable(self.k - 1);
                keys.truncate(self.k);
            }
            keys.sort_unstable();
            for &key in keys.iter() {
                let sim = s.nbrs[(key >> 32) as usize].0;
                let rel = (key & u64::from(u32::MAX)) as usize;
                acc.add(sim, self.centred(vs[rel] as usize, xs[rel]));
            }
        }
        s.acc[t] = acc;
    }

    /// Sort the neighbours best first and give each its position, for
    /// [`Self::by_target_ranked`] and the walk.
    fn rank_neighbours(&self, s: &mut UserScratch) {
        s.nbrs.sort_unstable_by(by_value_desc);
        for (rank, &(_, v)) in s.nbrs.iter().enumerate() {
            s.rank[v as usize] = rank as u32;
        }
        s.ranked = true;
    }

    /// The contribution of one rating: its centred value (explicit) or 1.
    #[inline]
    fn centred(&self, v: usize, x: f32) -> f64 {
        match self.user_means {
            Some(_) => x as f64 * self.user_norms[v],
            None => 1.0,
        }
    }

    fn walk(&self, s: &mut UserScratch, mut col_cost: usize, mut walk_cost: usize) {
        let switch = self.strategy == UserStrategy::Auto;
        let k = self.k as u32;
        let mut start = 0;
        let mut chunk = 32;
        let n = s.nbrs.len();
        while start < n {
            let end = (start + chunk).min(n);
            if !s.ranked {
                if end < n {
                    s.nbrs[start..].select_nth_unstable_by(end - start - 1, by_value_desc);
                }
                s.nbrs[start..end].sort_unstable_by(by_value_desc);
            }
            for idx in start..end {
                let (sim, v) = s.nbrs[idx];
                let v = v as usize;
                let (items, xs) = self.users.row(v);
                for (&t, &x) in items.iter().zip(xs) {
                    let acc = &mut s.acc[t as usize];
                    if acc.want == s.wgen && acc.count < k {
                        acc.add(sim, self.centred(v, x));
                        if acc.count == k {
                            col_cost -= self.items.row_len(t as usize);
                        }
                    }
                }
                walk_cost -= items.len();
                // a scanned entry costs about three walked ones (measured)
                if switch && idx >= self.k && col_cost.saturating_mul(3) < walk_cost {
                    return self.finish_by_target(s);
                }
            }
            start = end;
            chunk *= 2;
        }
    }

    fn finish_by_target(&self, s: &mut UserScratch) {
        let u = s.user;
        for q in 0..s.uniq.len() {
            let t = s.uniq[q] as usize;
            if s.acc[t].count < self.k as u32 {
                self.by_target(u, t, s);
            }
        }
    }

    fn score(&self, u: usize, t: usize, s: &UserScratch) -> f64 {
        let acc = &s.acc[t];
        if (acc.count as usize) < self.min_nbrs {
            return f64::NAN;
        }
        match self.user_means {
            Some(means) if acc.den != 0.0 => means[u] + acc.num / acc.den,
            Some(_) => f64::NAN,
            None => acc.num,
        }
    }
}

/// Per-item state while scoring one user.
#[derive(Clone, Copy, Debug, Default)]
struct ItemAcc {
    /// Equal to the scratch's `wgen` when the item is a target of this call.
    want: u32,
    count: u32,
    num: f64,
    den: f64,
}

impl ItemAcc {
    /// Empty sums for a target of the call with generation `want`.
    fn target(want: u32) -> Self {
        ItemAcc {
            want,
            ..ItemAcc::default()
        }
    }

    /// Add one neighbour: its similarity and its rating's contribution.
    #[inline]
    fn add(&mut self, sim: f64, value: f64) {
        self.count += 1;
        self.num += sim * value;
        self.den += sim.abs();
    }
}

/// Per-worker scratch for user-kNN scoring.
#[derive(Debug, Default)]
pub struct UserScratch {
    user: usize,
    /// Per user: similarity to the current user (0 where they share no
    /// item); `mark == gen` flags users touched by this call.
    sim: Vec<f64>,
    mark: Vec<u32>,
    gen: u32,
    touched: Vec<i32>,
    nbrs: Vec<(f64, i32)>,
    /// Per item: target flag and running sums.
    acc: Vec<ItemAcc>,
    wgen: u32,
    uniq: Vec<i32>,
    best: Vec<(f64, i32)>,
    /// Per user: position among the sorted neighbours, or [`UNRANKED`];
    /// `ranked` says whether this call sorted and ranked them.
    rank: Vec<u32>,
    ranked: bool,
    keys: Vec<u64>,
    /// Bitmap of ranks, and each marked rank's position in the item's users.
    marks: Vec<u64>,
    rel_at: Vec<u32>,
}

/// The rank of a user who is not a neighbour.
const UNRANKED: u32 = u32::MAX;

/// From this many targets on, sorting all neighbours once (so each target
/// selects among integers) costs less than selecting among pairs per target.
const RANK_FROM_TARGETS: usize = 64;

impl UserScorer for UserKnnModel<'_> {
    type Scratch = UserScratch;

    fn n_users(&self) -> usize {
        self.ratings.n_users()
    }

    fn n_items(&self) -> usize {
        self.ratings.n_items()
    }

    fn new_scratch(&self) -> UserScratch {
        let (n_users, n_items) = (self.ratings.n_users(), self.ratings.n_items());
        UserScratch {
            sim: vec![0.0; n_users],
            mark: vec![0; n_users],
            rank: vec![UNRANKED; n_users],
            // one bit per rank (fewer neighbours than users) and a spare
            // one, see by_target_ranked
            marks: vec![0; n_users / 64 + 1],
            rel_at: vec![0; n_users + 1],
            acc: vec![ItemAcc::default(); n_items],
            ..UserScratch::default()
        }
    }

    fn rated_items(&self, user: usize) -> &[i32] {
        self.ratings.row_items(user)
    }

    fn score_into(&self, u: usize, targets: &[i32], s: &mut UserScratch, out: &mut [f64]) {
        s.user = u;
        self.similarities(u, s);
        s.nbrs.clear();
        for &v in &s.touched {
            let sim = s.sim[v as usize];
            if v as usize != u && sim > self.min_sim {
                s.nbrs.push((sim, v));
            }
        }
        s.wgen = s.wgen.wrapping_add(1);
        if s.wgen == 0 {
            s.acc.fill(ItemAcc::default());
            s.wgen = 1;
        }
        s.uniq.clear();
        let mut col_cost = 0;
        for &t in targets {
            let t = t as usize;
            if s.acc[t].want != s.wgen {
                s.acc[t] = ItemAcc::target(s.wgen);
                s.uniq.push(t as i32);
                col_cost += self.items.row_len(t);
            }
        }
        s.ranked = false;
        if s.uniq.len() >= RANK_FROM_TARGETS && s.nbrs.len() < UNRANKED as usize {
            self.rank_neighbours(s);
        }
        if !s.nbrs.is_empty() {
            let walk_cost: usize = s
                .nbrs
                .iter()
                .map(|&(_, v)| self.users.row_len(v as usize))
                .sum();
            match self.strategy {
                UserStrategy::ByTarget => self.finish_by_target(s),
                // few targets: scanning their users beats any walk
                UserStrategy::Auto if col_cost.saturating_mul(8) <= walk_cost => {
                    self.finish_by_target(s)
                }
                _ => self.walk(s, col_cost, walk_cost),
            }
        }
        for (&t, o) in targets.iter().zip(out.iter_mut()) {
            *o = self.score(u, t as usize, s);
        }
        for &v in &s.touched {
            s.sim[v as usize] = 0.0;
        }
        if s.ranked {
            for &(_, v) in &s.nbrs {
                s.rank[v as usize] = UNRANKED;
            }
        }
    }
}
