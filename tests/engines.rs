//! Differential test: every golden case (`tests/cases`), every
//! `tests/realworld` script and every example in `scripts/` runs under both
//! execution engines (`DLG_ENGINE=walker` and the default compiled engine);
//! stdout, stderr and the exit code must be identical.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "dg") {
            out.push(p);
        }
    }
}

fn run(script: &Path, engine: &str, mock: &Path) -> Output {
    let text = std::fs::read_to_string(script).expect("readable script");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.arg("run");
    let extra: Vec<&str> = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// dlg:"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    // Never the network: scripts without their own fixtures get an empty one.
    if !extra.contains(&"--mock") {
        cmd.arg("--mock").arg(mock);
    }
    cmd.args(&extra)
        .arg(script)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("DLG_NOW", "2024-01-15 10:30:45")
        .env("DLG_ENGINE", engine)
        .env_remove("DLG_CONNECTIONS")
        .current_dir(script.parent().expect("script dir"));
    cmd.output().expect("dlg runs")
}

/// A report when the two engines disagree on `script`.
fn differs(script: &Path, mock: &Path) -> Option<String> {
    let walker = run(script, "walker", mock);
    let compiled = run(script, "compiled", mock);
    if walker.status.code() == compiled.status.code()
        && walker.stdout == compiled.stdout
        && walker.stderr == compiled.stderr
    {
        return None;
    }
    Some(format!(
        "{}\n--- walker ({:?})\n{}{}\n--- compiled ({:?})\n{}{}",
        script.display(),
        walker.status.code(),
        String::from_utf8_lossy(&walker.stdout),
        String::from_utf8_lossy(&walker.stderr),
        compiled.status.code(),
        String::from_utf8_lossy(&compiled.stdout),
        String::from_utf8_lossy(&compiled.stderr),
    ))
}

#[test]
fn walker_and_compiled_engine_agree_on_every_script() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scripts = Vec::new();
    for dir in ["tests/cases", "tests/realworld", "scripts"] {
        collect(&root.join(dir), &mut scripts);
    }
    assert!(scripts.len() > 600, "found only {} scripts", scripts.len());
    let tmp = tempfile::tempdir().expect("temp dir");
    let mock = tmp.path().join("empty.mock.toml");
    std::fs::write(&mock, "").expect("write mock");
    // Two workers: the runs are independent processes.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = scripts
            .chunks(scripts.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .filter_map(|s| differs(s, &mock))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect::<Vec<String>>()
    });
    assert!(
        failures.is_empty(),
        "{} of {} scripts differ between engines:\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n\n")
    );
}
