//! Golden cases: every `tests/cases/**/*.dg` runs through the real `dlg`
//! binary. A case has either `NAME.out` (exact stdout, exit 0) or
//! `NAME.err` (first line: the diagnostic code; further lines: fragments
//! that must appear in stderr; exit 1). A first line `// dlg: ARGS` adds
//! command-line arguments (e.g. `--tz Asia/Kolkata`). Directories named
//! `lib` are skipped: they hold helper function files for other cases.
//!
//! Set `DLG_BLESS=1` to write `.out` files from the current output.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            // `lib` directories hold helper function files that cases call
            // (`standalone.fn(…)`); they are not cases themselves.
            if p.file_name().is_some_and(|n| n == "lib") {
                continue;
            }
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "dg") {
            out.push(p);
        }
    }
}

fn run_case(script: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(script).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.arg("run");
    if let Some(extra) = text.lines().next().and_then(|l| l.strip_prefix("// dlg:")) {
        cmd.args(extra.split_whitespace());
    }
    cmd.arg(script)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("DLG_NOW", "2024-01-15 10:30:45")
        .env_remove("DLG_CONNECTIONS")
        .current_dir(script.parent().expect("case dir"));
    let output = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let out_file = script.with_extension("out");
    let err_file = script.with_extension("err");
    if err_file.exists() {
        let expected = std::fs::read_to_string(&err_file).map_err(|e| e.to_string())?;
        let mut lines = expected.lines().filter(|l| !l.trim().is_empty());
        let code = lines.next().unwrap_or("").trim();
        if output.status.code() != Some(1) {
            return Err(format!(
                "expected exit 1, got {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
                output.status.code()
            )
            .into());
        }
        if !stderr.contains(code) {
            return Err(format!("expected diagnostic code `{code}` in stderr:\n{stderr}").into());
        }
        for fragment in lines {
            if let Some(out_fragment) = fragment.strip_prefix("stdout: ") {
                if !stdout.contains(out_fragment) {
                    return Err(format!("expected `{out_fragment}` in stdout:\n{stdout}").into());
                }
            } else if !stderr.contains(fragment.trim()) {
                return Err(format!("expected `{}` in stderr:\n{stderr}", fragment.trim()).into());
            }
        }
        return Ok(());
    }
    if std::env::var_os("DLG_BLESS").is_some() && !out_file.exists() {
        std::fs::write(&out_file, &stdout).map_err(|e| e.to_string())?;
    }
    let expected = std::fs::read_to_string(&out_file)
        .map_err(|_| format!("missing {} (or .err)", out_file.display()))?;
    if output.status.code() != Some(0) {
        return Err(format!(
            "expected exit 0, got {:?}\nstderr:\n{stderr}",
            output.status.code()
        )
        .into());
    }
    if stdout != expected {
        return Err(format!(
            "stdout differs\n--- expected\n{expected}--- actual\n{stdout}--- stderr\n{stderr}"
        )
        .into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut scripts = Vec::new();
    collect(&root, &mut scripts);
    let trials = scripts
        .into_iter()
        .map(|p| {
            let name = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .with_extension("")
                .display()
                .to_string();
            Trial::test(name, move || run_case(&p))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
