//! What each function ships as, per architecture: the x86_64 binaries measured here and the
//! arm64 packages `make package` builds (sizes only: timings under qemu are not Lambda's).

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::sizes::{file_size, zip_size};

/// Every function of the workspace, by its directory under functions/.
fn functions(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("functions"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The `bootstrap` of a package, unpacked into a file of its own.
fn unpack(zip: &Path, into: &Path) -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(zip)
        .arg("bootstrap")
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty())?;
    std::fs::create_dir_all(into).ok()?;
    let path = into.join("bootstrap");
    std::fs::write(&path, out.stdout).ok()?;
    Some(path)
}

/// Per function, the x86_64 binary measured here, stripped and zipped. Every function of the
/// workspace has an entry, empty when `make bench` did not build it (it builds what it
/// measures), so that the arm64 sizes of all of them find their row.
pub fn x86_sizes(root: &Path, bin_dir: &Path) -> Value {
    // Zipped side by side: deflate -9 of a dozen binaries is most of the report's own time.
    let zipped: Vec<(String, Option<u64>)> = std::thread::scope(|scope| {
        functions(root)
            .into_iter()
            .map(|name| {
                let binary = bin_dir.join(&name);
                scope.spawn(move || (name, binary.is_file().then(|| zip_size(&binary))))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|zipping| zipping.join().expect("zip a binary"))
            .collect()
    });
    let mut out = Map::new();
    for (name, zip_bytes) in zipped {
        let entry = match zip_bytes {
            Some(zip_bytes) => json!({"x86_64": {
                "binary_bytes": file_size(&bin_dir.join(&name)),
                "zip_bytes": zip_bytes,
            }}),
            None => json!({}),
        };
        out.insert(name, entry);
    }
    Value::Object(out)
}

/// The arm64 packages in `arm64_dir` (`<function>/bootstrap.zip`, as `make package` writes them),
/// for bench/arm64.json: each `bootstrap` zipped the same way as the x86_64 one (`zip_bytes`,
/// so the columns compare) and the package as written (`package_bytes`).
pub fn record_arm64(root: &Path, arm64_dir: &Path, compiler: &str) -> Value {
    let scratch = std::env::temp_dir().join(format!("payrail-arm64-{}", std::process::id()));
    let mut functions_out = Map::new();
    for name in functions(root) {
        let package = arm64_dir.join(&name).join("bootstrap.zip");
        let bootstrap = unpack(&package, &scratch.join(&name))
            .unwrap_or_else(|| panic!("{} holds no bootstrap", package.display()));
        functions_out.insert(
            name,
            json!({
                "binary_bytes": file_size(&bootstrap),
                "zip_bytes": zip_size(&bootstrap),
                "package_bytes": file_size(&package),
            }),
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    json!({
        "recorded_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "compiler": compiler,
        "functions": functions_out,
    })
}

/// Puts the recorded arm64 sizes beside the x86_64 ones of a run's results.
pub fn merge_arm64(results: &mut Value, arm64: Option<&Value>) {
    let Some(arm64) = arm64 else { return };
    let Some(functions) = arm64["functions"].as_object() else {
        return;
    };
    for (name, sizes) in functions {
        if let Some(entry) = results["packages"].get_mut(name) {
            entry["arm64"] = sizes.clone();
        }
    }
    results["arm64_recorded"] = json!({
        "recorded_at": arm64["recorded_at"],
        "compiler": arm64["compiler"],
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_arm64_sizes_sit_beside_the_measured_x86_64_ones() {
        let mut results = json!({"packages": {
            "docs": {"x86_64": {"binary_bytes": 2_000_000, "zip_bytes": 900_000}},
            "hub": {"x86_64": {"binary_bytes": 2_100_000, "zip_bytes": 950_000}},
        }});
        let arm64 = json!({
            "recorded_at": "2026-11-23T12:00:00Z",
            "compiler": "rustc 1.96.0",
            "functions": {
                "docs": {"binary_bytes": 1_800_000, "zip_bytes": 800_000, "package_bytes": 810_000},
                "gone": {"binary_bytes": 1, "zip_bytes": 1, "package_bytes": 1},
            },
        });
        merge_arm64(&mut results, Some(&arm64));
        assert_eq!(
            results["packages"]["docs"]["arm64"]["binary_bytes"],
            1_800_000
        );
        assert_eq!(
            results["packages"]["docs"]["x86_64"]["binary_bytes"],
            2_000_000
        );
        assert!(results["packages"]["hub"].get("arm64").is_none());
        assert!(
            results["packages"].get("gone").is_none(),
            "a function no longer built is not invented"
        );
        assert_eq!(results["arm64_recorded"]["compiler"], "rustc 1.96.0");

        let mut without = json!({"packages": {}});
        merge_arm64(&mut without, None);
        assert!(without.get("arm64_recorded").is_none());
    }
}
