//! The documentation holds together: every relative link in the Markdown pages resolves to a
//! file (and a `#section` to one of its headings), and every group of routes template.yaml
//! deploys is described in docs/integrate.md.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The pages a reader follows links between.
fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = [
        "README.md",
        "CONTRIBUTING.md",
        "BENCHMARKS.md",
        "cli/README.md",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect();
    for dir in ["docs", "clients/node", "clients/php"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages
}

/// GitHub's anchor for a heading: lower case, spaces to `-`, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// The targets of `[text](target)` links outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_and_section_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for link in links(&text) {
            if link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("mailto:")
            {
                continue;
            }
            let (file, section) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", page.display()));
                continue;
            }
            if !section.is_empty() && target.extension().is_some_and(|e| e == "md") {
                let headings = anchors(&std::fs::read_to_string(&target).unwrap());
                if !headings.contains(section) {
                    broken.push(format!("{}: {link} (no such section)", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_group_of_routes_is_described_for_integrators() {
    let template = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    let integrate = std::fs::read_to_string(root().join("docs/integrate.md")).unwrap();
    let mut missing = BTreeSet::new();
    for line in template.lines() {
        // `Properties: {ApiId: …, Method: GET, Path: "/api/v1/…"}` or `Path: /…` on its own line.
        let Some(at) = line.find("Path: ") else {
            continue;
        };
        let path = line[at + 6..].trim_matches(|c: char| c == '"' || c == '}' || c.is_whitespace());
        if !path.starts_with('/') {
            continue;
        }
        let rest = path
            .strip_prefix("/ownpay/api/v1")
            .or_else(|| path.strip_prefix("/api/v1"))
            .unwrap_or(path);
        let group = rest.split('/').nth(1).unwrap_or_default();
        if group.is_empty() || group.starts_with('{') {
            continue;
        }
        if !integrate.contains(&format!("/{group}")) {
            missing.insert(format!("/{group} (from {path})"));
        }
    }
    assert!(
        missing.is_empty(),
        "route groups docs/integrate.md does not describe: {missing:?}"
    );
}

#[test]
fn the_readme_is_short() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines: put the rest in docs/"
    );
}
