//! Embeds docs/openapi.yaml as JSON, converted at build time so the function carries no YAML
//! parser, and names the vendored viewer's version (DOCS_VIEWER_VERSION) for its asset URLs.

use std::path::Path;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = manifest.join("../../docs/openapi.yaml");
    println!("cargo::rerun-if-changed={}", source.display());
    let yaml = std::fs::read_to_string(&source).expect("docs/openapi.yaml is readable");
    let doc: serde_json::Value =
        serde_norway::from_str(&yaml).expect("docs/openapi.yaml is valid YAML");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("openapi.json");
    std::fs::write(out, serde_json::to_string(&doc).unwrap()).unwrap();

    // Written by scripts/vendor-docs-viewer.sh beside the files it fetched.
    let version_file = manifest.join("assets/vendor/swagger-ui-dist/VERSION");
    println!("cargo::rerun-if-changed={}", version_file.display());
    let version = std::fs::read_to_string(&version_file).expect(
        "assets/vendor/swagger-ui-dist/VERSION is readable (scripts/vendor-docs-viewer.sh)",
    );
    println!("cargo::rustc-env=DOCS_VIEWER_VERSION={}", version.trim());
}
