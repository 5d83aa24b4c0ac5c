//! Developer conveniences of the command line: `--version`, completions,
//! machine-readable `check`/`run` output, the `dlg FILE.dg` shortcut,
//! near-miss file names, file discovery, and `dlg fmt`'s modes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dlg(args: &[&str]) -> Output {
    cmd(args).output().expect("dlg runs")
}

fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dlg"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env("TZ", "UTC")
        .env_remove("DLG_CONNECTIONS");
    c
}

fn with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dlg starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_shows_the_commit_and_build_date() {
    let o = dlg(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    let text = out(&o);
    assert!(
        text.starts_with(&format!("dlg {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.contains("commit: "), "{text}");
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("build date: "))
        .expect("build date line");
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{date}"
    );
    let short = out(&dlg(&["-V"]));
    assert!(short.starts_with("dlg ") && short.contains('('), "{short}");
    assert_eq!(out(&dlg(&["version"])), text);
}

#[test]
fn completions_generate_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef dlg"),
        ("fish", "complete -c dlg"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let o = dlg(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", err(&o));
        let script = out(&o);
        assert!(script.contains(marker), "{shell} script lacks {marker}");
        assert!(
            script.contains("check") && script.contains("fmt"),
            "{shell}"
        );
    }
    assert_eq!(dlg(&["completions", "tcsh"]).status.code(), Some(2));
}

fn broken_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.dg"), "info 1;\n").unwrap();
    std::fs::write(dir.path().join("bad.dg"), "a = 1;\nb = ;\n").unwrap();
    dir
}

#[test]
fn check_format_github_prints_error_annotations() {
    let dir = broken_dir();
    let o = dlg(&["check", "--format", "github", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    let bad = dir.path().join("bad.dg").display().to_string();
    let line = text
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation in {text}"));
    assert!(
        line.starts_with(&format!(
            "::error file={bad},line=2,col=5,title=deluge%3A%3Asyntax::"
        )),
        "{line}"
    );
    assert!(text.contains("2 files, 1 failed"), "{text}");
}

#[test]
fn check_format_json_has_one_object_per_diagnostic() {
    let dir = broken_dir();
    let o = dlg(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let objects: Vec<serde_json::Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(objects.len(), 2, "{objects:?}");
    let d = &objects[0];
    assert_eq!(d["type"], "diagnostic");
    assert!(d["file"].as_str().unwrap().ends_with("bad.dg"));
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], 5);
    assert_eq!(d["code"], "deluge::syntax");
    assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(d["help"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        objects[1],
        serde_json::json!({"type": "summary", "files": 2, "failed": 1, "skipped": 0})
    );
}

#[test]
fn check_with_no_scripts_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hi").unwrap();
    let o = dlg(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no Deluge files found"), "{}", err(&o));
}

#[test]
fn check_respects_gitignore_and_survives_symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "build/\n").unwrap();
    std::fs::create_dir(dir.path().join("build")).unwrap();
    std::fs::write(dir.path().join("build/broken.dg"), "x = ;").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/ok.dg"), "info 1;").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path(), dir.path().join("src/loop")).unwrap();
    let o = dlg(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("1 file, 0 failed"), "{}", out(&o));
}

#[test]
fn run_format_json_reports_info_result_and_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.dg");
    std::fs::write(&ok, "info \"a\\nb\";\ninfo {1, 2};\n").unwrap();
    let o = dlg(&["run", "--format", "json", ok.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let lines: Vec<serde_json::Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"type": "info", "text": "a\nb"}),
            serde_json::json!({"type": "info", "text": "1,2"}),
            serde_json::json!({"type": "done", "exit_code": 0}),
        ]
    );

    let f = dir.path().join("f.dg");
    std::fs::write(&f, "int double(int n)\n{\n\treturn n * 2;\n}\n").unwrap();
    let o = dlg(&[
        "run",
        "--format",
        "json",
        f.to_str().unwrap(),
        "--arg",
        "n=21",
    ]);
    let first: serde_json::Value = serde_json::from_str(out(&o).lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        serde_json::json!({"type": "result", "text": "42", "value": 42})
    );

    let bad = dir.path().join("bad.dg");
    std::fs::write(&bad, "info 1;\nx = 1 / 0;\n").unwrap();
    let o = dlg(&["run", "--format", "json", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "info");
    assert_eq!(lines[1]["type"], "diagnostic");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(
        lines[2],
        serde_json::json!({"type": "done", "exit_code": 1})
    );
    assert!(o.stderr.is_empty(), "{}", err(&o));
}

#[test]
fn a_script_path_alone_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hello.dg");
    std::fs::write(&f, "info \"hi\";").unwrap();
    let o = dlg(&[f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "hi\n");
    // Subcommand names still win, and unknown words get clap's suggestion.
    let o = dlg(&["rn"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("run"), "{}", err(&o));
}

#[test]
fn a_near_miss_script_name_is_suggested() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lead_scoring.dg"), "info 1;").unwrap();
    let wrong = dir.path().join("lead_scorng.dg");
    let o = dlg(&["run", wrong.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("did you mean"), "{}", err(&o));
    assert!(err(&o).contains("lead_scoring.dg"), "{}", err(&o));
}

#[test]
fn fmt_reads_stdin_and_writes_stdout() {
    let o = with_stdin(&["fmt", "-"], "if(a>1){info a;}");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "if(a > 1)\n{\n\tinfo a;\n}\n");
    let o = with_stdin(&["fmt", "-"], "x = ;");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("deluge::syntax"), "{}", err(&o));
}

#[test]
fn fmt_check_and_diff_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.dg");
    std::fs::write(&f, "x=1;\n").unwrap();
    let o = dlg(&["fmt", "--check", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("a.dg"));
    let o = dlg(&["fmt", "--diff", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("-x=1;\n+x = 1;\n"), "{}", out(&o));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "x=1;\n");
    let o = dlg(&["fmt", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "x = 1;\n");
    let o = dlg(&["fmt", "--check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
}

fn colored(args: &[&str], env: &[(&str, &str)]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.dg");
    std::fs::write(&f, "x = ;").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_dlg"));
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR")
        .args(args)
        .arg(&f);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    o.stderr.contains(&0x1b)
}

#[test]
fn color_follows_the_flag_then_the_environment() {
    // stderr is a pipe here, so `auto` means no colour…
    assert!(!colored(&["run"], &[]));
    // …unless forced by the environment (CI logs render colour)…
    assert!(colored(&["run"], &[("CLICOLOR_FORCE", "1")]));
    assert!(colored(&["run"], &[("FORCE_COLOR", "1")]));
    assert!(!colored(
        &["run"],
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]
    ));
    // …and the flag beats every variable, on any command.
    assert!(colored(&["--color", "always", "run"], &[("NO_COLOR", "1")]));
    assert!(colored(&["check", "--color=always"], &[]));
    assert!(!colored(
        &["run", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    // clap's own errors follow it too.
    let o = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(["--color", "always", "run", "--nope"])
        .output()
        .unwrap();
    assert!(o.stderr.contains(&0x1b));
    let o = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(["--color", "never", "run", "--nope"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!o.stderr.contains(&0x1b));
}

#[test]
fn help_pages_teach_with_examples_and_environment() {
    for cmd in ["run", "check", "repl", "fmt"] {
        let o = dlg(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        assert!(
            out(&o).contains("EXAMPLES:"),
            "{cmd} --help has no examples"
        );
    }
    let run = out(&dlg(&["run", "--help"]));
    for var in ["DLG_NOW", "DLG_CONNECTIONS", "DLG_CACHE_DIR", "NO_COLOR"] {
        assert!(run.contains(var), "run --help does not mention {var}");
    }
    assert!(out(&dlg(&["repl", "--help"])).contains("DLG_HISTORY"));
}
