//! The parser and `dlg check`'s error recovery: any bytes end in a parse
//! or a list of syntax errors whose diagnostics render (char-boundary-safe
//! spans), never a panic or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 input is a diagnostic before parsing.
    let text = match dlg::cli::read_script("fuzz.dg", data) {
        Ok(t) => t,
        Err(d) => {
            let _ = d.render();
            return;
        }
    };
    let source = dlg::diag::SourceFile::new("fuzz.dg", text.as_str());
    for err in dlg::cli::check::syntax_errors(&text) {
        let _ = dlg::syntax::syntax_diag(&err, &source).render();
    }
});
