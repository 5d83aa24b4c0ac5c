//! `dlg test [PATH…]`: run `*.test.dg` files and golden cases
//! (`NAME.dg` + `NAME.out`/`NAME.err`), print one line per test and a
//! summary, optionally write JUnit XML or GitHub annotations.

use crate::code::Code;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::testing::{self, Config, Status};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per test, failures, then `N passed, M failed`.
    Human,
    /// As `human`, plus a GitHub Actions `::error` annotation per failure.
    Github,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Files or folders to search (default: the current folder) for
    /// `*.test.dg` and for `NAME.dg` with `NAME.out` or `NAME.err`.
    pub paths: Vec<PathBuf>,
    /// File names of Deluge test files (`*` = any text).
    #[arg(long, value_name = "GLOB", default_value = testing::DEFAULT_TEST_GLOB)]
    pub glob: String,
    /// Only run tests whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
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

pub fn test(args: TestArgs) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut cases = match testing::discover_with(&paths, &args.glob) {
        Ok(c) => c,
        Err(e) => return super::usage_error("test", e),
    };
    if let Some(f) = &args.filter {
        cases = testing::filter(cases, f);
    }
    if cases.is_empty() {
        crate::diag::eprint(
            &crate::diag::Diag::new(
                Code::DlgNoTests,
                format!(
                    "dlg test: no tests found in {}{}",
                    paths
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
                "tests are files named {} and golden cases NAME.dg with NAME.out or NAME.err",
                args.glob
            )),
        );
        println!("0 passed, 0 failed");
        return 1;
    }
    if let Some(now) = &args.now
        && super::parse_now(now).is_none()
    {
        return super::usage_error(
            "test",
            format!("--now must look like 2024-01-15 10:30:00, got '{now}'"),
        );
    }
    if let Some(trace) = &args.trace
        && let Err(e) = std::fs::write(trace, "")
    {
        return super::usage_error("test", format!("--trace {}: {e}", trace.display()));
    }
    let cfg = Config {
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
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let stdout = std::io::stdout();
    let quiet = args.quiet;
    let outcomes = testing::run_all(&cases, &cfg, jobs, |case, o| {
        if quiet && o.status != Status::Failed {
            return;
        }
        let word = match o.status {
            Status::Passed => "PASS",
            Status::Failed => "FAIL",
            Status::Skipped => "SKIP",
        };
        let mut out = stdout.lock();
        let _ = writeln!(out, "{word} {} ({} ms)", case.name, o.elapsed.as_millis());
        let _ = out.flush();
    });
    let count = |s: Status| outcomes.iter().filter(|o| o.status == s).count();
    let (passed, failed, skipped) = (
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Skipped),
    );
    let mut out = stdout.lock();
    if failed > 0 {
        let _ = writeln!(out, "\nfailures:");
        for (c, o) in cases.iter().zip(&outcomes) {
            if o.status != Status::Failed {
                continue;
            }
            let _ = writeln!(out, "\n--- {} ({}:{})", c.name, c.file.display(), o.line);
            for line in o.detail.trim_end().lines() {
                let _ = writeln!(out, "    {line}");
            }
            if args.format == Format::Github {
                let _ = writeln!(
                    out,
                    "{}",
                    testing::report::github_annotation(
                        &c.file.display().to_string(),
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
        std::fs::write(path, testing::report::junit(&cases, &outcomes))
            .err()
            .map(|e| format!("--junit {}: {e}", path.display()))
    });
    let mut summary = format!("{passed} passed, {failed} failed");
    if skipped > 0 {
        summary.push_str(&format!(", {skipped} skipped"));
    }
    let _ = writeln!(out, "{summary}");
    let _ = out.flush();
    drop(out);
    if let Some(e) = junit {
        return super::usage_error("test", e);
    }
    if failed > 0 { 1 } else { 0 }
}
