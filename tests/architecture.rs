//! Guard for the crate's layering: the module graph is computed from the
//! sources (every `crate::NAME` path, and `super::` paths that climb out of
//! a top-level module) and each top-level module may only use modules of a
//! strictly lower layer. Today's back edges are listed in `ALLOWED_BACK_EDGES`;
//! the list only shrinks: an entry that is no longer needed fails the test
//! too, so a broken cycle cannot come back unnoticed.
//!
//! Run alone with `cargo test --test architecture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may depend on modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    // Leaves: the diagnostic code catalogue, heap accounting, values.
    &["code", "mem", "value"],
    // The diagnostic type and the one secret policy.
    &["redact"],
    &["diag"],
    // Pure front end and transport.
    &["syntax", "net"],
    &["error", "format", "connections"],
    &["http", "project"],
    &["builtins"],
    &["eval"],
    &["natives", "creator"],
    // Running a script as `dlg run` does (options, arguments, execute).
    &["runner"],
    &["testing", "repl"],
    // The editor's Language Server (`dlg lsp`).
    &["lsp"],
    &["cli"],
];

/// Back edges that exist today (from, to). Remove an entry when its cycle is
/// broken; the test fails while a listed edge is gone from the sources.
const ALLOWED_BACK_EDGES: &[(&str, &str)] = &[("eval", "creator"), ("eval", "natives")];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module name → its source files (with their module depth:
/// `src/m.rs` and `src/m/mod.rs` are 1, `src/m/x.rs` is 2, ...).
fn modules() -> BTreeMap<String, Vec<(PathBuf, usize)>> {
    let mut out: BTreeMap<String, Vec<(PathBuf, usize)>> = BTreeMap::new();
    for entry in std::fs::read_dir(src_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut files = Vec::new();
            collect(&path, 1, &mut files);
            out.insert(name, files);
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            out.insert(name, vec![(path, 1)]);
        }
    }
    out
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, usize)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let d = if path.file_name().unwrap() == "mod.rs" {
                depth
            } else {
                depth + 1
            };
            out.push((path, d));
        }
    }
}

/// The code of a line without its `//` comment (string literals are
/// skipped so `"https://…"` is not cut).
fn code_of(line: &str) -> &str {
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Top-level modules a file refers to, with the first line that does.
fn uses(text: &str, depth: usize, names: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block_comment = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if in_block_comment {
            if trimmed.contains("*/") {
                in_block_comment = false;
            }
            continue;
        }
        if trimmed.starts_with("/*") {
            in_block_comment = !trimmed.contains("*/");
            continue;
        }
        let code = code_of(line);
        for (i, _) in code.match_indices("crate::") {
            // `dlg_crate::x` or `my_crate::x` are not this crate.
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let name = ident_at(&code[i + "crate::".len()..]);
            if names.contains(name) {
                out.push((name.to_string(), line.trim().to_string()));
            }
        }
        // `super::super::x` climbing to the crate root then naming a module.
        let mut rest = code;
        while let Some(i) = rest.find("super::") {
            let before = rest[..i].chars().next_back();
            let mut tail = &rest[i..];
            let mut n = 0;
            while let Some(t) = tail.strip_prefix("super::") {
                n += 1;
                tail = t;
            }
            if n >= depth && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                let name = ident_at(tail);
                if names.contains(name) {
                    out.push((name.to_string(), line.trim().to_string()));
                }
            }
            rest = tail;
        }
    }
    out
}

/// from → to → an example line.
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let mods = modules();
    let names: BTreeSet<String> = mods.keys().cloned().collect();
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (m, files) in &mods {
        let edges = g.entry(m.clone()).or_default();
        for (path, depth) in files {
            let text = std::fs::read_to_string(path).unwrap();
            for (to, line) in uses(&text, *depth, &names) {
                if &to != m {
                    let rel = path.strip_prefix(src_dir()).unwrap().display().to_string();
                    edges.entry(to).or_insert(format!("src/{rel}: {line}"));
                }
            }
        }
    }
    g
}

fn layer_of(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&name))
}

#[test]
fn every_module_has_a_layer() {
    let missing: Vec<String> = modules()
        .into_keys()
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "add these top-level modules to LAYERS in tests/architecture.rs: {missing:?}"
    );
}

#[test]
fn dependencies_point_down_the_layers() {
    let g = graph();
    let mut bad = Vec::new();
    let mut used_allowances = BTreeSet::new();
    for (from, tos) in &g {
        let Some(lf) = layer_of(from) else { continue };
        for (to, line) in tos {
            let Some(lt) = layer_of(to) else { continue };
            if lt < lf {
                continue;
            }
            if ALLOWED_BACK_EDGES.contains(&(from.as_str(), to.as_str())) {
                used_allowances.insert((from.clone(), to.clone()));
                continue;
            }
            bad.push(format!("{from} -> {to} (layer {lf} -> {lt}), e.g. {line}"));
        }
    }
    assert!(
        bad.is_empty(),
        "modules may only use lower layers (see LAYERS in tests/architecture.rs):\n{}",
        bad.join("\n")
    );
    let stale: Vec<_> = ALLOWED_BACK_EDGES
        .iter()
        .filter(|(f, t)| !used_allowances.contains(&(f.to_string(), t.to_string())))
        .collect();
    assert!(
        stale.is_empty(),
        "these back edges are gone: remove them from ALLOWED_BACK_EDGES: {stale:?}"
    );
}

/// Independent of the layer table: the module graph minus the allowed back
/// edges has no cycle (a depth-first search finds none).
#[test]
fn no_cycles_outside_the_allow_list() {
    let g = graph();
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        n: &'a str,
        g: &'a BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(1) => {
                let at = path.iter().position(|p| *p == n).unwrap();
                let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(n, 1);
        path.push(n);
        for to in g.get(n).into_iter().flat_map(|t| t.keys()) {
            if ALLOWED_BACK_EDGES.contains(&(n, to.as_str())) {
                continue;
            }
            if let Some(c) = visit(to, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, 2);
        None
    }
    for n in g.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(n, &g, &mut state, &mut path) {
            panic!("module cycle: {}", cycle.join(" -> "));
        }
    }
}

/// The scanner itself: comments and strings do not count, `super::`
/// chains that leave the module do.
#[test]
fn the_scanner_reads_paths_not_comments() {
    let names: BTreeSet<String> = ["cli", "eval", "value"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let text = "/// see `crate::cli::color`\n\
                let url = \"https://x\"; // crate::cli\n\
                use crate::eval::Interpreter;\n\
                let v = super::super::value::Value::Null;\n\
                /* crate::cli\n crate::cli */\n";
    let found: Vec<String> = uses(text, 2, &names).into_iter().map(|(n, _)| n).collect();
    assert_eq!(found, ["eval", "value"]);
    // One `super::` from a depth-2 file stays inside its module.
    assert!(uses("use super::value;", 2, &names).is_empty());
}
