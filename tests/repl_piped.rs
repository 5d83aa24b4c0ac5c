//! `dlg repl` with stdin piped: no prompts, no colours, stdout compared exactly.

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn repl_in(dir: &std::path::Path, input: &str, args: &[&str]) -> Run {
    repl_bytes(dir, input.as_bytes(), args)
}

fn repl_bytes(dir: &std::path::Path, input: &[u8], args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .arg("repl")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("NO_COLOR", "1")
        .env_remove("DLG_CONNECTIONS")
        .env_remove("DLG_HISTORY")
        .env("DLG_NOW", "2024-01-15 10:30:00")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dlg");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().expect("wait");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn repl(input: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    repl_in(dir.path(), input, &[])
}

#[test]
fn piped_example_prints_6() {
    let r = repl("x = 2;\ninfo x * 3;\n");
    assert_eq!(r.stdout, "6\n", "stderr: {}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, 0);
}

#[test]
fn expressions_print_their_value() {
    let r = repl("2 + 3\n\"abc\".toUpperCase()\n{\"a\": 1}\n");
    assert_eq!(r.stdout, "5\nABC\n{\"a\":1}\n", "stderr: {}", r.stderr);
}

#[test]
fn variables_persist_across_entries() {
    let r = repl("a = 10;\nb = a + 5;\nl = List();\nl.add(b);\nl.add(a);\nb\nl.size()\ninfo l;\n");
    assert_eq!(r.stdout, "15\n2\n15,10\n", "stderr: {}", r.stderr);
}

#[test]
fn missing_semicolon_is_forgiven() {
    let r = repl("x = 4\ninfo x\nx * 2\n");
    assert_eq!(r.stdout, "4\n8\n", "stderr: {}", r.stderr);
}

#[test]
fn multi_line_map_literal() {
    let r = repl(
        "m = {\n  \"name\": \"Ada\",\n  \"langs\": [\"en\", \"fr\"]\n};\nm.get(\"name\")\nm.keys()\n",
    );
    assert_eq!(r.stdout, "Ada\nname,langs\n", "stderr: {}", r.stderr);
}

#[test]
fn multi_line_if_block_with_else_on_its_own_line() {
    let input = "n = 7;\nif (n > 5)\n{\n  info \"big\";\n\n  info n;\n}\nelse\n{\n  info \"small\";\n}\ninfo \"done\";\n";
    let r = repl(input);
    assert_eq!(r.stdout, "big\n7\ndone\n", "stderr: {}", r.stderr);
}

#[test]
fn brackets_inside_strings_do_not_open_entries() {
    let r = repl("info \"{\";\ninfo \"[ ( /*\";\n");
    assert_eq!(r.stdout, "{\n[ ( /*\n", "stderr: {}", r.stderr);
}

#[test]
fn unterminated_string_continues_on_the_next_line() {
    let r = repl("s = \"line one\nline two\";\ns.length()\n");
    assert_eq!(r.stdout, "17\n", "stderr: {}", r.stderr);
}

#[test]
fn multi_line_invokeurl_is_one_entry() {
    // The request itself fails (no server), but it is reported once, as one
    // entry, and the session goes on.
    let input =
        "resp = invokeurl\n[\n  url: \"http://127.0.0.1:9/x\"\n  type: GET\n];\ninfo \"after\";\n";
    let r = repl(input);
    assert_eq!(r.stdout, "after\n", "stderr: {}", r.stderr);
    assert!(!r.stderr.contains("deluge::syntax"), "{}", r.stderr);
}

#[test]
fn errors_do_not_end_the_session() {
    let r = repl("x = 1/0;\ninfo \"still here\";\ninfo (;\ny = 3;\ny\nnope\n");
    assert_eq!(r.stdout, "still here\n3\n", "stderr: {}", r.stderr);
    assert!(r.stderr.contains("Division by zero"), "{}", r.stderr);
    assert!(r.stderr.contains("deluge::syntax"), "{}", r.stderr);
    assert!(
        r.stderr.contains("<repl:1>"),
        "diagnostic names the entry: {}",
        r.stderr
    );
    assert!(r.stderr.contains("'nope' is not defined"), "{}", r.stderr);
    // Piped sessions report failure in the exit code, like `dlg run`.
    assert_eq!(r.code, 1);
}

#[test]
fn statement_counter_resets_per_entry() {
    let loop_entry = "for each i in {1,2,3,4,5,6,7,8,9,10} { x = i; }\n";
    let input = format!("{loop_entry}{loop_entry}{loop_entry}info x;\n");
    let dir = tempfile::tempdir().unwrap();
    let r = repl_in(dir.path(), &input, &["--max-statements", "25"]);
    assert_eq!(r.stdout, "10\n", "stderr: {}", r.stderr);
}

#[test]
fn command_help() {
    let r = repl(":help\n");
    for cmd in [
        ":vars",
        ":type",
        ":load",
        ":reset",
        ":connections",
        ":builtins",
        ":quit",
    ] {
        assert!(r.stdout.contains(cmd), "{cmd} missing from {}", r.stdout);
    }
}

#[test]
fn command_vars() {
    let r = repl(":vars\nname = \"Ada\";\nn = 3;\nm = {\"k\": [1, 2]};\n:vars\n");
    assert_eq!(
        r.stdout,
        "(no variables)\nname  Text     \"Ada\"\nn     Number   3\nm     Map      {\"k\":[1,2]}\n",
        "stderr: {}",
        r.stderr
    );
}

#[test]
fn command_type() {
    let r = repl(
        "m = Map();\n:type m\n:type \"a\" + 1\n:type 1.5 * 2\n:type {1, 2}\n:type fresh = 1;\n",
    );
    assert_eq!(
        r.stdout, "Map\nText\nDecimal\nList\n",
        "stderr: {}",
        r.stderr
    );
    assert!(r.stderr.contains("not a statement"), "{}", r.stderr);
}

#[test]
fn command_load_script_and_functions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("setup.dg"),
        "greeting = \"hi\";\ninfo \"loaded\";\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fns.dg"),
        "string shout(string s)\n{\n  return s.toUpperCase() + \"!\";\n}\n",
    )
    .unwrap();
    let r = repl_in(
        dir.path(),
        ":load setup.dg\ngreeting\n:load fns.dg\nshout(greeting)\n:load missing.dg\n",
        &[],
    );
    assert_eq!(
        r.stdout, "loaded\nhi\nloaded 1 function: shout\nHI!\n",
        "stderr: {}",
        r.stderr
    );
    assert!(r.stderr.contains("missing.dg"), "{}", r.stderr);
}

#[test]
fn command_reset() {
    let r = repl("x = 1;\n:reset\n:vars\nx = 5;\nx\n");
    assert_eq!(
        r.stdout, "session reset\n(no variables)\n5\n",
        "stderr: {}",
        r.stderr
    );
}

#[test]
fn command_connections() {
    let r = repl(":connections\n");
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(!r.stdout.is_empty());
}

#[test]
fn command_builtins_with_filter() {
    let r = repl(":builtins touppercase\n");
    assert_eq!(r.stdout, "text.toUpperCase\n", "stderr: {}", r.stderr);
    let all = repl(":builtins\n");
    assert!(all.stdout.lines().count() > 50);
}

#[test]
fn command_quit_stops_reading() {
    let r = repl("info 1;\n:quit\ninfo 2;\n");
    assert_eq!(r.stdout, "1\n");
    assert_eq!(r.code, 0);
}

#[test]
fn unknown_command_is_an_error_not_an_exit() {
    let r = repl(":frobnicate\ninfo 1;\n");
    assert_eq!(r.stdout, "1\n");
    assert!(r.stderr.contains(":help"), "{}", r.stderr);
}

#[test]
fn runtime_options_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let r = repl_in(
        dir.path(),
        "zoho.currentdate\n",
        &[
            "--tz",
            "Asia/Kolkata",
            "--max-depth",
            "10",
            "--timeout",
            "5",
        ],
    );
    assert_eq!(r.stdout, "15-Jan-2024\n", "stderr: {}", r.stderr);
    let bad = repl_in(dir.path(), "", &["--tz", "Mars/Base"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn session_is_drivable_without_a_terminal() {
    use dlg::repl::{Output, Session};
    let (out, captured) = Output::capture();
    let (err, errors) = Output::capture();
    let mut s = Session::new(Box::new(dlg::eval::Options::default), out, err);
    s.entry("x = 2;");
    s.entry("info x * 3;");
    assert_eq!(captured.take(), "6\n");
    s.show_types = true;
    s.entry("\"abc\".toUpperCase()");
    assert_eq!(captured.take(), "ABC  (Text)\n");
    s.entry("y = x / 0;");
    assert!(errors.take().contains("Division by zero"));
    assert_eq!(s.entry(":quit"), dlg::repl::Outcome::Quit);
    let names: Vec<String> = s.variables().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["x", "y"]);
    assert_eq!(
        dlg::repl::completeness("if (x) {"),
        dlg::repl::Completeness::Incomplete
    );
    assert_eq!(
        dlg::repl::completeness("info \"{\";"),
        dlg::repl::Completeness::Complete
    );
    assert_eq!(
        dlg::repl::completeness("/* open comment"),
        dlg::repl::Completeness::Incomplete
    );
    assert_eq!(
        dlg::repl::completeness("info );"),
        dlg::repl::Completeness::Invalid
    );
}

#[test]
fn multi_line_invokeurl_runs_against_a_mock_and_lists_its_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mock =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/books_invoices.mock.toml");
    let input = "resp = invokeurl\n[\n  url :\"https://www.zohoapis.in/books/v3/invoices?organization_id=XXXXX\"\n  type :GET\n  connection :\"kalki_books_connection\"\n];\ninfo resp.get(\"code\");\ninfo resp.get(\"invoices\").size();\n:connections\n";
    let r = repl_in(dir.path(), input, &["--mock", mock.to_str().unwrap()]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(
        r.stdout, "0\n2\nkalki_books_connection\n",
        "stderr: {}",
        r.stderr
    );
}

#[test]
fn underscore_holds_the_last_value() {
    let r = repl("2 + 3\n_ * 10\ninfo _ + 1;\n");
    assert_eq!(r.stdout, "5\n50\n51\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 0);
}

#[test]
fn save_writes_the_entries_as_a_runnable_script() {
    let dir = tempfile::tempdir().unwrap();
    let r = repl_in(
        dir.path(),
        "x = 4;\nx * 2\ny = ;\ntok = \"1000.8f2a9c1e0b3d4f5a6b7c8d9e0f1a2b3c.0a1b2c3d4e5f60718293a4b5c6d7e8f9\";\ninfo x + 1;\n:save out.dg\n",
        &[],
    );
    assert!(
        r.stdout.contains("saved 3 entries to out.dg"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("left out 1 entries that look like secrets"),
        "{}",
        r.stdout
    );
    let saved = std::fs::read_to_string(dir.path().join("out.dg")).unwrap();
    assert_eq!(saved, "x = 4;\ninfo x * 2;\ninfo x + 1;\n");
    let run = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .arg("run")
        .arg(dir.path().join("out.dg"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "8\n5\n");
}

#[test]
fn a_non_utf8_line_is_reported_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = b"x = 1;\ninfo \"caf\xE9\";\ninfo x + 1;\r\ny = \"\xC3\";\ninfo \"end\";\n";
    let r = repl_bytes(dir.path(), input, &[]);
    // Both good entries after the bad lines ran.
    assert_eq!(r.stdout, "2\nend\n", "stderr: {}", r.stderr);
    assert_eq!(r.code, 1, "an input error makes the exit status 1");
    assert_eq!(
        r.stderr.matches("deluge::encoding").count(),
        2,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("line 2 of the input"), "{}", r.stderr);
    assert!(
        r.stderr.contains("invalid byte 0xE9 at column 10"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("line 4 of the input"), "{}", r.stderr);
}

#[test]
fn a_non_utf8_line_inside_an_entry_skips_that_entry() {
    let dir = tempfile::tempdir().unwrap();
    let input = b"if (true)\n{\n  info \"\xFF\";\n  info 1;\n}\ninfo \"after\";\n";
    let r = repl_bytes(dir.path(), input, &[]);
    // The whole `if` is skipped (not run without its bad line), and the
    // lines after the bad one are not mistaken for new entries.
    assert_eq!(r.stdout, "after\n", "{}", r.stderr);
    assert!(r.stderr.contains("deluge::encoding"), "{}", r.stderr);
    assert!(!r.stderr.contains("deluge::syntax"), "{}", r.stderr);
    assert_eq!(r.code, 1);
}
