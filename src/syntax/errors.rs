//! Syntax errors in words rather than pest rule names, and the pre-parse
//! nesting guard.

use crate::code::Code;
use crate::diag::{Diag, SourceFile};

use pest::Parser;

use super::parser::{DelugeParser, MAX_NESTING, Rule};
use super::scan::{Skip, skip_at};

#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub code: Code,
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
        identifier | lvalue | qualified_name | member_name => "a name",
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
        brace_item => "a list element or map entry",
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

/// Does the text literal starting at `rest` (with its opening quote) close?
fn text_closes(rest: &str) -> bool {
    let mut chars = rest.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return true,
            _ => {}
        }
    }
    false
}

/// When a line break separates `at` from the last token before it, the
/// 1-based number of the line holding that token.
fn line_break_before(src: &str, at: usize) -> Option<usize> {
    let before = &src[..at];
    let trimmed = before.trim_end();
    if trimmed.is_empty() || !before[trimmed.len()..].contains('\n') {
        return None;
    }
    Some(trimmed.matches('\n').count() + 1)
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

/// Words for a literal token the parser was looking for.
fn token_words(token: &str) -> Option<&'static str> {
    Some(match token.to_ascii_lowercase().as_str() {
        ";" => "`;`",
        "}" => "`}`",
        ")" => "`)`",
        "]" => "`]`",
        "{" => "`{`",
        "(" => "`(`",
        "[" => "`[`",
        "," => "`,`",
        ":" => "`:`",
        "=" => "`=`",
        "." => "`.`",
        "\"" => "`\"`",
        "*/" => "`*/`",
        "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" => {
            "an operator"
        }
        "!" => "an expression",
        "if" => "`if`",
        "in" => "`in`",
        "each" => "`each`",
        "catch" => "`catch`",
        "else" => "`else`",
        "from" => "`from`",
        "into" => "`into`",
        _ => return None,
    })
}

/// Parse again with pest's detailed tracking switched on, to learn which
/// literal tokens (`;`, `)`, …) would have been accepted. Only runs on the
/// error path, so successful parses pay nothing.
fn expected_tokens(rule: Rule, src: &str) -> Detail {
    pest::set_error_detail(true);
    let result = DelugeParser::parse(rule, src);
    pest::set_error_detail(false);
    let Some(attempts) = result.err().and_then(|e| e.parse_attempts()) else {
        return Detail::default();
    };
    let mut rules = Vec::new();
    for stack in attempts.call_stacks() {
        let deepest = stack.deepest.get_rule().copied();
        if let Some(w) = deepest.or(stack.parent).and_then(rule_words) {
            rules.push(w);
        }
    }
    Detail {
        position: attempts.max_position,
        tokens: attempts
            .expected_tokens()
            .iter()
            .filter_map(|t| token_words(&t.to_string()))
            .collect(),
        rules,
    }
}

/// What pest's detailed tracking saw at the furthest point it reached.
#[derive(Default)]
struct Detail {
    position: usize,
    tokens: Vec<&'static str>,
    rules: Vec<&'static str>,
}

pub(super) fn from_pest(err: pest::error::Error<Rule>, rule: Rule, src: &str) -> SyntaxError {
    let mut pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<&'static str> = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for r in positives {
            if let Some(w) = rule_words(*r) {
                expected.push(w);
            }
        }
    }
    let detail = expected_tokens(rule, src);
    // pest's own position only follows rules; when a literal token (`)`,
    // `,`) further along the same line was the furthest thing tried, point
    // there instead, unless that lands inside a text literal left open at
    // pest's position.
    let opens_text = src[pos.min(src.len())..].trim_start().starts_with('"');
    let same_line = detail.position > pos && detail.position <= src.len() && {
        let rest = &src[detail.position..];
        let target = detail.position + (rest.len() - rest.trim_start().len());
        !src[pos..target].contains('\n')
    };
    if same_line && !opens_text {
        pos = detail.position;
        expected = detail.rules.clone();
    }
    // Point at the offending token, not at the whitespace before it.
    let skipped = src[pos.min(src.len())..].len() - src[pos.min(src.len())..].trim_start().len();
    let at = (pos + skipped).min(src.len());
    // Literal tokens; where the rules ask for the start of an expression,
    // `+`, `-` and `.` are prefixes or decimals there, not operators.
    let operand_only = expected.contains(&"an expression") && !expected.contains(&"an operator");
    let infix_ctx = expected.contains(&"an operator");
    expected.extend(
        detail
            .tokens
            .into_iter()
            .filter(|w| !(operand_only && matches!(*w, "an operator" | "`.`")))
            // After an operand, `=` is the comparison, already "an operator".
            .filter(|w| !(infix_ctx && *w == "`=`")),
    );
    if std::env::var_os("DLG_DEBUG_PARSE").is_some() {
        eprintln!("{:?}", err.variant);
    }
    let found = found_at(src, at);
    let at_end = at >= src.trim_end().len();
    // Tokens that merely start an expression add noise next to "an expression".
    if expected.contains(&"an expression") {
        expected.retain(|w| !matches!(*w, "`\"`" | "`(`" | "`[`" | "`{`" | "`if`"));
    }
    expected.sort();
    expected.dedup();
    let closer = ["`}`", "`)`", "`]`"]
        .into_iter()
        .find(|c| expected.contains(c));
    let (message, help) = if found == "`\"`" && !text_closes(&src[at..]) {
        (
            "text literal is never closed: found `\"` with no closing `\"`".to_string(),
            "add the closing `\"`; write `\\\"` for a quote inside text".to_string(),
        )
    } else if at_end && let Some(closer) = closer {
        let opener = match closer {
            "`}`" => "`{` block",
            "`)`" => "`(`",
            _ => "`[`",
        };
        (
            format!(
                "expected {closer}, found end of input: the script ends too early, a {opener} is never closed"
            ),
            format!("add the missing {closer}; every opening bracket needs its closing one"),
        )
    } else if at_end {
        (
            format!(
                "expected {}, found end of input: the script ends too early",
                join_words(expected)
            ),
            "a block, bracket or text literal is not closed: check for a missing `}`, `)`, `]` or `\"`"
                .to_string(),
        )
    } else {
        let message = if expected.is_empty() {
            format!("unexpected {found}")
        } else {
            format!("expected {}, found {found}", join_words(expected.clone()))
        };
        let help = if expected.contains(&"`;`")
            && let Some(line) = line_break_before(src, at)
        {
            format!("a `;` is probably missing at the end of line {line}")
        } else if expected.contains(&"a parameter name like `url`") {
            "each entry inside `[ ]` is written `name : value`, one per line".to_string()
        } else if found.starts_with("`}`") || found.starts_with("`]`") || found.starts_with("`)`") {
            "check the statement before this point: is a `;` missing?".to_string()
        } else {
            "every Deluge statement ends with `;` and every block is wrapped in `{ }`".to_string()
        };
        (message, help)
    };
    let end = src[at..]
        .char_indices()
        .nth(1)
        .map(|(i, _)| at + i)
        .unwrap_or(at);
    SyntaxError {
        code: Code::DelugeSyntax,
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
        match skip_at(src, i) {
            Skip::Past(next) => {
                i = next;
                prefix_run = 0;
                continue;
            }
            Skip::UnclosedComment => {
                return Err(SyntaxError {
                    code: Code::DelugeSyntax,
                    message: "Comment Task is not closed properly".into(),
                    help: "close the block comment with `*/`".into(),
                    span: i..i + 2,
                    at_end: true,
                });
            }
            Skip::Code => {}
        }
        let b = bytes[i];
        match b {
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
        code: Code::DelugeLimit,
        message: format!("code nested deeper than {MAX_NESTING} levels of brackets, braces or parentheses"),
        help: "flatten the code: move inner expressions into variables and inner blocks into functions".into(),
        span: at..at + 1,
        at_end: false,
    }
}
