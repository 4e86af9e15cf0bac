//! Scoring and recommending for many users in one call: one task per user
//! (or per user's group of requested items), each with its own scratch.

use crate::error::{invalid, Result};
use crate::exec::Exec;
use crate::select::top_n;

/// A trained model that scores items for a user of its training data.
pub trait UserScorer: Sync {
    /// Per-worker scratch memory, reused across users.
    type Scratch: Send;

    /// Number of users in the training data.
    fn n_users(&self) -> usize;

    /// Number of items in the training data.
    fn n_items(&self) -> usize;

    /// Fresh scratch for one worker.
    fn new_scratch(&self) -> Self::Scratch;

    /// The items `user` rated in the training data, increasing.
    fn rated_items(&self, user: usize) -> &[i32];

    /// Write the score of each of `targets` (valid item indices, possibly
    /// repeated) for `user` (a valid user index) into `out`; NaN where there
    /// is no score.
    fn score_into(
        &self,
        user: usize,
        targets: &[i32],
        scratch: &mut Self::Scratch,
        out: &mut [f64],
    );

    /// Put into `out` the `n` best-scored items for `user` among all items
    /// (leaving out the rated ones when `exclude_seen`), in
    /// [`crate::select::by_value_desc`] order, and return true, if the model
    /// has a faster way to find them than scoring every item; else return
    /// false. The result must be the one scoring every item would give.
    fn recommend_all(
        &self,
        user: usize,
        n: usize,
        exclude_seen: bool,
        scratch: &mut Self::Scratch,
        out: &mut Vec<(f64, i32)>,
    ) -> bool {
        let _ = (user, n, exclude_seen, scratch, out);
        false
    }
}

/// Recommendations for a batch of users, as ragged arrays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recommendations {
    /// User `b` of the batch owns entries `offsets[b]..offsets[b + 1]`.
    pub offsets: Vec<i64>,
    /// Recommended item indices, best first.
    pub items: Vec<i32>,
    /// Their scores.
    pub scores: Vec<f64>,
}

impl Recommendations {
    /// Lay out one ranked `(score, item)` list per user end to end, in order.
    pub fn from_lists(lists: impl IntoIterator<Item = Vec<(f64, i32)>>) -> Recommendations {
        let mut recs = Recommendations {
            offsets: vec![0],
            ..Recommendations::default()
        };
        for list in lists {
            for (s, i) in list {
                recs.items.push(i);
                recs.scores.push(s);
            }
            recs.offsets.push(recs.items.len() as i64);
        }
        recs
    }
}

struct Scratch<S> {
    model: S,
    targets: Vec<i32>,
    positions: Vec<usize>,
    out: Vec<f64>,
    seen: Vec<bool>,
}

fn new_scratch<M: UserScorer>(model: &M) -> Scratch<M::Scratch> {
    Scratch {
        model: model.new_scratch(),
        targets: Vec::new(),
        positions: Vec::new(),
        out: Vec::new(),
        seen: vec![false; model.n_items()],
    }
}

fn valid(index: i32, n: usize) -> Option<usize> {
    usize::try_from(index).ok().filter(|&i| i < n)
}

/// Score `(users[p], items[p])` for every `p`. Negative or out-of-range
/// indices mean unknown users or items and give NaN.
pub fn score_pairs<M: UserScorer>(
    model: &M,
    users: &[i32],
    items: &[i32],
    exec: &Exec<'_>,
) -> Result<Vec<f64>> {
    if users.len() != items.len() {
        return Err(invalid!(
            "{} users but {} items: score_pairs needs one item per user",
            users.len(),
            items.len()
        ));
    }
    let (n_users, n_items) = (model.n_users(), model.n_items());
    let mut order: Vec<usize> = (0..users.len()).collect();
    order.sort_by_key(|&p| users[p]);
    let mut groups = Vec::new();
    let mut start = 0;
    for end in 1..=order.len() {
        if end == order.len() || users[order[end]] != users[order[start]] {
            groups.push(start..end);
            start = end;
        }
    }
    let results = exec.map_indexed(
        groups.len(),
        || new_scratch(model),
        |s, g| {
            let members = &order[groups[g].clone()];
            let mut scores = vec![f64::NAN; members.len()];
            let Some(u) = valid(users[members[0]], n_users) else {
                return scores;
            };
            s.targets.clear();
            s.positions.clear();
            for (q, &p) in members.iter().enumerate() {
                if let Some(i) = valid(items[p], n_items) {
                    s.targets.push(i as i32);
                    s.positions.push(q);
                }
            }
            s.out.clear();
            s.out.resize(s.targets.len(), f64::NAN);
            model.score_into(u, &s.targets, &mut s.model, &mut s.out);
            for (&q, &v) in s.positions.iter().zip(&s.out) {
                scores[q] = v;
            }
            scores
        },
    )?;
    let mut out = vec![f64::NAN; users.len()];
    for (g, scores) in groups.iter().zip(results) {
        for (&p, v) in order[g.clone()].iter().zip(scores) {
            out[p] = v;
        }
    }
    Ok(out)
}

/// The top `n` items for each of `users`, by (score desc, item index asc),
/// among `candidates` (all items when `None`; unknown and repeated
/// candidates are ignored), leaving out items the user rated when
/// `exclude_seen`. Unknown users get an empty list.
pub fn recommend<M: UserScorer>(
    model: &M,
    users: &[i32],
    n: usize,
    candidates: Option<&[i32]>,
    exclude_seen: bool,
    exec: &Exec<'_>,
) -> Result<Recommendations> {
    let (n_users, n_items) = (model.n_users(), model.n_items());
    let pool: Vec<i32> = match candidates {
        None => (0..n_items as i32).collect(),
        Some(c) => {
            let mut c: Vec<i32> = c
                .iter()
                .copied()
                .filter(|&i| valid(i, n_items).is_some())
                .collect();
            c.sort_unstable();
            c.dedup();
            c
        }
    };
    let lists = exec.map_indexed(
        users.len(),
        || new_scratch(model),
        |s, b| {
            let mut ranked = Vec::new();
            let Some(u) = valid(users[b], n_users) else {
                return ranked;
            };
            if candidates.is_none()
                && model.recommend_all(u, n, exclude_seen, &mut s.model, &mut ranked)
            {
                return ranked;
            }
            let rated = model.rated_items(u);
            s.targets.clear();
            if exclude_seen {
                for &j in rated {
                    s.seen[j as usize] = true;
                }
                s.targets
                    .extend(pool.iter().copied().filter(|&i| !s.seen[i as usize]));
                for &j in rated {
                    s.seen[j as usize] = false;
                }
            } else {
                s.targets.extend_from_slice(&pool);
            }
            s.out.clear();
            s.out.resize(s.targets.len(), f64::NAN);
            model.score_into(u, &s.targets, &mut s.model, &mut s.out);
            top_n(&s.targets, &s.out, n, &mut ranked);
            ranked
        },
    )?;
    Ok(Recommendations::from_lists(lists))
}
