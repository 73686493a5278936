//! OwnPay's numbered lists: `page` and `per_page` read as its server reads them (leniently),
//! `from`/`to` dates, and the `meta` it answers.

use serde_json::{Value, json};

use crate::domain::Timestamp;
use crate::error::ApiError;

pub const DEFAULT_PER_PAGE: u32 = 25;
pub const MAX_PER_PAGE: u32 = 100;

/// Which page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

/// The leading digits of `raw` as a number, 0 without any: how OwnPay's server reads a number
/// in a query, so `?page=abc` is page 1 there and here.
fn leading_number(raw: &str) -> u32 {
    let digits: String = raw
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    digits.parse().unwrap_or(0)
}

impl Paging {
    /// `page` from 1 (default 1), `per_page` within 1 to 100 (default 25).
    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Self {
        Self {
            page: page.map_or(1, leading_number).max(1),
            per_page: per_page
                .map_or(DEFAULT_PER_PAGE, leading_number)
                .clamp(1, MAX_PER_PAGE),
        }
    }

    /// The page answered for `total` items: a page past the end answers the last one, as
    /// OwnPay's transactions and refunds do.
    pub fn clamped(self, total: u64) -> Self {
        Self {
            page: self.page.min(total_pages(total, self.per_page)),
            ..self
        }
    }

    /// `meta` of a transactions or refunds list.
    pub fn meta(self, total: u64) -> Value {
        json!({
            "page": self.page,
            "per_page": self.per_page,
            "total": total,
            "total_pages": total_pages(total, self.per_page),
        })
    }
}

/// Pages of `per_page` that `total` items fill; 1 for none, as OwnPay counts.
fn total_pages(total: u64, per_page: u32) -> u32 {
    u32::try_from(total.div_ceil(u64::from(per_page.max(1))))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// `from` and `to` as OwnPay takes them: dates (`2026-12-01`, the whole day included) or
/// RFC 3339 instants; either may be absent.
pub fn created_between(
    from: Option<&str>,
    to: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), ApiError> {
    let parse = |field: &str, raw: &str, end_of_day: bool| {
        let raw = raw.trim();
        if let Some(t) = Timestamp::parse(raw) {
            return Ok(t);
        }
        Timestamp::parse(&format!("{raw}T00:00:00Z"))
            .filter(|_| raw.len() == 10)
            .map(|t| {
                if end_of_day {
                    Timestamp::from_unix(t.unix() + 86_399)
                } else {
                    t
                }
            })
            .ok_or_else(|| ApiError::bad_query(field, "must be a date (YYYY-MM-DD)"))
    };
    let from = match from.filter(|v| !v.trim().is_empty()) {
        Some(raw) => parse("from", raw, false)?,
        None => Timestamp::from_unix(0),
    };
    let to = match to.filter(|v| !v.trim().is_empty()) {
        Some(raw) => parse("to", raw, true)?,
        // A day ahead, so nothing created as the list is read is left out.
        None => now.plus(std::time::Duration::from_secs(86_400)),
    };
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_and_per_page_are_read_as_ownpay_reads_them() {
        let p = |a, b| Paging::parse(a, b);
        assert_eq!(
            p(None, None),
            Paging {
                page: 1,
                per_page: 25
            }
        );
        assert_eq!(
            p(Some("3"), Some("10")),
            Paging {
                page: 3,
                per_page: 10
            }
        );
        assert_eq!(
            p(Some("abc"), Some("0")),
            Paging {
                page: 1,
                per_page: 1
            }
        );
        assert_eq!(
            p(Some("-2"), Some("500")),
            Paging {
                page: 1,
                per_page: 100
            }
        );
        assert_eq!(p(Some("2x"), Some("7")).page, 2);
    }

    #[test]
    fn meta_counts_pages_and_a_page_past_the_end_is_the_last() {
        let p = Paging::parse(Some("99"), Some("25"));
        assert_eq!(
            p.clamped(0).meta(0),
            json!({"page": 1, "per_page": 25, "total": 0, "total_pages": 1})
        );
        assert_eq!(p.clamped(51).meta(51)["page"], 3);
        assert_eq!(p.clamped(51).meta(51)["total_pages"], 3);
    }

    #[test]
    fn dates_cover_whole_days() {
        let now = Timestamp::parse("2026-12-06T12:00:00Z").unwrap();
        let (from, to) = created_between(Some("2026-12-01"), Some("2026-12-01"), now).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-12-01T00:00:00Z");
        assert_eq!(to.to_rfc3339(), "2026-12-01T23:59:59Z");
        assert!(created_between(Some("yesterday"), None, now).is_err());
        let (_, to) = created_between(None, None, now).unwrap();
        assert!(to > now);
    }
}
