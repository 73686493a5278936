//! How large a function's package is: its binary, zipped as Lambda takes it.

use std::collections::BTreeMap;
use std::path::Path;

pub fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The size of `bootstrap` zipped as Lambda takes it (deflate, best compression). Each binary
/// is zipped once per run (the per-function and the package tables both ask), and callers may
/// ask from several threads at once.
pub fn zip_size(binary: &Path) -> u64 {
    if !zipping() {
        return 0;
    }
    static ZIPPED: std::sync::Mutex<BTreeMap<std::path::PathBuf, u64>> =
        std::sync::Mutex::new(BTreeMap::new());
    if let Some(size) = ZIPPED.lock().unwrap().get(binary) {
        return *size;
    }
    let size = zip_once(binary);
    ZIPPED.lock().unwrap().insert(binary.to_owned(), size);
    size
}

fn zip_once(binary: &Path) -> u64 {
    static SCRATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "payrail-zip-{}-{}",
        std::process::id(),
        SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::create_dir_all(&dir);
    let bootstrap = dir.join("bootstrap");
    let zip = dir.join("bootstrap.zip");
    let _ = std::fs::remove_file(&zip);
    if std::fs::copy(binary, &bootstrap).is_err() {
        return 0;
    }
    let ok = std::process::Command::new("zip")
        .args(["-q", "-9", "-j"])
        .arg(&zip)
        .arg(&bootstrap)
        .status()
        .is_ok_and(|s| s.success());
    let size = if ok { file_size(&zip) } else { 0 };
    let _ = std::fs::remove_dir_all(&dir);
    size
}

/// `BENCH_ZIP=0` (the smoke run `make test` makes of debug binaries) leaves sizes unzipped.
fn zipping() -> bool {
    std::env::var("BENCH_ZIP").as_deref() != Ok("0")
}

/// The size of a directory's contents zipped as a Lambda package (deflate, best compression).
pub fn dir_zip_size(dir: &Path) -> u64 {
    if !zipping() {
        return 0;
    }
    let zip = std::env::temp_dir().join(format!("payrail-dir-zip-{}.zip", std::process::id()));
    let _ = std::fs::remove_file(&zip);
    let ok = std::process::Command::new("zip")
        .args(["-q", "-r", "-9", "-X"])
        .arg(&zip)
        .arg(".")
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success());
    let size = if ok { file_size(&zip) } else { 0 };
    let _ = std::fs::remove_file(&zip);
    size
}
