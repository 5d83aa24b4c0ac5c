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
