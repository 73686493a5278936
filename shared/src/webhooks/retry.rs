//! When to try a failed delivery again: the Standard Webhooks schedule (now, 5 s, 5 min,
//! 30 min, 2 h, 5 h, 10 h, 10 h), each delay jittered, a receiver's `Retry-After` honoured.

use std::time::Duration;

/// SQS cannot hide a message for longer than 12 hours.
pub const MAX_DELAY: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self::from_secs(&[0, 5, 300, 1800, 7200, 18000, 36000, 36000])
    }
}

impl RetrySchedule {
    pub fn from_secs(secs: &[u64]) -> Self {
        Self(secs.iter().map(|s| Duration::from_secs(*s)).collect())
    }

    /// `PAYRAIL_RETRY_SCHEDULE`: delays in seconds, comma separated, the first being the
    /// initial attempt's (normally 0).
    pub fn parse(raw: &str) -> Option<Self> {
        let secs: Option<Vec<u64>> = raw.split(',').map(|s| s.trim().parse().ok()).collect();
        secs.filter(|s| !s.is_empty()).map(|s| Self::from_secs(&s))
    }

    /// How many attempts a delivery gets in all.
    pub fn attempts(&self) -> u32 {
        self.0.len() as u32
    }

    /// The wait before attempt `next` (2 for the first retry), or `None` when the attempts are
    /// used up. Jitter of up to ±10% (from `jitter`, a number in 0..1) spreads retries of many
    /// deliveries; a `Retry-After` longer than the schedule wins.
    pub fn delay_before(
        &self,
        next: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        let base = *self.0.get(next.checked_sub(1)? as usize)?;
        let spread = base.as_secs_f64() * 0.1 * (jitter.clamp(0.0, 1.0) * 2.0 - 1.0);
        let jittered = Duration::from_secs_f64((base.as_secs_f64() + spread).max(0.0));
        Some(jittered.max(retry_after.unwrap_or_default()).min(MAX_DELAY))
    }
}

/// A number in 0..1 from the OS CSPRNG, for jitter.
pub fn jitter() -> f64 {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
}

/// `Retry-After` as seconds (the HTTP-date form is rare for webhooks and is ignored).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_schedule_has_eight_attempts() {
        let s = RetrySchedule::default();
        assert_eq!(s.attempts(), 8);
        assert_eq!(s.delay_before(2, None, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(
            s.delay_before(8, None, 0.5),
            Some(Duration::from_secs(36000))
        );
        assert_eq!(s.delay_before(9, None, 0.5), None);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let s = RetrySchedule::default();
        let low = s.delay_before(3, None, 0.0).unwrap();
        let high = s.delay_before(3, None, 1.0).unwrap();
        assert_eq!((low.as_secs(), high.as_secs()), (270, 330));
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        let s = RetrySchedule::default();
        assert_eq!(
            s.delay_before(2, Some(Duration::from_secs(60)), 0.5),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            s.delay_before(2, Some(Duration::from_secs(1)), 0.5),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            s.delay_before(2, Some(Duration::from_secs(99 * 3600)), 0.5),
            Some(MAX_DELAY)
        );
    }

    #[test]
    fn parses_the_setting() {
        assert_eq!(
            RetrySchedule::parse("0, 1,2"),
            Some(RetrySchedule::from_secs(&[0, 1, 2]))
        );
        assert_eq!(RetrySchedule::parse("a"), None);
        assert_eq!(parse_retry_after(" 30 "), Some(Duration::from_secs(30)));
    }
}
