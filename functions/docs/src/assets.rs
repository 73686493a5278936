//! What the reference page loads: Swagger UI (vendored by scripts/vendor-docs-viewer.sh) and
//! the page's own script and stylesheet.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The vendored swagger-ui-dist release, from its VERSION file (functions/docs/build.rs).
pub const VIEWER_VERSION: &str = env!("DOCS_VIEWER_VERSION");

/// How long a browser may keep an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// The name carries the viewer's version, so a copy never goes stale: kept for a year.
    Immutable,
    /// Revalidated on every load (an unchanged one costs a bodiless 304), so a deploy is seen
    /// at once.
    Revalidate,
}

#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    pub caching: Caching,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! vendored {
    ($file:literal) => {
        include_str!(concat!("../assets/vendor/swagger-ui-dist/", $file))
    };
}

pub static ASSETS: &[Asset] = &[
    Asset {
        name: concat!("swagger-ui-bundle-", env!("DOCS_VIEWER_VERSION"), ".js"),
        content_type: JS,
        body: vendored!("swagger-ui-bundle.js"),
        caching: Caching::Immutable,
    },
    Asset {
        name: concat!("swagger-ui-", env!("DOCS_VIEWER_VERSION"), ".css"),
        content_type: CSS,
        body: vendored!("swagger-ui.css"),
        caching: Caching::Immutable,
    },
    Asset {
        name: "docs.js",
        content_type: JS,
        body: include_str!("../assets/docs.js"),
        caching: Caching::Revalidate,
    },
    Asset {
        name: "docs.css",
        content_type: CSS,
        body: include_str!("../assets/docs.css"),
        caching: Caching::Revalidate,
    },
];

pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The page, with the vendored assets' versioned names filled in.
pub fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| include_str!("../assets/docs.html").replace("{viewer}", VIEWER_VERSION))
}

/// A strong validator for a revalidated asset or the page (a few kilobytes each, so hashed on
/// each request). Immutable assets have none: a browser never asks about them again.
pub fn etag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_exactly_the_assets_served() {
        let page = page();
        assert!(!page.contains("{viewer}"));
        for asset in ASSETS {
            assert!(
                page.contains(&format!("\"docs/assets/{}\"", asset.name)),
                "{} is not loaded by the page",
                asset.name
            );
        }
        let referenced = page.matches("docs/assets/").count();
        assert_eq!(
            referenced,
            ASSETS.len(),
            "the page loads an asset not served"
        );
    }

    #[test]
    fn vendored_names_carry_the_version() {
        for asset in ASSETS.iter().filter(|a| a.caching == Caching::Immutable) {
            assert!(asset.name.contains(VIEWER_VERSION), "{}", asset.name);
        }
    }
}
