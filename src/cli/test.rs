//! `dlg test [PATH…]`: run `*.test.dg` files and golden cases
//! (`NAME.dg` + `NAME.out`/`NAME.err`), print one line per test and a
//! summary (or JSON events), optionally write JUnit XML or GitHub
//! annotations; `--list`, `--fail-fast`, `--watch` (see `test_watch`).

use crate::code::Code;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::project::files::{self, Selection};
use crate::testing::{self, Config, Status, discover};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per test, failures, then `N passed, M failed`.
    Human,
    /// As `human`, plus a GitHub Actions `::error` annotation per failure
    /// (paths relative to the repository root).
    Github,
    /// One JSON event per line on stdout (libtest's shape: `suite`/`test`
    /// events `started`, `ok`, `failed`, `ignored`).
    Json,
}

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg test                                  # every test under the current folder
  dlg test tests/ functions/                # files and folders
  dlg test 'tests/deal.test.dg::testDiscount'  # one test, named as the runner prints it
  dlg test --list                           # the tests, without running them
  dlg test -x                               # stop at the first failure
  dlg test --watch                          # re-run the affected tests on save
  dlg test --format github --junit junit.xml  # CI: annotations and a JUnit report
  dlg test --format json | jq .             # one JSON event per line
  dlg test --update                         # rewrite .out/.err of golden cases

Tests are files named NAME.test.dg (any Deluge file shape: .deluge, .ds, and
.ts/.js/.txt/extension-less files whose content is Deluge) and golden cases:
a Deluge file with NAME.out (expected output) or NAME.err (expected error)
beside it. dlg.toml's [test] globs narrow the folders walked. Tests never
reach the network: a request no fixture answers fails the test; only
--record talks to the real services.
Exit status: 0 all passed, 1 a test failed (or none found), 2 usage error.")]
pub struct TestArgs {
    /// Files or folders to search (default: the current folder), or
    /// `FILE::TEST` to run one test function.
    pub paths: Vec<PathBuf>,
    /// File names of Deluge test files (`*` = any text; default: any
    /// Deluge file named NAME.test plus its extension). Replaces dlg.toml's
    /// [test] globs.
    #[arg(long, value_name = "GLOB")]
    pub glob: Option<String>,
    /// Only files with these extensions (`--ext ts,txt`).
    #[arg(long = "ext", value_name = "EXT", value_delimiter = ',')]
    pub extensions: Vec<String>,
    /// Only run tests whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// List the tests (one name per line, or JSON events) without running them.
    #[arg(long)]
    pub list: bool,
    /// Stop starting tests after the first failure.
    #[arg(short = 'x', long = "fail-fast")]
    pub fail_fast: bool,
    /// Keep running: re-run the tests a saved file affects.
    #[arg(long, conflicts_with_all = ["update", "record", "list"])]
    pub watch: bool,
    /// Run this many tests at a time (default: the number of cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Write a JUnit XML report (GitHub, GitLab and Jenkins render it).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Rewrite the `.out` / `.err` files of golden cases from this run.
    #[arg(long)]
    pub update: bool,
    /// Run against the real services (or `[hosts]`-redirected ones) instead
    /// of fixtures, and write each test's fixture file (`NAME.mock.toml`, or
    /// its header's `--mock` file) from the answers, without credentials.
    #[arg(long)]
    pub record: bool,
    /// Fix the clock for every test, e.g. "2024-01-15 10:30:00" (also
    /// $DLG_NOW); a case's `// dlg: --now …` header wins.
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,
    /// Time zone for every test (default: $TZ, else UTC).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Extra directory searched for functions the tests call.
    #[arg(long = "lib", value_name = "DIR")]
    pub lib: Vec<PathBuf>,
    /// Connections file (as for `dlg run`).
    #[arg(long, value_name = "PATH")]
    pub connections: Option<PathBuf>,
    /// Write every HTTP request and response of every test to FILE as JSON
    /// lines (secrets redacted).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Trace HTTP requests and their bodies on stderr.
    #[arg(long)]
    pub verbose: bool,
    /// Print only failures and the summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What was found to run.
pub(crate) struct Plan {
    pub cases: Vec<testing::Case>,
    pub skipped_files: Vec<(PathBuf, &'static str)>,
    pub paths: Vec<PathBuf>,
}

/// Find the cases the arguments name. `Err` is an exit code (the problem
/// is printed).
pub(crate) fn plan(args: &TestArgs) -> Result<Plan, i32> {
    let mut paths = Vec::new();
    let mut selectors = Vec::new();
    for p in if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    } {
        match discover::split_selector(&p) {
            Some((file, test)) => {
                paths.push(file.clone());
                selectors.push((file, test));
            }
            None => paths.push(p),
        }
    }
    let project = super::project_near(&paths).map_err(|d| {
        crate::diag::eprint(&d);
        2
    })?;
    let mut selection = match (&project, &args.glob) {
        (Some(p), None) => Selection::project_tests(p),
        (None, None) => Selection {
            nested_projects: Some(files::Scope::Tests),
            ..Selection::default()
        },
        (_, Some(_)) => Selection::default(),
    };
    selection.extensions = args
        .extensions
        .iter()
        .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let opts = discover::Options {
        test_glob: args.glob.clone(),
        selection,
    };
    let found = discover::discover(&paths, &opts).map_err(|e| super::usage_error("test", e))?;
    let mut cases = found.cases;
    if !selectors.is_empty() {
        let mut kept = Vec::new();
        let mut by_file: Vec<testing::Case> = Vec::new();
        for c in cases {
            if selectors.iter().any(|(f, _)| same_file(f, &c.file)) {
                by_file.push(c);
            } else {
                kept.push(c);
            }
        }
        for (file, test) in &selectors {
            let chosen = discover::select(by_file.clone(), file, test);
            if chosen.is_empty() {
                let known: Vec<String> = by_file
                    .iter()
                    .filter(|c| same_file(file, &c.file))
                    .map(|c| c.name.clone())
                    .collect();
                return Err(super::usage_error(
                    "test",
                    format!(
                        "{} has no test `{test}`{}",
                        file.display(),
                        if known.is_empty() {
                            String::new()
                        } else {
                            format!(" (its tests: {})", known.join(", "))
                        }
                    ),
                ));
            }
            kept.extend(chosen);
        }
        cases = kept;
    }
    if let Some(f) = &args.filter {
        cases = discover::filter(cases, f);
    }
    Ok(Plan {
        cases,
        skipped_files: found.skipped,
        paths,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || (a.canonicalize().ok().is_some() && a.canonicalize().ok() == b.canonicalize().ok())
}

fn config(args: &TestArgs) -> Config {
    Config {
        now: args.now.clone(),
        tz: args.tz.clone(),
        lib: args
            .lib
            .iter()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
            .collect(),
        connections: args.connections.clone(),
        update: args.update,
        trace: args.trace.clone(),
        verbose: args.verbose,
        record: args.record,
    }
}

pub fn test(args: TestArgs) -> i32 {
    if let Some(now) = &args.now
        && super::parse_now(now).is_none()
    {
        return super::usage_error(
            "test",
            format!("--now must look like 2024-01-15 10:30:00, got '{now}'"),
        );
    }
    if args.watch {
        return super::test_watch::watch(&args);
    }
    run_once(&args)
}

/// Find, run and report the tests once; the exit code.
pub(crate) fn run_once(args: &TestArgs) -> i32 {
    let plan = match plan(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    run_plan(args, &plan)
}

/// Run and report planned cases; the exit code.
pub(crate) fn run_plan(args: &TestArgs, plan: &Plan) -> i32 {
    let cases = &plan.cases;
    let json = args.format == Format::Json;
    if cases.is_empty() {
        crate::diag::eprint(
            &crate::diag::Diag::new(
                Code::DlgNoTests,
                format!(
                    "dlg test: no tests found in {}{}",
                    plan.paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if args.filter.is_some() {
                        " matching --filter"
                    } else {
                        ""
                    }
                ),
            )
            .with_help(format!(
                "tests are files named {} and golden cases: a Deluge file with NAME.out or NAME.err beside it",
                args.glob.as_deref().unwrap_or("NAME.test.dg (or .ts, .txt …)")
            )),
        );
        if !json {
            println!("0 passed, 0 failed");
        }
        return 1;
    }
    let stdout = std::io::stdout();
    if args.list {
        let mut out = stdout.lock();
        for c in cases {
            let line = if json {
                serde_json::json!({"type": "test", "event": "discovered", "name": c.name, "file": files::display_path(&c.file), "line": c.line}).to_string()
            } else {
                c.name.clone()
            };
            let _ = writeln!(out, "{line}");
        }
        return 0;
    }
    if let Some(trace) = &args.trace
        && let Err(e) = std::fs::write(trace, "")
    {
        return super::usage_error("test", format!("--trace {}: {e}", trace.display()));
    }
    let cfg = config(args);
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let quiet = args.quiet;
    let started = std::time::Instant::now();
    if json {
        let mut out = stdout.lock();
        for (file, why) in &plan.skipped_files {
            let _ = writeln!(
                out,
                "{}",
                serde_json::json!({"type": "file", "event": "skipped", "file": files::display_path(file), "reason": format!("not Deluge: {why}")})
            );
        }
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({"type": "suite", "event": "started", "test_count": cases.len()})
        );
    }
    let outcomes = testing::run_all(cases, &cfg, jobs, args.fail_fast, |case, o| {
        let mut out = stdout.lock();
        if json {
            let _ = writeln!(out, "{}", json_event(case, o));
            return;
        }
        if quiet && o.status != Status::Failed {
            return;
        }
        let word = match o.status {
            Status::Passed => "PASS",
            Status::Failed => "FAIL",
            Status::Skipped => "SKIP",
        };
        let _ = writeln!(out, "{word} {} ({} ms)", case.name, o.elapsed.as_millis());
        let _ = out.flush();
    });
    let ran: Vec<(&testing::Case, &testing::Outcome)> = cases
        .iter()
        .zip(&outcomes)
        .filter_map(|(c, o)| o.as_ref().map(|o| (c, o)))
        .collect();
    let count = |s: Status| ran.iter().filter(|(_, o)| o.status == s).count();
    let (passed, failed, skipped) = (
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Skipped),
    );
    let not_run = cases.len() - ran.len();
    let mut out = stdout.lock();
    if failed > 0 && !json {
        let _ = writeln!(out, "\nfailures:");
        for (c, o) in ran.iter().filter(|(_, o)| o.status == Status::Failed) {
            let file = o
                .file
                .clone()
                .unwrap_or_else(|| files::display_path(&c.file));
            let _ = writeln!(out, "\n--- {} ({file}:{})", c.name, o.line);
            for line in o.detail.trim_end().lines() {
                let _ = writeln!(out, "    {line}");
            }
            if args.format == Format::Github {
                let repo_file = files::repo_path(Path::new(&file));
                let _ = writeln!(
                    out,
                    "{}",
                    testing::report::github_annotation(
                        &repo_file,
                        o.line,
                        &c.name,
                        &format!("{}\n{}", o.message, o.detail)
                    )
                );
            }
        }
        let _ = writeln!(out);
    }
    let junit = args.junit.as_ref().and_then(|path| {
        let (cs, os): (Vec<testing::Case>, Vec<testing::Outcome>) = ran
            .iter()
            .map(|(c, o)| ((*c).clone(), (*o).clone()))
            .unzip();
        std::fs::write(path, testing::report::junit(&cs, &os))
            .err()
            .map(|e| format!("--junit {}: {e}", path.display()))
    });
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({
                "type": "suite",
                "event": if failed > 0 { "failed" } else { "ok" },
                "passed": passed,
                "failed": failed,
                "ignored": skipped,
                "not_run": not_run,
                "skipped_files": plan.skipped_files.len(),
                "exec_time": started.elapsed().as_secs_f64(),
            })
        );
    } else {
        let mut summary = format!("{passed} passed, {failed} failed");
        if skipped > 0 {
            summary.push_str(&format!(", {skipped} skipped"));
        }
        if not_run > 0 {
            summary.push_str(&format!(", {not_run} not run (--fail-fast)"));
        }
        if !plan.skipped_files.is_empty() {
            summary.push_str(&format!(
                "; {} not Deluge",
                super::files_count(plan.skipped_files.len())
            ));
        }
        let _ = writeln!(out, "{summary}");
    }
    let _ = out.flush();
    drop(out);
    if let Some(e) = junit {
        return super::usage_error("test", e);
    }
    if failed > 0 { 1 } else { 0 }
}

/// One finished test as a JSON event.
fn json_event(case: &testing::Case, o: &testing::Outcome) -> serde_json::Value {
    let event = match o.status {
        Status::Passed => "ok",
        Status::Failed => "failed",
        Status::Skipped => "ignored",
    };
    let mut v = serde_json::json!({
        "type": "test",
        "event": event,
        "name": case.name,
        "file": o.file.clone().unwrap_or_else(|| files::display_path(&case.file)),
        "line": o.line,
        "exec_time": o.elapsed.as_secs_f64(),
    });
    if o.status == Status::Failed {
        v["message"] = o.message.clone().into();
        v["detail"] = o.detail.clone().into();
    }
    v
}
