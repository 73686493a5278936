//! Absolute http(s) URLs that merchants give us (redirect targets).

use std::fmt;

use url::Url;

pub const MAX_URL_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(Url);

impl WebUrl {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is required");
        }
        if raw.len() > MAX_URL_LEN {
            return Err("must be at most 2048 characters");
        }
        let url = Url::parse(raw).map_err(|_| "must be an absolute http(s) URL")?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err("must be an absolute http(s) URL");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain credentials");
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_absolute_http_and_https() {
        assert!(WebUrl::parse("https://shop.example.com/thanks?o=1").is_ok());
        assert!(WebUrl::parse("http://127.0.0.1:8080/ok").is_ok());
    }

    #[test]
    fn rejects_relative_other_schemes_and_credentials() {
        for bad in [
            "",
            "/thanks",
            "shop.example.com",
            "javascript:alert(1)",
            "ftp://x.io/f",
            "https://user:pw@x.io/",
            "data:text/html,hi",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
