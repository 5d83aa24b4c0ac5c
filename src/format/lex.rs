//! A lossless-enough lexer for the formatter: every token keeps its exact
//! text, and the whitespace between tokens is reduced to a newline count.
//! Comments are tokens. Creator criteria (`Form[…]`) and the legacy
//! `sendmail ( … )` form are single `Raw` tokens, copied as written.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    Number,
    /// `"…"` or `'…'`.
    Str,
    /// Operators: `+ - * / % < > = ! == != <= >= && || += -= *= /= %=`.
    Op,
    /// `( ) { } [ ] , ; . :` and any other single character.
    Punct,
    LineComment,
    BlockComment,
    /// Text kept exactly as written.
    Raw,
}

#[derive(Clone, Debug)]
pub struct Tok<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Newlines in the whitespace just before the token.
    pub nl_before: usize,
}

impl Tok<'_> {
    pub fn is(&self, text: &str) -> bool {
        self.text == text && matches!(self.kind, Kind::Punct | Kind::Op)
    }
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }
    pub fn word_is(&self, lower: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(lower)
    }
}

pub const TASK_KINDS: [&str; 3] = ["invokeurl", "sendmail", "invokeapi"];

/// Words after which `[` is a list literal (not Creator criteria).
const NOT_FORM: [&str; 12] = [
    "return",
    "info",
    "in",
    "if",
    "else",
    "alert",
    "to",
    "from",
    "each",
    "invokeurl",
    "sendmail",
    "invokeapi",
];

const OPS2: [&str; 11] = [
    "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=",
];

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{a0}' | '\u{feff}')
}

fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// End of a `"…"` (backslash escapes) or `'…'` (`\'` escapes) literal
/// starting at `i`; the input's end when it is not closed.
fn string_end(src: &str, i: usize) -> usize {
    let bytes = src.as_bytes();
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() && bytes[j] != quote {
        if bytes[j] == b'\\' {
            j += 1;
        }
        j += 1;
    }
    (j + 1).min(bytes.len())
}

/// End of a bracketed region starting at `i` (`[` or `(`), nesting the same
/// bracket and stepping over strings and comments.
fn raw_end(src: &str, i: usize) -> usize {
    let bytes = src.as_bytes();
    let (open, close) = (bytes[i], if bytes[i] == b'[' { b']' } else { b')' });
    let mut depth = 0usize;
    let mut j = i;
    while j < bytes.len() {
        match bytes[j] {
            b'"' => {
                j = string_end(src, j);
                continue;
            }
            b'\'' if open == b'[' => {
                // Creator criteria quote with '…' and no escapes.
                j = src[j + 1..]
                    .find('\'')
                    .map_or(bytes.len(), |o| j + 1 + o + 1);
                continue;
            }
            b'\'' => {
                j = string_end(src, j);
                continue;
            }
            b'/' if open == b'(' && bytes.get(j + 1) == Some(&b'/') => {
                j = src[j..].find('\n').map_or(bytes.len(), |o| j + o);
                continue;
            }
            b'/' if open == b'(' && bytes.get(j + 1) == Some(&b'*') => {
                j = src[j + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |o| j + 2 + o + 2);
                continue;
            }
            b if b == open => depth += 1,
            b if b == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

pub fn lex(src: &str) -> Vec<Tok<'_>> {
    let bytes = src.as_bytes();
    let mut toks: Vec<Tok> = Vec::new();
    let mut i = 0;
    let mut nl = 0;
    while i < bytes.len() {
        let c = src[i..].chars().next().expect("in bounds");
        if is_ws(c) {
            if c == '\n' {
                nl += 1;
            }
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let prev_word = toks
            .iter()
            .rev()
            .find(|t| !t.is_comment())
            .filter(|t| t.kind == Kind::Word);
        let kind;
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = src[i..].find('\n').map_or(bytes.len(), |o| i + o);
                kind = Kind::LineComment;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = src[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |o| i + 2 + o + 2);
                kind = Kind::BlockComment;
            }
            b'"' | b'\'' => {
                i = string_end(src, i);
                kind = Kind::Str;
            }
            b'[' if prev_word
                .is_some_and(|w| !NOT_FORM.iter().any(|k| w.text.eq_ignore_ascii_case(k))) =>
            {
                i = raw_end(src, i);
                kind = Kind::Raw;
            }
            b'(' if prev_word.is_some_and(|w| TASK_KINDS.iter().any(|k| w.word_is(k))) => {
                i = raw_end(src, i);
                kind = Kind::Raw;
            }
            b if b.is_ascii_digit()
                || (b == b'.' && bytes.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                kind = Kind::Number;
            }
            b if ident_start(b) => {
                while i < bytes.len() && ident_char(bytes[i]) {
                    i += 1;
                }
                kind = Kind::Word;
            }
            _ => {
                if OPS2.iter().any(|op| src[i..].starts_with(op)) {
                    i += 2;
                    kind = Kind::Op;
                } else {
                    i += c.len_utf8();
                    kind = if "+-*/%<>=!".contains(c) {
                        Kind::Op
                    } else {
                        Kind::Punct
                    };
                }
            }
        }
        toks.push(Tok {
            kind,
            text: &src[start..i],
            nl_before: nl,
        });
        nl = 0;
    }
    toks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        lex(src).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_operators_strings_and_comments() {
        assert_eq!(
            texts("x=a>=-1.5;// c\n/* b */s=\"a\\\"b\"+'x';"),
            vec![
                "x",
                "=",
                "a",
                ">=",
                "-",
                "1.5",
                ";",
                "// c",
                "/* b */",
                "s",
                "=",
                "\"a\\\"b\"",
                "+",
                "'x'",
                ";"
            ]
        );
    }

    #[test]
    fn creator_criteria_and_legacy_sendmail_are_raw() {
        assert_eq!(
            texts("r = Orders[ID == 1 && x == \"]\"];"),
            vec!["r", "=", "Orders", "[ID == 1 && x == \"]\"]", ";"]
        );
        assert_eq!(texts("l = [1, 2];")[2], "[");
        assert_eq!(
            texts("sendmail ( To : a, From : b )")[1],
            "( To : a, From : b )"
        );
    }

    #[test]
    fn counts_newlines_before_tokens() {
        let t = lex("a\n\n  b c");
        assert_eq!(
            t.iter().map(|t| t.nl_before).collect::<Vec<_>>(),
            vec![0, 2, 0]
        );
    }
}
