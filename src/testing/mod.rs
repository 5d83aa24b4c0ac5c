//! The `dlg test` engine: finds test cases, runs each in-process on its own
//! interpreter (output captured), checks the result, and reports.
//!
//! Two kinds of case ([`discover`]; any Deluge file shape: `.dg`,
//! `.deluge`, `.ds`, and `.ts`/`.js`/`.txt`/extension-less Deluge):
//! - golden: `NAME.dg` next to `NAME.out` (exact stdout, exit 0) or
//!   `NAME.err` (a snapshot of the diagnostic, or its code then fragments
//!   of stderr, or of stdout after `stdout: `);
//! - Deluge tests: `NAME.test.dg`, ordinary Deluge plus the test built-ins
//!   of [`builtins`]. A bare statement list is one test; a file of
//!   functions has one test per parameterless function whose name starts
//!   with `test`.
//!
//! Either may start with a header line `// dlg: ARGS` (the options of
//! `dlg run`: `--arg`, `--mock`, `--input`, `--now`, `--tz`, `--lib`,
//! `--function` …; relative paths are relative to the case's folder). A
//! sidecar `NAME.mock.toml` is used as `--mock` when the header names none
//! (else `[test] mock` of dlg.toml), `NAME.input.json` as `--input`, and a
//! sidecar `NAME.args` (same options, `#` comments, paths relative to it)
//! stands in for a missing header. A line `// dlg-test: skip` in the
//! leading comments skips the case. A case without any fixture file runs
//! offline all the same: a request it makes fails the test.

pub mod builtins;
mod diff;
pub mod discover;
pub mod record;
pub mod report;
pub mod scaffold;
pub mod subrun;

use crate::code::Code;
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::diag::{Diag, SourceFile, render_plain};
use crate::project::files;
use crate::runner::{Executed, RunArgs, execute};

pub use diff::line_diff;

/// Options of a test run that apply to every case (a case's header wins).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Fixed clock, e.g. "2024-01-15 10:30:00".
    pub now: Option<String>,
    pub tz: Option<String>,
    /// Extra library directories.
    pub lib: Vec<PathBuf>,
    pub connections: Option<PathBuf>,
    /// Rewrite `.out` / `.err` files from what the run produced.
    pub update: bool,
    /// Append every request of every case to this file (JSON lines).
    pub trace: Option<PathBuf>,
    /// Run against the real services (no fixtures) and write each case's
    /// fixtures (`NAME.mock.toml`, or the header's `--mock` file).
    pub record: bool,
    pub verbose: bool,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// `NAME.dg` with `NAME.out` / `NAME.err` (either may be missing with
    /// `--update`).
    Golden,
    /// A `*.test.dg` statement list.
    Script,
    /// One test function of a `*.test.dg` file.
    Function(String),
    /// A test file that cannot be used (syntax error, no tests).
    Broken(String),
}

#[derive(Clone, Debug)]
pub struct Case {
    /// Shown in reports and accepted back as a selector: the file's path
    /// (relative to the current folder when under it), plus `::function`
    /// for test functions.
    pub name: String,
    pub file: PathBuf,
    pub kind: Kind,
    /// Line of the test (1 for files).
    pub line: usize,
    pub skip: bool,
    /// How many test functions the file defines (1 for other cases).
    pub tests_in_file: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Status,
    /// One line saying why it failed (JUnit `message`, annotations).
    pub message: String,
    /// Why it failed (diagnostic, diff, fixture problems).
    pub detail: String,
    /// Line to point at in annotations.
    pub line: usize,
    /// File of `line` when it is not the case's own (a helper's).
    pub file: Option<String>,
    pub elapsed: Duration,
}

impl Outcome {
    fn failed(detail: impl Into<String>, line: usize) -> Outcome {
        let detail: String = detail.into();
        let message = detail
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("failed")
            .to_string();
        Outcome {
            status: Status::Failed,
            message,
            detail,
            line,
            file: None,
            elapsed: Duration::ZERO,
        }
    }

    fn with_status(status: Status, detail: impl Into<String>, line: usize) -> Outcome {
        Outcome {
            status,
            message: String::new(),
            detail: detail.into(),
            line,
            file: None,
            elapsed: Duration::ZERO,
        }
    }
}

/// The cases under `paths` with the default options (see [`discover`]).
pub fn find_cases(paths: &[PathBuf]) -> Result<Vec<Case>, String> {
    discover::discover(paths, &discover::Options::default()).map(|d| d.cases)
}

/// `info` output captured in memory.
#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Parser)]
#[command(no_binary_name = true)]
struct Header {
    #[command(flatten)]
    run: RunArgs,
}

/// Options taking a path whose relative value is relative to the file
/// that names it.
const PATH_OPTIONS: &[&str] = &[
    "--mock",
    "--connections",
    "--lib",
    "--trace",
    "--input",
    "--project",
    "--creator-db",
];

fn header_args(text: &str, dir: &Path) -> Vec<String> {
    let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("// dlg:")) else {
        return Vec::new();
    };
    let abs = |p: &str| -> String {
        let path = Path::new(p);
        // `--creator-db :memory:` names no file.
        if path.is_absolute() || p == ":memory:" {
            p.to_string()
        } else {
            dir.join(path).display().to_string()
        }
    };
    let mut out: Vec<String> = Vec::new();
    let mut path_next = false;
    for word in split_words(line) {
        let word = word.as_str();
        if path_next {
            out.push(abs(word));
            path_next = false;
            continue;
        }
        if PATH_OPTIONS.contains(&word) {
            path_next = true;
            out.push(word.to_string());
        } else if let Some((opt, value)) = word.split_once('=')
            && PATH_OPTIONS.contains(&opt)
        {
            out.push(format!("{opt}={}", abs(value)));
        } else if let Some((name, file)) = word.split_once("=@")
            && out.last().is_some_and(|l| l == "--arg")
        {
            out.push(format!("{name}=@{}", abs(file)));
        } else {
            out.push(word.to_string());
        }
    }
    out
}

/// Words of a header line. A quote that starts a word groups up to the
/// matching quote (`--now "2024-01-15 10:30:00"`); quotes inside a word
/// are kept (`--arg rec={"id":1}`).
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' || c == '\'' {
            chars.next();
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
                word.push(d);
            }
        } else {
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() {
                    break;
                }
                word.push(d);
                chars.next();
            }
        }
        words.push(word);
    }
    words
}

/// The fixture file next to a case: `NAME.mock.toml` (for `x.test.dg`
/// also `x.mock.toml`), for every file shape.
fn sidecar_mock(file: &Path) -> Option<PathBuf> {
    [default_mock_path(file), files::sidecar(file, "mock.toml")]
        .into_iter()
        .rev()
        .find(|p| p.is_file())
}

/// Everything a finished run left behind.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    diag: Option<Diag>,
    interp: Option<crate::eval::Interpreter>,
    sidecar: bool,
    mock: Option<PathBuf>,
}

fn run_file(
    case: &Case,
    cfg: &Config,
    text: &str,
    function: Option<&str>,
    test_builtins: bool,
) -> Result<Ran, String> {
    run_file_with(case, cfg, text, function, test_builtins, false)
}

/// [`run_file`]; with `placeholders`, calls no fixture answers get a
/// placeholder answer (shaped by what the file reads) and are listed in the
/// run's fixture set instead of failing.
fn run_file_with(
    case: &Case,
    cfg: &Config,
    text: &str,
    function: Option<&str>,
    test_builtins: bool,
    placeholders: bool,
) -> Result<Ran, String> {
    // Every path of the run is absolute, so what it reports does not
    // depend on the current folder.
    let file = case
        .file
        .canonicalize()
        .unwrap_or_else(|_| case.file.clone());
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut words = header_args(text, &dir);
    // No header: a sidecar `NAME.args` holds the same options, so the
    // function's own file stays untouched.
    if !text.starts_with("// dlg:")
        && let Ok(side) = std::fs::read_to_string(files::sidecar(&file, "args"))
    {
        let joined: String = side
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join(" ");
        words = header_args(&format!("// dlg: {joined}"), &dir);
    }
    if let Some(f) = function {
        words.push("--function".into());
        words.push(f.to_string());
    }
    words.push(case.file.display().to_string());
    let header = Header::try_parse_from(&words).map_err(|e| {
        format!(
            "bad `// dlg:` header: {}",
            e.to_string().lines().next().unwrap_or("")
        )
    })?;
    let mut args = header.run;
    let rt = &mut args.runtime;
    let mut sidecar = false;
    if rt.mock.is_none() {
        rt.mock = sidecar_mock(&file);
        sidecar = rt.mock.is_some();
    }
    if rt.input.is_none() {
        rt.input = Some(files::sidecar(&file, "input.json")).filter(|p| p.is_file());
    }
    let named_mock = rt.mock.is_some();
    // Recording: the fixtures are what gets written, not what answers.
    let record_to = cfg
        .record
        .then(|| rt.mock.take().unwrap_or_else(|| default_mock_path(&file)));
    // Each case starts from empty Creator records (seeded by the test
    // itself), never the project's database, unless its header says so.
    if rt.creator_db.is_none() {
        rt.creator_db = Some(":memory:".into());
    }
    if rt.now.is_none() {
        rt.now = cfg.now.clone();
    }
    if rt.tz.is_none() {
        rt.tz = cfg.tz.clone();
    }
    if rt.connections.is_none() {
        rt.connections = cfg.connections.clone();
    }
    if rt.trace.is_none() {
        rt.trace = cfg.trace.clone();
    }
    rt.verbose |= cfg.verbose;
    rt.lib.extend(cfg.lib.iter().cloned());
    let mut options = rt.options(Some(&dir))?;
    let mut fixture_file = true;
    if cfg.record {
        options.http.mock_path = None;
    } else {
        // No fixture named by the case: dlg.toml's [test] mock, else
        // [run] mock (already set), else none at all — and then an empty
        // set named after the file to write keeps the network closed.
        if !named_mock && let Some(m) = options.project.as_ref().and_then(|p| p.test.mock.clone()) {
            options.http.mock_path = Some(m);
        }
        if options.http.mock_path.is_none() {
            let path = default_mock_path(&file);
            let empty = crate::http::mock::MockSet::parse(&path, "").map_err(|d| d.message)?;
            options.http.mock_path = Some(path);
            options.http.mock_loaded = crate::http::LoadedMocks::with(std::sync::Arc::new(empty));
            fixture_file = false;
        }
    }
    if placeholders && let Ok(Some(set)) = options.http.mock_set() {
        match crate::syntax::parse_program(text) {
            Ok(p) => scaffold::Shapes::of(&p).answer_placeholders(&set),
            Err(_) => set.set_placeholders(true),
        }
    }
    // The test built-ins; golden cases get none (they run as `dlg run`
    // would), but a hook all the same so `sendmail` stays quiet.
    let host: crate::eval::HostFunctions = if test_builtins {
        builtins::call
    } else {
        builtins::none
    };
    options.host_functions = Some(host);
    options.bare_library_calls = test_builtins;
    let mock = options
        .http
        .mock_path
        .clone()
        .filter(|_| !cfg.record && fixture_file);
    let source = SourceFile::new(files::display_path(&case.file), text);
    let out = Captured::default();
    let Executed { code, diag, interp } = execute(&args, &source, options, Box::new(out.clone()));
    let stdout = String::from_utf8_lossy(&out.0.borrow()).replace("\r\n", "\n");
    let mut stderr = String::new();
    if let Some(client) = interp.as_ref().and_then(|i| i.http_client()) {
        for w in client.warnings() {
            stderr.push_str(&render_plain(&w));
        }
    }
    if let Some(d) = &diag {
        stderr.push_str(&render_plain(d));
    }
    Ok(Ran {
        code,
        stdout,
        stderr,
        diag,
        interp,
        sidecar,
        mock: mock.or(record_to),
    })
}

/// The fixture file `dlg fixtures` writes for a script: `NAME.mock.toml`
/// next to it (the sidecar `dlg test` picks up).
pub fn sidecar_path(file: &Path) -> PathBuf {
    default_mock_path(file)
}

/// Where a recording goes when there is no fixture file yet:
/// `NAME.mock.toml` (`x.test.dg` → `x.mock.toml`).
fn default_mock_path(file: &Path) -> PathBuf {
    let stem = files::deluge_stem(file);
    let stem = stem.strip_suffix(".test").unwrap_or(&stem);
    file.with_file_name(format!("{stem}.mock.toml"))
}

/// Write a recording of `exchanges` (in record mode).
fn write_recording(ran: &Ran, exchanges: &[crate::http::Exchange]) -> Result<(), String> {
    let Some(path) = &ran.mock else {
        return Ok(());
    };
    if exchanges.is_empty() {
        return Ok(());
    }
    let client = ran.interp.as_ref().and_then(|i| i.http_client());
    std::fs::write(path, record::recording(client, exchanges))
        .map_err(|e| format!("cannot write the recording {}: {e}", path.display()))
}

/// The run's fixtures (parsed once, shared with the run), if it had any.
fn mock_set_of(ran: &Ran) -> Option<std::sync::Arc<crate::http::mock::MockSet>> {
    ran.interp
        .as_ref()
        .and_then(|i| i.options.http.mock_set().ok().flatten())
}

/// Calls the fixtures did not answer (requests and `zoho.*` tasks), and
/// fixtures used a wrong number of times.
fn fixture_problems(ran: &Ran, check_usage: bool) -> Vec<String> {
    let Some(interp) = ran.interp.as_ref() else {
        return Vec::new();
    };
    let mut out = unanswered_calls(interp);
    if check_usage && let Some(m) = mock_set_of(ran) {
        out.extend(m.usage_problems());
    }
    out
}

/// Calls of a run no fixture answered, each with its closest entry; these
/// fail a test even when the script caught the error.
pub(crate) fn unanswered_calls(interp: &crate::eval::Interpreter) -> Vec<String> {
    use crate::http::mock::{Unanswered, calls::CallKind};
    let mut out = Vec::new();
    let mut covered = Vec::new();
    for t in crate::natives::fixtures::task_calls(interp) {
        if let Some(why) = &t.unmocked {
            out.push(format!(
                "unmocked task (fails the test even when the script catches it): {why}"
            ));
            covered.extend(t.requests.clone());
        }
    }
    // Connections and helpers nothing declares or answers (the requests and
    // tasks are reported with their closest entries above and below).
    if let Ok(Some(set)) = interp.options.http.mock_set() {
        for u in set.unanswered() {
            match &u {
                Unanswered::Connection { name, datacenter } => out.push(format!(
                    "unknown connection (fails the test even when the script catches it): '{name}'; declare it in {} as [connections.{name}] datacenter = \"{}\"",
                    set.path.display(),
                    datacenter.as_deref().unwrap_or("us")
                )),
                Unanswered::Call {
                    kind: CallKind::Function,
                    ..
                } => out.push(format!(
                    "no helper or [[function]] stub answers {} (fails the test even when the script catches it)",
                    u.describe()
                )),
                _ => {}
            }
        }
    }
    if let Some(client) = interp.http_client() {
        for (i, ex) in client.exchanges().iter().enumerate() {
            if let Some((code, message)) = &ex.error
                && code == Code::HttpUnmocked.as_str()
                && !covered.contains(&i)
            {
                out.push(format!(
                    "unmocked request (fails the test even when the script catches it): {message}"
                ));
                if let Some(near) = client
                    .mock_set()
                    .and_then(|m| m.near_miss(&ex.method, &ex.url, ex.body.as_deref()))
                {
                    out.push(near);
                }
            }
        }
    }
    out
}

/// When a test met calls no fixture answers: every such call it can reach,
/// found by running it again with placeholders answering them (a failing
/// run names only the first it stopped on).
fn reachable_unanswered(
    case: &Case,
    cfg: &Config,
    text: &str,
    function: Option<&str>,
    ran: &Ran,
) -> Option<String> {
    let first = mock_set_of(ran)?;
    if first.unanswered().is_empty() {
        return None;
    }
    let again = run_file_with(case, cfg, text, function, true, true).ok()?;
    let calls = mock_set_of(&again)?.unanswered();
    let list: Vec<String> = calls
        .iter()
        .map(|c| format!("  {}", c.describe()))
        .collect();
    Some(format!(
        "calls without a fixture this test reaches ({}; `dlg fixtures SCRIPT --mock {}` adds entries for a script's calls):\n{}",
        calls.len(),
        first.path.display(),
        list.join("\n")
    ))
}

/// Run one case on this thread.
pub fn run_case(case: &Case, cfg: &Config) -> Outcome {
    let started = Instant::now();
    let mut outcome = if case.skip {
        Outcome::with_status(Status::Skipped, "", case.line)
    } else {
        match &case.kind {
            Kind::Broken(why) => Outcome::failed(why.clone(), case.line),
            Kind::Golden => run_golden(case, cfg),
            Kind::Script => run_test(case, cfg, None, None),
            Kind::Function(f) => run_test(case, cfg, Some(f.as_str()), None),
        }
    };
    outcome.elapsed = started.elapsed();
    outcome
}

/// Run one case on a fresh thread with a deep stack (the interpreter
/// recurses on the native stack).
pub fn run_case_isolated(case: &Case, cfg: &Config) -> Outcome {
    let (c, k) = (case.clone(), cfg.clone());
    std::thread::Builder::new()
        .name("dlg-test".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || run_case(&c, &k))
        .ok()
        .and_then(|h| h.join().ok())
        .unwrap_or_else(|| Outcome::failed("internal error while running the test", case.line))
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Fixture use summed over the tests of one file: the mock file and the
/// number of times each entry answered.
#[derive(Default)]
struct Usage {
    mock: Option<PathBuf>,
    counts: Vec<u64>,
    tests: usize,
    /// Record mode: every request of the file's tests, and the last run
    /// (its client describes the connections).
    exchanges: Vec<crate::http::Exchange>,
    last: Option<Ran>,
}

fn run_test(
    case: &Case,
    cfg: &Config,
    function: Option<&str>,
    usage: Option<&mut Usage>,
) -> Outcome {
    let text = match read_text(&case.file) {
        Ok(t) => t,
        Err(e) => return Outcome::failed(e, case.line),
    };
    subrun::reset();
    let ran = match run_file(case, cfg, &text, function, true) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e, case.line),
    };
    let mut detail = Vec::new();
    // Fixture files of the test's `run(…)` calls: every entry used (when the
    // test got to its end; a failure already says what went wrong).
    let run_usage = subrun::usage_problems();
    if ran.diag.is_none() && ran.code == 0 {
        detail.extend(run_usage);
    }
    let mut line = case.line;
    let mut at_file = None;
    if let Some(d) = &ran.diag {
        if let Some((file, l)) = diag_location(d, case) {
            line = l;
            at_file = file;
        }
        detail.push(ran.stderr.clone());
    } else if ran.code != 0 {
        detail.push(ran.stderr.clone());
    }
    let exchanges = ran
        .interp
        .as_ref()
        .and_then(|i| i.http_client())
        .map(|c| c.exchanges())
        .unwrap_or_default();
    if cfg.record {
        match usage {
            Some(u) => {
                u.tests += 1;
                u.exchanges.extend(exchanges);
                u.mock = ran.mock.clone();
                u.last = Some(ran);
            }
            None => {
                if let Err(e) = write_recording(&ran, &exchanges) {
                    detail.push(e);
                }
            }
        }
        return if detail.is_empty() {
            passed()
        } else {
            Outcome::failed(detail.join("\n"), line)
        };
    }
    // A statement-list test checks its own fixture use; the functions of a
    // file together, after the last of them (see `run_job`).
    // (A problem the failure's own message already states is not repeated.)
    detail.extend(
        fixture_problems(&ran, usage.is_none())
            .into_iter()
            .filter(|p| {
                !ran.diag
                    .as_ref()
                    .is_some_and(|d| d.message.contains(p.as_str()))
            }),
    );
    if let Some(all) = reachable_unanswered(case, cfg, &text, function, &ran) {
        detail.push(all);
    }
    if let Some(u) = usage {
        u.tests += 1;
        u.mock = ran.mock.clone();
        if let Some(m) = mock_set_of(&ran) {
            let counts = m.used_counts();
            u.counts.resize(counts.len().max(u.counts.len()), 0);
            for (total, n) in u.counts.iter_mut().zip(counts) {
                *total += n;
            }
        }
    }
    if detail.is_empty() {
        Outcome::with_status(Status::Passed, "", line)
    } else {
        let mut o = Outcome::failed(detail.join("\n"), line);
        o.file = at_file;
        if let Some(d) = &ran.diag {
            o.message = d.message.lines().next().unwrap_or("").to_string();
        }
        o
    }
}

fn run_golden(case: &Case, cfg: &Config) -> Outcome {
    let text = match read_text(&case.file) {
        Ok(t) => t,
        Err(e) => return Outcome::failed(e, 1),
    };
    let ran = match run_file(case, cfg, &text, None, false) {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e, 1),
    };
    if cfg.record {
        let exchanges = ran
            .interp
            .as_ref()
            .and_then(|i| i.http_client())
            .map(|c| c.exchanges())
            .unwrap_or_default();
        if let Err(e) = write_recording(&ran, &exchanges) {
            return Outcome::failed(e, 1);
        }
    }
    let out_file = files::sidecar(&case.file, "out");
    let err_file = files::sidecar(&case.file, "err");
    let (err_at, err_line) = ran
        .diag
        .as_ref()
        .and_then(|d| diag_location(d, case))
        .unwrap_or((None, 1));
    let fail_at = |detail: String| {
        let mut o = Outcome::failed(detail, err_line);
        o.file = err_at.clone();
        o
    };
    if cfg.update {
        let written = if ran.code == 0 {
            let _ = std::fs::remove_file(&err_file);
            std::fs::write(&out_file, &ran.stdout)
        } else {
            let _ = std::fs::remove_file(&out_file);
            let snapshot = match &ran.diag {
                Some(d) => diag_snapshot(d, &ran.stdout, &case.file),
                None => format!("(no diagnostic, exit {})\n", ran.code),
            };
            std::fs::write(&err_file, snapshot)
        };
        if let Err(e) = written {
            return Outcome::failed(format!("cannot update expectations: {e}"), 1);
        }
    }
    if err_file.exists() {
        let expected = match read_text(&err_file) {
            Ok(t) => t,
            Err(e) => return Outcome::failed(e, 1),
        };
        let mut lines = expected.lines().filter(|l| !l.trim().is_empty());
        let code = lines.next().unwrap_or("").trim();
        // A snapshot (`message:` on its second line) pins the whole
        // diagnostic; otherwise the lines are fragments to find.
        let exact = expected
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("message: "));
        let want_exit = if code.starts_with(Code::DlgUsage.as_str()) {
            2
        } else {
            1
        };
        if ran.code != want_exit {
            return fail_at(format!(
                "expected exit {want_exit} with `{code}`, got exit {}\nstdout:\n{}stderr:\n{}",
                ran.code, ran.stdout, ran.stderr
            ));
        }
        if exact {
            let actual = match &ran.diag {
                Some(d) => diag_snapshot(d, &ran.stdout, &case.file),
                None => format!("(no diagnostic, exit {})\n", ran.code),
            };
            if actual != expected {
                return fail_at(format!(
                    "diagnostic differs from {} (- expected, + actual):\n{}",
                    err_file.display(),
                    line_diff(&expected, &actual)
                ));
            }
            return passed();
        }
        if !ran.stderr.contains(code) {
            return fail_at(format!(
                "expected diagnostic code `{code}` in stderr:\n{}",
                ran.stderr
            ));
        }
        for fragment in lines {
            if let Some(out_fragment) = fragment.strip_prefix("stdout: ") {
                if !ran.stdout.contains(out_fragment) {
                    return fail_at(format!(
                        "expected `{out_fragment}` in stdout:\n{}",
                        ran.stdout
                    ));
                }
            } else if !ran.stderr.contains(fragment.trim()) {
                return fail_at(format!(
                    "expected `{}` in stderr:\n{}",
                    fragment.trim(),
                    ran.stderr
                ));
            }
        }
        return passed();
    }
    let expected = match std::fs::read_to_string(&out_file) {
        Ok(t) => t.replace("\r\n", "\n"),
        Err(_) => {
            return Outcome::failed(
                format!(
                    "missing {} (or .err); run `dlg test --update` to write it",
                    out_file.display()
                ),
                1,
            );
        }
    };
    if ran.code != 0 {
        return fail_at(format!("expected exit 0, got {}\n{}", ran.code, ran.stderr));
    }
    if ran.stdout != expected {
        return Outcome::failed(
            format!(
                "stdout differs from {} (- expected, + actual):\n{}",
                out_file.display(),
                line_diff(&expected, &ran.stdout)
            ),
            1,
        );
    }
    let problems = fixture_problems(&ran, ran.sidecar);
    if !problems.is_empty() {
        return Outcome::failed(problems.join("\n"), 1);
    }
    passed()
}

/// A golden `.err` snapshot of a diagnostic: the code, the message, each
/// label as `at: FILE:LINE:COL-LINE:COL label` (columns in characters),
/// the help, then the stdout printed before the error. Continuation lines
/// are indented. Paths are written the same whatever the current folder:
/// the case's folder becomes relative (`helper.dg`, `.`), the enclosing
/// git work tree `<root>` — whole path components only, so text that
/// merely contains a folder's name is left alone.
pub fn diag_snapshot(diag: &Diag, stdout: &str, case_file: &Path) -> String {
    use std::fmt::Write as _;
    let paths = SnapshotPaths::new(case_file);
    let mut out = format!("{}\n", diag.code);
    let mut field = |name: &str, text: &str| {
        let text = paths.normalise(text);
        let mut lines = text.lines();
        let _ = writeln!(out, "{name}: {}", lines.next().unwrap_or(""));
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    };
    field("message", &diag.message);
    if let Some(src) = &diag.source {
        for (label, range) in &diag.labels {
            let (l1, c1) = crate::diag::line_col(&src.text, range.start);
            let (l2, c2) = crate::diag::line_col(&src.text, range.end.max(range.start));
            let name = paths.source_name(&src.name);
            let label = label.as_deref().unwrap_or("");
            field(
                "at",
                format!("{name}:{l1}:{c1}-{l2}:{c2} {label}").trim_end(),
            );
        }
    }
    if let Some(h) = &diag.help {
        field("help", h);
    }
    if diag.severity == miette::Severity::Warning {
        field("severity", "warning");
    }
    if !stdout.is_empty() {
        out.push_str("stdout:\n");
        for l in stdout.lines() {
            let _ = writeln!(out, "| {l}");
        }
        if !stdout.ends_with('\n') {
            out.push_str("(no newline at end)\n");
        }
    }
    out
}

/// The paths a snapshot writes relative to the case: its folder and the
/// git work tree holding it (absolute, canonical), and the case file as
/// the run named it.
struct SnapshotPaths {
    /// (absolute path, what it becomes), the longest first.
    prefixes: Vec<(String, &'static str)>,
    case_shown: String,
    case_name: String,
    cwd: PathBuf,
}

impl SnapshotPaths {
    fn new(case_file: &Path) -> SnapshotPaths {
        let cwd = std::env::current_dir().unwrap_or_default();
        let abs = case_file
            .canonicalize()
            .unwrap_or_else(|_| files::normalize(&cwd.join(case_file)));
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut prefixes = vec![(dir.display().to_string(), ".")];
        if let Some(root) = crate::project::git_root(&dir)
            && root != dir
        {
            prefixes.push((root.display().to_string(), "<root>"));
        }
        prefixes.retain(|(p, _)| p.len() > 1);
        SnapshotPaths {
            prefixes,
            case_shown: files::display_path(case_file),
            case_name: abs
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            cwd,
        }
    }

    /// A source's name: relative names are taken from the current folder.
    fn source_name(&self, name: &str) -> String {
        if name == self.case_shown {
            return self.case_name.clone();
        }
        let p = Path::new(name);
        if p.is_absolute() || name.starts_with('<') {
            return self.normalise(name);
        }
        self.normalise(&files::normalize(&self.cwd.join(p)).display().to_string())
    }

    /// Replace each known path where it stands as a whole path: after a
    /// boundary (start, space, quote, bracket …) and before `/` or the end
    /// of the path.
    fn normalise(&self, text: &str) -> String {
        let is_start = |c: char| c.is_whitespace() || "'\"`([{<=,".contains(c);
        let is_end = |c: char| c.is_whitespace() || "'\"`)]}>,:;".contains(c);
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        'scan: while i < text.len() {
            let before = text[..i].chars().next_back();
            if before.is_none_or(is_start) {
                let rest = &text[i..];
                let mut candidates: Vec<(&str, String)> = self
                    .prefixes
                    .iter()
                    .map(|(p, to)| (p.as_str(), to.to_string()))
                    .collect();
                candidates.push((self.case_shown.as_str(), self.case_name.clone()));
                for (from, to) in candidates {
                    if from.is_empty() || !rest.starts_with(from) {
                        continue;
                    }
                    let after = &rest[from.len()..];
                    if let Some(tail) = after.strip_prefix('/') {
                        // `DIR/x` → `x`; `ROOT/x` → `<root>/x`.
                        if to != "." {
                            out.push_str(&to);
                            out.push('/');
                        }
                        i = text.len() - tail.len();
                        continue 'scan;
                    }
                    if after.chars().next().is_none_or(is_end) {
                        out.push_str(&to);
                        i += from.len();
                        continue 'scan;
                    }
                }
            }
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
        out
    }
}

/// Where a diagnostic points: its first label's line, and the file when it
/// is not the case's own (a helper's line is shown under the helper).
fn diag_location(d: &Diag, case: &Case) -> Option<(Option<String>, usize)> {
    let src = d.source.as_ref()?;
    let (_, range) = d.labels.first()?;
    let line = src.line_of(range.start);
    let own = *src.name == *files::display_path(&case.file)
        || Path::new(&*src.name).canonicalize().ok() == case.file.canonicalize().ok();
    let file = (!own).then(|| files::display_path(Path::new(&*src.name)));
    Some((file, line))
}

fn passed() -> Outcome {
    Outcome::with_status(Status::Passed, "", 1)
}

/// Fixture entries the test functions of one file left unused (or used a
/// wrong number of times), all of them together.
fn shared_fixture_problems(usage: &Usage) -> Vec<String> {
    let Some(path) = &usage.mock else {
        return Vec::new();
    };
    match crate::http::mock::MockSet::load(path) {
        Err(d) => vec![render_plain(&d)],
        Ok(m) => m.usage_problems_for(&usage.counts),
    }
}

/// Run a job: one case, or the test functions of one file (they share the
/// fixture-use count: when every test of the file ran, an entry none of
/// them used fails the file's last test).
fn run_job(cases: &[Case], cfg: &Config) -> Vec<Outcome> {
    let mut usage = Usage::default();
    let mut out = Vec::new();
    for case in cases {
        let started = Instant::now();
        let mut o = match (&case.kind, case.skip) {
            (Kind::Function(f), false) => run_test(case, cfg, Some(f.as_str()), Some(&mut usage)),
            _ => run_case(case, cfg),
        };
        o.elapsed = started.elapsed();
        out.push(o);
    }
    let whole_file = cases
        .first()
        .is_some_and(|c| matches!(c.kind, Kind::Function(_)) && c.tests_in_file == cases.len());
    if cfg.record {
        if let Some(ran) = &usage.last
            && let Err(e) = write_recording(ran, &usage.exchanges)
            && let Some(last) = out.last_mut()
        {
            *last = Outcome::failed(e, 1);
        }
    } else if whole_file && usage.tests > 0 {
        let problems = shared_fixture_problems(&usage);
        if !problems.is_empty()
            && let Some(last) = out.last_mut()
        {
            let detail = format!(
                "the fixtures shared by the tests of this file:\n{}",
                problems.join("\n")
            );
            if last.status == Status::Failed {
                last.detail = format!("{}\n{detail}", last.detail.trim_end());
            } else {
                let elapsed = last.elapsed;
                *last = Outcome::failed(detail, 1);
                last.elapsed = elapsed;
            }
        }
    }
    out
}

/// Consecutive cases that run as one job (see [`run_job`]).
fn jobs_of(cases: &[Case]) -> Vec<std::ops::Range<usize>> {
    let mut jobs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let joins = matches!(c.kind, Kind::Function(_))
            && jobs.last().is_some_and(|r| {
                let prev = &cases[r.end - 1];
                prev.file == c.file && matches!(prev.kind, Kind::Function(_))
            });
        match jobs.last_mut() {
            Some(r) if joins => r.end = i + 1,
            _ => jobs.push(i..i + 1),
        }
    }
    jobs
}

/// Run cases on `jobs` threads; `each` sees every outcome in case order as
/// soon as it and all before it are done. With `fail_fast`, no new job
/// starts after a failure: cases that did not run are `None`.
pub fn run_all(
    cases: &[Case],
    cfg: &Config,
    jobs: usize,
    fail_fast: bool,
    mut each: impl FnMut(&Case, &Outcome),
) -> Vec<Option<Outcome>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;
    let work = jobs_of(cases);
    let threads = jobs.clamp(1, work.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Vec<Outcome>)>();
    let mut results: Vec<Option<Outcome>> = vec![None; cases.len()];
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, work, stop) = (&next, &work, &stop);
            let builder = std::thread::Builder::new()
                .name("dlg-test".into())
                .stack_size(256 * 1024 * 1024);
            let spawned = builder.spawn_scoped(scope, move || {
                loop {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let j = next.fetch_add(1, Ordering::SeqCst);
                    let Some(range) = work.get(j) else { break };
                    let slice = &cases[range.clone()];
                    let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_job(slice, cfg)
                    }))
                    .unwrap_or_else(|_| {
                        slice
                            .iter()
                            .map(|c| {
                                Outcome::failed("internal error while running the test", c.line)
                            })
                            .collect()
                    });
                    if fail_fast && outcomes.iter().any(|o| o.status == Status::Failed) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if tx.send((range.start, outcomes)).is_err() {
                        break;
                    }
                }
            });
            if spawned.is_err() {
                break;
            }
        }
        drop(tx);
        let mut shown = 0;
        for (start, outcomes) in rx {
            for (k, o) in outcomes.into_iter().enumerate() {
                results[start + k] = Some(o);
            }
            while shown < cases.len()
                && let Some(o) = &results[shown]
            {
                each(&cases[shown], o);
                shown += 1;
            }
        }
        // After a fail-fast stop, the cases that ran past a gap.
        for (case, o) in cases.iter().zip(&results).skip(shown) {
            if let Some(o) = o {
                each(case, o);
            }
        }
    });
    results
}
