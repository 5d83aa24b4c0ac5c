//! `dlg check PATH…`: parse files and directories, report every syntax error.

use std::path::PathBuf;

use clap::Args;

use crate::diag::SourceFile;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories (searched recursively for *.dg, *.deluge, *.ds).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print only the summary line and failing file names.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn check(args: CheckArgs) -> i32 {
    let mut files = Vec::new();
    for p in &args.paths {
        if !p.exists() {
            eprintln!("dlg check: {}: no such file or directory", p.display());
            return 2;
        }
        super::collect_script_files(p, &mut files);
    }
    let mut failed = 0;
    for file in &files {
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("dlg check: {}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        if let Err(err) = crate::syntax::parse_program(&text) {
            failed += 1;
            if args.quiet {
                let before = &text[..err.span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                eprintln!("{}:{line}:{col}: {}", file.display(), err.message);
            } else {
                let source = SourceFile::new(file.display().to_string(), text);
                crate::diag::eprint(&crate::syntax::syntax_diag(&err, &source));
            }
        }
    }
    println!("{} files, {} failed", files.len(), failed);
    if failed > 0 { 1 } else { 0 }
}
