//! `dlg fmt`: lay Deluge out the way Zoho's editor does — tabs, `{` and `}`
//! on their own lines, one `invokeurl`/`sendmail` parameter per line as
//! `key :value`, spaces around binary operators, none after commas, `if(`,
//! `for each  x in` (two spaces, as Zoho writes it), `catch (e)`.
//!
//! The formatter works on the token stream (comments are tokens), so it
//! only ever changes whitespace. Comments stay where they were (trailing or
//! on their own line) and a run of blank lines becomes one blank line.
//! Creator criteria (`Form[…]`) and the legacy `sendmail ( … )` form are
//! kept exactly as written.
//!
//! Every result is checked before it is returned: it must parse to the same
//! syntax tree (spans aside) and lex to the same tokens. If it does not, the
//! input is returned unchanged with [`Formatted::kept`] set — a wrong
//! layout must never change what a script does.

pub mod lex;

use lex::{Kind, TASK_KINDS, Tok};

use crate::syntax::SyntaxError;

/// The result of formatting one source text.
#[derive(Debug)]
pub struct Formatted {
    pub text: String,
    /// The layout could not be verified and the input was kept as written.
    pub kept: bool,
}

/// Format a Deluge source text. Fails only when the input does not parse.
pub fn format_source(src: &str) -> Result<Formatted, SyntaxError> {
    let before = crate::syntax::parse_program(src)?;
    Ok(verified(src, &before, layout(src)))
}

/// `text` if it means exactly what `src` means, else `src` unchanged.
fn verified(src: &str, before: &crate::syntax::ast::Program, text: String) -> Formatted {
    let safe = crate::syntax::parse_program(&text)
        .is_ok_and(|after| normalized_ast(&after) == normalized_ast(before))
        && same_tokens(src, &text);
    if safe {
        Formatted { text, kept: false }
    } else {
        Formatted {
            text: src.to_string(),
            kept: true,
        }
    }
}

/// The syntax tree printed with every span removed, for comparisons.
pub fn normalized_ast(program: &crate::syntax::ast::Program) -> String {
    static SPAN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(key_)?span: Span \{ start: \d+, end: \d+ \}").expect("valid regex")
    });
    SPAN.replace_all(&format!("{program:?}"), "").into_owned()
}

/// True when both texts have the same tokens (line comments compared
/// without trailing whitespace).
pub fn same_tokens(a: &str, b: &str) -> bool {
    let norm = |t: Tok<'_>| match t.kind {
        Kind::LineComment => t.text.trim_end().to_string(),
        _ => t.text.to_string(),
    };
    let (ta, tb) = (lex::lex(a), lex::lex(b));
    ta.len() == tb.len() && ta.into_iter().map(norm).eq(tb.into_iter().map(norm))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// `{ … }` statement block.
    Block,
    /// `{ … }` list or map literal.
    Lit,
    Paren,
    /// The parameter list of a function definition: `(string a, int b)`.
    Params,
    /// `[ … ]` list literal.
    List,
    /// `invokeurl [ … ]` parameters.
    Task,
}

/// Words after which a value cannot have ended (`return -1` is unary).
const NON_OPERAND: [&str; 18] = [
    "return",
    "info",
    "in",
    "if",
    "else",
    "for",
    "each",
    "try",
    "catch",
    "alert",
    "to",
    "from",
    "into",
    "delete",
    "insert",
    "invokeurl",
    "sendmail",
    "invokeapi",
];

/// Keywords written with a space before `(`: `catch (e)`, `return (x)`.
const SPACE_BEFORE_PAREN: [&str; 7] = ["return", "info", "in", "catch", "alert", "to", "from"];

fn is_keyword(t: &Tok, list: &[&str]) -> bool {
    t.kind == Kind::Word && list.iter().any(|k| t.text.eq_ignore_ascii_case(k))
}

/// Could a value end with this token (so a following `-` is binary)?
fn ends_operand(t: &Tok) -> bool {
    match t.kind {
        Kind::Word => !is_keyword(t, &NON_OPERAND),
        Kind::Number | Kind::Str | Kind::Raw => true,
        Kind::Punct => matches!(t.text, ")" | "]" | "}"),
        _ => false,
    }
}

fn wordlike(t: &Tok) -> bool {
    matches!(t.kind, Kind::Word | Kind::Number | Kind::Str | Kind::Raw)
        || (t.kind == Kind::Punct && matches!(t.text, ")" | "]" | "}"))
}

struct Printer {
    lines: Vec<String>,
    cur: String,
    stack: Vec<Ctx>,
    /// A newline is due before the next code token.
    want_nl: bool,
    /// The current statement (or task parameter) has started and not ended:
    /// a line break inside it indents one more level.
    mid_unit: bool,
    /// Indent of the current line, fixed when its first token is written.
    line_started: bool,
    /// `invokeurl`/`sendmail` of each open task block.
    task_kinds: Vec<&'static str>,
}

impl Printer {
    fn depth(&self) -> usize {
        self.stack
            .iter()
            .filter(|c| matches!(c, Ctx::Block | Ctx::Task))
            .count()
    }

    fn flush_line(&mut self) {
        if self.line_started {
            let line = std::mem::take(&mut self.cur);
            self.lines.push(line.trim_end().to_string());
            self.line_started = false;
        }
    }

    /// Start a line for a token that had `nl_before` newlines in the input.
    fn start_line(&mut self, nl_before: usize, closer: bool) {
        self.flush_line();
        let after_opener = self
            .lines
            .last()
            .is_some_and(|l| l.ends_with('{') || l.ends_with('['));
        if nl_before >= 2
            && !closer
            && !after_opener
            && self.lines.last().is_some_and(|l| !l.is_empty())
        {
            self.lines.push(String::new());
        }
        let indent = self.depth() + usize::from(self.mid_unit);
        self.cur = "\t".repeat(indent);
        self.line_started = true;
    }

    /// Write a token: on a new line when one is due, else after `space`.
    fn put(&mut self, tok: &Tok, space: &str, closer: bool) {
        if self.want_nl || !self.line_started {
            self.start_line(tok.nl_before, closer);
            self.want_nl = false;
        } else {
            self.cur.push_str(space);
        }
        self.cur.push_str(tok.text);
    }

    /// End the current statement: the next token starts a line.
    fn end_unit(&mut self) {
        self.want_nl = true;
        self.mid_unit = false;
    }
}

/// Is a `{` after this token a statement block (not a list or map)?
fn opens_block(prev: Option<&Tok>) -> bool {
    prev.is_some_and(|t| {
        matches!(t.kind, Kind::Number | Kind::Str | Kind::Raw)
            || (t.kind == Kind::Punct && matches!(t.text, ")" | "]" | "}"))
            || (t.kind == Kind::Word
                && !is_keyword(
                    t,
                    &[
                        "return", "info", "in", "alert", "to", "from", "if", "for", "each",
                    ],
                ))
    })
}

/// Is the `(` at `paren` the parameter list of a function definition
/// (`void automation.name(` at the start of a top-level unit)?
fn is_function_header(toks: &[Tok], paren: usize) -> bool {
    let code: Vec<&Tok> = toks[..paren].iter().filter(|t| !t.is_comment()).collect();
    let mut k = code.len();
    // The (qualified) name: word (. word)*
    loop {
        if k == 0 || code[k - 1].kind != Kind::Word {
            return false;
        }
        k -= 1;
        if k > 0 && code[k - 1].is(".") {
            k -= 1;
        } else {
            break;
        }
    }
    // The return type, then the start of the file or of a unit.
    if k == 0 || code[k - 1].kind != Kind::Word || is_keyword(code[k - 1], &NON_OPERAND) {
        return false;
    }
    k -= 1;
    k == 0 || code[k - 1].is(";") || code[k - 1].is("}")
}

/// Does a task parameter `key :` start at token `i`? Returns the index of
/// the `:` after the key.
fn task_key_at(toks: &[Tok], i: usize) -> Option<usize> {
    let mut j = i;
    if toks.get(j)?.kind != Kind::Word {
        return None;
    }
    j += 1;
    loop {
        let t = toks.get(j)?;
        if t.is(":") {
            return (t.nl_before == 0).then_some(j);
        }
        if t.nl_before > 0 {
            return None;
        }
        if t.is("-") {
            let w = toks.get(j + 1)?;
            if w.kind != Kind::Word || w.nl_before > 0 {
                return None;
            }
            j += 2;
        } else if t.kind == Kind::Word {
            j += 1;
        } else {
            return None;
        }
    }
}

/// Lay the text out (no safety check; see [`format_source`]).
fn layout(src: &str) -> String {
    let toks = lex::lex(src);
    let mut p = Printer {
        lines: Vec::new(),
        cur: String::new(),
        stack: Vec::new(),
        want_nl: false,
        mid_unit: false,
        line_started: false,
        task_kinds: Vec::new(),
    };
    // Last code token written, and whether it was a unary operator.
    let mut prev: Option<usize> = None;
    let mut prev_unary = false;
    let mut prev_comment = false;
    let mut i = 0;
    while i < toks.len() {
        let tok = &toks[i];
        if tok.is_comment() {
            if tok.nl_before == 0 && p.line_started {
                p.cur.push(' ');
                p.cur.push_str(tok.text.trim_end());
            } else {
                if tok.nl_before > 0 {
                    p.want_nl = true;
                }
                // A comment between a header and its block, or before
                // `else`, sits at the statement's own indent.
                let next = toks[i + 1..].iter().find(|t| !t.is_comment());
                let last = prev.map(|k| &toks[k]);
                if next.is_some_and(|n| {
                    (n.is("{") && opens_block(last)) || n.word_is("else") || n.is("}")
                }) {
                    p.mid_unit = false;
                }
                p.put(
                    &Tok {
                        text: tok.text.trim_end(),
                        ..tok.clone()
                    },
                    " ",
                    false,
                );
            }
            let next_on_new_line = toks.get(i + 1).is_none_or(|n| n.nl_before > 0);
            if tok.kind == Kind::LineComment || next_on_new_line {
                p.want_nl = true;
            }
            prev_comment = true;
            i += 1;
            continue;
        }
        let prev_tok = prev.map(|k| &toks[k]);
        let next_code = toks[i + 1..].iter().find(|t| !t.is_comment());
        let top = p.stack.last().copied();

        // Task parameter `key :value` on its own line.
        if top == Some(Ctx::Task)
            && tok.kind == Kind::Word
            && prev_tok.is_some_and(|t| t.is("[") || t.is(",") || ends_operand(t))
            && let Some(colon) = task_key_at(&toks, i)
        {
            p.end_unit();
            let mut key = String::new();
            for (k, t) in toks[i..colon].iter().enumerate() {
                if k > 0 && t.kind == Kind::Word && !toks[i + k - 1].is("-") {
                    key.push(' ');
                }
                key.push_str(t.text);
            }
            p.put(
                &Tok {
                    kind: Kind::Word,
                    text: &key,
                    nl_before: tok.nl_before,
                },
                "",
                false,
            );
            // Zoho's editor writes `url :` and `type :` but `headers:`,
            // `connection:` in invokeurl, and ` :` throughout sendmail.
            let task_word = p.task_kinds.last().copied().unwrap_or("");
            let spaced = task_word != "invokeurl"
                || key.eq_ignore_ascii_case("url")
                || key.eq_ignore_ascii_case("type");
            p.cur.push_str(if spaced { " :" } else { ":" });
            p.mid_unit = true;
            prev = Some(colon);
            prev_unary = false;
            prev_comment = false;
            i = colon + 1;
            continue;
        }

        let space = if prev_comment {
            " "
        } else {
            match prev_tok {
                None => "",
                Some(pt) => spacing(pt, prev_unary, tok, top),
            }
        };
        let mut unary = false;
        match (tok.kind, tok.text) {
            (Kind::Punct, "{") => {
                let block = opens_block(prev_tok);
                if block {
                    p.end_unit();
                    p.put(tok, "", false);
                    p.stack.push(Ctx::Block);
                    p.end_unit();
                } else {
                    p.put(tok, space, false);
                    p.stack.push(Ctx::Lit);
                    p.mid_unit = true;
                }
            }
            (Kind::Punct, "}") => {
                if top == Some(Ctx::Block) {
                    p.stack.pop();
                    p.end_unit();
                    p.put(tok, "", true);
                    p.want_nl = !next_code.is_some_and(|n| n.is(";"));
                    p.mid_unit = false;
                } else {
                    if top == Some(Ctx::Lit) {
                        p.stack.pop();
                    }
                    p.put(tok, space, false);
                }
            }
            (Kind::Punct, "[") => {
                if let Some(kind) = prev_tok.filter(|t| is_keyword(t, &TASK_KINDS)) {
                    p.end_unit();
                    p.put(tok, "", false);
                    p.stack.push(Ctx::Task);
                    p.task_kinds.push(
                        TASK_KINDS
                            .iter()
                            .find(|k| kind.word_is(k))
                            .copied()
                            .unwrap_or("invokeurl"),
                    );
                    p.end_unit();
                } else {
                    p.put(tok, space, false);
                    p.stack.push(Ctx::List);
                }
            }
            (Kind::Punct, "]") => {
                if top == Some(Ctx::Task) {
                    p.stack.pop();
                    p.task_kinds.pop();
                    p.end_unit();
                    p.put(tok, "", true);
                    let continues = next_code.is_some_and(|n| {
                        n.kind == Kind::Op || matches!(n.text, ";" | "." | ")" | "," | "}")
                    });
                    // The statement goes on (`];`, `].get(…)`) or ends here.
                    p.mid_unit = continues;
                    p.want_nl = !continues;
                } else {
                    if top == Some(Ctx::List) {
                        p.stack.pop();
                    }
                    p.put(tok, space, false);
                }
            }
            (Kind::Punct, "(") => {
                p.put(tok, space, false);
                let header = p.stack.is_empty() && is_function_header(&toks, i);
                p.stack.push(if header { Ctx::Params } else { Ctx::Paren });
                p.mid_unit = true;
            }
            (Kind::Punct, ")") => {
                if matches!(top, Some(Ctx::Paren | Ctx::Params)) {
                    p.stack.pop();
                }
                p.put(tok, space, false);
            }
            (Kind::Punct, ";") => {
                p.put(tok, "", false);
                if matches!(top, None | Some(Ctx::Block)) {
                    p.end_unit();
                }
            }
            (Kind::Raw, raw)
                if raw.starts_with('(') && prev_tok.is_some_and(|t| is_keyword(t, &TASK_KINDS)) =>
            {
                // Legacy `sendmail ( … )`: kept as written; the statement
                // may end without `;`.
                p.put(tok, space, false);
                let continues = next_code.is_some_and(|n| {
                    n.kind == Kind::Op || matches!(n.text, ";" | "." | ")" | "," | "}")
                });
                p.mid_unit = continues;
                p.want_nl = !continues;
            }
            (Kind::Raw, raw) if raw.starts_with('[') && raw.contains('\n') => {
                // Multi-line Creator record or criteria: `[` on its own
                // line at the statement's indent, the text as written.
                p.want_nl = true;
                p.mid_unit = false;
                p.put(tok, "", false);
                p.mid_unit = true;
            }
            (Kind::Word, _) if tok.word_is("else") || tok.word_is("try") => {
                // What follows is a new statement (or a block).
                p.put(tok, space, false);
                p.mid_unit = false;
            }
            _ => {
                p.put(tok, space, false);
                p.mid_unit = true;
                unary = tok.kind == Kind::Op
                    && matches!(tok.text, "-" | "+" | "!")
                    && !prev_tok.is_some_and(ends_operand);
            }
        }
        prev = Some(i);
        prev_unary = unary;
        prev_comment = false;
        i += 1;
    }
    p.flush_line();
    while p.lines.last().is_some_and(|l| l.is_empty()) {
        p.lines.pop();
    }
    if p.lines.is_empty() {
        return String::new();
    }
    let mut out = p.lines.join("\n");
    out.push('\n');
    out
}

/// The space between two code tokens on one line.
fn spacing(prev: &Tok, prev_unary: bool, next: &Tok, top: Option<Ctx>) -> &'static str {
    let (p, n) = (prev.text, next.text);
    let punct = |t: &Tok, s: &str| t.kind == Kind::Punct && t.text == s;
    if next.kind == Kind::Punct && matches!(n, ";" | "," | ")" | "]" | "." | ":") {
        return "";
    }
    if punct(next, "}") && top == Some(Ctx::Lit) {
        return "";
    }
    if punct(prev, ",") && top == Some(Ctx::Params) {
        return " ";
    }
    if prev.kind == Kind::Punct && matches!(p, "(" | "[" | "." | ":" | ",") {
        return "";
    }
    if punct(prev, "{") {
        return "";
    }
    if prev.kind == Kind::Op {
        return if prev_unary { "" } else { " " };
    }
    if next.kind == Kind::Op {
        // A unary operator after a value-less keyword: `return -1`.
        return " ";
    }
    if next.kind == Kind::Raw && prev.kind == Kind::Word && n.starts_with('[') {
        return "";
    }
    if punct(next, "(") || punct(next, "[") || punct(next, "{") {
        return if is_keyword(prev, &SPACE_BEFORE_PAREN) {
            " "
        } else {
            ""
        };
    }
    if prev.word_is("each") && next.kind == Kind::Word && !next.word_is("index") {
        return "  ";
    }
    if wordlike(prev) && wordlike(next) {
        return " ";
    }
    if next.kind == Kind::Raw {
        return " ";
    }
    ""
}

#[cfg(test)]
mod tests;
