//! `dlg fmt [PATH…]`: rewrite scripts in Zoho's editor layout
//! (`crate::format`). `--check` lists files that would change (exit 1),
//! `--diff` prints a unified diff, `-` formats stdin to stdout.

use crate::code::Code;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;

use crate::diag::SourceFile;

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg fmt                       # every script under the current directory
  dlg fmt functions/ lead.dg    # files and directories
  dlg fmt --check .             # CI: list files that are not formatted, exit 1
  dlg fmt --diff script.dg      # show the change without writing it
  pbpaste | dlg fmt - | pbcopy  # stdin to stdout

Files: as `dlg check` finds them (*.dg *.deluge *.ds, and *.ts *.js *.txt
and extension-less files whose content is Deluge; dlg.toml globs; --glob,
--ext).

Style (Zoho's editor layout): tab indentation; `{` and `}` on their own lines;
`invokeurl [` / `sendmail [` with one `key :value` parameter per line; spaces
around binary operators, none after commas; `if(`, `for each  x in`,
`catch (e)`. Comments and blank-line groups are kept; formatting is
idempotent and never changes meaning (the result must parse to the same
syntax tree, or the file is left as written).")]
pub struct FmtArgs {
    /// Files or directories (default: the current directory); `-` reads
    /// stdin and writes the result to stdout.
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit 1 if any.
    #[arg(long, conflicts_with = "diff")]
    pub check: bool,
    /// Write nothing; print a unified diff of the changes (exit 1 if any).
    #[arg(long)]
    pub diff: bool,
    #[command(flatten)]
    pub walk: super::WalkArgs,
}

pub fn fmt(args: FmtArgs) -> i32 {
    if args.paths.len() == 1 && args.paths[0].as_os_str() == "-" {
        return fmt_stdin(&args);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if p.as_os_str() == "-" {
            return super::usage_error("fmt", "`-` (stdin) cannot be mixed with paths");
        }
        if !p.exists() {
            return super::usage_error(
                "fmt",
                format!("{}: no such file or directory", p.display()),
            );
        }
    }
    let found = match super::source_selection(&paths, &args.walk).and_then(|sel| {
        crate::project::files::find_deluge(&paths, &sel).map_err(|e| super::usage_diag("fmt", e))
    }) {
        Ok(f) => f,
        Err(d) => {
            crate::diag::eprint(&d);
            return 2;
        }
    };
    let files = &found.files;
    if files.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let skipped = found
            .skipped_note()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        return super::usage_error(
            "fmt",
            format!("no Deluge files found in {}{skipped}", names.join(", ")),
        );
    }
    let mut failed = false;
    let mut changed = 0usize;
    for file in files {
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("dlg fmt: cannot read {}: {e}", file.display());
                failed = true;
                continue;
            }
        };
        let name = file.display().to_string();
        let Some(formatted) = format_one(&name, &text) else {
            failed = true;
            continue;
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if args.check {
            println!("{name}");
        } else if args.diff {
            print!("{}", unified_diff(&name, &text, &formatted));
        } else if let Err(e) = write_atomically(file, &formatted) {
            eprintln!("dlg fmt: cannot write {name}: {e}");
            failed = true;
        }
    }
    if args.check || args.diff {
        if changed > 0 {
            eprintln!(
                "{changed} of {} files would be reformatted (run `dlg fmt` to fix)",
                files.len()
            );
        }
    } else {
        let skipped = found
            .skipped_note()
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        eprintln!(
            "{}, {changed} reformatted{skipped}",
            super::files_count(files.len())
        );
    }
    if failed || ((args.check || args.diff) && changed > 0) {
        1
    } else {
        0
    }
}

fn fmt_stdin(args: &FmtArgs) -> i32 {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        return super::usage_error("fmt", format!("cannot read stdin: {e}"));
    }
    let Some(formatted) = format_one("<stdin>", &text) else {
        return 1;
    };
    if args.check {
        if formatted != text {
            println!("<stdin>");
            return 1;
        }
        return 0;
    }
    if args.diff {
        if formatted != text {
            print!("{}", unified_diff("<stdin>", &text, &formatted));
            return 1;
        }
        return 0;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(formatted.as_bytes());
    let _ = out.flush();
    0
}

/// Format one text; report a syntax error (or a refused layout) on stderr.
fn format_one(name: &str, text: &str) -> Option<String> {
    match crate::format::format_source(text) {
        Ok(f) => {
            if f.kept {
                crate::diag::eprint(
                    &crate::diag::Diag::new(
                        Code::DlgFmt,
                        format!("{name}: left as written (the new layout could not be verified to mean the same)"),
                    )
                    .with_help("please report this file; `dlg fmt` never changes what a script does")
                    .warning(),
                );
            }
            Some(f.text)
        }
        Err(err) => {
            let source = SourceFile::new(name.to_string(), text.to_string());
            crate::diag::eprint(
                &crate::syntax::syntax_diag(&err, &source).with_help(format!(
                    "{} (files with syntax errors are not formatted)",
                    err.help
                )),
            );
            None
        }
    }
}

fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string()
}

/// Replace a file via a temporary file in the same directory, keeping its
/// permissions.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
