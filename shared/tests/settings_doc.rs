//! The settings table of docs/operate.md says what `shared/src/config.rs` reads: every setting,
//! with its default where it has one.

use std::collections::BTreeMap;

/// Settings the local tools read, not the functions.
const LOCAL_ONLY: &[&str] = &["PAYRAIL_ADMIN_TOKEN", "PAYRAIL_PORT"];

#[test]
fn the_documented_settings_table_matches_the_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operate.md"))
            .expect("docs/operate.md");
    let section = readme
        .split("\n## Configuration")
        .nth(1)
        .expect("a Configuration section")
        .split("\n## ")
        .next()
        .unwrap();
    // variable → its row's default column
    let mut documented = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| `PAYRAIL_")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        for name in cells[0].split('`').filter(|t| t.starts_with("PAYRAIL_")) {
            documented.insert(name.to_owned(), cells.get(1).copied().unwrap_or_default());
        }
    }
    let mut problems = Vec::new();
    for (name, default) in payrail::config::ALL {
        match (documented.get(*name), default) {
            (None, _) => problems.push(format!(
                "{name} is not in the settings table of docs/operate.md"
            )),
            (Some(cell), Some(d)) if !cell.contains(&format!("`{d}`")) && !d.contains("://") => {
                problems.push(format!(
                    "{name}: docs/operate.md says {cell:?}, the code's default is {d}"
                ))
            }
            _ => {}
        }
    }
    for name in documented.keys() {
        let known = payrail::config::ALL.iter().any(|(n, _)| n == name);
        if !known && !LOCAL_ONLY.contains(&name.as_str()) {
            problems.push(format!(
                "{name} is in docs/operate.md but the code reads no such setting"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
