//! The parameters of a list request (`limit`, `cursor`), and the opaque cursors themselves.
//!
//! A cursor carries only the sort-key id of the last item returned; the partition (the caller's
//! own merchant) is always added by the server, so a cursor crafted from another merchant's id
//! can never reach outside the caller's partition.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;
use crate::ids::PrefixedId;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// What one request of a list asks for: its size, and the id of the last item of the previous
/// page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams<I> {
    pub limit: u32,
    pub after: Option<I>,
}

impl<I: PrefixedId> ListParams<I> {
    /// `limit` (1–100, default 20) and the opaque `cursor` of a list of `I`-identified items,
    /// decoded once for every list: a cursor that is not one this list returned is 400.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_query(
                        "limit",
                        "must be an integer from 1 to 100",
                    ));
                }
            },
        };
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => Some(
                decode_cursor(cursor)
                    .and_then(|id| I::parse(&id))
                    .ok_or_else(|| {
                        ApiError::bad_query("cursor", "is not a cursor returned by this list")
                    })?,
            ),
        };
        Ok(Self { limit, after })
    }
}

pub fn encode_cursor(last_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(last_id)
}

/// The id a cursor carries, if it is one of [`encode_cursor`]'s.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TransactionId;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let id = TransactionId::generate();
        let c = encode_cursor(id.as_str());
        assert_eq!(decode_cursor(&c).as_deref(), Some(id.as_str()));
        assert_eq!(decode_cursor("!!"), None);
    }

    #[test]
    fn limit_is_1_to_100_and_a_foreign_cursor_is_refused() {
        let p = ListParams::<TransactionId>::parse(None, None).unwrap();
        assert_eq!((p.limit, p.after), (20, None));
        assert_eq!(
            ListParams::<TransactionId>::parse(Some("100"), None)
                .unwrap()
                .limit,
            100
        );
        for bad in ["0", "101", "x"] {
            let err = ListParams::<TransactionId>::parse(Some(bad), None).unwrap_err();
            assert_eq!(err.code().as_str(), "invalid_query");
        }
        let other = encode_cursor("key_01m84dp5pyekm6hn3vd8rj8wew");
        assert!(ListParams::<TransactionId>::parse(None, Some(&other)).is_err());
    }
}
