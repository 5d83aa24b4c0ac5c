//! `[[task]]` and `[[function]]` entries of a fixture file: calls answered
//! at the level the script speaks (a `zoho.*` task, a helper function), by
//! name and optionally by arguments.
//!
//! Argument matching (`args`, positional; arguments past the list are not
//! checked):
//! - a text pattern matches text, numbers and booleans by their text, with
//!   `*` for any text (`"*"` alone matches anything, null included);
//! - a table matches a map holding at least its keys, each matching
//!   recursively (a subset, as `request_json` does); with
//!   `match = "exact"` the map must hold no other key;
//! - an array matches a list of the same length, element by element;
//! - other values must be equal (numbers by value).

use serde::Deserialize;
use serde_json::Value as J;

use super::Expect;

/// Which kind of call an entry answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    Task,
    Function,
}

impl CallKind {
    /// The table name in the fixture file.
    pub fn table(self) -> &'static str {
        match self {
            CallKind::Task => "[[task]]",
            CallKind::Function => "[[function]]",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCall {
    pub name: String,
    pub args: Option<Vec<toml::Value>>,
    #[serde(rename = "match")]
    pub matching: Option<toml::Spanned<String>>,
    pub returns: Option<toml::Value>,
    pub returns_file: Option<toml::Spanned<String>>,
    pub error: Option<String>,
    pub times: Option<u64>,
    pub expect: Option<Expect>,
    pub optional: Option<bool>,
}

/// What an entry answers.
#[derive(Clone, Debug)]
pub enum CallAnswer {
    Json(J),
    Text(String),
    /// The call fails with this message (catchable).
    Error(String),
}

#[derive(Debug)]
pub struct CallEntry {
    pub kind: CallKind,
    /// As written (shown in reports).
    pub name: String,
    pub args: Option<Vec<J>>,
    pub exact: bool,
    pub answer: CallAnswer,
    pub times: Option<u64>,
    pub expect: Expect,
    pub optional: bool,
    /// 1-based line in the fixture file.
    pub line: usize,
}

impl CallEntry {
    /// Whether the entry's name answers a call spelled `lpath` (lower-case).
    /// Task names also answer the versioned forms (`zoho.crm.x` answers
    /// `zoho.crm.v8.x`); function names answer with or without namespace
    /// (`getToken` answers `standalone.getToken` and the other way round).
    pub fn names(&self, lpath: &str) -> bool {
        let pattern = self.name.to_ascii_lowercase();
        match self.kind {
            CallKind::Task => {
                let unversioned = lpath.replacen(".v2.", ".", 1).replacen(".v8.", ".", 1);
                wildcard(&pattern, lpath) || wildcard(&pattern, &unversioned)
            }
            CallKind::Function => {
                let last = |s: &str| s.rsplit('.').next().unwrap_or("").to_string();
                wildcard(&pattern, lpath)
                    || (!pattern.contains('.') && wildcard(&pattern, &last(lpath)))
                    || (!lpath.contains('.') && wildcard(&last(&pattern), lpath))
            }
        }
    }

    /// Whether the arguments match (see the module doc).
    pub fn accepts(&self, args: &[J]) -> bool {
        self.arg_differences(args).is_empty()
    }

    /// Each argument that does not match, as `argument N…: entry X, call Y`.
    pub fn arg_differences(&self, args: &[J]) -> Vec<String> {
        let Some(patterns) = &self.args else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let actual = args.get(i).unwrap_or(&J::Null);
            diff(
                p,
                actual,
                &format!("argument {}", i + 1),
                self.exact,
                &mut out,
            );
        }
        out
    }
}

/// `*` matches any text (case-insensitive, as task names are).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    super::glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
}

fn scalar_text(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn shown(v: &J) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Record where `actual` does not match `pattern`, naming the place (`at`).
fn diff(pattern: &J, actual: &J, at: &str, exact: bool, out: &mut Vec<String>) {
    let mismatch = |out: &mut Vec<String>| {
        out.push(format!(
            "{at}: entry {}, call {}",
            shown(pattern),
            shown(actual)
        ))
    };
    match (pattern, actual) {
        (J::String(p), _) if p == "*" => {}
        (J::Object(p), J::Object(a)) => {
            for (k, pv) in p {
                match a.get(k) {
                    Some(av) => diff(pv, av, &format!("{at} key {k}"), exact, out),
                    None => out.push(format!(
                        "{at} key {k}: entry {}, call has no such key",
                        shown(pv)
                    )),
                }
            }
            if exact {
                for k in a.keys().filter(|k| !p.contains_key(*k)) {
                    out.push(format!(
                        "{at} key {k}: not in the entry (match = \"exact\"), call {}",
                        shown(&a[k])
                    ));
                }
            }
        }
        (J::Array(p), J::Array(a)) => {
            if p.len() != a.len() {
                out.push(format!(
                    "{at}: entry has {} element(s), call {} ({})",
                    p.len(),
                    a.len(),
                    shown(actual)
                ));
                return;
            }
            for (i, (pv, av)) in p.iter().zip(a).enumerate() {
                diff(pv, av, &format!("{at}[{i}]"), exact, out);
            }
        }
        (J::String(p), a) => {
            if !scalar_text(a).is_some_and(|t| wildcard(p, &t)) {
                mismatch(out)
            }
        }
        (J::Number(p), J::Number(a)) => {
            if !(p == a || p.as_f64() == a.as_f64()) {
                mismatch(out)
            }
        }
        (p, a) => {
            let same = match (scalar_text(p), scalar_text(a)) {
                (Some(x), Some(y)) => x == y,
                _ => p == a,
            };
            if !same {
                mismatch(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: CallKind, name: &str, args: &str, exact: bool) -> CallEntry {
        CallEntry {
            kind,
            name: name.into(),
            args: Some(serde_json::from_str(args).unwrap()),
            exact,
            answer: CallAnswer::Json(J::Null),
            times: None,
            expect: Expect::default(),
            optional: false,
            line: 1,
        }
    }

    fn j(s: &str) -> Vec<J> {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn arguments_match_as_documented() {
        let e = entry(
            CallKind::Task,
            "zoho.crm.updateRecord",
            r#"["Deals", "12*", {"Stage": "Won"}]"#,
            false,
        );
        assert!(e.names("zoho.crm.v8.updaterecord"));
        assert!(e.accepts(&j(r#"["Deals", 123, {"Stage": "Won", "Amount": 5}]"#)));
        let d = e.arg_differences(&j(r#"["Deals", 99, {"Stage": "Lost"}]"#));
        assert_eq!(
            d,
            vec![
                "argument 2: entry \"12*\", call 99",
                "argument 3 key Stage: entry \"Won\", call \"Lost\""
            ]
        );
        let exact = entry(CallKind::Task, "x", r#"[{"Stage": "Won"}]"#, true);
        assert!(exact.accepts(&j(r#"[{"Stage": "Won"}]"#)));
        let d = exact.arg_differences(&j(r#"[{"Stage": "Won", "Amount": 5}]"#));
        assert_eq!(
            d,
            vec!["argument 1 key Amount: not in the entry (match = \"exact\"), call 5"]
        );
        let list = entry(CallKind::Task, "x", r#"[[1, "a*"]]"#, false);
        assert!(list.accepts(&j(r#"[[1.0, "abc"]]"#)));
        assert!(!list.accepts(&j(r#"[[1, "abc", 3]]"#)));
        assert!(!list.accepts(&j(r#"[[2, "abc"]]"#)));
    }

    #[test]
    fn function_names_match_with_or_without_namespace() {
        let plain = entry(CallKind::Function, "getToken", "[]", false);
        assert!(plain.names("gettoken"));
        assert!(plain.names("standalone.gettoken"));
        let qualified = entry(CallKind::Function, "standalone.getToken", "[]", false);
        assert!(qualified.names("standalone.gettoken"));
        assert!(qualified.names("gettoken"));
        assert!(!qualified.names("automation.gettoken"));
        assert!(!plain.names("gettokens"));
    }
}
