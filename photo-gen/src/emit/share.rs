//! Splitting one file's items over several threads.
//!
//! The client is about half of all emitting, so formatted on one thread it finished a second
//! after everything else at N=1000, with the other core idle. A large file is instead emitted
//! as a few shares, each a contiguous run of its items formatted on a thread of its own; the
//! shares' text, concatenated in order, is the file (prettyplease lays out each top-level item
//! on its own, as [`FileSink`](super::format::FileSink) also relies on).

use std::ops::Range;

/// Which share of a file's items one thread emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// This share's place, from 0.
    pub index: usize,
    /// How many shares the file is split into.
    pub count: usize,
}

impl Share {
    /// Each share of a file split `count` ways, in order.
    pub fn all(count: usize) -> impl Iterator<Item = Share> {
        let count = count.max(1);
        (0..count).map(move |index| Share { index, count })
    }

    /// Whether this share starts the file (and so writes its preamble).
    pub fn is_first(self) -> bool {
        self.index == 0
    }

    /// Whether this share ends the file.
    pub fn is_last(self) -> bool {
        self.index + 1 >= self.count
    }

    /// The units this share emits, out of units of the given weights (roughly, the text each
    /// produces): a contiguous run, so that the shares in order emit every unit once, in
    /// order, each share about an equal part of the total weight. Every share computes the
    /// same split from the same weights.
    pub fn range(self, weights: impl IntoIterator<Item = usize>) -> Range<usize> {
        let weights: Vec<usize> = weights.into_iter().collect();
        let total: usize = weights.iter().sum();
        // The share a unit falls in: where the middle of its weight lies.
        let owner = |before: usize, weight: usize| {
            if total == 0 {
                0
            } else {
                let middle = before.saturating_mul(2).saturating_add(weight);
                (middle.saturating_mul(self.count) / total.saturating_mul(2)).min(self.count - 1)
            }
        };
        let mut start = weights.len();
        let mut end = weights.len();
        let mut before = 0;
        for (unit, weight) in weights.iter().enumerate() {
            let share = owner(before, *weight);
            if share >= self.index && start == weights.len() {
                start = unit;
            }
            if share > self.index {
                end = unit;
                break;
            }
            before += weight;
        }
        start.min(end)..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranges of every share of `count`, which must tile `0..weights.len()` in order.
    fn split(weights: &[usize], count: usize) -> Vec<Range<usize>> {
        let ranges: Vec<_> = Share::all(count)
            .map(|share| share.range(weights.iter().copied()))
            .collect();
        let mut next = 0;
        for range in &ranges {
            assert_eq!(range.start, next, "{ranges:?} for {weights:?}");
            assert!(range.end >= range.start, "{ranges:?}");
            next = range.end;
        }
        assert_eq!(next, weights.len(), "{ranges:?} for {weights:?}");
        ranges
    }

    #[test]
    fn shares_tile_the_units_in_order() {
        for count in 1..=5 {
            for weights in [
                vec![],
                vec![0],
                vec![1],
                vec![0, 0, 0],
                vec![1; 10],
                vec![100, 1, 1, 1],
                vec![1, 1, 1, 100],
                vec![3, 0, 7, 2, 9, 1, 1, 4],
            ] {
                split(&weights, count);
            }
        }
    }

    #[test]
    fn equal_units_split_evenly() {
        assert_eq!(split(&[1; 9], 3), vec![0..3, 3..6, 6..9]);
        assert_eq!(split(&[2; 10], 2), vec![0..5, 5..10]);
    }

    #[test]
    fn weight_decides_where_a_share_ends() {
        // The heavy first unit is a share on its own; the light rest goes to the next.
        assert_eq!(split(&[10, 1, 1, 1, 1], 2), vec![0..1, 1..5]);
        assert_eq!(split(&[1, 1, 1, 1, 10], 2), vec![0..4, 4..5]);
    }

    #[test]
    fn one_share_is_everything() {
        let whole = Share { index: 0, count: 1 };
        assert_eq!(whole.range([5, 0, 2]), 0..3);
        assert!(whole.is_first() && whole.is_last());
    }
}
