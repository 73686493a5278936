//! Where the command line finds its API and key: `PAYRAIL_API_URL` and `PAYRAIL_API_KEY`, or a
//! profile in the config file (`PAYRAIL_CONFIG`, else `$XDG_CONFIG_HOME/payrail/config`, else
//! `~/.config/payrail/config`):
//!
//! ```text
//! [default]
//! api_url = https://pay.example.com
//! api_key = prl_key_….…
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::CliError;

#[derive(Debug, Clone)]
pub struct Config {
    /// The deployment's origin, without `/api/v1`.
    pub api_url: String,
    pub api_key: String,
}

/// The config file's path.
pub fn config_path() -> PathBuf {
    if let Some(path) = std::env::var_os("PAYRAIL_CONFIG") {
        return PathBuf::from(path);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("payrail").join("config")
}

/// The sections of an INI-style file: `[name]`, then `key = value` lines; `#` starts a comment.
fn sections(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_owned();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.entry(current.clone())
                .or_default()
                .insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    out
}

impl Config {
    /// With `profile` named, that section of the config file; otherwise the environment, and
    /// for what it does not set, the file's `[default]`.
    pub fn load(profile: Option<&str>) -> Result<Self, CliError> {
        let path = config_path();
        let file = std::fs::read_to_string(&path).ok().map(|t| sections(&t));
        let section = |name: &str| file.as_ref().and_then(|f| f.get(name)).cloned();
        let (url, key) = match profile {
            Some(name) => {
                let values = section(name).ok_or_else(|| {
                    CliError::Config(format!("no profile [{name}] in {}", path.display()))
                })?;
                (
                    values.get("api_url").cloned(),
                    values.get("api_key").cloned(),
                )
            }
            None => {
                let defaults = section("default").unwrap_or_default();
                let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
                (
                    env("PAYRAIL_API_URL").or_else(|| defaults.get("api_url").cloned()),
                    env("PAYRAIL_API_KEY").or_else(|| defaults.get("api_key").cloned()),
                )
            }
        };
        let missing = |what: &str| {
            let (env, field) = match what {
                "url" => ("PAYRAIL_API_URL", "api_url"),
                _ => ("PAYRAIL_API_KEY", "api_key"),
            };
            CliError::Config(match profile {
                Some(name) => format!("no {field} in [{name}] of {}", path.display()),
                None => format!(
                    "no API {what}: set {env}, or {field} in [default] of {}",
                    path.display()
                ),
            })
        };
        let url = url.ok_or_else(|| missing("url"))?;
        let key = key.ok_or_else(|| missing("key"))?;
        Ok(Self {
            api_url: normalise_url(&url)?,
            api_key: key.trim().to_owned(),
        })
    }
}

/// `https://host[:port][/prefix]`, without a trailing `/` or `/api/v1`.
fn normalise_url(raw: &str) -> Result<String, CliError> {
    let raw = raw.trim().trim_end_matches('/');
    let raw = raw.strip_suffix("/api/v1").unwrap_or(raw);
    let parsed = reqwest::Url::parse(raw)
        .map_err(|e| CliError::Config(format!("PAYRAIL_API_URL '{raw}' is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(CliError::Config(format!(
            "PAYRAIL_API_URL '{raw}' must be an http or https URL"
        )));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_sections() {
        let s = sections("# mine\n[default]\napi_url = http://a\n\n[live]\napi_key=prl_x\n");
        assert_eq!(s["default"]["api_url"], "http://a");
        assert_eq!(s["live"]["api_key"], "prl_x");
    }

    #[test]
    fn the_url_is_an_origin_without_the_api_prefix() {
        assert_eq!(
            normalise_url("http://127.0.0.1:3000/api/v1/").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert!(normalise_url("127.0.0.1:3000").is_err());
        assert!(normalise_url("ftp://x").is_err());
    }
}
