//! Text functions. Positions are 0-based and count characters, not bytes.

use super::{FunctionDef, MethodDef, Recv::Text, arg_bool, arg_int, arg_text, func, method, text};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::Value;

pub const FUNCTIONS: &[FunctionDef] = &[
    func("leftpad", 2, 3, leftpad_fn),
    func("rightpad", 2, 3, rightpad_fn),
];

pub const METHODS: &[MethodDef] = &[
    method(Text, "length", 0, 0, length),
    method(Text, "toListString", 0, 0, to_list_string),
    method(Text, "getAsString", 0, 1, get_as_string),
    method(Text, "len", 0, 0, length),
    method(Text, "subString", 1, 2, sub_string),
    method(Text, "subText", 1, 2, sub_string),
    method(Text, "mid", 1, 2, sub_string),
    method(Text, "indexOf", 1, 1, index_of),
    method(Text, "find", 1, 1, index_of),
    method(Text, "lastIndexOf", 1, 1, last_index_of),
    method(Text, "getPrefix", 1, 1, get_prefix),
    method(Text, "getSuffix", 1, 1, get_suffix),
    method(Text, "getPrefixIgnoreCase", 1, 1, get_prefix_ic),
    method(Text, "getSuffixIgnoreCase", 1, 1, get_suffix_ic),
    method(Text, "replaceAll", 2, 3, replace_all),
    method(Text, "replaceFirst", 2, 3, replace_first),
    method(Text, "replaceAllIgnoreCase", 2, 2, replace_all_ic),
    method(Text, "replaceFirstIgnoreCase", 2, 2, replace_first_ic),
    method(Text, "toList", 0, 1, to_list),
    method(Text, "contains", 1, 1, contains),
    method(Text, "notContains", 1, 1, not_contains),
    method(Text, "containsIgnoreCase", 1, 1, contains_ic),
    method(Text, "startsWith", 1, 1, starts_with),
    method(Text, "endsWith", 1, 1, ends_with),
    method(Text, "startsWithIgnoreCase", 1, 1, starts_with_ic),
    method(Text, "endsWithIgnoreCase", 1, 1, ends_with_ic),
    method(Text, "equalsIgnoreCase", 1, 1, equals_ic),
    method(Text, "equals", 1, 1, equals),
    method(Text, "toUpperCase", 0, 0, upper),
    method(Text, "upper", 0, 0, upper),
    method(Text, "toLowerCase", 0, 0, lower),
    method(Text, "lower", 0, 0, lower),
    method(Text, "proper", 0, 0, proper),
    method(Text, "trim", 0, 0, trim),
    method(Text, "ltrim", 0, 0, ltrim),
    method(Text, "rtrim", 0, 0, rtrim),
    method(Text, "left", 1, 1, left),
    method(Text, "right", 1, 1, right),
    method(Text, "leftpad", 1, 2, leftpad),
    method(Text, "rightpad", 1, 2, rightpad),
    method(Text, "repeat", 1, 1, repeat),
    method(Text, "reverse", 0, 0, reverse),
    method(Text, "remove", 1, 1, remove),
    method(Text, "removeFirstOccurence", 1, 1, remove_first),
    method(Text, "removeLastOccurence", 1, 1, remove_last),
    method(Text, "removeFirstOccurrence", 1, 1, remove_first),
    method(Text, "removeLastOccurrence", 1, 1, remove_last),
    method(Text, "removeAllAlpha", 0, 0, remove_all_alpha),
    method(Text, "removeAllAlphaNumeric", 0, 0, remove_all_alnum),
    method(Text, "getAlpha", 0, 0, get_alpha),
    method(Text, "getAlphaNumeric", 0, 0, get_alnum),
    method(Text, "getOccurenceCount", 1, 1, occurrence_count),
    method(Text, "getOccurrenceCount", 1, 1, occurrence_count),
    method(Text, "matches", 1, 1, matches),
    method(Text, "isEmpty", 0, 0, is_empty),
    method(Text, "size", 0, 0, length),
    method(Text, "toCharArray", 0, 0, to_char_array),
];

fn s(recv: &Value) -> &str {
    recv.as_str().unwrap_or("")
}

fn char_len(t: &str) -> usize {
    if t.is_ascii() {
        t.len()
    } else {
        t.chars().count()
    }
}

/// Byte offset of character index `i` (clamped to the end).
fn byte_at(t: &str, i: usize) -> usize {
    if t.is_ascii() {
        return i.min(t.len());
    }
    t.char_indices().nth(i).map(|(b, _)| b).unwrap_or(t.len())
}

fn char_index_of_byte(t: &str, b: usize) -> i64 {
    if t.is_ascii() {
        b as i64
    } else {
        t[..b].chars().count() as i64
    }
}

fn length(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Int(char_len(s(recv)) as i64))
}

fn sub_string(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let len = char_len(t) as i64;
    let start = arg_int(args, 0, "subString")?;
    let mut end = if args.len() > 1 {
        arg_int(args, 1, "subString")?
    } else {
        len
    };
    if end < 0 {
        // Zoho ignores a negative end index and takes the rest of the text.
        end = len;
    }
    if start < 0 || start > len {
        return Err(RtError::runtime(format!(
            "subString start index {start} is out of range for a text of length {len}"
        )));
    }
    if end > len {
        return Err(RtError::runtime(format!(
            "subString end index {end} is out of range for a text of length {len}"
        )));
    }
    if end < start {
        return Err(RtError::runtime(format!(
            "subString end index {end} is before the start index {start}"
        )));
    }
    let (a, b) = (byte_at(t, start as usize), byte_at(t, end as usize));
    Ok(text(&t[a..b]))
}

fn index_of(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let needle = arg_text(args, 0, "indexOf")?;
    Ok(Value::Int(match t.find(needle.as_ref()) {
        Some(b) => char_index_of_byte(t, b),
        None => -1,
    }))
}

fn last_index_of(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let needle = arg_text(args, 0, "lastIndexOf")?;
    Ok(Value::Int(match t.rfind(needle.as_ref()) {
        Some(b) => char_index_of_byte(t, b),
        None => -1,
    }))
}

fn get_prefix(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let needle = arg_text(args, 0, "getPrefix")?;
    Ok(match t.find(needle.as_ref()) {
        Some(b) => text(&t[..b]),
        None => Value::Null,
    })
}

fn get_suffix(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let needle = arg_text(args, 0, "getSuffix")?;
    Ok(match t.find(needle.as_ref()) {
        Some(b) => text(&t[b + needle.len()..]),
        None => Value::Null,
    })
}

/// Find ignoring ASCII case; returns the byte range in the original text.
fn find_ic(t: &str, needle: &str) -> Option<(usize, usize)> {
    let lt = t.to_lowercase();
    let ln = needle.to_lowercase();
    if lt.len() != t.len() {
        // Case mapping changed lengths: fall back to a char-wise scan.
        let tc: Vec<(usize, char)> = t.char_indices().collect();
        let nc: Vec<char> = needle.chars().flat_map(|c| c.to_lowercase()).collect();
        for i in 0..tc.len() {
            let mut k = 0;
            let mut j = i;
            while k < nc.len() && j < tc.len() && tc[j].1.to_lowercase().eq(std::iter::once(nc[k]))
            {
                k += 1;
                j += 1;
            }
            if k == nc.len() {
                let end = tc.get(j).map(|x| x.0).unwrap_or(t.len());
                return Some((tc[i].0, end));
            }
        }
        return None;
    }
    lt.find(&ln).map(|b| (b, b + ln.len()))
}

fn get_prefix_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let needle = arg_text(args, 0, "getPrefixIgnoreCase")?;
    Ok(match find_ic(t, &needle) {
        Some((a, _)) => text(&t[..a]),
        None => Value::Null,
    })
}

fn get_suffix_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let needle = arg_text(args, 0, "getSuffixIgnoreCase")?;
    Ok(match find_ic(t, &needle) {
        Some((_, b)) => text(&t[b..]),
        None => Value::Null,
    })
}

/// Deluge patterns are Java regexes: look-around, back-references and
/// atomic groups work (fancy-regex), and a backtracking limit keeps any
/// pattern from hanging. An invalid pattern is the same runtime error in
/// `matches`, `replaceAll` and `replaceFirst`.
const BACKTRACK_LIMIT: usize = 1_000_000;

fn java_regex(pattern: &str, ignore_case: bool, name: &str) -> RtResult<fancy_regex::Regex> {
    fancy_regex::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| {
            RtError::runtime(format!(
                "{name}: invalid regular expression \"{pattern}\": {e}"
            ))
            .with_help("the pattern is a Java regular expression: escape special characters with \\\\ (e.g. \"\\\\(\"), or pass true as the third argument of replaceAll to replace the text literally")
        })
}

/// A match that ran into the backtracking limit.
fn regex_failed(name: &str, pattern: &str, e: fancy_regex::Error) -> RtError {
    RtError::runtime(format!(
        "{name}: the regular expression \"{pattern}\" could not be matched: {e}"
    ))
    .with_help("the pattern backtracks too much on this text (nested repetition such as (a+)+); make it more specific")
}

/// Java replacement strings use `$1`; `\$` is a literal dollar.
fn java_replacement(repl: &str) -> String {
    let mut out = String::with_capacity(repl.len());
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(n);
                    }
                }
            }
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str("${");
                    out.push_str(&digits);
                    out.push('}');
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn replace_impl(
    recv: &Value,
    args: &[Value],
    name: &str,
    all: bool,
    ignore_case: bool,
) -> RtResult<Value> {
    let t = s(recv);
    let search = arg_text(args, 0, name)?;
    let repl = match args.get(1) {
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_display(),
    };
    let literal = arg_bool(args, 2, false);
    if search.is_empty() {
        return Ok(recv.clone());
    }
    if !literal {
        let re = java_regex(&search, ignore_case, name)?;
        let r = java_replacement(&repl);
        let out = re
            .try_replacen(t, if all { 0 } else { 1 }, r.as_str())
            .map_err(|e| regex_failed(name, &search, e))?;
        crate::mem::check_text(out.len())?;
        return Ok(text(out.into_owned()));
    }
    let re = regex::RegexBuilder::new(&regex::escape(&search))
        .case_insensitive(ignore_case)
        .build()
        .map_err(|e| RtError::runtime(e.to_string()))?;
    let r = regex::NoExpand(&repl);
    let out = if all {
        re.replace_all(t, r)
    } else {
        re.replacen(t, 1, r)
    };
    Ok(text(out.into_owned()))
}

fn replace_all(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    replace_impl(recv, args, "replaceAll", true, false)
}
fn replace_first(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    replace_impl(recv, args, "replaceFirst", false, false)
}
fn replace_all_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    replace_impl(recv, args, "replaceAllIgnoreCase", true, true)
}
fn replace_first_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    replace_impl(recv, args, "replaceFirstIgnoreCase", false, true)
}

/// Split on a literal separator; consecutive separators give empty parts.
pub fn split_literal(t: &str, sep: &str) -> Vec<String> {
    if t.is_empty() {
        return Vec::new();
    }
    if sep.is_empty() {
        return t.chars().map(|c| c.to_string()).collect();
    }
    t.split(sep).map(str::to_string).collect()
}

fn to_list(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let sep = match args.first() {
        Some(Value::Null) | None => ",".to_string(),
        Some(v) => v.to_display(),
    };
    // A JSON array text converts element-wise, as Zoho does for API data.
    if args.is_empty()
        && t.trim_start().starts_with('[')
        && let Ok(j) = serde_json::from_str::<serde_json::Value>(t)
        && j.is_array()
    {
        return Ok(crate::value::from_json(&j));
    }
    Ok(Value::new_list(
        split_literal(t, &sep)
            .into_iter()
            .map(Value::text)
            .collect(),
    ))
}

fn contains(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(
        s(recv).contains(arg_text(args, 0, "contains")?.as_ref()),
    ))
}
fn not_contains(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(
        !s(recv).contains(arg_text(args, 0, "notContains")?.as_ref()),
    ))
}
fn contains_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_text(args, 0, "containsIgnoreCase")?;
    Ok(Value::Bool(find_ic(s(recv), &n).is_some()))
}
fn starts_with(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(
        s(recv).starts_with(arg_text(args, 0, "startsWith")?.as_ref()),
    ))
}
fn ends_with(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(
        s(recv).ends_with(arg_text(args, 0, "endsWith")?.as_ref()),
    ))
}
fn starts_with_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_text(args, 0, "startsWithIgnoreCase")?.to_lowercase();
    Ok(Value::Bool(s(recv).to_lowercase().starts_with(&n)))
}
fn ends_with_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_text(args, 0, "endsWithIgnoreCase")?.to_lowercase();
    Ok(Value::Bool(s(recv).to_lowercase().ends_with(&n)))
}
fn equals_ic(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match args.first() {
        Some(Value::Text(o)) => s(recv).to_lowercase() == o.to_lowercase(),
        _ => false,
    }))
}
fn equals(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(match args.first() {
        Some(Value::Text(o)) => s(recv) == o.as_str(),
        _ => false,
    }))
}
fn upper(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(s(recv).to_uppercase()))
}
fn lower(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(s(recv).to_lowercase()))
}
fn proper(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    let mut out = String::new();
    let mut at_word_start = true;
    for c in s(recv).chars() {
        if c.is_alphanumeric() {
            if at_word_start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            at_word_start = false;
        } else {
            out.push(c);
            at_word_start = true;
        }
    }
    Ok(text(out))
}
fn trim(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(s(recv).trim()))
}
fn ltrim(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(s(recv).trim_start()))
}
fn rtrim(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(s(recv).trim_end()))
}
fn left(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let n = arg_int(args, 0, "left")?.max(0) as usize;
    Ok(text(&t[..byte_at(t, n)]))
}
fn right(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let n = arg_int(args, 0, "right")?.max(0) as usize;
    let len = char_len(t);
    Ok(text(&t[byte_at(t, len.saturating_sub(n))..]))
}
fn pad_char(args: &[Value]) -> String {
    match args.get(1) {
        Some(Value::Null) | None => " ".into(),
        Some(v) => v.to_display(),
    }
}
/// `count` for leftpad/rightpad: negative pads nothing; beyond the text
/// limit is an error (no silent clamp).
fn pad_count(args: &[Value], name: &str) -> RtResult<usize> {
    let n = arg_int(args, 0, name)?;
    if n <= 0 {
        return Ok(0);
    }
    let max = crate::mem::max_text();
    if n as u64 > max as u64 {
        return Err(RtError::runtime(format!(
            "{name}: length {n} is out of range (at most {max})"
        ))
        .with_help("the length is the size of the padded text in characters"));
    }
    Ok(n as usize)
}

/// The padding for `missing` characters, built in one pass (linear).
fn padding(pad: &str, missing: usize) -> RtResult<String> {
    if pad.is_empty() || missing == 0 {
        return Ok(String::new());
    }
    let unit = char_len(pad).max(1);
    let reps = missing.div_ceil(unit);
    crate::mem::check_text(reps.saturating_mul(pad.len()))?;
    Ok(pad.repeat(reps))
}

fn leftpad(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let n = pad_count(args, "leftpad")?;
    let len = char_len(t);
    let mut out = padding(&pad_char(args), n.saturating_sub(len))?;
    out.push_str(t);
    Ok(text(out))
}
fn rightpad(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let n = pad_count(args, "rightpad")?;
    let len = char_len(t);
    let mut out = t.to_string();
    out.push_str(&padding(&pad_char(args), n.saturating_sub(len))?);
    Ok(text(out))
}
fn repeat(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_int(args, 0, "repeat")?;
    if !(0..=10_000_000).contains(&(n.saturating_mul(s(recv).len() as i64))) {
        return Err(RtError::runtime("repeat count is out of range"));
    }
    Ok(text(s(recv).repeat(n.max(0) as usize)))
}
fn reverse(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(s(recv).chars().rev().collect::<String>()))
}
fn remove(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_text(args, 0, "remove")?;
    if n.is_empty() {
        return Ok(recv.clone());
    }
    Ok(text(s(recv).replace(n.as_ref(), "")))
}
fn remove_first(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_text(args, 0, "removeFirstOccurence")?;
    Ok(text(s(recv).replacen(n.as_ref(), "", 1)))
}
fn remove_last(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let t = s(recv);
    let n = arg_text(args, 0, "removeLastOccurence")?;
    Ok(match t.rfind(n.as_ref()) {
        Some(b) if !n.is_empty() => text(format!("{}{}", &t[..b], &t[b + n.len()..])),
        _ => recv.clone(),
    })
}
fn remove_all_alpha(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(
        s(recv)
            .chars()
            .filter(|c| !c.is_alphabetic())
            .collect::<String>(),
    ))
}
fn remove_all_alnum(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(
        s(recv)
            .chars()
            .filter(|c| !c.is_alphanumeric())
            .collect::<String>(),
    ))
}
fn get_alpha(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(
        s(recv)
            .chars()
            .filter(|c| c.is_alphabetic())
            .collect::<String>(),
    ))
}
fn get_alnum(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(text(
        s(recv)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>(),
    ))
}
fn occurrence_count(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let n = arg_text(args, 0, "getOccurenceCount")?;
    if n.is_empty() {
        return Ok(Value::Int(0));
    }
    Ok(Value::Int(s(recv).matches(n.as_ref()).count() as i64))
}
fn matches(_: &mut dyn Host, recv: &Value, args: &[Value]) -> RtResult<Value> {
    let pattern = arg_text(args, 0, "matches")?;
    // Validate the pattern alone first, so the message quotes it as written.
    java_regex(&pattern, false, "matches")?;
    let re = java_regex(&format!("^(?:{pattern})$"), false, "matches")?;
    re.is_match(s(recv))
        .map(Value::Bool)
        .map_err(|e| regex_failed("matches", &pattern, e))
}
fn is_empty(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::Bool(s(recv).is_empty()))
}
fn to_char_array(_: &mut dyn Host, recv: &Value, _: &[Value]) -> RtResult<Value> {
    Ok(Value::new_list(
        s(recv).chars().map(|c| text(c.to_string())).collect(),
    ))
}

/// `"1,2,3".toListString()`: the comma-separated values as a list of text.
fn to_list_string(_: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    let Value::Text(t) = r else {
        unreachable!("registered for text only")
    };
    Ok(Value::new_list(
        split_literal(t, ",").into_iter().map(Value::text).collect(),
    ))
}

/// `text.getAsString(i)` reads comma-separated text as a collection and
/// returns element `i` as text; without an index it is the text itself.
fn get_as_string(_: &mut dyn Host, r: &Value, args: &[Value]) -> RtResult<Value> {
    let Value::Text(t) = r else {
        unreachable!("registered for text only")
    };
    if args.is_empty() {
        return Ok(r.clone());
    }
    let parts = split_literal(t, ",");
    let i = super::arg_int(args, 0, "getAsString")?;
    if i < 0 || i as usize >= parts.len() {
        return Err(RtError::runtime(format!(
            "Index {i} is out of range: the list has {} elements",
            parts.len()
        )));
    }
    Ok(Value::text(parts[i as usize].clone()))
}

/// `leftpad(value, n[, c])`: numbers are padded as their text (`leftpad(7, 3, "0")` is `007`).
fn leftpad_fn(i: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    pad_fn(i, args, "leftpad")
}

fn rightpad_fn(i: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    pad_fn(i, args, "rightpad")
}

fn pad_fn(i: &mut dyn Host, args: &[Value], name: &str) -> RtResult<Value> {
    let recv = match &args[0] {
        Value::Null => Value::text(""),
        t @ Value::Text(_) => t.clone(),
        other => Value::text(other.to_display()),
    };
    super::call_method(i, &recv, name, super::method_id(name), &args[1..])
}
