//! `dlg check PATH…`: parse files and directories, report every syntax error.

use std::path::PathBuf;

use clap::Args;

use super::report::{self, Format};
use crate::diag::SourceFile;

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg check script.dg                  # one file
  dlg check functions/ tests/realworld # directories, recursively
  dlg check --quiet .                  # file:line:col: message, one per line
  dlg check --format github .          # ::error annotations for GitHub Actions
  dlg check --format json . | jq .     # one JSON object per diagnostic

  dlg check --ext ts,txt .             # only .ts and .txt files

Directories are searched for *.dg, *.deluge and *.ds files, and for *.ts,
*.js, *.txt and extension-less files whose content is Deluge (others are
skipped and counted). With a dlg.toml, its `functions` and `[test] globs`
say which files to walk (`exclude` leaves some out). .gitignore and .ignore
files and hidden entries are respected, symbolic-link loops skipped.
Exit status: 0 all files parse, 1 a file has errors, 2 usage error (no such
path, or no Deluge files found).")]
pub struct CheckArgs {
    /// Files or directories (searched recursively for Deluge files).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub walk: super::WalkArgs,
    /// Print only the summary line and failing file names.
    #[arg(long, short)]
    pub quiet: bool,
    /// Output style: text (on stderr), json (one object per line on stdout)
    /// or github (workflow-command annotations on stdout).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn check(args: CheckArgs) -> i32 {
    for p in &args.paths {
        if !p.exists() {
            return super::usage_error(
                "check",
                format!("{}: no such file or directory", p.display()),
            );
        }
    }
    let found = match super::source_selection(&args.paths, &args.walk).and_then(|sel| {
        crate::project::files::find_deluge(&args.paths, &sel)
            .map_err(|e| super::usage_diag("check", e))
    }) {
        Ok(f) => f,
        Err(d) => {
            crate::diag::eprint(&d);
            return 2;
        }
    };
    let files = &found.files;
    if files.is_empty() {
        let names: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        let skipped = found
            .skipped_note()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        return super::usage_error(
            "check",
            format!("no Deluge files found in {}{skipped}", names.join(", ")),
        );
    }
    if args.format == Format::Text && !args.quiet {
        super::print_skipped(&found);
    }
    let mut failed = 0;
    for file in files {
        let text = match super::read_script_file(file) {
            Ok(t) => t,
            Err(d) => {
                failed += 1;
                if args.quiet && args.format == Format::Text {
                    eprintln!("{}: {}", file.display(), d.message);
                } else {
                    report::print_diag(args.format, &d);
                }
                continue;
            }
        };
        let errors = syntax_errors(&text);
        if errors.is_empty() {
            continue;
        }
        failed += 1;
        let source = SourceFile::new(file.display().to_string(), text.as_str());
        for err in &errors {
            let diag = crate::syntax::syntax_diag(err, &source);
            if args.quiet && args.format == Format::Text {
                let (line, col) = report::line_col(&text, err.span.start);
                eprintln!("{}:{line}:{col}: {}", file.display(), err.message);
            } else {
                report::print_diag(args.format, &diag);
            }
        }
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({"type": "summary", "files": files.len(), "failed": failed, "skipped": found.skipped.len()})
        ),
        _ => {
            let skipped = found
                .skipped_note()
                .map(|n| format!(", {n}"))
                .unwrap_or_default();
            println!(
                "{}, {} failed{skipped}",
                super::files_count(files.len()),
                failed
            )
        }
    }
    if failed > 0 { 1 } else { 0 }
}

/// Every syntax error of a file, not just the first (see
/// [`crate::syntax::recover`]).
pub fn syntax_errors(text: &str) -> Vec<crate::syntax::SyntaxError> {
    crate::syntax::syntax_errors(text)
}

#[cfg(test)]
mod tests {
    use super::syntax_errors;

    #[test]
    fn reports_each_broken_statement() {
        let src = "a = 1;\nb = ;\nc = 3;\nd = (4;\ninfo a;\ne = 5 +;\n";
        let errors = syntax_errors(src);
        let lines: Vec<usize> = errors
            .iter()
            .map(|e| src[..e.span.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, vec![2, 4, 6]);
    }

    #[test]
    fn multibyte_text_keeps_spans_on_char_boundaries() {
        for src in [
            "x = \"日本語\");\ny",
            "a = \"é\" +;\nb = \"日本\" ;;\nc = ;\n",
            "s = \"😀😀\"));\nt = \"ü\" (;\nu\n",
        ] {
            let errors = syntax_errors(src);
            assert!(!errors.is_empty(), "{src}");
            for e in &errors {
                assert!(src.is_char_boundary(e.span.start), "{src}: {:?}", e.span);
                let d = crate::syntax::syntax_diag(e, &crate::diag::SourceFile::new("t.dg", src));
                assert!(!d.render().is_empty());
            }
        }
    }

    #[test]
    fn a_clean_file_has_no_errors() {
        assert!(syntax_errors("info 1;\nif (true) { info 2; }\n").is_empty());
    }
}
