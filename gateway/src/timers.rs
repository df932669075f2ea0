//! A small deadline queue for the SIP core's own timers (answer delay,
//! session refresh and expiry, registration sweeps). Cancellation is lazy:
//! handlers check that what a timer refers to still exists and is current.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

pub struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<(Instant, u64, Entry<T>)>>,
    seq: u64,
}

/// Wrapper so that `T` need not be ordered: entries compare equal and the
/// (deadline, sequence) pair decides the order.
struct Entry<T>(T);

impl<T> PartialEq for Entry<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<T> TimerQueue<T> {
    pub fn schedule(&mut self, at: Instant, what: T) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, Entry(what))));
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Remove and return every timer due at `now`, earliest first.
    pub fn due(&mut self, now: Instant) -> Vec<T> {
        let mut out = Vec::new();
        while let Some(Reverse((at, _, _))) = self.heap.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, _, Entry(t)))) = self.heap.pop() {
                out.push(t);
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fires_in_order_and_only_when_due() {
        let t0 = Instant::now();
        let mut q = TimerQueue::default();
        q.schedule(t0 + Duration::from_secs(3), "c");
        q.schedule(t0 + Duration::from_secs(1), "a");
        q.schedule(t0 + Duration::from_secs(2), "b");
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert!(q.due(t0).is_empty());
        assert_eq!(q.due(t0 + Duration::from_secs(2)), vec!["a", "b"]);
        assert_eq!(q.len(), 1);
        assert_eq!(q.due(t0 + Duration::from_secs(9)), vec!["c"]);
        assert!(q.is_empty());
    }
}
