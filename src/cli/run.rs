//! `dlg run FILE|-`: run a script or one function of a function file.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;

use super::RuntimeArgs;
use super::report::{self, Format};
use crate::diag::SourceFile;
use crate::eval::Interpreter;
use crate::value::Value;

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg run script.dg                                # each info prints one line
  dlg script.dg                                    # the same (shortcut)
  echo 'info 1 + 2;' | dlg run -                   # script from stdin
  dlg run fn.dg --arg 'ids=[1,2]' --arg name=Ann   # a function file, JSON/Deluge arguments
  dlg run fns.dg --function standalone.sync         # pick one of several functions
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
    /// Function argument as name=value (value read as a Deluge literal or JSON, else text).
    #[arg(long = "arg", value_name = "NAME=VALUE")]
    pub args: Vec<String>,
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

fn usage(msg: impl std::fmt::Display) -> i32 {
    super::usage_error("run", msg)
}

pub fn run(args: RunArgs) -> i32 {
    let (name, text) = if args.file.as_os_str() == "-" {
        let mut buf = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut buf) {
            return usage(format!("cannot read stdin: {e}"));
        }
        ("<stdin>".to_string(), buf)
    } else {
        match std::fs::read(&args.file) {
            Ok(bytes) => (
                args.file.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ),
            Err(e) => {
                let mut msg = format!("{}: {e}", args.file.display());
                if e.kind() == std::io::ErrorKind::NotFound
                    && let Some(close) = super::near_miss(&args.file)
                {
                    msg.push_str(&format!(" (did you mean `{}`?)", close.display()));
                }
                return usage(msg);
            }
        }
    };
    let script_dir = if args.file.as_os_str() == "-" {
        std::env::current_dir().ok()
    } else {
        args.file
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(|d| d.to_path_buf()))
    };
    let options = match args.runtime.options(script_dir.as_deref()) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let source = SourceFile::new(name, text);
    let program = match crate::syntax::parse_program(&source.text) {
        Ok(p) => p,
        Err(err) => {
            report::print_diag(args.format, &crate::syntax::syntax_diag(&err, &source));
            done(args.format, 1);
            return 1;
        }
    };

    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(stdout));
    let mut interp = Interpreter::new(options, out);
    if args.format == Format::Json {
        interp.set_info_hook(Box::new(|text: &str| {
            let line = serde_json::json!({"type": "info", "text": text});
            writeln!(std::io::stdout().lock(), "{line}")
        }));
    }

    let result = if program.is_script {
        if args.function.is_some() || !args.args.is_empty() {
            return usage("--function and --arg apply to files that define functions");
        }
        interp.run_script(&program, &source).map(|_| None)
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
        let mut given: Vec<(String, Value)> = Vec::new();
        for raw in &args.args {
            let Some((k, v)) = raw.split_once('=') else {
                return usage(format!("--arg expects name=value, got '{raw}'"));
            };
            given.push((k.trim().to_string(), parse_arg_value(v)));
        }
        for (k, _) in &given {
            if !function.params.iter().any(|p| p.name.as_ref() == k) {
                return usage(format!(
                    "function {} has no parameter '{k}'",
                    function.qualified_name
                ));
            }
        }
        let mut call_args = Vec::new();
        for p in &function.params {
            match given.iter().find(|(k, _)| k == p.name.as_ref()) {
                Some((_, v)) => call_args.push(v.clone()),
                None => {
                    return usage(format!(
                        "missing --arg {}=VALUE for parameter '{} {}'",
                        p.name, p.type_name, p.name
                    ));
                }
            }
        }
        interp.register_program(&program, &source);
        let returns_value = !function.return_type.eq_ignore_ascii_case("void");
        interp
            .call_function(&function, &source, call_args, None)
            .map(|v| returns_value.then_some(v))
    };
    match result {
        Ok(ret) => {
            if let Some(v) = ret {
                if args.format == Format::Json {
                    let value: serde_json::Value = serde_json::from_str(&crate::value::to_json(&v))
                        .unwrap_or(serde_json::Value::Null);
                    println!(
                        "{}",
                        serde_json::json!({"type": "result", "text": v.to_display(), "value": value})
                    );
                } else {
                    let _ = interp.info(&v.to_display());
                }
            }
            interp.flush();
            done(args.format, 0);
            0
        }
        Err(err) => {
            interp.flush();
            report::print_diag(args.format, &err.to_diag());
            done(args.format, 1);
            1
        }
    }
}

/// The last JSON line: `{"type":"done","exit_code":N}`.
fn done(format: Format, code: i32) {
    if format == Format::Json {
        println!("{}", serde_json::json!({"type": "done", "exit_code": code}));
    }
}
