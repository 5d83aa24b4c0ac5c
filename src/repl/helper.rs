//! rustyline helper: completion, hints, highlighting and validation.
//! The completion logic is plain functions over [`Shared`] so it can be
//! tested without a terminal.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::{Completeness, Shared, commands};
use crate::value::Value;

/// Deluge keywords offered by completion and coloured by the highlighter.
pub const KEYWORDS: &[&str] = &[
    "if",
    "else",
    "for",
    "each",
    "in",
    "index",
    "return",
    "break",
    "continue",
    "try",
    "catch",
    "info",
    "true",
    "false",
    "null",
    "invokeurl",
    "sendmail",
];

/// `zoho.` system variables.
pub const ZOHO_VARS: &[&str] = &[
    "zoho.currentdate",
    "zoho.currenttime",
    "zoho.loginuser",
    "zoho.loginuserid",
    "zoho.adminuser",
    "zoho.adminuserid",
    "zoho.appname",
    "zoho.appuri",
    "zoho.ipaddress",
];

/// `invokeurl [ … ]` parameter names (the editor's completion offers them too).
pub const TASK_KEYS: &[&str] = &[
    "url",
    "type",
    "parameters",
    "headers",
    "body",
    "connection",
    "content-type",
    "files",
    "detailed",
    "response-format",
    "response-decoding",
];

/// Colours follow `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and whether stdout
/// is a terminal (one rule for the whole program: `crate::diag`).
pub fn color_enabled() -> bool {
    crate::diag::stdout_color()
}

pub struct DlgHelper {
    shared: Rc<RefCell<Shared>>,
    files: FilenameCompleter,
    color: bool,
}

impl DlgHelper {
    pub fn new(shared: Rc<RefCell<Shared>>) -> DlgHelper {
        DlgHelper {
            shared,
            files: FilenameCompleter::new(),
            color: color_enabled(),
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// True when `pos` sits inside a `"…"` literal or a `//` comment.
fn in_string_or_comment(line: &str, pos: usize) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    let mut in_str = false;
    while i < pos.min(b.len()) {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return true,
            _ => {}
        }
        i += 1;
    }
    in_str
}

/// Completion candidates for `line` with the cursor at `pos`: the start of
/// the text to replace and the replacements.
pub fn complete(shared: &Shared, line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = &line[..pos];

    // `:command` names.
    if before.starts_with(':') && !before.contains(char::is_whitespace) {
        let mut out: Vec<String> = commands::NAMES
            .iter()
            .filter(|c| c.starts_with(before))
            .map(|c| c.to_string())
            .collect();
        out.sort();
        return (0, out);
    }

    // Connection names after `connection:` (quoted or not).
    if let Some(r) = connection_context(before) {
        let (start, typed, quoted) = r;
        let mut out: Vec<String> = shared
            .connections
            .iter()
            .filter(|c| starts_with_ci(c, typed))
            .map(|c| {
                if quoted {
                    format!("{c}\"")
                } else {
                    format!("\"{c}\"")
                }
            })
            .collect();
        out.sort();
        return (start, out);
    }

    if in_string_or_comment(line, pos) {
        return (pos, Vec::new());
    }

    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(pos);
    let word = &before[word_start..];

    if before[..word_start].ends_with('.') {
        let recv_end = word_start - 1;
        let head = &before[..recv_end];
        // The dotted path before the `.` (e.g. `zoho.encryption`).
        let path_start = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_ident(*c) || *c == '.')
            .last()
            .map(|(i, _)| i)
            .unwrap_or(recv_end);
        let path = &head[path_start..];
        if !path.is_empty() && path.split('.').all(|s| !s.is_empty()) {
            let is_var = shared
                .vars
                .iter()
                .find(|(n, _)| n == path)
                .map(|(_, v)| v.clone());
            if let Some(v) = is_var {
                return (word_start, methods(Some(&v), word));
            }
            let dotted = dotted_names(path, word);
            if !dotted.is_empty() || starts_with_ci(path, "zoho") {
                return (word_start, dotted);
            }
        }
        // A literal receiver: pick the type from the character before `.`.
        let recv = match head.trim_end().chars().last() {
            Some('"') => Some(Value::text("")),
            Some(c) if c.is_ascii_digit() => Some(Value::Int(0)),
            _ => None,
        };
        return (word_start, methods(recv.as_ref(), word));
    }

    if word.is_empty() {
        return (pos, Vec::new());
    }
    // The whole entry so far: earlier lines of an unfinished entry too.
    let entry = format!("{}\n{before}", shared.pending);
    let in_task = entry.rfind('[').is_some_and(|open| {
        !entry[open..].contains(']')
            && starts_with_ci(
                entry[..open]
                    .trim_end()
                    .rsplit(|c: char| !is_ident(c))
                    .next()
                    .unwrap_or(""),
                "invokeurl",
            )
    });
    let mut out: Vec<String> = Vec::new();
    if in_task {
        out.extend(
            TASK_KEYS
                .iter()
                .filter(|k| starts_with_ci(k, word))
                .map(|k| k.to_string()),
        );
        // A word starting a parameter line can only be a parameter name.
        if before[..word_start].trim().is_empty() && !out.is_empty() {
            return (word_start, out);
        }
    }
    out.extend(
        KEYWORDS
            .iter()
            .filter(|k| starts_with_ci(k, word))
            .map(|k| k.to_string()),
    );
    out.extend(
        shared
            .vars
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(shared.functions.iter().map(|s| s.as_str()))
            .filter(|n| starts_with_ci(n, word))
            .map(|n| n.to_string()),
    );
    out.extend(
        crate::builtins::function_names()
            .filter(|n| !n.contains('.') && starts_with_ci(n, word))
            .map(|n| n.to_string()),
    );
    if starts_with_ci("zoho", word) {
        out.push("zoho".to_string());
    }
    out.sort_by_key(|s| s.to_ascii_lowercase());
    out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    (word_start, out)
}

/// Built-in methods for a receiver (all of them when the type is unknown).
fn methods(recv: Option<&Value>, prefix: &str) -> Vec<String> {
    crate::builtins::methods_of(recv)
        .into_iter()
        .filter(|m| starts_with_ci(m, prefix))
        .map(|m| m.to_string())
        .collect()
}

/// Next segment of dotted names (`zoho.` system variables and tasks,
/// `zoho.encryption.` functions) after `path.`.
fn dotted_names(path: &str, prefix: &str) -> Vec<String> {
    let full_prefix = format!("{path}.");
    let tasks: Vec<String> = crate::natives::names().collect();
    let mut all: Vec<&str> = ZOHO_VARS.to_vec();
    for n in crate::builtins::function_names().filter(|n| n.contains('.')) {
        all.push(n);
    }
    for t in &tasks {
        all.push(t);
    }
    let mut out: Vec<String> = all
        .into_iter()
        .filter(|n| starts_with_ci(n, &full_prefix))
        .filter_map(|n| {
            let rest = &n[full_prefix.len()..];
            let seg = rest.split('.').next().unwrap_or("");
            starts_with_ci(seg, prefix).then(|| seg.to_string())
        })
        .collect();
    out.sort_by_key(|s| s.to_ascii_lowercase());
    out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    out
}

/// After `connection:` (optionally `connection: "par`): where the name
/// starts, what was typed, and whether the opening quote is there.
fn connection_context(before: &str) -> Option<(usize, &str, bool)> {
    let lower = before.to_ascii_lowercase();
    let at = lower.rfind("connection")?;
    let after = &before[at + "connection".len()..];
    let after_colon = after.trim_start().strip_prefix(':')?;
    let value = after_colon.trim_start();
    let value_start = before.len() - value.len();
    if let Some(inner) = value.strip_prefix('"') {
        if inner.contains('"') {
            return None;
        }
        return Some((value_start + 1, inner, true));
    }
    if value.chars().all(is_ident) {
        return Some((value_start, value, false));
    }
    None
}

impl Completer for DlgHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if line.starts_with(":load ") {
            return self.files.complete(line, pos, ctx);
        }
        let (start, names) = complete(&self.shared.borrow(), line, pos);
        Ok((
            start,
            names
                .into_iter()
                .map(|n| Pair {
                    display: n.clone(),
                    replacement: n,
                })
                .collect(),
        ))
    }
}

impl Hinter for DlgHelper {
    type Hint = String;

    /// The rest of a `:command` with its arguments, or of the only
    /// completion for the word being typed.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() || line.is_empty() {
            return None;
        }
        if line.starts_with(':') {
            if let Some((name, usage)) = commands::USAGE
                .iter()
                .find(|(n, _)| n.starts_with(line) && line.len() > 1)
            {
                return Some(format!("{}{usage}", &name[line.len()..]));
            }
            return None;
        }
        let (start, names) = complete(&self.shared.borrow(), line, pos);
        let typed = &line[start..pos];
        if names.len() == 1 && !typed.is_empty() && names[0].len() > typed.len() {
            let only = &names[0];
            if starts_with_ci(only, typed) {
                return Some(only[typed.len()..].to_string());
            }
        }
        None
    }
}

impl Highlighter for DlgHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || line.starts_with(':') {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight_line(line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const KEYWORD: &str = "\x1b[35m";
const COMMENT: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// A cheap lexer pass: text literals, numbers, keywords and comments.
pub fn highlight_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                let mut end = line.len();
                let mut escaped = false;
                for (j, d) in line[i + 1..].char_indices() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        end = i + 1 + j + 1;
                        break;
                    }
                }
                out.push_str(STRING);
                out.push_str(&line[i..end]);
                out.push_str(RESET);
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            '/' if line[i..].starts_with("//") || line[i..].starts_with("/*") => {
                let end = if line[i..].starts_with("//") {
                    line.len()
                } else {
                    line[i + 2..]
                        .find("*/")
                        .map_or(line.len(), |e| i + 2 + e + 2)
                };
                out.push_str(COMMENT);
                out.push_str(&line[i..end]);
                out.push_str(RESET);
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            c if c.is_ascii_digit() => {
                let mut end = i + 1;
                while let Some((j, d)) = chars.peek().copied() {
                    if d.is_ascii_digit() || d == '.' {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(NUMBER);
                out.push_str(&line[i..end]);
                out.push_str(RESET);
            }
            c if is_ident(c) => {
                let mut end = i + c.len_utf8();
                while let Some((j, d)) = chars.peek().copied() {
                    if is_ident(d) {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &line[i..end];
                let after_dot = line[..i].ends_with('.');
                if !after_dot && KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word)) {
                    out.push_str(KEYWORD);
                    out.push_str(word);
                    out.push_str(RESET);
                } else {
                    out.push_str(word);
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl Validator for DlgHelper {
    /// Single lines are always accepted: the REPL loop gathers further lines
    /// behind a `...> ` prompt. A buffer that already holds several lines
    /// (pasted, or recalled from history) stays open while the parser says
    /// it is incomplete, unless its last line is blank.
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        let last_line = input.rsplit('\n').next().unwrap_or("");
        if !input.contains('\n') || last_line.trim().is_empty() {
            return Ok(ValidationResult::Valid(None));
        }
        Ok(match super::completeness(input) {
            Completeness::Incomplete => ValidationResult::Incomplete,
            _ => ValidationResult::Valid(None),
        })
    }
}

impl Helper for DlgHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared {
            vars: vec![
                ("m".into(), Value::empty_map()),
                ("name".into(), Value::text("x")),
            ],
            connections: vec!["crm_conn".into(), "books".into()],
            functions: vec![],
            pending: String::new(),
        }
    }

    #[test]
    fn continuation_lines_of_invokeurl_complete_parameter_names() {
        let mut s = shared();
        s.pending = "resp = invokeurl\n[\n\turl :\"https://x.test\"".into();
        let line = "\tcon";
        assert_eq!(
            complete(&s, line, line.len()).1,
            vec!["connection", "content-type"]
        );
        // Outside a task the keyword is offered.
        s.pending.clear();
        assert!(complete(&s, "con", 3).1.contains(&"continue".to_string()));
    }

    /// The REPL completes exactly the parameters the interpreter accepts.
    #[test]
    fn invokeurl_keys_match_the_interpreter() {
        let mut repl: Vec<&str> = TASK_KEYS.to_vec();
        let mut interp: Vec<&str> = crate::eval::INVOKEURL_KEYS.to_vec();
        repl.sort_unstable();
        interp.sort_unstable();
        assert_eq!(repl, interp);
    }

    fn names(line: &str) -> Vec<String> {
        complete(&shared(), line, line.len()).1
    }

    #[test]
    fn methods_follow_the_variable_type() {
        assert_eq!(names("m.ke"), vec!["keys"]);
        assert!(names("name.toUp").contains(&"toUpperCase".to_string()));
        assert!(!names("m.").contains(&"toUpperCase".to_string()));
        assert!(names("\"abc\".len").contains(&"length".to_string()));
    }

    #[test]
    fn zoho_names() {
        assert!(names("zoho.current").contains(&"currenttime".to_string()));
        assert!(names("zoho.").contains(&"encryption".to_string()));
        assert!(names("zoho.encryption.url").contains(&"urlEncode".to_string()));
        assert!(names("zoho.").contains(&"crm".to_string()));
        assert!(names("zoho.crm.getRec").contains(&"getRecordById".to_string()));
        assert!(names("zoho.books.mark").contains(&"markStatus".to_string()));
    }

    #[test]
    fn connections_keywords_variables() {
        assert_eq!(names("  connection: cr"), vec!["\"crm_conn\""]);
        assert_eq!(names("connection:\"bo"), vec!["books\""]);
        assert!(names("na").contains(&"name".to_string()));
        assert!(names("inf").contains(&"info".to_string()));
        assert!(names(":va").contains(&":vars".to_string()));
        assert!(names("x = \"m.ke").is_empty());
    }

    #[test]
    fn highlighting_keeps_text() {
        let h = highlight_line("if (x == \"a\") { info 12; } // done");
        let plain = regex::Regex::new("\x1b\\[[0-9;]*m")
            .unwrap()
            .replace_all(&h, "");
        assert_eq!(plain, "if (x == \"a\") { info 12; } // done");
    }
}
