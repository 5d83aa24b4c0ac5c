//! `dlg test --watch`: run the tests, then re-run the ones a saved file
//! affects (see [`crate::testing::discover::affected_by`]) until
//! interrupted. File events come from the operating system through the
//! `notify` crate, debounced so an editor's burst of writes is one change.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};

use super::test::{Plan, TestArgs, plan, run_plan};
use crate::testing::discover;

/// Quiet time after the last write before a change counts.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// Changes that never affect tests: the run's own reports, and anything
/// in hidden folders (version control, the local Creator database
/// `.dlg/`), `target` or `node_modules` below a watched folder.
fn ignored(path: &Path, roots: &[PathBuf], own_outputs: &[PathBuf]) -> bool {
    if own_outputs.iter().any(|o| o == path) {
        return true;
    }
    let below = roots
        .iter()
        .find_map(|r| path.strip_prefix(r).ok())
        .unwrap_or(path);
    below.components().any(|c| {
        let c = c.as_os_str().to_string_lossy();
        (c.starts_with('.') && c != "." && c != "..") || c == "target" || c == "node_modules"
    })
}

pub fn watch(args: &TestArgs) -> i32 {
    let first = match plan(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    run_plan(args, &first);
    let roots: Vec<PathBuf> = first
        .paths
        .iter()
        .map(|p| {
            let abs = p.canonicalize().unwrap_or_else(|_| p.clone());
            if abs.is_dir() {
                abs
            } else {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            }
        })
        .collect();
    let own_outputs: Vec<PathBuf> = [&args.junit, &args.trace]
        .into_iter()
        .flatten()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let (tx, rx) = mpsc::channel();
    let mut debouncer = match new_debouncer(DEBOUNCE, tx) {
        Ok(d) => d,
        Err(e) => return super::usage_error("test", format!("--watch: {e}")),
    };
    for root in &roots {
        if let Err(e) = debouncer.watcher().watch(root, RecursiveMode::Recursive) {
            return super::usage_error("test", format!("--watch {}: {e}", root.display()));
        }
    }
    let shown: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    eprintln!("watching {} for changes (Ctrl-C to stop)", shown.join(", "));
    while let Ok(result) = rx.recv() {
        let events = match result {
            Ok(events) => events,
            Err(e) => {
                eprintln!("dlg test --watch: {e}");
                continue;
            }
        };
        let mut changed: Vec<PathBuf> = events
            .into_iter()
            .map(|e| e.path)
            .filter(|p| !ignored(p, &roots, &own_outputs))
            .collect();
        changed.sort();
        changed.dedup();
        if changed.is_empty() {
            continue;
        }
        let now = match plan(args) {
            Ok(p) => p,
            Err(_) => continue,
        };
        let cases = discover::affected_by(&now.cases, &changed);
        let names: Vec<String> = changed
            .iter()
            .map(|p| crate::project::files::display_path(p))
            .collect();
        if cases.is_empty() {
            eprintln!("\nchanged: {} (no test affected)", names.join(", "));
            continue;
        }
        eprintln!(
            "\nchanged: {} — running {} affected {}",
            names.join(", "),
            cases.len(),
            if cases.len() == 1 { "test" } else { "tests" }
        );
        run_plan(
            args,
            &Plan {
                cases,
                skipped_files: Vec::new(),
                paths: now.paths,
            },
        );
        // Writes the run itself made (a Creator database, recordings) are
        // not edits.
        std::thread::sleep(DEBOUNCE * 2);
        while rx.try_recv().is_ok() {}
    }
    0
}
