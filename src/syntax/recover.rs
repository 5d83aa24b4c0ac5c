//! Parsing with recovery: every syntax error of a text (what `dlg check`
//! reports) and, for the editor, the syntax tree of the parts that parse.
//!
//! After an error the top-level statement (or function) holding it is
//! blanked out — newlines kept, one space per byte, so positions stay true —
//! and the text is parsed again. Errors are collected until the first one
//! at the end of the input (an unclosed block: later errors would only
//! repeat it); the tree is looked for a little further, first by closing
//! what is still open at the end (the usual state while typing).

use crate::code::Code;

use super::ast::Program;
use super::errors::SyntaxError;
use super::lower::parse_program;
use super::scan::{Skip, skip_at};

/// Most errors reported for one text.
pub const MAX_ERRORS: usize = 20;

/// Most parses spent looking for a tree once the errors are collected.
const MAX_TREE_ATTEMPTS: usize = 8;

/// The errors of a text and the tree of what parses.
#[derive(Debug)]
pub struct Recovered {
    pub errors: Vec<SyntaxError>,
    /// The tree of the text with its broken statements left out (or, when
    /// the text ends inside a block, with that block closed). Spans point
    /// into the original text, except the closers added at its end.
    pub program: Option<Program>,
}

/// Every syntax error of `text`, as `dlg check` reports them.
pub fn syntax_errors(text: &str) -> Vec<SyntaxError> {
    collect(text, false).errors
}

/// The errors of `text` and the tree of the parts that parse.
pub fn parse_recovering(text: &str) -> Recovered {
    collect(text, true)
}

fn collect(text: &str, want_tree: bool) -> Recovered {
    let mut src = text.to_string();
    let mut errors = Vec::new();
    let mut reporting = true;
    let mut attempts = 0;
    loop {
        let err = match parse_program(&src) {
            Ok(program) => {
                return Recovered {
                    errors,
                    program: Some(program),
                };
            }
            Err(e) => e,
        };
        let hopeless = err.code != Code::DelugeSyntax;
        let (from, to) = enclosing_statement(&src, err.span.start);
        if reporting {
            let stop = err.at_end || hopeless;
            let at_end = err.at_end;
            errors.push(err);
            if stop || to <= from || errors.len() >= MAX_ERRORS {
                reporting = false;
                if !want_tree || hopeless {
                    break;
                }
                // While typing, the text ends inside a block: close it.
                if at_end && let Some(program) = closed_at_end(&src) {
                    return Recovered {
                        errors,
                        program: Some(program),
                    };
                }
            }
        } else {
            attempts += 1;
            if attempts > MAX_TREE_ATTEMPTS || hopeless {
                break;
            }
        }
        if to <= from {
            break;
        }
        src = blank(&src, from, to);
    }
    Recovered {
        errors,
        program: None,
    }
}

/// `src` with the bytes in `from..to` turned into spaces (newlines kept).
fn blank(src: &str, from: usize, to: usize) -> String {
    let mut out = String::with_capacity(src.len());
    for (i, c) in src.char_indices() {
        if (from..to).contains(&i) && c != '\n' {
            // One space per byte: positions stay byte-exact.
            for _ in 0..c.len_utf8() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The text ending inside a block or call: blank its last, unfinished
/// statement and add the closing brackets still missing.
fn closed_at_end(src: &str) -> Option<Program> {
    let bytes = src.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    // Where the last statement began: after the last `;`, `{` or `}`, with
    // the brackets open at that point.
    let mut last_start = 0;
    let mut open_at_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match skip_at(src, i) {
            Skip::Past(next) => {
                i = next;
                continue;
            }
            Skip::UnclosedComment => return None,
            Skip::Code => {}
        }
        match bytes[i] {
            b @ (b'(' | b'[' | b'{') => open.push(b),
            b')' | b']' => {
                open.pop();
            }
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        if matches!(bytes[i], b';' | b'{' | b'}') {
            last_start = i + 1;
            open_at_start = open.len();
        }
        i += 1;
    }
    if open.is_empty() {
        return None;
    }
    let mut text = blank(src, last_start, src.len());
    // Brackets opened inside the blanked statement are gone with it.
    open.truncate(open_at_start);
    for b in open.iter().rev() {
        text.push(match b {
            b'(' => ')',
            b'[' => ']',
            _ => '}',
        });
    }
    parse_program(&text).ok()
}

/// Byte range of the top-level statement around `pos`: from the previous
/// `;` or `}` at brace depth 0 to the next one (strings and comments
/// skipped).
fn enclosing_statement(src: &str, pos: usize) -> (usize, usize) {
    let bytes = src.as_bytes();
    let mut depth = 0i64;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match skip_at(src, i) {
            Skip::Past(next) => {
                i = next;
                continue;
            }
            Skip::UnclosedComment => break,
            Skip::Code => {}
        }
        match bytes[i] {
            // Only braces nest statements: Deluge has no `;` inside
            // parentheses, so an unclosed `(` must not swallow the file.
            b'{' => depth += 1,
            b'}' | b';' => {
                if bytes[i] == b'}' {
                    depth -= 1;
                }
                if depth <= 0 {
                    depth = 0;
                    if i >= pos {
                        return (start, i + 1);
                    }
                    start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    (start, bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(src: &str, e: &SyntaxError) -> usize {
        src[..e.span.start].matches('\n').count() + 1
    }

    #[test]
    fn reports_each_broken_statement_and_keeps_the_rest() {
        let src = "a = 1;\nb = ;\nc = 3;\nd = (4;\ninfo a;\ne = 5 +;\n";
        let r = parse_recovering(src);
        let lines: Vec<usize> = r.errors.iter().map(|e| line_of(src, e)).collect();
        assert_eq!(lines, vec![2, 4, 6]);
        let program = r.program.expect("the rest parses");
        assert_eq!(program.functions[0].body.len(), 3, "a, c and info are kept");
    }

    #[test]
    fn an_unfinished_last_statement_inside_a_block_is_closed() {
        let src = "m = Map();\nif (true)\n{\n\tx = 1;\n\tm.";
        let r = parse_recovering(src);
        assert_eq!(r.errors.len(), 1);
        assert!(r.errors[0].at_end);
        let program = r.program.expect("a tree");
        let f = &program.functions[0];
        assert!(f.slot_names.iter().any(|n| n.as_ref() == "x"), "{f:?}");
        // The error list is what `dlg check` reports: nothing invented.
        assert_eq!(syntax_errors(src).len(), 1);
    }

    #[test]
    fn a_clean_text_has_its_whole_tree() {
        let r = parse_recovering("info 1;\nif (true) { info 2; }\n");
        assert!(r.errors.is_empty());
        assert_eq!(r.program.unwrap().functions[0].body.len(), 2);
    }

    #[test]
    fn too_deep_nesting_gives_the_limit_error_and_no_tree() {
        let src = "x = ".to_string() + &"(".repeat(10_000) + "1;";
        let r = parse_recovering(&src);
        assert_eq!(r.errors[0].code, Code::DelugeLimit);
        assert!(r.program.is_none());
    }
}
