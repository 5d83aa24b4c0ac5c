//! Golden cases: every `tests/cases/**/*.dg` with a `NAME.out` or
//! `NAME.err` runs through the same engine as `dlg test` (in-process,
//! output captured). A case has either `NAME.out` (exact stdout, exit 0) or
//! `NAME.err`: the exact snapshot of the diagnostic (code, message, every
//! label with its line and column, help, and the stdout printed before the
//! error; see `dlg::testing::diag_snapshot`); exit 1, or 2 for
//! `dlg::usage`. A first line `// dlg: ARGS` adds `dlg run` options (e.g.
//! `--tz Asia/Kolkata`). Helper function files (`lib/`) have no
//! expectations and are not cases.
//!
//! `DLG_BLESS=1 cargo test --test golden` rewrites the `.out` and `.err`
//! files from the current output (as `dlg test --update tests/cases` does)
//! and prints the diff of every file it changed: review it.

use std::path::{Path, PathBuf};

use dlg::testing::{Config, Status, find_cases, line_diff, run_case_isolated};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let cases = find_cases(std::slice::from_ref(&root)).expect("tests/cases exists");
    assert!(cases.len() > 100, "golden cases are found");
    let cfg = Config {
        now: Some("2024-01-15 10:30:45".into()),
        tz: Some("UTC".into()),
        update: std::env::var_os("DLG_BLESS").is_some(),
        ..Default::default()
    };
    let trials = cases
        .into_iter()
        .map(|case| {
            let cfg = cfg.clone();
            Trial::test(case.name.clone(), move || {
                let before = cfg.update.then(|| expectations(&case.file));
                let o = run_case_isolated(&case, &cfg);
                if let Some(before) = before {
                    print_changes(&case.file, &before, &expectations(&case.file));
                }
                match o.status {
                    Status::Passed | Status::Skipped => Ok(()),
                    Status::Failed => Err(Failed::from(o.detail)),
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// The `.out` and `.err` files of a case, as they are now.
fn expectations(case: &Path) -> [(PathBuf, Option<String>); 2] {
    ["out", "err"].map(|ext| {
        let p = dlg::project::files::sidecar(case, ext);
        let text = std::fs::read_to_string(&p).ok();
        (p, text)
    })
}

/// Bless mode: show what changed in a case's expectation files.
fn print_changes(
    case: &Path,
    before: &[(PathBuf, Option<String>)],
    after: &[(PathBuf, Option<String>)],
) {
    for ((path, old), (_, new)) in before.iter().zip(after) {
        if old == new {
            continue;
        }
        let diff = match (old, new) {
            (Some(o), Some(n)) => line_diff(o, n),
            (None, Some(n)) => format!("(new file)\n{n}"),
            (Some(_), None) => "(removed)".to_string(),
            (None, None) => continue,
        };
        eprintln!(
            "blessed {} ({}):\n{}",
            path.display(),
            case.file_name().unwrap_or_default().to_string_lossy(),
            diff
        );
    }
}
