//! The packaged bootstraps, as `sam deploy` would ship them: `make package-test` unpacks
//! `target/lambda/<function>/bootstrap.zip` into `$PAYRAIL_FUNCTION_DIR/<function>/bootstrap` and
//! runs this with `$PAYRAIL_FUNCTION_ARCH` and, for arm64 on an x86_64 machine, a qemu launcher.
//!
//! Each binary must be built for the architecture template.yaml deploys and need no glibc newer
//! than Lambda's `provided.al2023` has; the runtime tests of the `it` suite then run every
//! function under the local Runtime API with its sample event.

#[path = "it/lambda_runtime.rs"]
mod lambda_runtime;

use std::path::PathBuf;

use object::Endianness;
use object::elf;
use object::read::elf::{ElfFile64, FileHeader};

/// The glibc of Lambda's `provided.al2023` runtime.
const LAMBDA_GLIBC: (u32, u32) = (2, 34);

fn function_dir() -> PathBuf {
    PathBuf::from(
        std::env::var_os("PAYRAIL_FUNCTION_DIR")
            .expect("PAYRAIL_FUNCTION_DIR names the unpacked packages (make package-test sets it)"),
    )
}

fn functions() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../functions");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `GLIBC_2.28` → (2, 28).
fn glibc_version(name: &str) -> Option<(u32, u32)> {
    let (major, minor) = name.strip_prefix("GLIBC_")?.split_once('.')?;
    let minor = minor.split('.').next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The ELF machine and every symbol version the binary needs from its shared libraries.
fn inspect(path: &std::path::Path) -> (elf::Machine, Vec<String>) {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = ElfFile64::<Endianness>::parse(&*data)
        .unwrap_or_else(|e| panic!("{} is not a 64-bit ELF: {e}", path.display()));
    let endian = file.endian();
    let machine = file.elf_header().e_machine(endian);
    let sections = file.elf_section_table();
    let mut needed = Vec::new();
    if let Some((mut verneed, link)) = sections.gnu_verneed(endian, &*data).unwrap() {
        let strings = sections.strings(endian, &*data, link).unwrap();
        while let Some((_, mut aux)) = verneed.next().unwrap() {
            while let Some(version) = aux.next().unwrap() {
                let name = version.name(endian, strings).unwrap();
                needed.push(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    (machine, needed)
}

#[test]
fn every_function_is_packaged_for_the_lambda_architecture_and_glibc() {
    let arch = std::env::var("PAYRAIL_FUNCTION_ARCH").unwrap_or_else(|_| "arm64".into());
    let want_machine = match arch.as_str() {
        "arm64" => elf::EM_AARCH64,
        "x86_64" => elf::EM_X86_64,
        other => panic!("PAYRAIL_FUNCTION_ARCH must be arm64 or x86_64, not {other}"),
    };
    let dir = function_dir();
    let mut newest = (0, 0);
    for name in functions() {
        let path = dir.join(&name).join("bootstrap");
        let (machine, needed) = inspect(&path);
        assert_eq!(machine, want_machine, "{name} is not built for {arch}");
        let glibc: Vec<(u32, u32)> = needed.iter().filter_map(|n| glibc_version(n)).collect();
        assert!(!glibc.is_empty(), "{name} links glibc: {needed:?}");
        let highest = glibc.into_iter().max().unwrap();
        assert!(
            highest <= LAMBDA_GLIBC,
            "{name} needs GLIBC_{}.{}, newer than provided.al2023's {}.{}",
            highest.0,
            highest.1,
            LAMBDA_GLIBC.0,
            LAMBDA_GLIBC.1
        );
        newest = newest.max(highest);
    }
    eprintln!("highest glibc needed: {}.{}", newest.0, newest.1);
}

#[test]
fn glibc_versions_are_read_as_numbers() {
    assert_eq!(glibc_version("GLIBC_2.34"), Some((2, 34)));
    assert_eq!(glibc_version("GLIBC_2.2.5"), Some((2, 2)));
    assert_eq!(glibc_version("GCC_3.0"), None);
    assert!(glibc_version("GLIBC_2.9") < glibc_version("GLIBC_2.34"));
}
