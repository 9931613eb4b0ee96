//! The k-way merge of sources each in time order: one output in time
//! order, stable (lines at the same millisecond keep the order of their
//! sources, then their order within a source).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::LogLine;

/// Merges `sources`, each sorted by [`LogLine::at`], into one sorted list.
pub fn merge(sources: Vec<Vec<LogLine>>) -> Vec<LogLine> {
    let total = sources.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    out.extend(Merge::new(sources.into_iter().map(Vec::into_iter)));
    out
}

/// A streaming k-way merge over iterators each in time order.
pub struct Merge<I: Iterator<Item = LogLine>> {
    sources: Vec<I>,
    heads: Vec<Option<LogLine>>,
    /// `(time, source)` of each source's head, smallest first.
    heap: BinaryHeap<Reverse<(i64, usize)>>,
}

impl<I: Iterator<Item = LogLine>> std::fmt::Debug for Merge<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merge")
            .field("sources", &self.sources.len())
            .finish()
    }
}

impl<I: Iterator<Item = LogLine>> Merge<I> {
    /// A merge of these sources.
    pub fn new(sources: impl IntoIterator<Item = I>) -> Self {
        let mut sources: Vec<I> = sources.into_iter().collect();
        let mut heads = Vec::with_capacity(sources.len());
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            let head = source.next();
            if let Some(line) = &head {
                heap.push(Reverse((line.at, i)));
            }
            heads.push(head);
        }
        Merge {
            sources,
            heads,
            heap,
        }
    }
}

impl<I: Iterator<Item = LogLine>> Iterator for Merge<I> {
    type Item = LogLine;

    fn next(&mut self) -> Option<LogLine> {
        let Reverse((_, i)) = self.heap.pop()?;
        let line = self.heads[i].take()?;
        if let Some(next) = self.sources[i].next() {
            self.heap.push(Reverse((next.at, i)));
            self.heads[i] = Some(next);
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, LogLine};
    use super::*;

    fn l(at: i64, m: &str) -> LogLine {
        LogLine {
            at,
            timestamp: String::new(),
            service: String::new(),
            service_id: None,
            deployment: None,
            replica: None,
            kind: Kind::Deploy,
            severity: None,
            message: m.into(),
            attributes: Vec::new(),
        }
    }

    #[test]
    fn merges_in_time_order_keeping_source_order_at_equal_times() {
        let merged = merge(vec![
            vec![l(1, "a1"), l(5, "a5"), l(5, "a5b")],
            vec![l(0, "b0"), l(5, "b5"), l(9, "b9")],
            vec![],
            vec![l(5, "c5")],
        ]);
        let got: Vec<&str> = merged.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(got, ["b0", "a1", "a5", "a5b", "b5", "c5", "b9"]);
    }
}
