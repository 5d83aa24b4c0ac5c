//! The `dlg` command line: exit codes, stdin, `--function` / `--arg`,
//! `check` summaries, `builtins`, and `--help` on every command.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dlg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env_remove("DLG_CONNECTIONS")
        .output()
        .expect("dlg runs")
}

fn dlg_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dlg starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("dlg finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn script(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write script");
    path.display().to_string()
}

#[test]
fn run_prints_each_info_on_its_own_line_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(&dir, "a.dg", "info 1 + 2;\ninfo \"x\" + 1;\ninfo {1, 2};\n");
    let o = dlg(&["run", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "3\nx1\n1,2\n");
}

#[test]
fn run_reads_the_script_from_stdin_with_dash() {
    let o = dlg_stdin(&["run", "-"], "x = 6;\ninfo x * 7;\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "42\n");
}

#[test]
fn syntax_error_exits_1_with_a_diagnostic() {
    let o = dlg_stdin(&["run", "-"], "x = 1\ny = 2;\n");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("deluge::syntax"), "{err}");
    assert!(err.contains("help:"), "{err}");
    assert!(!err.contains("Rule::"), "pest rule names leak: {err}");
}

#[test]
fn runtime_error_exits_1_after_earlier_output() {
    let o = dlg_stdin(
        &["run", "-"],
        "info \"before\";\nl = List();\ninfo l.get(3);\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "before\n");
    assert!(stderr(&o).contains("deluge::runtime"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(dlg(&["run", "/no/such/file.dg"]).status.code(), Some(2));
    assert_eq!(dlg(&["run"]).status.code(), Some(2));
    assert_eq!(dlg(&["frobnicate"]).status.code(), Some(2));
    // An empty script with an unknown time zone (a device such as
    // /dev/null is not a script file).
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.dg");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(
        dlg(&["run", "--tz", "Mars/Olympus", empty.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn function_file_runs_its_function_with_typed_args() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(
        &dir,
        "fn.dg",
        "string standalone.greet(string name, int times, map extra)\n{\n  info extra.get(\"k\");\n  return name.repeat(times);\n}\n",
    );
    let o = dlg(&[
        "run",
        &f,
        "--arg",
        "name=ab",
        "--arg",
        "times=3",
        "--arg",
        r#"extra={"k": [1, 2]}"#,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "1,2\nababab\n");
}

#[test]
fn arg_values_are_json_or_deluge_literals_or_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(
        &dir,
        "types.dg",
        "void show(string a, string b, string c, string d)\n{\n  info a + 1;\n  info b.size();\n  info c;\n  info d.getYear();\n}\n",
    );
    let o = dlg(&[
        "run",
        &f,
        "--arg",
        "a=41",
        "--arg",
        "b={\"x\", \"y\", \"z\"}",
        "--arg",
        "c=hello world",
        "--arg",
        "d='15-Aug-1947'",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A declared string receives the text as typed: "41" + 1 is "411".
    assert_eq!(stdout(&o), "411\n3\nhello world\n1947\n");
}

#[test]
fn several_functions_need_function_flag() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(
        &dir,
        "two.dg",
        "int one() { return 1; }\nint two() { return one() + 1; }\n",
    );
    let o = dlg(&["run", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--function"));
    let o = dlg(&["run", &f, "--function", "two"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2\n");
}

#[test]
fn missing_or_unknown_args_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(&dir, "f.dg", "void f(int n) { info n; }\n");
    assert_eq!(dlg(&["run", &f]).status.code(), Some(2));
    assert_eq!(
        dlg(&["run", &f, "--arg", "n=1", "--arg", "m=2"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(dlg(&["run", &f, "--arg", "n"]).status.code(), Some(2));
}

#[test]
fn void_function_prints_no_return_value() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(
        &dir,
        "v.dg",
        "void automation.go(int n)\n{\n  info n;\n  return;\n}\n",
    );
    let o = dlg(&["run", &f, "--arg", "n=5"]);
    assert_eq!(stdout(&o), "5\n");
}

#[test]
fn max_statements_flag_changes_the_limit() {
    let src = "l = {1,2,3,4,5,6,7,8,9,10};\nfor each x in l { y = x; }\ninfo \"done\";\n";
    let o = dlg_stdin(&["run", "--max-statements", "5", "-"], src);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("deluge::limit"));
    let o = dlg_stdin(&["run", "--max-statements", "100", "-"], src);
    assert_eq!(stdout(&o), "done\n");
}

#[test]
fn check_reports_every_failing_file_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    script(&dir, "good.dg", "info 1;\n");
    script(&dir, "bad1.dg", "info 1\ninfo 2;\n");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/bad2.deluge"), "if (x { }\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not deluge").unwrap();
    let o = dlg(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("3 files, 2 failed"), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bad1.dg") && err.contains("bad2.deluge"),
        "{err}"
    );
    let o = dlg(&["check", &dir.path().join("good.dg").display().to_string()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("1 file, 0 failed"), "{}", stdout(&o));
}

#[test]
fn builtins_lists_methods_by_type_and_free_functions() {
    let o = dlg(&["builtins"]);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    for want in [
        "text.subString",
        "list.add",
        "map.put",
        "ifnull",
        "isNull",
        "date.addDay",
    ] {
        assert!(lines.iter().any(|l| l == want), "missing {want}");
    }
    let filtered = dlg(&["builtins", "substring"]);
    assert!(
        stdout(&filtered)
            .lines()
            .all(|l| l.to_lowercase().contains("substring"))
    );
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
        vec!["builtins", "--help"],
    ] {
        let o = dlg(&cmd);
        assert_eq!(o.status.code(), Some(0), "{cmd:?}");
        assert!(stdout(&o).contains("Usage"), "{cmd:?}");
    }
}

#[test]
fn deep_nesting_recursion_and_growing_loops_end_with_diagnostics() {
    let deep = format!("x = {}1{};", "(".repeat(100_000), ")".repeat(100_000));
    let o = dlg_stdin(&["run", "-"], &deep);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("deluge::limit"));

    let dir = tempfile::tempdir().unwrap();
    let f = script(&dir, "rec.dg", "int f(int n) { return f(n + 1); }\n");
    let o = dlg(&["run", &f, "--arg", "n=0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("deluge::limit"));

    let o = dlg_stdin(&["run", "-"], "l = {1};\nfor each x in l { l.add(x); }\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("deluge::limit"));
}

#[test]
fn unclosed_nested_literals_fail_fast_instead_of_backtracking() {
    // Alternatives that re-parse nested input made this exponential once.
    for src in [
        format!("x = {}1;", "{".repeat(60)),
        format!("x = {}1;", "{\"a\": ".repeat(60)),
        format!("x = {}1;", "f(".repeat(60)),
        format!("x = {}1;", "if(a, ".repeat(60)),
    ] {
        let start = std::time::Instant::now();
        let o = dlg_stdin(&["run", "-"], &src);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("deluge::"), "{}", stderr(&o));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "took {:?} for {}",
            start.elapsed(),
            &src[..20]
        );
    }
}

#[test]
fn braces_mixing_list_elements_and_map_entries_are_a_syntax_error() {
    let o = dlg_stdin(&["run", "-"], "x = {1, \"a\": 2};\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("mixes list elements"), "{}", stderr(&o));
}

#[test]
fn bare_script_reads_its_arguments_from_arg() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(
        &dir,
        "deal.dg",
        "// workflow function: id and amount are declared in Zoho's UI\nrecordId = id.toLong();\nfor each x in {1, 2} { total = amount * x; }\ntry { info recordId + 1; } catch (e) { info e; }\ninfo total;\ninfo zoho.currentdate;\n",
    );
    let o = dlg(&[
        "run",
        &f,
        "--arg",
        "id=123",
        "--arg",
        "amount=5",
        "--now",
        "2024-01-15 10:30:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "124\n10\n15-Jan-2024\n");
}

#[test]
fn missing_script_arguments_are_listed_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(
        &dir,
        "deal.dg",
        "info \"started\";\nresp = invokeurl [ url: \"https://x.test/\" + id type: GET ];\nm = Map();\nm.put(\"n\", dealName);\nm.put(\"i\", id);\n",
    );
    let o = dlg(&["run", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "", "nothing runs");
    let err = stderr(&o);
    assert!(
        err.contains("missing --arg id=VALUE (first read on line 2)"),
        "{err}"
    );
    assert!(
        err.contains("missing --arg dealName=VALUE (first read on line 4)"),
        "{err}"
    );
    // Neither the task word GET nor the builtin Map is an argument.
    assert!(!err.contains("GET=") && !err.contains("Map="), "{err}");
    let empty_mock = script(&dir, "none.mock.toml", "");
    let o = dlg(&[
        "run",
        &f,
        "--arg",
        "id=1",
        "--arg",
        "dealName=x",
        "--arg",
        "other=2",
        "--mock",
        &empty_mock,
    ]);
    // An argument the script never reads is a warning, not an error (the
    // run then fails on the unmocked request, after starting).
    assert!(
        stderr(&o).contains("the script never reads 'other'"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).starts_with("started\n"), "{}", stdout(&o));
}

#[test]
fn undefined_variable_with_a_method_is_not_another_application() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(&dir, "f.dg", "void f()\n{\n  info id.toLong();\n}\n");
    let o = dlg(&["run", &f]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("Variable 'id' is not defined"), "{err}");
    assert!(!err.contains("another Zoho application"), "{err}");
}

#[test]
fn arg_values_are_checked_against_declared_types() {
    let dir = tempfile::tempdir().unwrap();
    let f = script(&dir, "f.dg", "void f(int id, bool flag) { info id; }\n");
    let o = dlg(&["run", &f, "--arg", "id=abc", "--arg", "flag=true"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("parameter 'int id' expects a whole number, got 'abc'"),
        "{}",
        stderr(&o)
    );
    let o = dlg(&["run", &f, "--arg", "id=7", "--arg", "flag=maybe"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'bool flag'"), "{}", stderr(&o));
    let o = dlg(&["run", &f]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("missing --arg id=VALUE") && err.contains("missing --arg flag=VALUE"));
}

#[test]
fn arg_value_from_a_file_is_json_or_text() {
    let dir = tempfile::tempdir().unwrap();
    let json = script(
        &dir,
        "deal.json",
        "{\"Deal_Name\": \"Big\", \"Amount\": 10}",
    );
    let txt = script(&dir, "note.txt", "plain {not json");
    let f = script(
        &dir,
        "s.dg",
        "info deal.get(\"Deal_Name\");\ninfo deal.get(\"Amount\") * 2;\ninfo note;\n",
    );
    let o = dlg(&[
        "run",
        &f,
        "--arg",
        &format!("deal=@{json}"),
        "--arg",
        &format!("note=@{txt}"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Big\n20\nplain {not json\n");
    let o = dlg(&["run", &f, "--arg", "deal=@/no/such.json", "--arg", "note=x"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn now_flag_fixes_the_clock_and_is_in_help() {
    let o = dlg_stdin(
        &["run", "--now", "2024-01-15 10:30:00", "-"],
        "info zoho.currenttime;\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "15-Jan-2024 10:30:00\n");
    let o = dlg_stdin(&["run", "--now", "yesterday", "-"], "info 1;\n");
    assert_eq!(o.status.code(), Some(2));
    let help = stdout(&dlg(&["run", "--help"]));
    assert!(help.contains("--now") && help.contains("DLG_NOW") && help.contains("--arg"));
}

#[test]
fn verbose_shows_request_bodies_and_trace_writes_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mock = script(
        &dir,
        "m.mock.toml",
        "[[request]]\nmethod = \"POST\"\nurl = \"https://api.example.com/notes\"\njson = { ok = true }\n",
    );
    let f = script(
        &dir,
        "post.dg",
        "r = invokeurl [ url: \"https://api.example.com/notes\" type: POST parameters: {\"note\": \"hello-body\"}.toString() headers: {\"X-Api-Key\": \"k-secret-1234\"} ];\ninfo r.get(\"ok\");\n",
    );
    let trace = dir.path().join("trace.jsonl");
    let o = dlg(&[
        "run",
        &f,
        "--mock",
        &mock,
        "--verbose",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "true\n");
    assert!(
        stderr(&o).contains("> body: {\"note\":\"hello-body\"}"),
        "{}",
        stderr(&o)
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(line["method"], "POST");
    assert_eq!(line["url"], "https://api.example.com/notes");
    assert_eq!(line["body"], "{\"note\":\"hello-body\"}");
    assert_eq!(line["status"], 200);
    assert_eq!(line["response_body"], "{\"ok\":true}");
    assert!(!text.contains("k-secret-1234"), "{text}");
}
