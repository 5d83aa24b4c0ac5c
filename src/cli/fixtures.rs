//! `dlg fixtures FILE [run options]`: run a script with every external call
//! no fixture answers (HTTP, `zoho.*` task, helper function, connection)
//! answered by a placeholder, and write one fixture file listing each of
//! those calls, its answer shaped by what the script reads from it.

use std::path::PathBuf;

use clap::Args;

use crate::diag::SourceFile;
use crate::runner::{RunArgs, execute};

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg fixtures functions/deal.dg --arg id=7            # writes functions/deal.mock.toml
  dlg fixtures deal.dg --mock deal.mock.toml           # adds the calls deal.mock.toml lacks
  dlg fixtures deal.dg -o tests/deal.mock.toml         # writes elsewhere

The script runs offline: nothing reaches the network, Creator records live in
memory, mail is not sent. Fill in the answers, then run with --mock FILE (or
keep the file as NAME.mock.toml next to a test).")]
pub struct FixturesArgs {
    /// Where to write the fixtures; default: the --mock file (entries are
    /// added to it), else NAME.mock.toml next to the script.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file when it exists (and is not the --mock file).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

fn usage(msg: impl std::fmt::Display) -> i32 {
    super::usage_error("fixtures", msg)
}

pub fn fixtures(mut args: FixturesArgs) -> i32 {
    let file = args.run.file.clone();
    let text = match super::read_script_file(&file) {
        Ok(t) => t,
        Err(_) if !file.exists() => {
            return usage(format!("{}: no such file or directory", file.display()));
        }
        Err(d) => {
            crate::diag::eprint(&d);
            return 1;
        }
    };
    let given_mock = args.run.runtime.mock.clone();
    let output = match (&args.output, &given_mock) {
        (Some(o), _) => o.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => crate::testing::sidecar_path(&file),
    };
    let appending = given_mock.as_ref() == Some(&output);
    if output.exists() && !appending && !args.force {
        return usage(format!(
            "{} exists; pass --mock {} to add the missing calls to it, --force to replace it, or -o FILE",
            output.display(),
            output.display()
        ));
    }
    // Records in memory: scaffolding never writes the project's database.
    if args.run.runtime.creator_db.is_none() {
        args.run.runtime.creator_db = Some(":memory:".into());
    }
    let script_dir = file
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(|d| d.to_path_buf()));
    let mut options = match args.run.runtime.options(script_dir.as_deref()) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let existing = match &given_mock {
        Some(m) => match std::fs::read_to_string(m) {
            Ok(t) => t,
            Err(e) => return usage(format!("--mock {}: {e}", m.display())),
        },
        None => String::new(),
    };
    let set = match crate::http::mock::MockSet::parse(&output, &existing) {
        Ok(s) => std::sync::Arc::new(s),
        Err(d) => {
            crate::diag::eprint(&d);
            return 1;
        }
    };
    let shapes = || match crate::syntax::parse_program(&text) {
        Ok(p) => crate::testing::scaffold::Shapes::of(&p),
        Err(_) => Default::default(),
    };
    shapes().answer_placeholders(&set);
    options.http.mock_path = Some(output.clone());
    options.http.mock_loaded = crate::http::LoadedMocks::with(set.clone());
    // Mail and client actions stay quiet.
    options.host_functions = Some(crate::testing::builtins::none);
    let source = SourceFile::new(file.display().to_string(), text.as_str());
    let done = execute(&args.run, &source, options, Box::new(std::io::sink()));
    let calls = set.unanswered();
    let mails = done
        .interp
        .as_ref()
        .map(|i| i.mails.clone())
        .unwrap_or_default();
    let notes = crate::testing::scaffold::notes(&shapes(), &mails);
    if let Some(d) = &done.diag {
        eprintln!("dlg fixtures: the run stopped early; the file lists the calls made until then:");
        crate::diag::eprint(d);
    }
    if calls.is_empty() {
        eprintln!(
            "dlg fixtures: every call of {} is answered; nothing written",
            file.display()
        );
        return done.code.min(1);
    }
    let entries = format!(
        "{notes}{}",
        crate::testing::scaffold::entries(&calls, &shapes())
    );
    let written = if appending {
        let sep = if existing.is_empty() || existing.ends_with("\n\n") {
            ""
        } else if existing.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        std::fs::write(
            &output,
            format!("{existing}{sep}# Added by `dlg fixtures`: fill in the answers.\n{entries}"),
        )
    } else {
        std::fs::write(
            &output,
            format!(
                "# Fixtures for {}, written by `dlg fixtures`: one entry per call the\n# run made. Fill in the answers (the keys the script reads are listed),\n# then run with --mock {} (or keep it as NAME.mock.toml next to a test).\n\n{entries}",
                file.display(),
                output.display()
            ),
        )
    };
    if let Err(e) = written {
        return usage(format!("{}: {e}", output.display()));
    }
    eprintln!(
        "dlg fixtures: {} call(s) written to {}:",
        calls.len(),
        output.display()
    );
    for c in &calls {
        eprintln!("  {}", c.describe());
    }
    0
}
