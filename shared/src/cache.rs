//! The one in-memory cache type: what a process read from Secrets Manager, kept for a few
//! minutes so a warm function makes almost no call, and dropped after so a rotated secret takes
//! effect without a redeploy.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a process trusts its copy of a secret: a rotated admin token or a changed key takes
/// effect within this, and a warm function makes almost no Secrets Manager call.
pub const CACHE_FOR: Duration = Duration::from_secs(300);

/// Values kept in memory for [`CACHE_FOR`] after they were read or written.
pub struct TtlCache<K, V>(Mutex<HashMap<K, (Instant, V)>>);

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_FOR)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_value_is_served_until_it_expires() {
        let cache = TtlCache::<u8, &str>::default();
        assert_eq!(cache.get(&1), None);
        cache.put(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        if let Some(long_ago) = Instant::now().checked_sub(CACHE_FOR) {
            cache.0.lock().unwrap().insert(2, (long_ago, "old"));
            assert_eq!(cache.get(&2), None);
        }
    }
}

/// Keys this process wrote recently, so it need not write them again: at most `cap`, and
/// forgotten all at once when full (a cheap bound; a forgotten key only costs one more write).
pub struct RecentlyWritten<K> {
    keys: Mutex<std::collections::HashSet<K>>,
    cap: usize,
}

impl<K: Eq + Hash> RecentlyWritten<K> {
    pub fn new(cap: usize) -> Self {
        Self {
            keys: Mutex::new(std::collections::HashSet::new()),
            cap,
        }
    }

    pub fn contains(&self, key: &K) -> bool {
        self.keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(key)
    }

    pub fn insert(&self, key: K) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= self.cap {
            keys.clear();
        }
        keys.insert(key);
    }
}

#[cfg(test)]
mod recently_written_tests {
    use super::*;

    #[test]
    fn remembers_up_to_its_cap_then_starts_over() {
        let seen = RecentlyWritten::new(2);
        seen.insert(1);
        seen.insert(2);
        assert!(seen.contains(&1) && seen.contains(&2));
        seen.insert(3);
        assert!(seen.contains(&3) && !seen.contains(&1));
    }
}

/// Counts events per key in fixed one-minute windows, in this process's memory: what a
/// function can throttle without a write per event. Each instance counts on its own, so a
/// limit holds per instance; entries of past windows are dropped as the map grows.
pub struct MinuteCounter<K>(Mutex<HashMap<K, (i64, u32)>>);

impl<K> Default for MinuteCounter<K> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

/// Entries kept before those of past minutes are dropped.
const COUNTER_ENTRIES: usize = 10_000;

impl<K: Eq + Hash> MinuteCounter<K> {
    /// Counts one event for `key` at `now` (unix seconds); answers the count in this minute.
    pub fn count(&self, key: K, now: i64) -> u32 {
        let minute = now.div_euclid(60);
        let mut entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= COUNTER_ENTRIES {
            entries.retain(|_, (m, _)| *m == minute);
        }
        let entry = entries.entry(key).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }

    /// The count for `key` in the minute of `now`.
    pub fn current(&self, key: &K, now: i64) -> u32 {
        let minute = now.div_euclid(60);
        let entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(m, _)| *m == minute)
            .map_or(0, |(_, n)| *n)
    }
}

#[cfg(test)]
mod counter_tests {
    use super::*;

    #[test]
    fn counts_start_again_each_minute_and_old_minutes_are_dropped() {
        let c = MinuteCounter::<&str>::default();
        assert_eq!(c.count("a", 120), 1);
        assert_eq!(c.count("a", 179), 2);
        assert_eq!(c.current(&"a", 179), 2);
        assert_eq!(c.current(&"a", 180), 0);
        assert_eq!(c.count("a", 180), 1);
        assert_eq!(c.current(&"b", 180), 0);
        let many = MinuteCounter::<u32>::default();
        for k in 0..COUNTER_ENTRIES as u32 {
            many.count(k, 0);
        }
        many.count(0, 60);
        assert!(many.0.lock().unwrap().len() <= 1);
    }
}
