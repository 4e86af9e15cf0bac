//! Java LensKit's top-N accumulator, kept exactly so that neighbours whose
//! similarities tie across the k-th place are chosen as Java chooses them.

/// Java LensKit's `TopNLong2DoubleAccumulator`: a binary min-heap of
/// slots over (item, score) pairs. Every new pair is enqueued and, once
/// more than `k` are held, the heap's minimum is dequeued; with equal
/// scores, which one goes depends on the heap's shape, so the same sift
/// rules are kept here.
pub(super) struct TopN<'s> {
    k: usize,
    entries: &'s mut Vec<(f64, i32)>,
    heap: &'s mut Vec<u32>,
    slot: usize,
}

impl<'s> TopN<'s> {
    pub(super) fn new(k: usize, entries: &'s mut Vec<(f64, i32)>, heap: &'s mut Vec<u32>) -> Self {
        entries.clear();
        heap.clear();
        TopN {
            k,
            entries,
            heap,
            slot: 0,
        }
    }

    #[inline]
    fn score(&self, slot: u32) -> f64 {
        self.entries[slot as usize].0
    }

    pub(super) fn put(&mut self, entry: (f64, i32)) {
        if self.slot == self.entries.len() {
            self.entries.push(entry);
        } else {
            self.entries[self.slot] = entry;
        }
        self.heap.push(self.slot as u32);
        self.up(self.heap.len() - 1);
        if self.heap.len() > self.k {
            self.slot = self.heap[0] as usize;
            let last = self.heap.pop().unwrap_or_default();
            self.heap[0] = last;
            self.down(0);
        } else {
            self.slot += 1;
        }
    }

    fn up(&mut self, mut i: usize) {
        let e = self.heap[i];
        let score = self.score(e);
        while i != 0 {
            let parent = (i - 1) >> 1;
            let t = self.heap[parent];
            if self.score(t) <= score {
                break;
            }
            self.heap[i] = t;
            i = parent;
        }
        self.heap[i] = e;
    }

    fn down(&mut self, mut i: usize) {
        let size = self.heap.len();
        let e = self.heap[i];
        let score = self.score(e);
        loop {
            let mut child = 2 * i + 1;
            if child >= size {
                break;
            }
            let mut t = self.heap[child];
            if child + 1 < size && self.score(self.heap[child + 1]) < self.score(t) {
                child += 1;
                t = self.heap[child];
            }
            if score <= self.score(t) {
                break;
            }
            self.heap[i] = t;
            i = child;
        }
        self.heap[i] = e;
    }

    /// The held entries, in increasing index order.
    pub(super) fn finish(self, out: &mut Vec<(f64, i32)>) {
        out.clear();
        out.extend(self.heap.iter().map(|&s| self.entries[s as usize]));
        out.sort_unstable_by_key(|&(_, j)| j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(k: usize, cands: &[(f64, i32)]) -> Vec<i32> {
        let (mut entries, mut heap, mut out) = (Vec::new(), Vec::new(), Vec::new());
        let mut t = TopN::new(k, &mut entries, &mut heap);
        for &c in cands {
            t.put(c);
        }
        t.finish(&mut out);
        out.into_iter().map(|(_, j)| j).collect()
    }

    #[test]
    fn top_n_keeps_the_largest() {
        let cands = [(0.1, 0), (0.9, 1), (0.5, 2), (0.7, 3), (0.2, 4)];
        assert_eq!(top(2, &cands), vec![1, 3]);
        assert_eq!(top(9, &cands), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn top_n_breaks_ties_like_the_java_heap() {
        // Java LensKit keeps items 2611 and 5506 of three tied ones in this
        // order of arrival (found on ml-latest-small, user 30, item 4406)
        let cands = [(0.9, 1), (0.3, 2320), (0.3, 2611), (0.3, 5506)];
        assert_eq!(top(3, &cands), vec![1, 2611, 5506]);
    }
}
