//! `dlg check` over the real-world-style corpus in `tests/realworld`, and
//! the report for a directory holding one broken script.

use std::path::Path;
use std::process::Command;

fn dlg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dlg"))
}

#[test]
fn realworld_corpus_checks_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld");
    let files = count_scripts(&dir);
    assert!(files >= 40, "corpus has only {files} scripts");
    let out = dlg().arg("check").arg(&dir).output().expect("run dlg");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "dlg check failed:\n{stdout}\n{stderr}"
    );
    let summary = format!("{files} files, 0 failed");
    assert!(
        stdout.lines().any(|l| l.trim() == summary),
        "expected summary `{summary}`, got:\n{stdout}"
    );
}

fn count_scripts(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("read corpus dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            n += count_scripts(&path);
        } else if path
            .extension()
            .is_some_and(|e| e == "dg" || e == "deluge" || e == "ds")
        {
            n += 1;
        }
    }
    n
}

#[test]
fn broken_file_is_reported_with_its_name_and_the_offending_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("good.dg"),
        "m = Map();\nm.put(\"a\", 1);\ninfo m;\n",
    )
    .unwrap();
    // Line 2 lacks its `;`: the error points at `info` on line 3.
    std::fs::write(dir.path().join("broken.dg"), "x = 1;\ny = x + 2\ninfo y;\n").unwrap();
    let out = dlg()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("run dlg");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.lines().any(|l| l.trim() == "2 files, 1 failed"),
        "summary missing:\n{stdout}"
    );
    assert!(
        stderr.contains("deluge::syntax"),
        "no diagnostic code:\n{stderr}"
    );
    assert!(stderr.contains("broken.dg"), "file not named:\n{stderr}");
    assert!(!stderr.contains("good.dg"), "good file reported:\n{stderr}");
    assert!(
        stderr.contains("broken.dg:3:1"),
        "wrong position:\n{stderr}"
    );
    assert!(
        stderr.contains("expected `;`") && stderr.contains("found `info`"),
        "message not in words:\n{stderr}"
    );
    assert!(stderr.contains("end of line 2"), "no line hint:\n{stderr}");
    // No pest rule names leak into the message.
    for rule in ["assign_op", "postfix_expr", "EOI", "add_op"] {
        assert!(!stderr.contains(rule), "rule name {rule} leaked:\n{stderr}");
    }
}

#[test]
fn unclosed_block_mentions_end_of_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("open.dg");
    std::fs::write(&file, "if (true)\n{\n\tinfo 1;\n").unwrap();
    let out = dlg().arg("check").arg(&file).output().expect("run dlg");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("deluge::syntax"), "{stderr}");
    assert!(
        stderr.contains("expected `}`, found end of input"),
        "{stderr}"
    );
}
