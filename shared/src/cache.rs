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
