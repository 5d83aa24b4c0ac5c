//! JSON ↔ Value. Integers stay exact i64 (19-digit CRM ids never pass
//! through f64); objects keep their member order.

use super::{Key, Value};

pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else {
                Value::Decimal(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::text(s.clone()),
        serde_json::Value::Array(items) => Value::new_list(items.iter().map(from_json).collect()),
        serde_json::Value::Object(obj) => {
            let mut map = super::MapData::with_capacity(obj.len());
            for (k, v) in obj {
                map.insert(Key::text(k), from_json(v));
            }
            Value::new_map(map)
        }
    }
}

/// Compact JSON text of a value.
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    super::display::write_json(v, &mut out);
    out
}

/// Parse JSON text; Zoho's `toMap()` also accepts unquoted keys and values
/// (`{company:Zoho}`), so on failure retry after quoting bare words.
pub fn parse_json_lenient(text: &str) -> Option<Value> {
    if let Ok(j) = serde_json::from_str::<serde_json::Value>(text) {
        return Some(from_json(&j));
    }
    let quoted = quote_bare_words(text)?;
    serde_json::from_str::<serde_json::Value>(&quoted)
        .ok()
        .map(|j| from_json(&j))
}

/// Quote unquoted keys and scalar values in an object/array literal.
fn quote_bare_words(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                out.push(c);
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        out.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    if chars[i] == '"' {
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            // org.json (which Zoho's toMap/toXML follow) also reads
            // single-quoted strings: {Name:'Lia Shelton'}.
            '\'' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        s.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push_str(&serde_json::to_string(&s).ok()?);
            }
            '{' | '}' | '[' | ']' | ':' | ',' => {
                out.push(c);
                i += 1;
            }
            c if c.is_whitespace() => {
                out.push(c);
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], '{' | '}' | '[' | ']' | ':' | ',') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let word = word.trim();
                let is_literal = word == "true"
                    || word == "false"
                    || word == "null"
                    || serde_json::from_str::<serde_json::Number>(word).is_ok();
                if is_literal {
                    out.push_str(word);
                } else {
                    out.push_str(&serde_json::to_string(word).ok()?);
                }
            }
        }
    }
    Some(out)
}
