//! Semantic tokens from the token stream: keywords, namespaces, functions
//! and methods (built-ins marked `defaultLibrary`), parameters, variables,
//! properties, types of declarations, text, numbers, comments, operators.

use lsp_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

use crate::format::lex::{Kind, Tok, lex};

use super::analysis::Analysis;

const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::METHOD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::TYPE,
];
const NAMESPACE: u32 = 0;
const FUNCTION: u32 = 1;
const METHOD: u32 = 2;
const VARIABLE: u32 = 3;
const PARAMETER: u32 = 4;
const PROPERTY: u32 = 5;
const KEYWORD: u32 = 6;
const STRING: u32 = 7;
const NUMBER: u32 = 8;
const COMMENT: u32 = 9;
const OPERATOR: u32 = 10;
const TYPE: u32 = 11;

const MODIFIERS: &[SemanticTokenModifier] = &[SemanticTokenModifier::DEFAULT_LIBRARY];
const DEFAULT_LIBRARY: u32 = 1;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

const KEYWORDS: &[&str] = &[
    "if",
    "else",
    "for",
    "each",
    "in",
    "while",
    "return",
    "info",
    "try",
    "catch",
    "break",
    "continue",
    "true",
    "false",
    "null",
    "invokeurl",
    "sendmail",
    "invokeapi",
    "insert",
    "into",
    "delete",
    "from",
    "alert",
    "cancel",
    "submit",
    "sort",
    "by",
    "range",
    "to",
    "hide",
    "show",
    "enable",
    "disable",
    "clear",
    "and",
    "or",
    "not",
];
const DECLARED_TYPES: &[&str] = &[
    "void",
    "string",
    "int",
    "long",
    "bigint",
    "decimal",
    "float",
    "bool",
    "boolean",
    "map",
    "list",
    "date",
    "datetime",
    "timestamp",
    "collection",
    "key-value",
];
const NAMESPACES: &[&str] = &[
    "zoho",
    "standalone",
    "thisapp",
    "automation",
    "button",
    "workflow",
    "input",
];

/// Kind and modifiers of a word, from its neighbours.
fn classify(words: &[Tok<'_>], i: usize, params: &[String]) -> (u32, u32) {
    let tok = &words[i];
    let next = words.get(i + 1);
    let prev = i.checked_sub(1).and_then(|p| words.get(p));
    let after_dot = prev.is_some_and(|p| p.is("."));
    let before_dot = next.is_some_and(|n| n.is("."));
    let called = next.is_some_and(|n| n.is("("));
    let lower = tok.text.to_ascii_lowercase();
    if !after_dot && before_dot && NAMESPACES.contains(&lower.as_str()) {
        return (NAMESPACE, 0);
    }
    if after_dot {
        if before_dot {
            return (NAMESPACE, 0);
        }
        if called {
            let builtin = crate::builtins::method_id(&lower).is_some();
            return (METHOD, if builtin { DEFAULT_LIBRARY } else { 0 });
        }
        return (PROPERTY, 0);
    }
    if called {
        let builtin = crate::builtins::function(&lower).is_some()
            || crate::builtins::method_id(&lower).is_some();
        if KEYWORDS.contains(&lower.as_str()) {
            return (KEYWORD, 0);
        }
        return (FUNCTION, if builtin { DEFAULT_LIBRARY } else { 0 });
    }
    if KEYWORDS.contains(&lower.as_str()) {
        return (KEYWORD, 0);
    }
    // `int n` in a header: a type followed by a name.
    if DECLARED_TYPES.contains(&lower.as_str()) && next.is_some_and(|n| n.kind == Kind::Word) {
        return (TYPE, 0);
    }
    if params.iter().any(|p| p == tok.text) {
        return (PARAMETER, 0);
    }
    (VARIABLE, 0)
}

/// The tokens of `doc`, delta-encoded as the protocol wants.
pub fn semantic_tokens(doc: &Analysis) -> Vec<SemanticToken> {
    let text = &doc.text;
    let base = text.as_ptr() as usize;
    let toks: Vec<Tok<'_>> = lex(text).into_iter().filter(|t| !t.is_comment()).collect();
    let params: Vec<String> = doc
        .functions
        .iter()
        .filter(|f| !f.is_script)
        .flat_map(|f| f.params.iter().map(|(_, n)| n.clone()))
        .collect();
    let mut marked: Vec<(usize, usize, u32, u32)> = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        let start = tok.text.as_ptr() as usize - base;
        let kind = match tok.kind {
            Kind::Word => classify(&toks, i, &params),
            Kind::Number => (NUMBER, 0),
            Kind::Str => (STRING, 0),
            Kind::Op => (OPERATOR, 0),
            _ => continue,
        };
        marked.push((start, start + tok.text.len(), kind.0, kind.1));
    }
    for tok in lex(text).into_iter().filter(|t| t.is_comment()) {
        let start = tok.text.as_ptr() as usize - base;
        marked.push((start, start + tok.text.len(), COMMENT, 0));
    }
    marked.sort_by_key(|m| m.0);
    encode(doc, &marked)
}

/// Delta encoding; tokens spanning lines are split per line.
fn encode(doc: &Analysis, marked: &[(usize, usize, u32, u32)]) -> Vec<SemanticToken> {
    let text = &doc.text;
    let mut out = Vec::new();
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for &(start, end, kind, mods) in marked {
        let mut s = start;
        while s < end {
            let line_end = text[s..end].find('\n').map_or(end, |i| s + i);
            if line_end > s {
                let p = doc.index.position(text, s);
                let len: usize = text[s..line_end].chars().map(char::len_utf16).sum();
                let delta_line = p.line - last_line;
                let delta_start = if delta_line == 0 {
                    p.character - last_col
                } else {
                    p.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: len as u32,
                    token_type: kind,
                    token_modifiers_bitset: mods,
                });
                last_line = p.line;
                last_col = p.character;
            }
            s = line_end + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_and_encodes() {
        let text = "int f(int n)\n{\n\tm = Map();\n\tm.put(\"a\", zoho.crm.getRecords(\"L\"));\n\t/* two\n\tlines */\n\treturn n;\n}\n";
        let doc = Analysis::new(text.into());
        let toks = semantic_tokens(&doc);
        // Decode back to (line, col, len, type).
        let (mut line, mut col) = (0, 0);
        let mut decoded = Vec::new();
        for t in &toks {
            if t.delta_line > 0 {
                line += t.delta_line;
                col = t.delta_start;
            } else {
                col += t.delta_start;
            }
            let l = text.lines().nth(line as usize).unwrap();
            let word: String = l
                .chars()
                .skip(col as usize)
                .take(t.length as usize)
                .collect();
            decoded.push((word, t.token_type, t.token_modifiers_bitset));
        }
        let has = |w: &str, ty: u32| decoded.iter().any(|(x, t, _)| x == w && *t == ty);
        assert!(has("int", TYPE) && has("f", FUNCTION) && has("n", PARAMETER));
        assert!(has("Map", FUNCTION) && has("put", METHOD) && has("zoho", NAMESPACE));
        assert!(has("crm", NAMESPACE) && has("getRecords", METHOD) && has("return", KEYWORD));
        assert!(has("\"a\"", STRING) && has("\tlines */", COMMENT) && has("m", VARIABLE));
        assert!(
            decoded
                .iter()
                .any(|(x, _, m)| x == "put" && *m == DEFAULT_LIBRARY)
        );
    }
}
