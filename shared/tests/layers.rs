//! The shape of `shared/src`, checked from its own imports: every module sits in one layer, and
//! a module uses only modules of its own layer or lower ones. No import circle anywhere in the
//! workspace's crates.
//!
//! Where does a new module go? Find the lowest layer whose modules give it everything it uses:
//!
//! 0. **primitives**: parsed values and helpers with no I/O (`domain`, `ids`, `crypto`, request
//!    input types, `error`).
//! 1. **models**: plain data a feature stores and answers (a transaction, a key, an endpoint),
//!    with its validation; no AWS client, no HTTP.
//! 2. **store**: DynamoDB, Secrets Manager and SQS, and the `App` that holds their clients; the
//!    only code that knows item layouts and secret names.
//! 3. **adapters**: other systems Payrail talks to (payment processors, webhook receivers).
//! 4. **services**: the operations routes run (`keys::service::create`, …), over models, stores
//!    and adapters.
//! 5. **edge**: HTTP and Lambda: reading requests, rendering answers and pages, authenticating.
//!
//! Then add it to [`LAYERS`]. A model a service and a store both need belongs in a model file
//! of its feature folder, not in either of them; a feature folder's `mod.rs` only re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const NAMES: [&str; 6] = [
    "primitives",
    "models",
    "store",
    "adapters",
    "services",
    "edge",
];

/// Each module's layer, by path prefix: the longest prefix that matches a module decides.
const LAYERS: &[(&str, usize)] = &[
    // 0: primitives
    ("cache", 0),
    ("crypto", 0),
    ("domain", 0),
    ("error", 0),
    ("ids", 0),
    ("input", 0),
    ("logging", 0),
    ("metrics", 0),
    // 1: models
    ("access_log::audit", 1),
    ("access_log::entry", 1),
    ("access_log::queue", 1),
    ("auth::api_key", 1),
    ("auth::permissions", 1),
    ("auth::principal", 1),
    ("auth::routes", 1),
    ("config", 1),
    ("customers::customer", 1),
    ("events", 1),
    ("keys::key", 1),
    ("links::link", 1),
    ("merchants::merchant", 1),
    ("ownpay::customer", 1),
    ("ownpay::keys", 1),
    ("ownpay::paging", 1),
    ("ownpay::payment", 1),
    ("ownpay::refund", 1),
    ("ownpay::webhooks", 1),
    ("payments::card", 1),
    ("payments::dispute", 1),
    ("payments::request", 1),
    ("payments::transaction", 1),
    ("processor::config", 1),
    ("refunds::refund", 1),
    ("two_step::code", 1),
    ("webhooks::attempt", 1),
    ("webhooks::endpoint", 1),
    ("webhooks::format", 1),
    ("webhooks::job", 1),
    ("webhooks::retry", 1),
    ("webhooks::signing", 1),
    // 2: store
    ("app", 2),
    ("store", 2),
    ("tenant", 2),
    ("webhooks::secrets", 2),
    // 3: adapters
    ("processor", 3),
    ("webhooks::deliver", 3),
    ("webhooks::ssrf", 3),
    // 4: services
    ("access_log::service", 4),
    ("access_log::writer", 4),
    ("auth::service", 4),
    ("checkout::service", 4),
    ("customers::service", 4),
    ("keys::service", 4),
    ("links::service", 4),
    ("merchants::service", 4),
    ("ownpay::service", 4),
    ("payments::expiry", 4),
    ("payments::processor_events", 4),
    ("payments::reconcile", 4),
    ("payments::service", 4),
    ("processor::service", 4),
    ("refunds::service", 4),
    ("refunds::sync", 4),
    ("two_step::service", 4),
    ("webhooks::dispatch", 4),
    ("webhooks::recover", 4),
    ("webhooks::service", 4),
    // 5: edge
    ("checkout::html", 5),
    ("http", 5),
    ("lambda", 5),
    ("links::html", 5),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .filter(|(prefix, _)| {
            module == *prefix
                || module
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with("::"))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, layer)| *layer)
}

/// One crate's source: each module's path (`keys::service`), file and text.
struct Crate {
    modules: BTreeMap<String, (PathBuf, String)>,
}

impl Crate {
    fn read(src: &Path) -> Self {
        let mut modules = BTreeMap::new();
        let mut stack = vec![src.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                modules.insert(parts.join("::"), (path, text));
            }
        }
        Self { modules }
    }

    /// The module a `crate::…` path names: the longest prefix that is a module, followed
    /// through that module's re-exports (`pub use`) to where the item is defined.
    fn resolve(&self, path: &[String], depth: usize) -> String {
        for len in (0..=path.len()).rev() {
            let module = path[..len].join("::");
            let Some((_, text)) = self.modules.get(&module) else {
                continue;
            };
            if let (Some(item), true) = (path.get(len), depth < 8) {
                for (name, target) in reexports(&module, text) {
                    if &name == item {
                        return self.resolve(&target, depth + 1);
                    }
                }
            }
            return module;
        }
        String::new()
    }

    /// Each module's imports of other modules of the crate, with the line they are on.
    fn edges(&self) -> BTreeMap<String, Vec<(String, usize)>> {
        let mut edges = BTreeMap::new();
        for (module, (_, text)) in &self.modules {
            let mut out = Vec::new();
            for (line, path) in crate_paths(module, text) {
                let target = self.resolve(&path, 0);
                if target != *module && !target.is_empty() {
                    out.push((target, line));
                }
            }
            edges.insert(module.clone(), out);
        }
        edges
    }
}

/// The code of a file without its comments and without its unit tests (a `#[cfg(test)]`
/// module may use whatever it tests with), one entry per line.
fn code_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut skip_depth: Option<i32> = None;
    let mut depth = 0i32;
    let mut pending_cfg_test = false;
    for raw in text.lines() {
        let line = match raw.find("//") {
            Some(i) if !raw[..i].contains('"') => &raw[..i],
            _ => raw,
        };
        let trimmed = line.trim();
        if trimmed.starts_with("#[cfg(test)]") {
            pending_cfg_test = true;
        } else if pending_cfg_test && trimmed.starts_with("mod ") && trimmed.ends_with('{') {
            skip_depth = Some(depth);
            pending_cfg_test = false;
        } else if !trimmed.is_empty() && !trimmed.starts_with("#[") {
            pending_cfg_test = false;
        }
        let opens = line.matches('{').count() as i32;
        let closes = line.matches('}').count() as i32;
        let skipping = skip_depth.is_some();
        depth += opens - closes;
        if let Some(d) = skip_depth
            && depth <= d
            && closes > 0
        {
            skip_depth = None;
        }
        lines.push(if skipping {
            String::new()
        } else {
            line.to_owned()
        });
    }
    lines
}

/// Every path into the crate a module uses (`crate::a::b`, `super::x`, `use crate::{a, b::c}`),
/// as absolute segments, with its 1-based line.
fn crate_paths(module: &str, text: &str) -> Vec<(usize, Vec<String>)> {
    let lines = code_lines(text);
    let joined = lines.join("\n");
    let mut found = Vec::new();
    let own: Vec<String> = if module.is_empty() {
        vec![]
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !joined.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let rest = &joined[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let (base, skip) = if boundary && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if boundary && rest.starts_with("super::") {
            // In `a/b.rs` and in `a/b/mod.rs` alike, `super` is `a`.
            let parent = own[..own.len().saturating_sub(1)].to_vec();
            (parent, "super::".len())
        } else {
            i += 1;
            continue;
        };
        let line = joined[..i].matches('\n').count() + 1;
        let (tree, used) = use_tree(&joined[i + skip..]);
        for path in tree {
            let mut full = base.clone();
            full.extend(path);
            found.push((line, full));
        }
        i += skip + used.max(1);
    }
    found
}

/// Parses a path or a use tree (`a::b`, `a::{b, c::{d, self}}`), answering each full path.
fn use_tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let bytes = text.as_bytes();
    let mut segments = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i > start {
            segments.push(text[start..i].to_owned());
        }
        let group = if text[i..].starts_with("::{") {
            Some(3)
        } else if segments.is_empty() && text[i..].starts_with('{') {
            Some(1)
        } else {
            None
        };
        if let Some(skip) = group {
            i += skip;
            let mut paths = Vec::new();
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    i += 1;
                    break;
                }
                let (sub, used) = use_tree(&text[i..]);
                i += used.max(1);
                // `as name` renames what was just named: skip it.
                let after = &text[i..];
                if let Some(r) = after.trim_start().strip_prefix("as ") {
                    let name = r.trim_start();
                    let len = name
                        .bytes()
                        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                        .count();
                    i += after.len() - name.len() + len;
                }
                for mut p in sub {
                    if p.last().is_some_and(|s| s == "self") {
                        p.pop();
                    }
                    let mut full = segments.clone();
                    full.extend(p);
                    paths.push(full);
                }
            }
            return (paths, i);
        }
        if text[i..].starts_with("::") {
            i += 2;
            continue;
        }
        return (vec![segments], i);
    }
}

/// What a module re-exports: `pub use a::b::{C, D as E}` gives `C → a::b::C`, `E → a::b::D`.
fn reexports(module: &str, text: &str) -> Vec<(String, Vec<String>)> {
    let own: Vec<String> = if module.is_empty() {
        vec![]
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let joined = code_lines(text).join("\n");
    let mut out = Vec::new();
    for stmt in joined.split(';') {
        let stmt = stmt.trim();
        let Some(rest) = ["pub use ", "pub(crate) use "]
            .iter()
            .find_map(|p| stmt.strip_prefix(p))
        else {
            continue;
        };
        let (rest, base) = if let Some(r) = rest.strip_prefix("crate::") {
            (r, Vec::new())
        } else if let Some(r) = rest.strip_prefix("super::") {
            (r, own[..own.len().saturating_sub(1)].to_vec())
        } else {
            // A child module: `pub use key::ApiKey`.
            (rest, own.clone())
        };
        let flat: String = rest.split_whitespace().collect::<Vec<_>>().join(" ");
        for path in expand_with_renames(&flat) {
            let (target, name) = path;
            let mut full = base.clone();
            full.extend(target);
            out.push((name, full));
        }
    }
    out
}

/// Like [`use_tree`], keeping `as` renames: each (path, name it is known by).
fn expand_with_renames(text: &str) -> Vec<(Vec<String>, String)> {
    fn go(prefix: &[String], text: &str, out: &mut Vec<(Vec<String>, String)>) {
        let text = text.trim();
        if let Some(open) = text.find('{') {
            let head: Vec<String> = text[..open]
                .trim_end_matches("::")
                .split("::")
                .filter(|s| !s.is_empty())
                .map(|s| s.trim().to_owned())
                .collect();
            let inner = &text[open + 1..text.rfind('}').unwrap_or(text.len())];
            let mut full = prefix.to_vec();
            full.extend(head);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        go(&full, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            go(&full, &inner[start..], out);
            return;
        }
        if text.is_empty() {
            return;
        }
        let (path, alias) = match text.split_once(" as ") {
            Some((p, a)) => (p.trim(), Some(a.trim())),
            None => (text, None),
        };
        let mut full = prefix.to_vec();
        full.extend(path.split("::").map(|s| s.trim().to_owned()));
        if full.last().is_some_and(|s| s == "self") {
            full.pop();
        }
        let name = alias
            .map(str::to_owned)
            .or_else(|| full.last().cloned())
            .unwrap_or_default();
        out.push((full, name));
    }
    let mut out = Vec::new();
    go(&[], text, &mut out);
    out
}

/// The circles in a module graph, each as the modules on it.
fn circles(edges: &BTreeMap<String, Vec<(String, usize)>>) -> Vec<Vec<String>> {
    // Tarjan's strongly connected components; any component of two or more is a circle.
    struct State<'a> {
        edges: &'a BTreeMap<String, Vec<(String, usize)>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for (w, _) in s.edges.get(v).map(Vec::as_slice).unwrap_or_default() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

#[test]
fn every_module_of_shared_has_a_layer_and_imports_only_its_own_or_lower_ones() {
    let root = workspace();
    let krate = Crate::read(&root.join("shared/src"));
    let mut problems = Vec::new();
    for module in krate.modules.keys() {
        // lib.rs and a folder's mod.rs that only declares and re-exports have no layer.
        if module.is_empty() || layer_of(module).is_some() {
            continue;
        }
        let (_, text) = &krate.modules[module];
        let has_code = code_lines(text).iter().any(|l| declares(l));
        if has_code {
            problems.push(format!(
                "{module} has no layer: add it to LAYERS in shared/tests/layers.rs (the \
                 lowest layer whose modules give it all it uses)"
            ));
        }
    }
    for (module, imports) in krate.edges() {
        let Some(own) = layer_of(&module) else {
            continue;
        };
        let (file, _) = &krate.modules[&module];
        for (target, line) in imports {
            let Some(theirs) = layer_of(&target) else {
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "{}:{line}: {module} ({}) uses {target} ({}), a higher layer; move what it \
                     needs down to a model, or this code up",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    NAMES[own],
                    NAMES[theirs],
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// Whether a line of code declares something (rather than declaring a module or re-exporting).
fn declares(line: &str) -> bool {
    let t = line
        .trim_start()
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub ");
    [
        "fn ",
        "async fn ",
        "struct ",
        "enum ",
        "impl",
        "trait ",
        "const ",
        "static ",
        "type ",
        "macro_rules!",
    ]
    .iter()
    .any(|k| t.starts_with(k))
}

#[test]
fn a_folders_mod_rs_only_declares_its_modules_and_reexports() {
    let root = workspace();
    let krate = Crate::read(&root.join("shared/src"));
    let mut problems = Vec::new();
    for (module, (file, text)) in &krate.modules {
        if !file.ends_with("mod.rs") {
            continue;
        }
        for (i, line) in code_lines(text).iter().enumerate() {
            if declares(line) {
                problems.push(format!(
                    "{}:{}: {module}'s mod.rs declares `{}`: put it in a file of the folder \
                     (a model file, service.rs, …) and re-export it",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn no_crate_of_the_workspace_has_an_import_circle() {
    let root = workspace();
    let mut sources = vec![
        root.join("shared/src"),
        root.join("local/src"),
        root.join("bench/src"),
    ];
    for entry in std::fs::read_dir(root.join("functions")).unwrap() {
        sources.push(entry.unwrap().path().join("src"));
    }
    let mut problems = Vec::new();
    for src in sources {
        let krate = Crate::read(&src);
        for circle in circles(&krate.edges()) {
            problems.push(format!(
                "{}: {}",
                src.strip_prefix(&root).unwrap().display(),
                circle.join(" → ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "import circles (move the type both sides need into a module below both):\n{}\n",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_renamed_and_relative_imports() {
    let text = "use crate::{a::{b, c as d}, e};\nfn f() { super::g::h(); crate::i::j(); }\n";
    let paths: Vec<Vec<String>> = crate_paths("x::y", text)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(paths.contains(&s(&["a", "b"])), "{paths:?}");
    assert!(paths.contains(&s(&["a", "c"])), "{paths:?}");
    assert!(paths.contains(&s(&["e"])), "{paths:?}");
    assert!(paths.contains(&s(&["x", "g", "h"])), "{paths:?}");
    assert!(paths.contains(&s(&["i", "j"])), "{paths:?}");
    let re = reexports("k", "pub use key::{ApiKey, Scope as KeyScope};\n");
    assert!(re.contains(&("ApiKey".into(), s(&["k", "key", "ApiKey"]))));
    assert!(re.contains(&("KeyScope".into(), s(&["k", "key", "Scope"]))));
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), vec![("b".to_owned(), 1)]);
    edges.insert("b".to_owned(), vec![("a".to_owned(), 1)]);
    edges.insert("c".to_owned(), vec![("a".to_owned(), 1)]);
    assert_eq!(circles(&edges), vec![vec!["a".to_owned(), "b".to_owned()]]);
    assert_eq!(layer_of("keys::service"), Some(4));
    assert_eq!(layer_of("store::keys"), Some(2));
    assert_eq!(layer_of("webhooks::endpoint"), Some(1));
}
