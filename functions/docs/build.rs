//! Embeds docs/openapi.yaml as JSON, converted at build time so the function carries no YAML
//! parser.

fn main() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.yaml");
    println!("cargo::rerun-if-changed={}", source.display());
    let yaml = std::fs::read_to_string(&source).expect("docs/openapi.yaml is readable");
    let doc: serde_json::Value =
        serde_norway::from_str(&yaml).expect("docs/openapi.yaml is valid YAML");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("openapi.json");
    std::fs::write(out, serde_json::to_string(&doc).unwrap()).unwrap();
}
