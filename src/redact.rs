//! The one redaction policy for everything dlg prints or stores about
//! requests and configuration: values are redacted by what they *are*, never
//! by looking for known secret strings (which blanks ordinary words when a
//! secret is short):
//!
//! - the value of a secret key (`client_secret=…`, `"access_token": "…"`,
//!   `password: …`, `Authorization: Bearer …`), see [`is_secret_key`];
//! - the user-info part of a URL (`http://user:PASS@host` → `http://<redacted>@host`);
//! - anything shaped like a Zoho OAuth token (`1000.<hex>.<hex>`; a client
//!   id `1000.XXXX` has one part only and stays visible).
//!
//! [`line`] rewrites free text (traces, messages); [`mask`] blanks the same
//! ranges with `*` keeping every byte offset (sources behind diagnostic
//! snippets); `Diag::redacted` applies the policy to a whole diagnostic.

use std::borrow::Cow;
use std::ops::Range;

/// Replacement shown for a redacted value.
pub const REDACTED: &str = "<redacted>";

/// Keys (header names, query/form parameters, JSON and TOML keys) whose
/// values are secret.
pub fn is_secret_key(name: &str) -> bool {
    let k = name
        .trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase()
        .replace('-', "_");
    if matches!(
        k.as_str(),
        "token_url" | "token_uri" | "token_type" | "tokens" | "token_endpoint"
    ) {
        return false;
    }
    matches!(
        k.as_str(),
        "authorization" | "proxy_authorization" | "cookie" | "set_cookie"
    ) || k.contains("secret")
        || k.contains("token")
        || k.contains("password")
        || k.contains("passwd")
        || k.contains("api_key")
        || k.contains("apikey")
        || k.ends_with("_key")
}

/// True when `text` holds anything the policy redacts.
pub fn contains_secret(text: &str) -> bool {
    !ranges(text).is_empty()
}

/// Free text with every secret replaced by `<redacted>`.
pub fn line(text: &str) -> Cow<'_, str> {
    let rs = ranges(text);
    if rs.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in rs {
        out.push_str(&text[at..r.start]);
        out.push_str(REDACTED);
        at = r.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// `text` with every secret blanked by `*`, byte for byte (spans stay valid).
pub fn mask(text: &str) -> Cow<'_, str> {
    let rs = ranges(text);
    if rs.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(mask_ranges(text, &rs))
}

/// Blank byte ranges of `text` with `*` (ranges on char boundaries).
pub fn mask_ranges(text: &str, rs: &[Range<usize>]) -> String {
    let mut out = text.as_bytes().to_vec();
    for r in rs {
        for b in &mut out[r.clone()] {
            *b = b'*';
        }
    }
    // Whole characters are replaced by ASCII, so the result is UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Byte ranges (sorted, disjoint, on char boundaries) of the secrets in `text`.
pub fn ranges(text: &str) -> Vec<Range<usize>> {
    let mut rs = Vec::new();
    userinfo_ranges(text, &mut rs);
    zoho_token_ranges(text, &mut rs);
    key_value_ranges(text, &mut rs);
    rs.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(rs.len());
    for r in rs {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// `scheme://USER:PASS@host` → the `USER:PASS` part.
fn userinfo_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let start = from + i + 3;
        let mut end = start;
        let mut at = None;
        while end < b.len() {
            let c = b[end];
            if matches!(c, b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`')
                || c.is_ascii_whitespace()
            {
                break;
            }
            if c == b'@' {
                at = Some(end);
            }
            end += 1;
        }
        if let Some(a) = at
            && a > start
        {
            out.push(start..a);
        }
        from = end.max(start);
    }
}

/// `1000.<part>.<part>` (parts of letters, digits, `-`, `_`; at least 3 each).
fn zoho_token_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("1000.") {
        let s = from + i;
        from = s + 5;
        if s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'.') {
            continue;
        }
        let run = |mut j: usize| {
            let st = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'_') {
                j += 1;
            }
            (j, j - st)
        };
        let (e1, n1) = run(s + 5);
        if n1 < 3 || e1 >= b.len() || b[e1] != b'.' {
            continue;
        }
        let (e2, n2) = run(e1 + 1);
        if n2 < 3 {
            continue;
        }
        out.push(s..e2);
        from = e2;
    }
}

/// `secret_key = value`, `secret_key: value`, `"secret_key": "value"`,
/// `secret_key=value&…`; `Authorization: Bearer X` covers the scheme and X.
fn key_value_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        if !is_word(b[i]) || (i > 0 && is_word(b[i - 1])) {
            i += 1;
            continue;
        }
        let ws = i;
        while i < n && is_word(b[i]) {
            i += 1;
        }
        if !is_secret_key(&text[ws..i]) {
            continue;
        }
        let mut j = i;
        let quoted = j < n && (b[j] == b'"' || b[j] == b'\'');
        if quoted {
            j += 1;
        }
        while j < n && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
        if j >= n || (b[j] != b'=' && b[j] != b':') {
            continue;
        }
        // `key: value` is also prose ("no refresh token: it was revoked"):
        // with a colon only quoted keys (JSON), compound names
        // (`access_token:`, `X-Api-Key:`) and header names count.
        let word = &text[ws..i];
        if b[j] == b':'
            && !quoted
            && !word.contains(['_', '-'])
            && !matches!(
                word.to_ascii_lowercase().as_str(),
                "authorization" | "cookie"
            )
        {
            continue;
        }
        j += 1;
        while j < n && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
        let quote = (j < n && (b[j] == b'"' || b[j] == b'\'')).then(|| b[j]);
        if quote.is_some() {
            j += 1;
        }
        let vs = j;
        let stop = |c: u8| match quote {
            Some(q) => c == q || c == b'\n',
            None => {
                c.is_ascii_whitespace()
                    || matches!(
                        c,
                        b'&' | b',' | b';' | b'}' | b')' | b']' | b'"' | b'\'' | b'`'
                    )
            }
        };
        let mut e = vs;
        while e < n && !stop(b[e]) {
            if quote == Some(b'"') && b[e] == b'\\' && e + 1 < n {
                e += 1;
            }
            e += 1;
        }
        let e = e.min(n);
        let v = &text[vs..e];
        // `Authorization: Bearer X`: the credential follows the scheme word.
        let mut end = e;
        if quote.is_none()
            && ["bearer", "basic", "zoho-oauthtoken", "token", "digest"]
                .contains(&v.to_ascii_lowercase().as_str())
            && e < n
            && b[e] == b' '
        {
            let mut k = e + 1;
            while k < n && !b[k].is_ascii_whitespace() && !matches!(b[k], b'"' | b'\'' | b',') {
                k += 1;
            }
            end = k;
        }
        let placeholder = v.is_empty()
            || v == "..."
            || v == REDACTED
            || v.bytes().all(|c| c == b'*')
            || (v.starts_with("${") && v.ends_with('}'));
        if !placeholder || end > e {
            // Round to char boundaries (values are scanned bytewise).
            let mut s = vs;
            while !text.is_char_boundary(s) {
                s -= 1;
            }
            let mut t = end;
            while !text.is_char_boundary(t) {
                t += 1;
            }
            out.push(s..t);
        }
        i = end.max(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_by_what_a_value_is() {
        assert_eq!(
            line("POST http://u:hunter2@h:1/x?a=1"),
            "POST http://<redacted>@h:1/x?a=1"
        );
        assert_eq!(
            line("got 1000.abcdef123.99887766aa back"),
            "got <redacted> back"
        );
        assert_eq!(line("client id 1000.ABCDEF9"), "client id 1000.ABCDEF9");
        assert_eq!(
            line("client_secret=s3cr3t&grant_type=refresh_token"),
            "client_secret=<redacted>&grant_type=refresh_token"
        );
        assert_eq!(
            line(r#"{"access_token":"xyz","expires_in":3600}"#),
            r#"{"access_token":"<redacted>","expires_in":3600}"#
        );
        assert_eq!(
            line("Authorization: Bearer abc.def"),
            "Authorization: <redacted>"
        );
        assert_eq!(line("password = 'pw'"), "password = '<redacted>'");
    }

    #[test]
    fn ordinary_words_survive() {
        for s in [
            "the refresh token was revoked; check client_secret of [connections.a]",
            "token for 'a' from cache (expires in 30 s)",
            "grant_type=refresh_token for connection 'a'",
            "token_url = \"https://accounts.example.com/token\"",
            "add `client_secret = \"...\"` to [connections.a]",
            "value 1000.5 and version 1000.1.2",
            "connection 'books' has no refresh token: it was revoked",
            "password: wrong or expired",
        ] {
            assert_eq!(line(s), s);
        }
    }

    #[test]
    fn mask_keeps_offsets_and_utf8() {
        let t = "x = \"日本\"\npassword = \"日本語\"\nurl = \"http://ü:pä@h\"\n";
        let m = mask(t);
        assert_eq!(m.len(), t.len());
        assert!(!m.contains("日本語") && !m.contains("pä"), "{m}");
        assert!(m.contains("x = \"日本\""));
    }
}
