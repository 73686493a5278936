//! Bounded strings: merchant-supplied text with a length limit and no control characters.

use std::fmt;

fn check(raw: &str, min: usize, max: usize) -> Result<(), String> {
    let chars = raw.chars().count();
    if chars < min {
        return Err(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters")
        });
    }
    if chars > max {
        return Err(format!("must be at most {max} characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(())
}

/// Free text of 1 to `MAX` characters (product title, names, labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    /// Trimmed, but held to `MAX` as sent too: the documented limit is on what the client sends.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        let trimmed = raw.trim();
        check(trimmed, 1, MAX)?;
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> fmt::Display for BoundedText<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The merchant's own order reference: 1–128 characters, unique per merchant. Kept exactly as
/// sent (not trimmed), because it is the merchant's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderUuid(String);

impl OrderUuid {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Err("is required".to_owned());
        }
        check(raw, 1, 128)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_trims_and_limits_by_characters() {
        assert_eq!(
            BoundedText::<8>::parse("  héllo ").unwrap().as_str(),
            "héllo"
        );
        assert!(BoundedText::<5>::parse("héllo!").is_err());
        // The limit holds on the text as sent, spaces and newlines included.
        assert!(BoundedText::<5>::parse("\nhéllo").is_err());
        assert!(BoundedText::<5>::parse("   ").is_err());
        assert!(BoundedText::<5>::parse("a\u{0}b").is_err());
    }

    #[test]
    fn order_uuid_is_kept_verbatim_within_128_chars() {
        assert_eq!(OrderUuid::parse("ord-1 ").unwrap().as_str(), "ord-1 ");
        assert!(OrderUuid::parse(&"x".repeat(128)).is_ok());
        assert!(OrderUuid::parse(&"x".repeat(129)).is_err());
        assert!(OrderUuid::parse("").is_err());
        assert!(OrderUuid::parse("  ").is_err());
    }
}
