//! Scoring with a trained item-kNN model.
//!
//! For a target item `t`, the candidate neighbours are the items `j` the
//! user rated that appear in row `t` of the similarity matrix. The `k` most
//! similar are used, and their contributions are summed in increasing `j`
//! order. Among candidates with equal similarity, the choice is the one
//! Java LensKit's top-N accumulator makes when fed the candidates in
//! increasing `j` order ([`TopN`]), so predictions match it even at ties.
//! Two ways find the candidates, both in increasing `j` order, so they give
//! identical bits:
//!
//! * intersect: for each target, match row `t` against the rated items
//!   (scan the row, or binary-search it for each rated item, whichever is
//!   shorter); cheap for a few targets;
//! * gather: walk the columns of the rated items, in blocks of target
//!   indices so per-target state stays in cache; cheap when every item is
//!   a target, as in top-N recommendation.
//!
//! A target with at most `k` candidates uses them all, so when most targets
//! have few, the gather strategy first sums every candidate in one pass;
//! only targets with more are selected. Selection takes two more passes
//! per block. The first counts each target's candidates per similarity
//! bin (a coarse, order-preserving histogram), which finds the bin holding
//! its `k`-th largest similarity. The second buckets (counting sort) only
//! the candidates in that bin or above, typically a few more than `k`
//! rather than all of them, so selecting among them is cheap; the rest are
//! all below the `k`-th value and cannot be chosen. Where candidates tie at
//! the `k`-th value and do not all fit, Java's choice depends on every
//! candidate, so that (rare) target is redone from its full candidate list.

use crate::batch::UserScorer;
use crate::error::{invalid, Result};
use crate::select::select_best;
use crate::sparse::{CsrView, Ratings};

use super::java_top_n::TopN;

/// Which way to find candidates; results are the same, only speed differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ItemStrategy {
    /// Pick per user from a cost estimate.
    #[default]
    Auto,
    /// Match each target's row against the rated items.
    Intersect,
    /// Bucket the columns of the rated items by target.
    Gather,
}

/// Aim for about this many candidates per gather block: the bucketed part
/// (a few more than `k` per target) is much smaller, so blocks can be big,
/// which saves per-block steps through every rated item's column.
const BLOCK_CANDIDATES: usize = 1 << 16;

/// At most this many targets per gather block (256 KiB of histograms).
const MAX_SPAN: usize = 1 << 10;

/// Candidates are few when they number under `1 / SPARSE_FRACTION` of the
/// items: then running sums are reset only for the items they touch.
const SPARSE_FRACTION: usize = 4;

/// Similarity histogram bins: 8 per power of two from 2^-8 up, so a
/// target's bin at its `k`-th value holds few other candidates.
const BINS: usize = 64;

/// The histogram bin of a similarity: non-decreasing in the similarity (so
/// a candidate in a higher bin is more similar), from the bits of positive
/// doubles, which order like their values; all below 2^-8 share bin 0, all
/// from 2^0 up share the top bin.
#[inline]
fn bin(sim: f64) -> usize {
    const LOW: f64 = 1.0 / 256.0;
    let bits = sim.max(LOW).to_bits() >> 49;
    ((bits - (LOW.to_bits() >> 49)) as usize).min(BINS - 1)
}

/// A trained item-kNN model, borrowed, ready to score.
#[derive(Clone, Copy, Debug)]
pub struct ItemKnnModel<'a> {
    ratings: Ratings<'a>,
    item_means: Option<&'a [f64]>,
    sims: CsrView<'a, f64>,
    sims_t: Option<CsrView<'a, f64>>,
    k: usize,
    min_nbrs: usize,
    strategy: ItemStrategy,
    block_candidates: usize,
    /// Whether some row of `sims` has more than `k` entries, so that some
    /// target can have more than `k` candidates. Not when `save_nbrs` is at
    /// most `k`: then every candidate counts, and summing them all is the
    /// whole answer.
    rows_exceed_k: bool,
}

impl<'a> ItemKnnModel<'a> {
    /// Assemble a model from the training ratings (user histories), the item
    /// means (`Some` for explicit feedback), the similarity matrix (rows in
    /// increasing column order), and its transpose if rows were truncated
    /// (else the matrix must be symmetric). Checks shapes only (O(1)).
    pub fn new(
        ratings: Ratings<'a>,
        item_means: Option<&'a [f64]>,
        sims: CsrView<'a, f64>,
        sims_t: Option<CsrView<'a, f64>>,
        k: usize,
        min_nbrs: usize,
    ) -> Result<Self> {
        let n = ratings.n_items();
        if sims.n_rows() != n || sims.n_cols() != n {
            return Err(invalid!(
                "similarity matrix is {} x {}, expected {n} x {n} for {n} items",
                sims.n_rows(),
                sims.n_cols()
            ));
        }
        if let Some(t) = &sims_t {
            if t.n_rows() != n || t.n_cols() != n || t.nnz() != sims.nnz() {
                return Err(invalid!(
                    "transposed similarity matrix does not match the similarity matrix"
                ));
            }
        }
        if let Some(m) = item_means {
            if m.len() != n {
                return Err(invalid!("{} item means for {n} items", m.len()));
            }
            if ratings.values().is_none() {
                return Err(invalid!("explicit feedback needs rating values"));
            }
        }
        if k == 0 {
            return Err(invalid!("k must be at least 1, got 0"));
        }
        if min_nbrs == 0 {
            return Err(invalid!("min_nbrs must be at least 1, got 0"));
        }
        // No item has more neighbours than there are items, so a larger k
        // means all of them; capped, k fits the u32 counts and products it meets.
        let k = k.min(n.max(1));
        let rows_exceed_k = (0..n).any(|t| sims.row_len(t) > k);
        Ok(ItemKnnModel {
            ratings,
            item_means,
            sims,
            sims_t,
            k,
            min_nbrs,
            strategy: ItemStrategy::Auto,
            block_candidates: BLOCK_CANDIDATES,
            rows_exceed_k,
        })
    }

    /// Force a candidate-finding strategy (for tests and benchmarks).
    pub fn with_strategy(self, strategy: ItemStrategy) -> Self {
        ItemKnnModel { strategy, ..self }
    }

    /// Set how many candidates a gather block aims for (for tests of the
    /// blocking; results do not depend on it).
    pub fn with_gather_block(self, candidates: usize) -> Self {
        ItemKnnModel {
            block_candidates: candidates.max(1),
            ..self
        }
    }

    /// Who lists each item as a neighbour: the transpose, or the matrix
    /// itself when it is symmetric.
    fn columns(&self) -> &CsrView<'a, f64> {
        self.sims_t.as_ref().unwrap_or(&self.sims)
    }

    fn choose(&self, rated: &[i32], targets: &[i32]) -> ItemStrategy {
        if rated.len() > usize::from(u16::MAX) {
            // gathering counts a target's candidates per bin in 16 bits
            return ItemStrategy::Intersect;
        }
        if self.strategy != ItemStrategy::Auto {
            return self.strategy;
        }
        let columns = self.columns();
        let gathered: usize = rated.iter().map(|&j| columns.row_len(j as usize)).sum();
        // each candidate is read twice and written once; blocks cost a
        // cursor step per rated item
        let blocks = gathered / self.block_candidates + 1;
        let gather = 3 * gathered + 2 * targets.len() + blocks * rated.len();
        // stop adding up the intersect cost once it is the dearer one: with
        // every item a target, that is after a few targets
        let mut intersect = 0;
        for &t in targets {
            intersect += self.intersect_cost(self.sims.row_len(t as usize), rated.len()) + 1;
            if intersect > gather {
                return ItemStrategy::Gather;
            }
        }
        ItemStrategy::Intersect
    }

    /// Steps to match a row of `len` against `rated` items: scan the row,
    /// or binary-search it for each rated item.
    #[inline]
    fn intersect_cost(&self, len: usize, rated: usize) -> usize {
        len.min(rated * (usize::BITS - len.leading_zeros()) as usize)
    }

    /// The score of target `t` from its candidates `(sim, j)`, given in
    /// increasing `j`: the `k` most similar (see [`TopN`]), summed in `j`
    /// order.
    fn finish(&self, t: usize, cands: &[(f64, i32)], s: &mut SelectScratch, rated: &[f64]) -> f64 {
        if cands.len() <= self.k {
            return self.sum(t, cands, rated);
        }
        if !self.clear_cut(cands, s) {
            let mut top = TopN::new(self.k, &mut s.entries, &mut s.heap);
            for &c in cands {
                top.put(c);
            }
            top.finish(&mut s.chosen);
        }
        self.sum(t, &s.chosen, rated)
    }

    /// Like [`Self::finish`], from the candidates of target `t` in one
    /// histogram bin or above, which hold its `k` most similar (every
    /// candidate left out is below every one given): with `cut = (low,
    /// above)`, the `above` candidates in bins above `low` all count, and
    /// the best of those in bin `low` fill the remaining places. `None`
    /// when ties at the `k`-th value need Java's tie-breaking, which
    /// depends on every candidate.
    fn finish_filtered(
        &self,
        t: usize,
        cands: &[(f64, i32)],
        (low, above): (u8, usize),
        s: &mut SelectScratch,
        rated: &[f64],
    ) -> Option<f64> {
        if cands.len() <= self.k {
            return Some(self.sum_where(t, cands, |_| true, rated));
        }
        let low = usize::from(low);
        let need = self.k - above;
        s.keys.clear();
        s.keys.extend(
            cands
                .iter()
                .filter(|c| bin(c.0) == low)
                .map(|c| c.0.to_bits()),
        );
        let m = s.keys.len();
        let kth = *s.keys.select_nth_unstable(m - need).1;
        let higher = s.keys[m - need + 1..].iter().filter(|&&x| x > kth).count();
        let tied = s.keys.iter().filter(|&&x| x == kth).count();
        if higher + tied != need {
            return None;
        }
        Some(self.sum_where(t, cands, |c| bin(c.0) > low || c.0.to_bits() >= kth, rated))
    }

    /// [`Self::sum`] over the candidates that pass `chosen`, in their order.
    fn sum_where(
        &self,
        t: usize,
        cands: &[(f64, i32)],
        chosen: impl Fn(&(f64, i32)) -> bool,
        rated: &[f64],
    ) -> f64 {
        let mut count = 0;
        let value = match self.item_means {
            Some(means) => {
                let (mut num, mut den) = (0.0f64, 0.0f64);
                for c in cands.iter().filter(|c| chosen(c)) {
                    num += c.0 * rated[c.1 as usize];
                    den += c.0.abs();
                    count += 1;
                }
                if den == 0.0 {
                    f64::NAN
                } else {
                    means[t] + num / den
                }
            }
            None => cands.iter().filter(|c| chosen(c)).fold(0.0, |sum, c| {
                count += 1;
                sum + c.0
            }),
        };
        if count < self.min_nbrs {
            f64::NAN
        } else {
            value
        }
    }

    /// The score of target `t` from its chosen candidates, in `j` order.
    fn sum(&self, t: usize, chosen: &[(f64, i32)], rated: &[f64]) -> f64 {
        if chosen.len() < self.min_nbrs {
            return f64::NAN;
        }
        match self.item_means {
            Some(means) => {
                let (mut num, mut den) = (0.0f64, 0.0f64);
                for &(sim, j) in chosen {
                    num += sim * rated[j as usize];
                    den += sim.abs();
                }
                if den == 0.0 {
                    f64::NAN
                } else {
                    means[t] + num / den
                }
            }
            None => chosen.iter().fold(0.0, |sum, &(sim, _)| sum + sim),
        }
    }

    /// Put the `k` most similar of `cands` (more than `k`) into
    /// `s.chosen`, in `j` order, if they are clear-cut: the accumulator
    /// keeps every candidate above the k-th largest similarity and none
    /// below it, so only when more candidates tie at that value than there
    /// are places left does its heap decide which (then this returns
    /// false). Similarities are positive, so their bit patterns order like
    /// their values.
    fn clear_cut(&self, cands: &[(f64, i32)], s: &mut SelectScratch) -> bool {
        let m = cands.len();
        s.keys.clear();
        s.keys.extend(cands.iter().map(|c| c.0.to_bits()));
        let kth = *s.keys.select_nth_unstable(m - self.k).1;
        let above = s.keys[m - self.k + 1..]
            .iter()
            .filter(|&&x| x > kth)
            .count();
        let tied = cands.iter().filter(|c| c.0.to_bits() == kth).count();
        if above + tied != self.k {
            return false;
        }
        s.chosen.clear();
        s.chosen
            .extend(cands.iter().filter(|c| c.0.to_bits() >= kth));
        true
    }

    fn score_intersect(
        &self,
        rated: &[i32],
        targets: &[i32],
        s: &mut ItemScratch,
        out: &mut [f64],
    ) {
        for (&t, o) in targets.iter().zip(out.iter_mut()) {
            self.candidates(t as usize, rated, &s.rated, &mut s.bucket);
            *o = self.finish(t as usize, &s.bucket, &mut s.select, &s.rated);
        }
    }

    /// Put target `t`'s candidates into `bucket`, in increasing `j`: scan
    /// row `t` for rated items (`ratings` not NaN), or binary-search it for
    /// each rated item, whichever is shorter.
    fn candidates(&self, t: usize, rated: &[i32], ratings: &[f64], bucket: &mut Vec<(f64, i32)>) {
        let (js, sims) = self.sims.row(t);
        bucket.clear();
        if self.intersect_cost(js.len(), rated.len()) == js.len() {
            for (&j, &sim) in js.iter().zip(sims) {
                if !ratings[j as usize].is_nan() {
                    bucket.push((sim, j));
                }
            }
        } else {
            for &j in rated {
                if let Ok(p) = js.binary_search(&j) {
                    bucket.push((sims[p], j));
                }
            }
        }
    }

    /// Fill `s.rated` with the user's centred ratings (1 for implicit).
    fn set_rated(&self, user: usize, s: &mut ItemScratch) {
        let items = self.ratings.row_items(user);
        match (self.item_means, self.ratings.row_values(user)) {
            (Some(means), Some(values)) => {
                for (&j, &r) in items.iter().zip(values) {
                    s.rated[j as usize] = r as f64 - means[j as usize];
                }
            }
            _ => {
                for &j in items {
                    s.rated[j as usize] = 1.0;
                }
            }
        }
    }

    /// Undo [`Self::set_rated`].
    fn clear_rated(&self, user: usize, s: &mut ItemScratch) {
        for &j in self.ratings.row_items(user) {
            s.rated[j as usize] = f64::NAN;
        }
    }

    /// Make sure the per-item running sums exist (all zero between uses).
    fn ensure_sums(&self, s: &mut ItemScratch) {
        let n_items = self.ratings.n_items();
        if s.sums.len() != n_items {
            s.sums = vec![Sums::default(); n_items];
        }
    }

    /// Add every candidate into its target's running sums: rated items in
    /// increasing order, so each target's sums run in increasing j, as
    /// [`Self::sum`] sums. Also lists the targets touched, in first-touch
    /// order, when `touched` is given.
    fn add_candidates(
        &self,
        rated: &[i32],
        s: &mut ItemScratch,
        mut touched: Option<&mut Vec<i32>>,
    ) {
        let columns = self.columns();
        for &j in rated {
            let c = s.rated[j as usize];
            let (ts, sims) = columns.row(j as usize);
            for (&t, &sim) in ts.iter().zip(sims) {
                let acc = &mut s.sums[t as usize];
                if acc.count == 0 {
                    if let Some(list) = touched.as_deref_mut() {
                        list.push(t);
                    }
                }
                acc.count += 1;
                acc.num += sim * c;
                acc.den += sim.abs();
            }
        }
    }

    /// Whether `gathered` candidates touch so many of the items that a
    /// pass over every item's sums is the cheaper way to visit them.
    fn dense(&self, gathered: usize) -> bool {
        gathered >= self.ratings.n_items() / SPARSE_FRACTION
    }

    /// Zero the running sums the candidates of `rated` touched.
    fn reset_sums(&self, rated: &[i32], gathered: usize, s: &mut ItemScratch) {
        if !self.dense(gathered) {
            let columns = self.columns();
            for &j in rated {
                for &t in columns.row(j as usize).0 {
                    s.sums[t as usize] = Sums::default();
                }
            }
        } else {
            s.sums.fill(Sums::default());
        }
    }

    /// The `n` best targets among those the candidates of `rated` touch
    /// (leaving out rated items when `exclude_seen`), into `out`: targets
    /// with at most `k` candidates are scored from their sums, the others
    /// by selection ([`Self::gather_select`]), exactly as
    /// [`Self::score_gather`] scores them.
    fn recommend_touched(
        &self,
        rated: &[i32],
        n: usize,
        exclude_seen: bool,
        gathered: usize,
        s: &mut ItemScratch,
        out: &mut Vec<(f64, i32)>,
    ) {
        self.ensure_sums(s);
        let mut touched = std::mem::take(&mut s.touched);
        touched.clear();
        if self.dense(gathered) {
            // most items are touched: listing them by a scan of the sums is
            // cheaper than a (mispredicted) first-touch test per candidate
            self.add_candidates(rated, s, None);
            touched.extend(
                s.sums
                    .iter()
                    .enumerate()
                    .filter(|(_, acc)| acc.count > 0)
                    .map(|(t, _)| t as i32),
            );
        } else {
            self.add_candidates(rated, s, Some(&mut touched));
        }
        if exclude_seen {
            touched.retain(|&t| s.rated[t as usize].is_nan());
        }
        let k = self.k as u32;
        let mut scored = std::mem::take(&mut s.scored);
        scored.clear();
        let mut overflow = std::mem::take(&mut s.overflow);
        overflow.clear();
        for &t in &touched {
            let acc = s.sums[t as usize];
            if acc.count > k {
                overflow.push(t);
            } else {
                scored.push((self.finish_sums(t as usize, acc), t));
            }
        }
        if !overflow.is_empty() {
            overflow.sort_unstable();
            s.order.clear();
            s.order.extend(0..overflow.len() as u32);
            let mut scores = vec![f64::NAN; overflow.len()];
            let sums = std::mem::take(&mut s.sums);
            let keep = |t: usize| sums[t].count > k;
            self.gather_select(rated, &overflow, gathered, keep, s, &mut scores);
            s.sums = sums;
            scored.extend(scores.into_iter().zip(overflow.iter().copied()));
        }
        select_best(
            scored.drain(..).filter(|(score, _)| !score.is_nan()),
            n,
            out,
        );
        self.reset_sums(rated, gathered, s);
        s.touched = touched;
        s.scored = scored;
        s.overflow = overflow;
    }

    /// Whether `gathered` candidates are too many for a first pass that
    /// sums every candidate: when targets average over k/2 candidates, many
    /// have more than k and their sums would be wasted. Below that,
    /// recommending from every item works only on the targets the
    /// candidates touch ([`UserScorer::recommend_all`]).
    fn too_many_to_sum(&self, gathered: usize) -> bool {
        self.rows_exceed_k && 2 * gathered >= self.k * self.ratings.n_items()
    }

    fn score_gather(&self, rated: &[i32], targets: &[i32], s: &mut ItemScratch, out: &mut [f64]) {
        let columns = self.columns();
        let gathered: usize = rated.iter().map(|&j| columns.row_len(j as usize)).sum();
        s.order.clear();
        s.order.extend(0..targets.len() as u32);
        if targets.windows(2).any(|w| w[0] > w[1]) {
            s.order.sort_by_key(|&p| targets[p as usize]);
        }
        if self.too_many_to_sum(gathered) {
            // targets average over k/2 candidates, so many have more than k
            // (their sums would be wasted): select for all
            return self.gather_select(rated, targets, gathered, |_| true, s, out);
        }
        // Sum every candidate in one pass. That is the answer wherever a
        // target has at most k candidates; the others are redone with
        // selection.
        self.ensure_sums(s);
        self.add_candidates(rated, s, None);
        let k = self.k as u32;
        let mut overflow = false;
        for (&t, o) in targets.iter().zip(out.iter_mut()) {
            let acc = s.sums[t as usize];
            if acc.count > k {
                overflow = true;
            } else {
                *o = self.finish_sums(t as usize, acc);
            }
        }
        if overflow {
            let sums = std::mem::take(&mut s.sums);
            let keep = |t: usize| sums[t].count > k;
            s.order.retain(|&p| keep(targets[p as usize] as usize));
            self.gather_select(rated, targets, gathered, keep, s, out);
            s.sums = sums;
        }
        self.reset_sums(rated, gathered, s);
    }

    /// The score from sums over all (at most k) candidates.
    #[inline]
    fn finish_sums(&self, t: usize, acc: Sums) -> f64 {
        if (acc.count as usize) < self.min_nbrs {
            return f64::NAN;
        }
        match self.item_means {
            Some(_) if acc.den == 0.0 => f64::NAN,
            Some(means) => means[t] + acc.num / acc.den,
            None => acc.num,
        }
    }

    /// Score the targets at positions `s.order` (sorted by target), one
    /// block of target indices at a time: histogram the candidates of
    /// targets that pass `keep` by similarity bin, bucket those at or above
    /// the bin of each target's `k`-th value, and select the k best of each
    /// bucket (see the module docs).
    fn gather_select(
        &self,
        rated: &[i32],
        targets: &[i32],
        gathered: usize,
        keep: impl Fn(usize) -> bool,
        s: &mut ItemScratch,
        out: &mut [f64],
    ) {
        let n_items = self.ratings.n_items();
        let columns = self.columns();
        s.cursor.clear();
        s.cursor.resize(rated.len(), 0);
        s.begin.clear();
        s.begin.resize(rated.len(), 0);
        // target indices per block, so a block holds about BLOCK_CANDIDATES
        // and its histograms stay in cache
        let span = (n_items * self.block_candidates / gathered.max(1))
            .clamp(1, n_items.max(1))
            .min(MAX_SPAN);
        let mut q = 0;
        while q < s.order.len() {
            let t0 = targets[s.order[q] as usize] as usize;
            let t1 = (t0 + span).min(n_items);
            s.hist.clear();
            s.hist.resize((t1 - t0) * BINS, 0);
            s.above.clear();
            s.above.resize(t1 - t0, 0);
            for (r, &j) in rated.iter().enumerate() {
                let (ts, sims) = columns.row(j as usize);
                let mut c = s.cursor[r];
                while c < ts.len() && (ts[c] as usize) < t0 {
                    c += 1;
                }
                s.begin[r] = c;
                while c < ts.len() && (ts[c] as usize) < t1 {
                    let t = ts[c] as usize;
                    if keep(t) {
                        s.hist[(t - t0) * BINS + bin(sims[c])] += 1;
                    }
                    c += 1;
                }
                s.cursor[r] = c;
            }
            // per target: the bin holding its k-th largest similarity; it
            // keeps the candidates in that bin or above, and no others
            s.low.clear();
            s.low.resize(t1 - t0, u8::MAX);
            s.start.clear();
            s.start.resize(t1 - t0 + 1, 0);
            for (i, hist) in s.hist.chunks_exact(BINS).enumerate() {
                let mut kept = 0u32;
                for b in (0..BINS).rev() {
                    let above = kept;
                    kept += u32::from(hist[b]);
                    if kept as usize >= self.k {
                        s.low[i] = b as u8;
                        s.above[i] = above;
                        break;
                    }
                }
                if kept > 0 && (kept as usize) < self.k {
                    s.low[i] = 0;
                }
                s.start[i + 1] = s.start[i] + kept;
            }
            s.next.clear();
            s.next.extend_from_slice(&s.start[..t1 - t0]);
            // every slot up to the block's total is written below
            let total = s.start[t1 - t0] as usize;
            if s.bucket.len() < total {
                s.bucket.resize(total, (0.0, 0));
            }
            for (r, &j) in rated.iter().enumerate() {
                let (ts, sims) = columns.row(j as usize);
                for c in s.begin[r]..s.cursor[r] {
                    let i = ts[c] as usize - t0;
                    let sim = sims[c];
                    if bin(sim) >= s.low[i] as usize {
                        let slot = &mut s.next[i];
                        s.bucket[*slot as usize] = (sim, j);
                        *slot += 1;
                    }
                }
            }
            s.replay.clear();
            while q < s.order.len() && (targets[s.order[q] as usize] as usize) < t1 {
                let p = s.order[q] as usize;
                let t = targets[p] as usize;
                let i = t - t0;
                let cands = &s.bucket[s.start[i] as usize..s.start[i + 1] as usize];
                let cut = (s.low[i], s.above[i] as usize);
                match self.finish_filtered(t, cands, cut, &mut s.select, &s.rated) {
                    Some(score) => out[p] = score,
                    None => s.replay.push(p as u32),
                }
                q += 1;
            }
            if !s.replay.is_empty() {
                self.replay_ties(rated, targets, t0, t1, s, out);
            }
        }
    }

    /// Score the targets of block `t0..t1` at positions `s.replay`, whose
    /// candidates tie across the `k` boundary, from all their candidates
    /// (Java's tie-breaking depends on every one): by scanning their rows
    /// when they are few, else by bucketing all their candidates in one
    /// more pass over the block's columns.
    fn replay_ties(
        &self,
        rated: &[i32],
        targets: &[i32],
        t0: usize,
        t1: usize,
        s: &mut ItemScratch,
        out: &mut [f64],
    ) {
        let block: usize = s.begin.iter().zip(&s.cursor).map(|(b, c)| c - b).sum();
        let rows: usize = s
            .replay
            .iter()
            .map(|&p| self.sims.row_len(targets[p as usize] as usize))
            .sum();
        if rows <= block {
            for &p in &s.replay {
                let t = targets[p as usize] as usize;
                self.candidates(t, rated, &s.rated, &mut s.bucket);
                out[p as usize] = self.finish(t, &s.bucket, &mut s.select, &s.rated);
            }
            return;
        }
        s.low.clear();
        s.low.resize(t1 - t0, u8::MAX);
        for &p in &s.replay {
            s.low[targets[p as usize] as usize - t0] = 0;
        }
        s.start.clear();
        s.start.resize(t1 - t0 + 1, 0);
        for (i, hist) in s.hist.chunks_exact(BINS).enumerate() {
            let all = if s.low[i] == 0 {
                hist.iter().map(|&c| u32::from(c)).sum()
            } else {
                0
            };
            s.start[i + 1] = s.start[i] + all;
        }
        s.next.clear();
        s.next.extend_from_slice(&s.start[..t1 - t0]);
        s.bucket.clear();
        s.bucket.resize(s.start[t1 - t0] as usize, (0.0, 0));
        let columns = self.columns();
        for (r, &j) in rated.iter().enumerate() {
            let (ts, sims) = columns.row(j as usize);
            for c in s.begin[r]..s.cursor[r] {
                let i = ts[c] as usize - t0;
                if s.low[i] == 0 {
                    let slot = &mut s.next[i];
                    s.bucket[*slot as usize] = (sims[c], j);
                    *slot += 1;
                }
            }
        }
        for &p in &s.replay {
            let i = targets[p as usize] as usize - t0;
            let cands = &s.bucket[s.start[i] as usize..s.start[i + 1] as usize];
            out[p as usize] = self.finish(i + t0, cands, &mut s.select, &s.rated);
        }
    }
}

/// Scratch of [`TopN`] and its result.
#[derive(Debug, Default)]
struct SelectScratch {
    keys: Vec<u64>,
    entries: Vec<(f64, i32)>,
    heap: Vec<u32>,
    chosen: Vec<(f64, i32)>,
}

/// Running sums of one target's candidates.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    num: f64,
    den: f64,
    count: u32,
}

/// Per-worker scratch for item-kNN scoring.
#[derive(Debug, Default)]
pub struct ItemScratch {
    /// Per item: the user's centred rating (1 for implicit), NaN if unrated.
    rated: Vec<f64>,
    /// Candidates of one target (intersect) or one block (gather).
    bucket: Vec<(f64, i32)>,
    /// Recommending from every item: the targets touched, their scores,
    /// and those with more than k candidates.
    touched: Vec<i32>,
    scored: Vec<(f64, i32)>,
    overflow: Vec<i32>,
    /// Gather: positions of targets whose ties need replaying.
    replay: Vec<u32>,
    /// Gather: per target of a block, candidates per similarity bin, and
    /// the lowest bin it keeps.
    hist: Vec<u16>,
    low: Vec<u8>,
    /// Gather: per target of a block, its candidates in bins above `low`.
    above: Vec<u32>,
    select: SelectScratch,
    /// Gather: per-item running sums, target positions by index,
    /// per-rated-item column cursors, bucket boundaries and fill positions
    /// within a block.
    sums: Vec<Sums>,
    order: Vec<u32>,
    cursor: Vec<usize>,
    begin: Vec<usize>,
    start: Vec<u32>,
    next: Vec<u32>,
}

impl UserScorer for ItemKnnModel<'_> {
    type Scratch = ItemScratch;

    fn n_users(&self) -> usize {
        self.ratings.n_users()
    }

    fn n_items(&self) -> usize {
        self.ratings.n_items()
    }

    fn new_scratch(&self) -> ItemScratch {
        ItemScratch {
            rated: vec![f64::NAN; self.ratings.n_items()],
            ..ItemScratch::default()
        }
    }

    fn rated_items(&self, user: usize) -> &[i32] {
        self.ratings.row_items(user)
    }

    /// Only items that list a rated item as a neighbour have candidates;
    /// when they are few (truncated neighbourhoods), work only on them.
    fn recommend_all(
        &self,
        user: usize,
        n: usize,
        exclude_seen: bool,
        scratch: &mut ItemScratch,
        out: &mut Vec<(f64, i32)>,
    ) -> bool {
        let rated = self.ratings.row_items(user);
        let columns = self.columns();
        let gathered: usize = rated.iter().map(|&j| columns.row_len(j as usize)).sum();
        if self.too_many_to_sum(gathered) {
            return false;
        }
        self.set_rated(user, scratch);
        self.recommend_touched(rated, n, exclude_seen, gathered, scratch, out);
        self.clear_rated(user, scratch);
        true
    }

    fn score_into(&self, user: usize, targets: &[i32], scratch: &mut ItemScratch, out: &mut [f64]) {
        let items = self.ratings.row_items(user);
        if items.is_empty() {
            out.fill(f64::NAN);
            return;
        }
        self.set_rated(user, scratch);
        match self.choose(items, targets) {
            ItemStrategy::Gather => self.score_gather(items, targets, scratch, out),
            _ => self.score_intersect(items, targets, scratch, out),
        }
        self.clear_rated(user, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Score target 0 for one user who rated `nbrs` (explicit, item means
    /// 0), with `sims[p]` the similarity of item 0 and `nbrs[p]`; item 0
    /// also has `unrated` more neighbours after those, which the user did
    /// not rate.
    fn score_target_0(
        nbrs: &[i32],
        sims: &[f64],
        ratings: &[f32],
        k: usize,
        unrated: usize,
    ) -> [f64; 2] {
        let last = *nbrs.iter().max().unwrap() as usize;
        let n = last + 1 + unrated;
        let mut rows: Vec<Vec<(f64, i32)>> = vec![Vec::new(); n];
        let others = (last + 1..n).map(|j| (j as i32, 0.5));
        for (j, sim) in nbrs.iter().copied().zip(sims.iter().copied()).chain(others) {
            rows[0].push((sim, j));
            rows[j as usize].push((sim, 0));
        }
        let m = crate::sparse::CsrMatrix::from_rows(n, rows);
        let indptr = [0i64, nbrs.len() as i64];
        let r = Ratings::new(1, n, &indptr, nbrs, Some(ratings)).unwrap();
        let means = vec![0.0; n];
        let model = ItemKnnModel::new(r, Some(&means), m.view(), None, k, 1).unwrap();
        [ItemStrategy::Intersect, ItemStrategy::Gather].map(|strategy| {
            let model = model.with_strategy(strategy);
            let mut scratch = model.new_scratch();
            let mut out = [0.0];
            model.score_into(0, &[0], &mut scratch, &mut out);
            out[0]
        })
    }

    #[test]
    fn gather_replays_java_ties_across_the_k_boundary() {
        // three candidates tie at the third place; Java keeps 2611 and 5506
        let nbrs = [1, 2320, 2611, 5506];
        let expect: f64 = (0.9 * 1.0 + 0.3 * 3.0 + 0.3 * 4.0) / (0.9 + 0.3 + 0.3);
        // with few unrated neighbours gather rescans row 0; with many it
        // buckets every candidate in another pass over the columns
        for unrated in [0, 20] {
            let sims = [0.9, 0.3, 0.3, 0.3];
            let scores = score_target_0(&nbrs, &sims, &[1.0, 2.0, 3.0, 4.0], 3, unrated);
            assert_eq!(scores.map(f64::to_bits), [expect.to_bits(); 2]);
        }
    }

    #[test]
    fn gather_keeps_ties_inside_the_k_best_without_replay() {
        // ties above the k-th value, and near-equal values in one histogram
        // bin, leave the k best clear-cut
        let nbrs = [2, 3, 5, 7, 11];
        let sims = [0.5, 0.5, 0.30000000000000004, 0.3, 0.9];
        let scores = score_target_0(&nbrs, &sims, &[1.0, 2.0, 3.0, 4.0, 5.0], 4, 0);
        let expect: f64 = (0.5 * 1.0 + 0.5 * 2.0 + 0.30000000000000004 * 3.0 + 0.9 * 5.0)
            / (0.5 + 0.5 + 0.30000000000000004 + 0.9);
        assert_eq!(scores.map(f64::to_bits), [expect.to_bits(); 2]);
    }

    #[test]
    fn histogram_bins_never_decrease_with_similarity() {
        let mut sims = vec![
            -1.0,
            0.0,
            1e-9,
            1.0 / 256.0,
            0.01,
            0.3,
            0.30000000000000004,
            0.5,
        ];
        sims.extend([0.99, 1.0, 1.0 + 1e-12, 2.0]);
        let bins: Vec<usize> = sims.iter().map(|&x| bin(x)).collect();
        assert!(bins.windows(2).all(|w| w[0] <= w[1]), "{bins:?}");
        assert!(bins.iter().all(|&b| b < BINS));
        assert!(bin(0.3) < bin(0.5) && bin(0.5) < bin(0.99));
    }
}
