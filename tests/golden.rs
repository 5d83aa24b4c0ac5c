//! Golden cases: every `tests/cases/**/*.dg` with a `NAME.out` or
//! `NAME.err` runs through the same engine as `dlg test` (in-process,
//! output captured). A case has either `NAME.out` (exact stdout, exit 0) or
//! `NAME.err` (first line: the diagnostic code; further lines: fragments
//! that must appear in stderr, or in stdout after `stdout: `; exit 1, or 2
//! for `dlg::usage`). A first line `// dlg: ARGS` adds `dlg run` options
//! (e.g. `--tz Asia/Kolkata`). Helper function files (`lib/`) have no
//! expectations and are not cases.
//!
//! Set `DLG_BLESS=1` to rewrite `.out`/`.err` files from the current output
//! (the same as `dlg test --update tests/cases`).

use std::path::Path;

use dlg::testing::{Config, Status, discover, run_case_isolated};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let cases = discover(std::slice::from_ref(&root)).expect("tests/cases exists");
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
                let o = run_case_isolated(&case, &cfg);
                match o.status {
                    Status::Passed | Status::Skipped => Ok(()),
                    Status::Failed => Err(Failed::from(o.detail)),
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
