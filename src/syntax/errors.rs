//! Syntax errors in words rather than pest rule names, and the pre-parse
//! nesting guard.

use crate::diag::{Diag, SourceFile};

use super::parser::{MAX_NESTING, Rule};

#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub code: &'static str,
    pub message: String,
    pub help: String,
    pub span: std::ops::Range<usize>,
    /// True when the error sits at the end of the input (the REPL then asks
    /// for another line instead of reporting).
    pub at_end: bool,
}

pub fn syntax_diag(err: &SyntaxError, source: &SourceFile) -> Diag {
    Diag::new(err.code, err.message.clone())
        .with_help(err.help.clone())
        .with_label("here", err.span.clone())
        .with_source(source.clone())
}

fn rule_words(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of input",
        statement | statements | expression_statement | assignment => "a statement",
        expression | postfix_expr | call | if_expression | collection_literal => "an expression",
        identifier | lvalue | qualified_name => "a name",
        type_name => "a type",
        block => "`{`",
        condition => "`(`",
        call_args => "`(`",
        member => "`.`",
        assign_op => "`=`",
        or_op | and_op | eq_op | ne_op | le_op | ge_op | lt_op | gt_op | add_op | sub_op
        | mul_op | div_op | rem_op => "an operator",
        not_op | neg_op | plus_op => "an expression",
        string | string_inner => "a text literal",
        integer | decimal => "a number",
        task_entry | task_key => "a parameter name like `url`",
        task_value => "a value",
        map_entry => "a map entry",
        kw_in => "`in`",
        kw_each => "`each`",
        kw_catch => "`catch`",
        kw_if => "`if`",
        kw_from => "`from`",
        kw_into => "`into`",
        raw_brackets => "`[`",
        param | param_list => "a parameter",
        function_def | functions => "a function definition",
        else_if_clause | else_clause => "`else`",
        empty_statement => "`;`",
        _ => return None,
    })
}

fn join_words(mut words: Vec<&'static str>) -> String {
    words.sort();
    words.dedup();
    // Put the most helpful alternatives first.
    words.sort_by_key(|w| match *w {
        "`;`" => 0,
        "`}`" | "`)`" | "`]`" => 1,
        "an operator" => 9,
        _ => 5,
    });
    match words.len() {
        0 => "something else".into(),
        1 => words[0].into(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

fn found_at(src: &str, pos: usize) -> String {
    let rest = &src[pos.min(src.len())..];
    let rest = rest.trim_start();
    match rest.chars().next() {
        None => "end of input".into(),
        Some(c) if c.is_alphanumeric() || c == '_' => {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            format!("`{word}`")
        }
        Some(c) => format!("`{c}`"),
    }
}

pub(super) fn from_pest(err: pest::error::Error<Rule>, src: &str) -> SyntaxError {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    // Point at the offending token, not at the whitespace before it.
    let skipped = src[pos.min(src.len())..].len() - src[pos.min(src.len())..].trim_start().len();
    let at = (pos + skipped).min(src.len());
    let mut expected: Vec<&'static str> = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for r in positives {
            if let Some(w) = rule_words(*r) {
                expected.push(w);
            }
        }
    }
    let found = found_at(src, at);
    let at_end = at >= src.trim_end().len();
    let mut message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_words(expected))
    };
    let help = if at_end {
        message = format!("{message}: the script ends too early");
        "a block, bracket or text literal is not closed: check for a missing `}`, `)`, `]` or `\"`"
            .to_string()
    } else if found.starts_with("`}`") || found.starts_with("`]`") || found.starts_with("`)`") {
        "check the statement before this point: is a `;` missing?".to_string()
    } else {
        "every Deluge statement ends with `;` and every block is wrapped in `{ }`".to_string()
    };
    let end = src[at..]
        .char_indices()
        .nth(1)
        .map(|(i, _)| at + i)
        .unwrap_or(at);
    SyntaxError {
        code: "deluge::syntax",
        message,
        help,
        span: at..end.max(at),
        at_end,
    }
}

/// Refuse input nested deeper than the parser can take, before pest sees it.
/// Also catches unclosed block comments with Zoho's own wording.
pub fn check_nesting(src: &str) -> Result<(), SyntaxError> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                match src[i + 2..].find("*/") {
                    Some(off) => i += 2 + off + 1,
                    None => {
                        return Err(SyntaxError {
                            code: "deluge::syntax",
                            message: "Comment Task is not closed properly".into(),
                            help: "close the block comment with `*/`".into(),
                            span: start..start + 2,
                            at_end: true,
                        });
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(limit_error(i));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if matches!(b, b'!' | b'-' | b'+') {
            prefix_run += 1;
            if prefix_run > MAX_NESTING {
                return Err(limit_error(i));
            }
        } else if !b.is_ascii_whitespace() {
            prefix_run = 0;
        }
        i += 1;
    }
    Ok(())
}

fn limit_error(at: usize) -> SyntaxError {
    SyntaxError {
        code: "deluge::limit",
        message: format!("code nested deeper than {MAX_NESTING} levels of brackets, braces or parentheses"),
        help: "flatten the code: move inner expressions into variables and inner blocks into functions".into(),
        span: at..at + 1,
        at_end: false,
    }
}
