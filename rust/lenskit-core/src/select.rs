//! Deterministic selection: neighbours and recommendations are ordered by
//! value descending, then index ascending. That order is total, so "the k
//! best" is one well-defined set whatever order candidates arrive in, and
//! sums over it can be taken in that order.

use std::cmp::Ordering;

/// Order (value, index) pairs: larger value first, then smaller index.
#[inline]
pub fn by_value_desc<V: PartialOrd>(a: &(V, i32), b: &(V, i32)) -> Ordering {
    match b.0.partial_cmp(&a.0) {
        Some(Ordering::Equal) | None => a.1.cmp(&b.1),
        Some(o) => o,
    }
}

/// Whether `a` comes before `b` in [`by_value_desc`] order.
#[inline]
pub fn precedes<V: PartialOrd>(a: &(V, i32), b: &(V, i32)) -> bool {
    by_value_desc(a, b) == Ordering::Less
}

/// Sort `entries` by [`by_value_desc`] and keep at most `limit` of them,
/// selecting before sorting when that saves work.
pub fn sort_truncate<V: PartialOrd + Copy>(entries: &mut Vec<(V, i32)>, limit: usize) {
    if limit == 0 {
        entries.clear();
        return;
    }
    if entries.len() > limit {
        entries.select_nth_unstable_by(limit - 1, by_value_desc);
        entries.truncate(limit);
    }
    entries.sort_unstable_by(by_value_desc);
}

/// Insert `entry` into `buf[..*len]`, a list kept sorted by
/// [`by_value_desc`] that holds at most `buf.len()` entries; when full, the
/// last entry is dropped if `entry` precedes it, else `entry` is ignored.
#[inline]
pub fn insert_bounded<V: PartialOrd + Copy>(
    buf: &mut [(V, i32)],
    len: &mut usize,
    entry: (V, i32),
) {
    let cap = buf.len();
    let mut pos = *len;
    if pos == cap {
        if cap == 0 || !precedes(&entry, &buf[cap - 1]) {
            return;
        }
        pos = cap - 1;
    } else {
        *len += 1;
    }
    while pos > 0 && precedes(&entry, &buf[pos - 1]) {
        buf[pos] = buf[pos - 1];
        pos -= 1;
    }
    buf[pos] = entry;
}

/// Above this many, [`top_n`] selects by partial sort; up to it, by
/// insertion into a short sorted list, where most scores are turned away
/// by one comparison with the list's last entry.
const INSERT_LIMIT: usize = 64;

/// The `n` best (score, item) pairs among those with a non-NaN score, in
/// [`by_value_desc`] order.
pub fn top_n(items: &[i32], scores: &[f64], n: usize, out: &mut Vec<(f64, i32)>) {
    let valid = scores
        .iter()
        .zip(items)
        .filter(|(s, _)| !s.is_nan())
        .map(|(&s, &i)| (s, i));
    select_best(valid, n, out);
}

/// The `n` best of `entries` (no NaN values) into `out`, in
/// [`by_value_desc`] order.
pub fn select_best(entries: impl Iterator<Item = (f64, i32)>, n: usize, out: &mut Vec<(f64, i32)>) {
    out.clear();
    if n > INSERT_LIMIT {
        out.extend(entries);
        sort_truncate(out, n);
        return;
    }
    out.resize(n, (f64::NAN, 0));
    let mut len = 0;
    for entry in entries {
        insert_bounded(out, &mut len, entry);
    }
    out.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_value_desc_then_index_asc() {
        let mut v = vec![(0.5f32, 3), (0.9, 7), (0.5, 1), (0.9, 2)];
        v.sort_by(by_value_desc);
        assert_eq!(v, vec![(0.9, 2), (0.9, 7), (0.5, 1), (0.5, 3)]);
    }

    #[test]
    fn sort_truncate_keeps_the_best() {
        let mut v = vec![(1.0f64, 4), (3.0, 0), (2.0, 9), (3.0, 5), (0.5, 1)];
        sort_truncate(&mut v, 3);
        assert_eq!(v, vec![(3.0, 0), (3.0, 5), (2.0, 9)]);
    }

    #[test]
    fn sort_truncate_to_zero_empties() {
        let mut v = vec![(1.0f64, 4)];
        sort_truncate(&mut v, 0);
        assert!(v.is_empty());
    }

    #[test]
    fn insert_bounded_keeps_k_best_in_order() {
        let mut buf = [(0.0f32, 0); 3];
        let mut len = 0;
        for e in [(0.2, 5), (0.9, 1), (0.2, 3), (0.5, 8), (0.1, 0), (0.9, 0)] {
            insert_bounded(&mut buf, &mut len, e);
        }
        assert_eq!(len, 3);
        assert_eq!(buf, [(0.9, 0), (0.9, 1), (0.5, 8)]);
    }

    #[test]
    fn top_n_agrees_with_a_full_sort_for_short_and_long_lists() {
        // many ties, so the index order decides often
        let scores: Vec<f64> = (0..500).map(|i| f64::from((i * 37) % 23)).collect();
        let items: Vec<i32> = (0..500).rev().collect();
        let mut all: Vec<(f64, i32)> = scores.iter().copied().zip(items.iter().copied()).collect();
        all.sort_by(by_value_desc);
        let mut out = Vec::new();
        for n in [0, 1, 10, INSERT_LIMIT, INSERT_LIMIT + 1, 200, 600] {
            top_n(&items, &scores, n, &mut out);
            assert_eq!(out, all[..n.min(all.len())], "n = {n}");
        }
    }

    #[test]
    fn top_n_skips_nan_scores() {
        let mut out = Vec::new();
        top_n(&[10, 11, 12], &[f64::NAN, 1.0, 2.0], 5, &mut out);
        assert_eq!(out, vec![(2.0, 12), (1.0, 11)]);
    }
}
