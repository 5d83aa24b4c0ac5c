//! `dlg run FILE|-`: run a script or one function of a function file.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;

use super::RuntimeArgs;
use crate::diag::SourceFile;
use crate::eval::Interpreter;
use crate::value::Value;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Script file, or `-` to read the script from stdin.
    pub file: PathBuf,
    /// Function to run when the file defines several.
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Function argument as name=value (value read as a Deluge literal or JSON, else text).
    #[arg(long = "arg", value_name = "NAME=VALUE")]
    pub args: Vec<String>,
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
            Err(e) => return usage(format!("{}: {e}", args.file.display())),
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
            crate::diag::eprint(&crate::syntax::syntax_diag(&err, &source));
            return 1;
        }
    };

    // `input.X` needs a submission: say which fields before running.
    if options.creator.input.is_none() {
        let fields = crate::creator::input_fields_read(&program);
        if !fields.is_empty() {
            let list: Vec<String> = fields.iter().map(|f| format!("input.{f}")).collect();
            crate::diag::eprint(
                &crate::diag::Diag::new(
                    "dlg::usage",
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
            return 2;
        }
    }
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(stdout));
    let mut interp = Interpreter::new(options, out);

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
    if let Err(e) = interp.finish_creator(result.is_ok()) {
        interp.flush();
        crate::diag::eprint(&crate::diag::Diag::new("dlg::creator", e).with_help(
            "the Creator database could not be written; check its path and permissions",
        ));
        return 1;
    }
    match result {
        Ok(ret) => {
            if let Some(v) = ret {
                let _ = interp.info(&v.to_display());
            }
            interp.flush();
            0
        }
        Err(err) => {
            interp.flush();
            crate::diag::eprint(&err.to_diag());
            1
        }
    }
}
