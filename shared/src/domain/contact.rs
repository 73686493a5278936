//! A customer's e-mail address.

use std::fmt;
use std::str::FromStr;

/// A syntactically valid e-mail address (RFC 5322 addr-spec, at most 254 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is required");
        }
        if raw.len() > 254 {
            return Err("must be at most 254 characters");
        }
        let parsed = email_address::EmailAddress::from_str(raw)
            .map_err(|_| "must be a valid e-mail address")?;
        // Display names ("Ann <ann@x.io>") are valid RFC 5322 but not an address on their own.
        if parsed.email() != raw || !parsed.domain().contains('.') {
            return Err("must be a valid e-mail address");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["ann@example.com", "a.b+tag@sub.example.co.uk"] {
            assert_eq!(Email::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@localhost",
            "Ann <ann@x.io>",
            "a b@x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
