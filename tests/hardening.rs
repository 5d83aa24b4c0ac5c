//! Regression tests for crashes and resource exhaustion found by fault
//! injection and fuzzing: char boundaries, non-UTF-8 files, `dlg check DIR`,
//! self-containing values, memory limits, stack depth, closed stdout.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

fn dlg_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dlg"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env_remove("DLG_CONNECTIONS");
    c
}

fn dlg(args: &[&str]) -> Output {
    dlg_cmd(args).output().expect("dlg runs")
}

fn dlg_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = dlg_cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dlg starts");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let w = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let o = child.wait_with_output().expect("dlg finishes");
    w.join().unwrap();
    o
}

fn run_script(src: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", "-"];
    args.extend_from_slice(extra);
    dlg_stdin(&args, src.as_bytes())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit 1 with a diagnostic: no panic (70), no signal, no abort.
fn assert_diag(o: &Output, code: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr:\n{err}");
    assert!(err.contains(code), "expected {code} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ------------------------------------------------------------ check

#[test]
fn check_multibyte_syntax_errors_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    for (i, src) in [
        "x = \"日本語\");\ny",
        "a = \"é\" +;\nb = \"日本\" ;;\nc = ;\n",
        "s = \"😀😀\"));\nt = \"ü\" (;\nu\n",
    ]
    .iter()
    .enumerate()
    {
        let f = dir.path().join(format!("m{i}.dg"));
        std::fs::write(&f, src).unwrap();
        let o = dlg(&["check", f.to_str().unwrap()]);
        assert_diag(&o, "deluge::syntax");
        let q = dlg(&["check", "--quiet", f.to_str().unwrap()]);
        assert_eq!(q.status.code(), Some(1), "{}", text(&q.stderr));
    }
}

#[test]
fn non_utf8_files_are_diagnostics_and_check_dir_reports_every_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a_good.dg"), "info 1;\n").unwrap();
    std::fs::write(dir.path().join("b_latin1.dg"), b"info \"caf\xe9\";\n").unwrap();
    std::fs::write(dir.path().join("c_multibyte.dg"), "x = \"日本語\");\ny").unwrap();
    std::fs::write(dir.path().join("d_good.dg"), "info 2;\n").unwrap();
    let o = dlg(&["check", dir.path().to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("deluge::encoding"), "{err}");
    assert!(err.contains("line 1, column 10"), "{err}");
    assert!(err.contains("deluge::syntax"), "{err}");
    assert_eq!(text(&o.stdout), "4 files, 2 failed\n");
    // `dlg run` of a non-UTF-8 file: the same diagnostic.
    let r = dlg(&["run", dir.path().join("b_latin1.dg").to_str().unwrap()]);
    assert_diag(&r, "deluge::encoding");
    let s = dlg_stdin(&["run", "-"], b"info \"\xff\";\n");
    assert_diag(&s, "deluge::encoding");
}

#[cfg(unix)]
#[test]
fn check_of_an_endless_device_is_a_diagnostic() {
    let o = dlg(&["check", "/dev/zero"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("deluge::io"), "{err}");
    assert!(
        err.contains("is not a script file: it is a character device"),
        "{err}"
    );
    assert_eq!(text(&o.stdout), "1 file, 1 failed\n");
    // The same for `dlg run`, which fails without reading anything.
    let o = dlg(&["run", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("character device"));
}

// ------------------------------------------------------------ cycles

#[test]
fn self_containing_values_are_runtime_errors() {
    let o = run_script("l = List(); l.add(l); info l;\n", &[]);
    assert_diag(&o, "deluge::runtime");
    assert!(text(&o.stderr).contains("contain itself"));
    for src in [
        "m = Map(); m.put(\"k\", m); info m;",
        "a = List(); b = List(); a.add(b); b.add(a); info a;",
        "a = List(); m = Map(); m.put(\"a\", a); a.add(m); info a == a;",
        "l = List(); l.addAll({l}); info l.sort();",
        "l = List(); l.insert(l); info l.toString();",
        "l = {1}; l.update(0, l); info l;",
        "m = Map(); n = Map(); n.put(\"m\", m); m.putAll(n); info m;",
    ] {
        let o = run_script(src, &[]);
        assert_diag(&o, "deluge::runtime");
    }
    // Catchable, and a copy is fine.
    let o = run_script(
        "l = {1};\ntry { l.add(l); } catch (e) { info \"caught\"; }\nl.add(l.duplicate());\ninfo l;\nm = {\"a\": 1};\nm.put(\"self\", Map(m));\ninfo m;\n",
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "caught\n1,[1]\n{\"a\":1,\"self\":{\"a\":1}}\n"
    );
}

// ------------------------------------------------------------ memory

#[test]
fn doubling_text_ends_with_a_limit_error() {
    let mut src = String::from("s = \"abcdefgh\";\n");
    for _ in 0..40 {
        src.push_str("s = s + s;\n");
    }
    src.push_str("info s.length();\n");
    let o = run_script(&src, &["--max-memory", "64"]);
    assert_diag(&o, "deluge::limit");
    assert!(
        text(&o.stderr).contains("text too long"),
        "{}",
        text(&o.stderr)
    );
    // The same with the default limit: still a diagnostic, never an abort.
    let o = run_script(&src, &[]);
    assert_diag(&o, "deluge::limit");
}

#[test]
fn doubling_a_list_ends_with_a_limit_error() {
    let mut src = String::from("l = {1, 2, 3, 4};\n");
    for _ in 0..40 {
        src.push_str("l.addAll(l);\n");
    }
    let o = run_script(&src, &["--max-memory", "64"]);
    assert_diag(&o, "deluge::limit");
}

#[test]
fn leftpad_is_linear_and_checks_its_count() {
    let o = run_script("info \"x\".leftpad(999999999999);", &[]);
    assert_diag(&o, "deluge::runtime");
    assert!(text(&o.stderr).contains("out of range"));
    let started = std::time::Instant::now();
    let o = run_script(
        "a = \"x\".leftpad(400000);\nb = \"y\".rightpad(400000, \"ab\");\ninfo a.length();\ninfo b.length();\ninfo \"z\".leftpad(-3);\n",
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "400000\n400001\nz\n");
    assert!(started.elapsed().as_secs() < 10);
}

// ------------------------------------------------------------ stack depth

#[test]
fn max_depth_is_bounded_and_deep_recursion_is_a_limit() {
    let o = dlg(&["run", "--max-depth", "100000000", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("deep.dg");
    std::fs::write(
        &f,
        "int down(int n)\n{\n  if (n == 0) { return 0; }\n  return down(n - 1) + 1;\n}\n",
    )
    .unwrap();
    let o = dlg(&[
        "run",
        "--max-depth",
        "100000",
        "--max-statements",
        "100000000",
        "--function",
        "down",
        "--arg",
        "n=99000",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "99000\n");
    let o = dlg(&[
        "run",
        "--max-depth",
        "100000",
        "--max-statements",
        "100000000",
        "--function",
        "down",
        "--arg",
        "n=200000",
        f.to_str().unwrap(),
    ]);
    assert_diag(&o, "deluge::limit");
}

// ------------------------------------------------------------ closed stdout

/// Run with stdout a pipe whose reader reads one line and goes away.
fn first_line_then_close(args: &[&str], stdin: Option<&str>) -> (Option<i32>, String, String) {
    let mut child = dlg_cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let mut out = child.stdout.take().unwrap();
    let mut first = Vec::new();
    let mut b = [0u8; 1];
    while out.read(&mut b).unwrap_or(0) == 1 && b[0] != b'\n' {
        first.push(b[0]);
    }
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), text(&first), err)
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_0() {
    for _ in 0..3 {
        let (code, first, err) = first_line_then_close(&["builtins"], None);
        assert_eq!(code, Some(0), "{err}");
        assert!(!first.is_empty());
        assert!(err.is_empty(), "{err}");
    }
    let (code, first, err) = first_line_then_close(
        &["run", "-", "--max-statements", "10000000"],
        Some(
            "for each i in {1,2,3}.toList() { }\nn = 0;\nwhile_list = \"x\".leftpad(200000).toList(\"\");\nfor each c in while_list { info \"line\"; }\n",
        ),
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(first, "line");
    assert!(err.is_empty(), "{err}");
}

// ------------------------------------------------------------ item 12

#[test]
fn sort_of_mixed_types_is_null_with_a_warning_once() {
    let o = run_script(
        "l = {1, \"a\", 2};\ninfo isNull(l.sort());\ninfo l;\nm = {true, 1};\ninfo m.sort();\ninfo {3, 1, 2}.sort();\n",
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "true\n1,a,2\nnull\n1,2,3\n");
    let err = text(&o.stderr);
    assert_eq!(err.matches("sort(): the list mixes").count(), 1, "{err}");
    assert!(err.contains("BIGINT and STRING"), "{err}");
}

#[test]
fn a_zero_timeout_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.dg");
    std::fs::write(&f, "info 1;\n").unwrap();
    for t in ["0", "-1", "x"] {
        let o = dlg(&["run", f.to_str().unwrap(), "--timeout", t]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{t}: {err}");
        assert!(err.contains("--timeout") || err.contains("'-1'"), "{err}");
        assert!(text(&o.stdout).is_empty());
    }
    let o = dlg(&["run", f.to_str().unwrap(), "--timeout", "1"]);
    assert_eq!(text(&o.stdout), "1\n");
}

#[test]
fn check_of_a_non_script_is_a_clear_error() {
    // A device is never a script: a diagnostic, counted in the summary.
    let o = dlg(&["check", "/dev/null"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("character device"), "{err}");
    assert_eq!(text(&o.stdout), "1 file, 1 failed\n");
    // A pipe is still a script source: `dlg run <(…)`, `dlg run /dev/stdin`.
    let o = dlg_stdin(&["run", "/dev/stdin"], b"info 6;\n");
    assert_eq!(text(&o.stdout), "6\n", "{}", text(&o.stderr));
}
