//! `dlg run FILE|-`: run a script or one function of a function file.

use std::io::Write;

use super::report::{self, Format};
use crate::diag::SourceFile;

pub use crate::runner::{
    Executed, GivenArg, RunArgs, bind_args, execute, parse_arg_value, parse_args,
};

fn usage(msg: impl std::fmt::Display) -> i32 {
    super::usage_error("run", msg)
}

pub fn run(args: RunArgs) -> i32 {
    let (name, text) = if args.file.as_os_str() == "-" {
        match super::read_script("<stdin>", std::io::stdin().lock()) {
            Ok(t) => ("<stdin>".to_string(), t),
            Err(d) => {
                crate::diag::eprint(&d);
                return 1;
            }
        }
    } else {
        match super::read_script_file(&args.file) {
            Ok(t) => (args.file.display().to_string(), t),
            Err(_) if !args.file.exists() => {
                let mut msg = format!("{}: no such file or directory", args.file.display());
                if let Some(close) = super::near_miss(&args.file) {
                    msg.push_str(&format!(" (did you mean `{}`?)", close.display()));
                }
                return usage(msg);
            }
            Err(d) => {
                crate::diag::eprint(&d);
                return 1;
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
    if let Some(trace) = &args.runtime.trace
        && let Err(e) = std::fs::write(trace, "")
    {
        return usage(format!("--trace {}: {e}", trace.display()));
    }
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(std::io::stdout()));
    let done = execute(&args, &source, options, out);
    if let Some(d) = &done.diag {
        report::print_diag(args.format, d);
    }
    report_unanswered(&args, &source, script_dir.as_deref(), &done);
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::json!({"type": "done", "exit_code": done.code})
        );
    }
    if let Some(path) = &args.record {
        let client = done.interp.as_ref().and_then(|i| i.http_client());
        let exchanges = client.map(|c| c.exchanges()).unwrap_or_default();
        let text = crate::testing::record::recording(client, &exchanges);
        if let Err(e) = std::fs::write(path, text) {
            return usage(format!("--record {}: {e}", path.display()));
        }
        eprintln!(
            "dlg run: recorded {} request(s) to {}",
            exchanges.iter().filter(|e| e.status.is_some()).count(),
            path.display()
        );
    }
    done.code
}

/// In mock mode: name the calls no fixture answered. A run that went on
/// (the script caught the error) gets a warning naming them; a run that
/// stopped on one is run again offline with placeholders answering, to
/// list every call it could reach, not only the first.
fn report_unanswered(
    args: &RunArgs,
    source: &SourceFile,
    script_dir: Option<&std::path::Path>,
    done: &Executed,
) {
    let Some(set) = done
        .interp
        .as_ref()
        .and_then(|i| i.options.http.mock_set().ok().flatten())
    else {
        return;
    };
    let seen = set.unanswered();
    if seen.is_empty() {
        return;
    }
    let stopped_on_one = done.diag.as_ref().is_some_and(|d| {
        d.code == crate::code::Code::HttpUnmocked || d.code == crate::code::Code::ConnectionUnknown
    });
    let calls = if stopped_on_one {
        reachable_unanswered(args, source, script_dir).unwrap_or(seen)
    } else {
        seen
    };
    let list: Vec<String> = calls
        .iter()
        .map(|c| format!("  {}", c.describe()))
        .collect();
    let how = format!(
        "`dlg fixtures {} --mock {}` adds entries for them",
        args.file.display(),
        set.path.display()
    );
    if done.code == 0 {
        eprintln!(
            "dlg run: warning: the script caught the failure of {} call(s) no fixture answers (a test fails on them):\n{}\n{how}",
            calls.len(),
            list.join("\n")
        );
    } else if stopped_on_one {
        eprintln!(
            "dlg run: {} call(s) of this run have no fixture (found by running on with placeholders):\n{}\n{how}",
            calls.len(),
            list.join("\n")
        );
    }
}

/// The calls without a fixture of a second, silent run in which
/// placeholders answer them (Creator records in memory).
fn reachable_unanswered(
    args: &RunArgs,
    source: &SourceFile,
    script_dir: Option<&std::path::Path>,
) -> Option<Vec<crate::http::mock::Unanswered>> {
    let mut runtime = args.runtime.clone();
    runtime.creator_db = Some(":memory:".into());
    runtime.trace = None;
    let mut options = runtime.options(script_dir).ok()?;
    let set = options.http.mock_set().ok().flatten()?;
    let fresh = std::sync::Arc::new(crate::http::mock::MockSet::load(&set.path).ok()?);
    if let Ok(p) = crate::syntax::parse_program(&source.text) {
        crate::testing::scaffold::Shapes::of(&p).answer_placeholders(&fresh);
    } else {
        fresh.set_placeholders(true);
    }
    options.http.mock_loaded = crate::http::LoadedMocks::with(fresh.clone());
    options.host_functions = Some(crate::testing::builtins::none);
    let quiet = RunArgs {
        file: args.file.clone(),
        function: args.function.clone(),
        args: args.args.clone(),
        record: None,
        format: Format::Text,
        runtime: runtime.clone(),
    };
    let _ = execute(&quiet, source, options, Box::new(std::io::sink()));
    Some(fresh.unanswered())
}
