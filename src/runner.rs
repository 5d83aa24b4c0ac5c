//! Running a script the way `dlg run` does, shared by the front ends
//! (`dlg run`, `dlg repl`, `dlg test` and its golden cases): the runtime
//! options (`RuntimeArgs` → `eval::Options`), the arguments of `dlg run`,
//! binding `--arg` values, and executing a script or one function.
//! Below `cli` and `testing`, which both use it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::code::Code;
use crate::diag::SourceFile;
use crate::eval::Interpreter;
use crate::value::Value;

/// Output style chosen with `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Human-readable diagnostics (miette) on stderr.
    #[default]
    Text,
    /// One JSON object per line on stdout.
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`) on stdout.
    Github,
}

/// Options shared by `run` and `repl`.
#[derive(Args, Debug, Clone)]
pub struct RuntimeArgs {
    /// Stop after this many executed statements (Zoho CRM allows 200000).
    #[arg(long, value_name = "N", default_value_t = crate::eval::DEFAULT_MAX_STATEMENTS)]
    pub max_statements: u64,
    /// Maximum nested function calls (Zoho allows 75; at most 100000).
    #[arg(long, value_name = "N", default_value_t = crate::eval::DEFAULT_MAX_DEPTH, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_DEPTH_LIMIT as u64))]
    pub max_depth: usize,
    /// Time zone for dates, e.g. Asia/Kolkata (default: $TZ, else UTC).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Extra file or directory searched for `standalone.fn(…)` and similar calls.
    #[arg(long = "lib", value_name = "PATH")]
    pub lib: Vec<PathBuf>,
    /// Project file dlg.toml, or its directory (default: $DLG_PROJECT, else
    /// the nearest dlg.toml above the script, else above the current directory).
    #[arg(long, value_name = "PATH")]
    pub project: Option<PathBuf>,
    /// Connections file (default: $DLG_CONNECTIONS, ./connections.toml or an ancestor's, then ~/.config/dlg/connections.toml).
    #[arg(long, value_name = "PATH")]
    pub connections: Option<PathBuf>,
    /// Answer HTTP calls from a TOML fixture file instead of the network.
    #[arg(long, value_name = "FILE")]
    pub mock: Option<PathBuf>,
    /// Trace HTTP requests (and their bodies) on stderr, secrets redacted.
    #[arg(long)]
    pub verbose: bool,
    /// Write every HTTP request and response of the run to FILE as JSON
    /// lines (method, URL, headers, body; secrets redacted).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Connection for zoho.crm/books/creator tasks that name none
    /// (default: the only Zoho connection of the connections file).
    #[arg(long, value_name = "NAME", env = "DLG_DEFAULT_CONNECTION")]
    pub default_connection: Option<String>,
    /// Fix the clock for reproducible runs, e.g. "2024-01-15 10:30:00"
    /// (also read from $DLG_NOW). Wall time in the --tz zone.
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,
    /// HTTP timeout in seconds (Zoho uses 40).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// Most memory the script may use, in MB; one text may use a quarter of it.
    #[arg(long, value_name = "MB", default_value_t = (crate::mem::DEFAULT_MAX_MEMORY >> 20) as u64, value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    pub max_memory: u64,
    /// Creator database (default: .dlg/creator.db in the project; `:memory:` for a throw-away one).
    #[arg(long, value_name = "PATH", env = "DLG_CREATOR_DB")]
    pub creator_db: Option<String>,
    /// Roll back every Creator record the script wrote if it fails.
    #[arg(long)]
    pub transaction: bool,
    /// Form submission for `input.Field` (a JSON object).
    #[arg(long, value_name = "FILE.json")]
    pub input: Option<PathBuf>,
}

/// Default `--timeout` (Zoho's invokeurl timeout).
pub const DEFAULT_TIMEOUT_SECS: u64 = 40;

/// Highest `--max-depth`: the interpreter thread's stack is sized from it
/// (see [`stack_size_for`]), and beyond this the reservation gets silly.
pub const MAX_DEPTH_LIMIT: usize = 100_000;

/// Native stack reserved per nested Deluge call, generously (a call with
/// deeply nested expressions inside it uses several times the plain frame).
const STACK_PER_CALL: usize = 64 * 1024;

/// Stack of the interpreter thread: 256 MB (parser and expression nesting
/// limits fit in it), plus room for every call `--max-depth` allows.
pub fn stack_size_for(max_depth: usize) -> usize {
    256 * 1024 * 1024 + max_depth.min(MAX_DEPTH_LIMIT) * STACK_PER_CALL
}

impl RuntimeArgs {
    // HttpOptions has more fields than the CLI sets; keep their defaults.
    #[allow(clippy::field_reassign_with_default)]
    pub fn options(&self, script_dir: Option<&Path>) -> Result<crate::eval::Options, String> {
        let project = match crate::project::Project::discover(self.project.as_deref(), script_dir) {
            Ok(p) => p.map(std::sync::Arc::new),
            Err(d) => {
                crate::diag::eprint(&d);
                return Err(format!("cannot use the project file: {}", d.message));
            }
        };
        // --tz, then dlg.toml, then $TZ.
        let tz_name = self
            .tz
            .clone()
            .or_else(|| project.as_ref().and_then(|p| p.timezone.clone()))
            .or_else(|| std::env::var("TZ").ok());
        let tz = match tz_name.as_deref().map(|s| s.trim_start_matches(':')) {
            None | Some("") => chrono_tz::UTC,
            Some(name) => name.parse::<chrono_tz::Tz>().map_err(|_| {
                format!("unknown time zone '{name}' (use an IANA name such as Asia/Kolkata)")
            })?,
        };
        let mut lib_dirs = Vec::new();
        if let Some(dir) = script_dir {
            lib_dirs.push(dir.to_path_buf());
        }
        for lib in &self.lib {
            if !lib.exists() {
                return Err(format!(
                    "--lib {}: no such file or directory",
                    lib.display()
                ));
            }
            lib_dirs.push(lib.clone());
        }
        // Without dlg.toml, helpers are also looked up in the git work tree
        // holding the script, else in the current directory when the
        // script lies under it (a run from the project root).
        let search_root = if project.is_some() {
            None
        } else {
            let cwd = std::env::current_dir().ok();
            script_dir
                .and_then(crate::project::git_root)
                .or_else(|| cwd.filter(|c| script_dir.is_some_and(|d| d.starts_with(c))))
        };
        // A fixed clock for reproducible tests: --now, else DLG_NOW.
        let now =
            match &self.now {
                Some(v) => Some(parse_now(v).ok_or_else(|| {
                    format!("--now must look like 2024-01-15 10:30:00, got '{v}'")
                })?),
                None => match std::env::var("DLG_NOW") {
                    Ok(v) if !v.is_empty() => Some(parse_now(&v).ok_or_else(|| {
                        format!("DLG_NOW must look like 2024-01-15 10:30:00, got '{v}'")
                    })?),
                    _ => None,
                },
            };
        let mut http = crate::http::HttpOptions::default();
        http.connections_path = self.connections.clone();
        http.mock_path = self
            .mock
            .clone()
            .or_else(|| project.as_ref().and_then(|p| p.mock.clone()));
        http.verbose = self.verbose;
        http.trace_path = self.trace.clone();
        http.timeout = std::time::Duration::from_secs(self.timeout);
        crate::mem::set_max_memory((self.max_memory as usize).saturating_mul(1024 * 1024));
        let input = match &self.input {
            None => None,
            Some(path) => Some(read_input(path)?),
        };
        let creator = crate::creator::CreatorOptions {
            db: self
                .creator_db
                .as_deref()
                .map(crate::creator::DbLocation::from_arg)
                .unwrap_or_default(),
            start_dir: script_dir.map(|d| d.to_path_buf()),
            transaction: self.transaction,
            input,
            verbose: self.verbose,
            config: None,
        };
        let mut options = crate::eval::Options {
            creator,
            now,
            max_statements: self.max_statements,
            max_depth: self.max_depth,
            tz,
            lib_dirs,
            search_root,
            http,
            default_connection: self.default_connection.clone(),
            ..Default::default()
        };
        if let Some(p) = &project {
            let set = |field: &mut String, v: &Option<String>| {
                if let Some(v) = v {
                    *field = v.clone();
                }
            };
            set(&mut options.login_user, &p.login_user);
            set(&mut options.login_user_id, &p.login_user_id);
            set(&mut options.admin_user, &p.admin_user);
            set(&mut options.admin_user_id, &p.admin_user_id);
        }
        options.project = project;
        Ok(options)
    }
}

/// Read `--input FILE.json`: the form submission, a JSON object.
fn read_input(path: &Path) -> Result<crate::value::Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--input {}: {e}", path.display()))?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(j @ serde_json::Value::Object(_)) => Ok(crate::value::from_json(&j)),
        Ok(_) => Err(format!(
            "--input {}: the submission must be a JSON object ({{\"Field\": value}})",
            path.display()
        )),
        Err(e) => Err(format!("--input {}: not valid JSON: {e}", path.display())),
    }
}

/// A fixed clock value: `2024-01-15 10:30:00`, `2024-01-15T10:30:00` or
/// `2024-01-15` (midnight).
pub fn parse_now(text: &str) -> Option<chrono::NaiveDateTime> {
    let t = text.trim();
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(t, fmt) {
            return Some(at);
        }
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// The diagnostic of a usage error.
pub(crate) fn usage_diag(command: &str, message: impl std::fmt::Display) -> crate::diag::Diag {
    crate::diag::Diag::new(Code::DlgUsage, format!("dlg {command}: {message}"))
        .with_help(format!("run `dlg {command} --help` to see the options"))
}

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg run script.dg                                # each info prints one line
  dlg script.dg                                    # the same (shortcut)
  echo 'info 1 + 2;' | dlg run -                   # script from stdin
  dlg run fn.dg --arg 'ids=[1,2]' --arg name=Ann   # a function file, JSON/Deluge arguments
  dlg run fns.dg --function standalone.sync        # pick one of several functions
  dlg run --mock api.mock.toml script.dg           # answer invokeurl from fixtures
  DLG_NOW='2024-01-15 10:30:00' dlg run script.dg  # fixed clock for reproducible output
  dlg run --format json script.dg                  # info lines, result, diagnostics as JSON

ENVIRONMENT:
  DLG_NOW                 fixed current time, e.g. 2024-01-15 10:30:00
  TZ                      time zone when --tz is not given (default UTC)
  DLG_CONNECTIONS         connections file when --connections is not given
  DLG_DEFAULT_CONNECTION  connection for zoho.* tasks that name none
  DLG_CACHE_DIR           where OAuth access tokens are cached
  NO_COLOR                plain diagnostics; CLICOLOR_FORCE / FORCE_COLOR force colour")]
pub struct RunArgs {
    /// Script file, or `-` to read the script from stdin.
    pub file: PathBuf,
    /// Function to run when the file defines several.
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Argument as NAME=VALUE (JSON or a Deluge literal, else text; NAME=@FILE reads a file).
    /// A bare script's arguments are the variables it reads but never assigns.
    #[arg(long = "arg", value_name = "NAME=VALUE")]
    pub args: Vec<String>,
    /// Run against the real services and write what they answered to FILE
    /// as a mock file (no credentials, cookies or volatile headers), to
    /// replay offline with --mock.
    #[arg(long, value_name = "FILE", conflicts_with = "mock")]
    pub record: Option<PathBuf>,
    /// Output style: text, json (one object per line: info, result,
    /// diagnostic, done) or github (diagnostics as annotations).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Read a `--arg` value: JSON (numbers, "text", {…}, […], true, null) or a
/// Deluge literal (`'01-Jan-2024'`, `{1, 2}`); anything else is text.
pub fn parse_arg_value(raw: &str) -> Value {
    if let Ok(j) = serde_json::from_str::<serde_json::Value>(raw) {
        return crate::value::from_json(&j);
    }
    let mut scope = Default::default();
    if let Ok(crate::syntax::ReplInput::Expression(e)) =
        crate::syntax::parse_repl_input(raw, &mut scope)
    {
        let mut interp = Interpreter::new(Default::default(), Box::new(std::io::sink()));
        let mut frame = Vec::new();
        let source = SourceFile::new("--arg", raw);
        if let Ok(v) = interp.eval_expression(&e, &mut frame, 0, &source) {
            return v;
        }
    }
    Value::text(raw)
}

/// One `--arg NAME=VALUE` as given: the raw text (after reading `@file`)
/// and its value.
pub struct GivenArg {
    pub name: String,
    pub raw: String,
    pub value: Value,
}

/// Split `--arg` options; `NAME=@file` reads the value from a file (JSON,
/// else text).
pub fn parse_args(raw_args: &[String]) -> Result<Vec<GivenArg>, String> {
    let mut given: Vec<GivenArg> = Vec::new();
    for raw in raw_args {
        let Some((k, v)) = raw.split_once('=') else {
            return Err(format!("--arg expects name=value, got '{raw}'"));
        };
        let name = k.trim().to_string();
        if name.is_empty() {
            return Err(format!("--arg expects name=value, got '{raw}'"));
        }
        let (raw_value, value) = match v.strip_prefix('@') {
            Some(path) => {
                let text = std::fs::read(path)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .map_err(|e| format!("--arg {name}=@{path}: {e}"))?;
                let value = match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(j) => crate::value::from_json(&j),
                    Err(_) => Value::text(text.clone()),
                };
                (text, value)
            }
            None => (v.to_string(), parse_arg_value(v)),
        };
        if given.iter().any(|g| g.name == name) {
            return Err(format!("--arg {name} is given twice"));
        }
        given.push(GivenArg {
            name,
            raw: raw_value,
            value,
        });
    }
    Ok(given)
}

/// Match `--arg` values to a function's parameters (or a bare script's
/// arguments), checking declared types. Every missing argument is listed.
pub fn bind_args(
    function: &crate::syntax::ast::Function,
    given: &[GivenArg],
    source: &SourceFile,
    is_script: bool,
) -> Result<Vec<Value>, crate::diag::Diag> {
    use crate::diag::Diag;
    let what = if is_script {
        "the script".to_string()
    } else {
        format!("function {}", function.qualified_name)
    };
    for g in given {
        if !function.params.iter().any(|p| p.name.as_ref() == g.name) {
            let known: Vec<&str> = function.params.iter().map(|p| p.name.as_ref()).collect();
            let help = if known.is_empty() {
                format!("{what} reads no arguments")
            } else {
                format!("{what} reads: {}", known.join(", "))
            };
            if is_script {
                // A bare script may simply not use a value a caller passes
                // to every function: say so, and run.
                crate::diag::eprint(
                    &Diag::new(
                        Code::DlgUnusedArg,
                        format!("--arg {}: the script never reads '{}'", g.name, g.name),
                    )
                    .with_help(help)
                    .warning(),
                );
                continue;
            }
            return Err(Diag::new(
                Code::DlgUsage,
                format!("dlg run: {what} has no argument '{}'", g.name),
            )
            .with_help(help));
        }
    }
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for p in &function.params {
        match given.iter().find(|g| g.name == p.name.as_ref()) {
            Some(g) => match coerce_arg(&p.type_name, &g.raw, g.value.clone()) {
                Ok(v) => values.push(v),
                Err(expected) => {
                    return Err(Diag::new(
                        Code::DlgUsage,
                        format!(
                            "dlg run: --arg {}: parameter '{} {}' expects {expected}, got '{}'",
                            p.name, p.type_name, p.name, g.raw
                        ),
                    )
                    .with_source(source.clone())
                    .with_label("declared here", p.span.range())
                    .with_help(format!("pass {expected} with --arg {}=VALUE", p.name)));
                }
            },
            None => missing.push(p),
        }
    }
    if missing.is_empty() {
        return Ok(values);
    }
    let lines: Vec<String> = missing
        .iter()
        .map(|p| {
            let line = source.line_of(p.span.start as usize);
            if is_script {
                format!("missing --arg {}=VALUE (first read on line {line})", p.name)
            } else {
                format!(
                    "missing --arg {}=VALUE for parameter '{} {}' (line {line})",
                    p.name, p.type_name, p.name
                )
            }
        })
        .collect();
    let mut diag = Diag::new(
        Code::DlgUsage,
        format!("dlg run: {what} needs arguments\n{}", lines.join("\n")),
    )
    .with_source(source.clone())
    .with_help(if is_script {
        "a bare script reads its arguments (declared in Zoho's UI) as variables it never assigns; give each with --arg NAME=VALUE"
    } else {
        "give each parameter with --arg NAME=VALUE"
    });
    for p in &missing {
        let label = if is_script {
            "read here"
        } else {
            "declared here"
        };
        diag = diag.with_label(format!("{label}: {}", p.name), p.span.range());
    }
    Err(diag)
}

/// Check (and convert) a value against a declared parameter type; the
/// error names what the type expects.
fn coerce_arg(type_name: &str, raw: &str, value: Value) -> Result<Value, &'static str> {
    match type_name.to_ascii_lowercase().as_str() {
        "int" | "long" | "bigint" | "number" => match value {
            Value::Int(_) => Ok(value),
            _ => Err("a whole number"),
        },
        "decimal" | "float" | "double" => match value {
            Value::Int(i) => Ok(Value::Decimal(i as f64)),
            Value::Decimal(_) => Ok(value),
            _ => Err("a number"),
        },
        "bool" | "boolean" => match value {
            Value::Bool(_) => Ok(value),
            _ => Err("true or false"),
        },
        // A declared string gets the text as typed (`0123` keeps its zero).
        "string" | "text" => match value {
            Value::Int(_) | Value::Decimal(_) | Value::Bool(_) | Value::Null => {
                Ok(Value::text(raw))
            }
            _ => Ok(value),
        },
        "map" | "key-value" => match value {
            Value::Map(_) => Ok(value),
            _ => Err("a JSON object"),
        },
        "list" | "collection" => match value {
            Value::List(_) => Ok(value),
            _ => Err("a JSON list"),
        },
        "date" | "datetime" | "timestamp" => match value {
            Value::Date(_) => Ok(value),
            Value::Text(t) => crate::value::date::parse_date_literal(&t)
                .map(Value::date)
                .ok_or("a date such as 15-Jan-2024 or 2024-01-15 10:30:00"),
            _ => Err("a date such as 15-Jan-2024 or 2024-01-15 10:30:00"),
        },
        _ => Ok(value),
    }
}

/// What [`execute`] did: the exit code, the error (if any) and the
/// interpreter (when the script ran), for the HTTP log and captured mail.
pub struct Executed {
    pub code: i32,
    pub diag: Option<crate::diag::Diag>,
    pub interp: Option<Interpreter>,
}

/// Parse, bind arguments and run a script or one function of a file,
/// writing `info` lines to `out`. Exit codes: 0 ok, 1 script error, 2 usage.
pub fn execute(
    args: &RunArgs,
    source: &SourceFile,
    options: crate::eval::Options,
    out: Box<dyn Write>,
) -> Executed {
    let fail = |code: i32, diag: crate::diag::Diag| Executed {
        code,
        diag: Some(diag),
        interp: None,
    };
    let usage = |msg: String| fail(2, usage_diag("run", msg));
    let program = match crate::syntax::parse_program(&source.text) {
        Ok(p) => p,
        Err(err) => return fail(1, crate::syntax::syntax_diag(&err, source)),
    };

    // `input.X` needs a submission: say which fields before running.
    if options.creator.input.is_none() {
        let fields = crate::creator::input_fields_read(&program);
        if !fields.is_empty() {
            let list: Vec<String> = fields.iter().map(|f| format!("input.{f}")).collect();
            return fail(
                2,
                crate::diag::Diag::new(
                    Code::DlgUsage,
                    format!(
                        "dlg run: the script reads the form submission ({}) but no --input was given",
                        list.join(", ")
                    ),
                )
                .with_help(format!(
                    "pass the submission as a JSON object: --input FILE.json with {{{}}}",
                    fields
                        .iter()
                        .map(|f| format!("\"{f}\": …"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    let given = match parse_args(&args.args) {
        Ok(g) => g,
        Err(e) => return usage(e),
    };
    let function = if program.is_script {
        if args.function.is_some() {
            return usage("--function applies to files that define functions".into());
        }
        program.functions[0].clone()
    } else {
        let function = match &args.function {
            Some(wanted) => program.functions.iter().find(|f| {
                f.name.eq_ignore_ascii_case(wanted) || f.qualified_name.eq_ignore_ascii_case(wanted)
            }),
            None if program.functions.len() == 1 => program.functions.first(),
            None => {
                let names: Vec<&str> = program
                    .functions
                    .iter()
                    .map(|f| f.qualified_name.as_str())
                    .collect();
                return usage(format!(
                    "the file defines several functions; pick one with --function ({})",
                    names.join(", ")
                ));
            }
        };
        let Some(function) = function.cloned() else {
            return usage(format!(
                "no function named '{}' in {}",
                args.function.as_deref().unwrap_or(""),
                source.name
            ));
        };
        function
    };
    let call_args = match bind_args(&function, &given, source, program.is_script) {
        Ok(a) => a,
        Err(diag) => return fail(2, diag),
    };

    let mut interp = Interpreter::new(options, out);
    let json = args.format == Format::Json;
    if json {
        interp.set_info_hook(Box::new(|text: &str| {
            let line = serde_json::json!({"type": "info", "text": text});
            writeln!(std::io::stdout().lock(), "{line}")
        }));
    }
    let result = if program.is_script {
        interp
            .run_script_with_args(&program, source, call_args)
            .map(|_| None)
    } else {
        interp.register_program(&program, source);
        let returns_value = !function.return_type.eq_ignore_ascii_case("void");
        interp
            .call_function(&function, source, call_args, None)
            .map(|v| returns_value.then_some(v))
    };
    if let Err(e) = interp.finish_creator(result.is_ok()) {
        interp.flush();
        return Executed {
            code: 1,
            diag: Some(crate::diag::Diag::new(Code::DlgCreator, e).with_help(
                "the Creator database could not be written; check its path and permissions",
            )),
            interp: Some(interp),
        };
    }
    let (code, diag) = match result {
        Ok(ret) => {
            if let Some(v) = ret {
                if json {
                    let value: serde_json::Value = serde_json::from_str(&crate::value::to_json(&v))
                        .unwrap_or(serde_json::Value::Null);
                    let line = serde_json::json!({"type": "result", "text": v.to_display(), "value": value});
                    println!("{line}");
                } else {
                    let _ = interp.info(&v.to_display());
                }
            }
            (0, None)
        }
        Err(err) if err.code == Code::DlgOutputClosed => (0, None),
        Err(err) => (1, Some(err.to_diag())),
    };
    interp.flush();
    Executed {
        code,
        diag,
        interp: Some(interp),
    }
}
