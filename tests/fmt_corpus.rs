//! `dlg fmt` over every `.dg` file in `tests/` (golden cases and the
//! real-world corpus): the result parses to the same syntax tree (spans
//! aside), keeps every token and comment, was not refused, and formatting
//! it again changes nothing. Then the acceptance run: `dlg fmt` on a copy of
//! `tests/realworld`, after which `dlg fmt --check` and `dlg check` pass.

use std::path::{Path, PathBuf};
use std::process::Command;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "dg" || e == "deluge" || e == "ds")
        {
            out.push(p);
        }
    }
}

#[test]
fn formatting_every_script_in_tests_keeps_its_meaning_and_is_idempotent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    collect(&root, &mut files);
    assert!(files.len() > 300, "only {} scripts found", files.len());
    let (mut formatted, mut changed) = (0, 0);
    let mut problems = Vec::new();
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let Ok(before) = dlg::syntax::parse_program(&text) else {
            continue; // cases that test syntax errors
        };
        let out = dlg::format::format_source(&text).expect("parsed before");
        if out.kept {
            problems.push(format!("{}: layout refused", file.display()));
            continue;
        }
        let after = match dlg::syntax::parse_program(&out.text) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!(
                    "{}: result does not parse: {}",
                    file.display(),
                    e.message
                ));
                continue;
            }
        };
        if dlg::format::normalized_ast(&before) != dlg::format::normalized_ast(&after) {
            problems.push(format!("{}: syntax tree changed", file.display()));
        }
        if !dlg::format::same_tokens(&text, &out.text) {
            problems.push(format!("{}: tokens changed", file.display()));
        }
        let again = dlg::format::format_source(&out.text).expect("formatted text parses");
        if again.text != out.text {
            problems.push(format!("{}: not idempotent", file.display()));
        }
        formatted += 1;
        if out.text != text {
            changed += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(formatted > 300, "only {formatted} scripts formatted");
    assert!(changed > 0);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn fmt_then_fmt_check_passes_on_the_realworld_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("realworld");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld"),
        &dir,
    );
    let dlg = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dlg"));
        c.env("NO_COLOR", "1");
        c
    };
    let check = dlg().args(["fmt", "--check"]).arg(&dir).output().unwrap();
    assert_eq!(
        check.status.code(),
        Some(1),
        "the corpus is not in Zoho layout yet"
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains(".dg"));
    let fmt = dlg().arg("fmt").arg(&dir).output().unwrap();
    assert_eq!(
        fmt.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fmt.stderr)
    );
    let check = dlg().args(["fmt", "--check"]).arg(&dir).output().unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(check.stdout.is_empty());
    let parse = dlg().arg("check").arg(&dir).output().unwrap();
    assert_eq!(
        parse.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&parse.stderr)
    );
}
