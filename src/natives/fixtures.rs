//! Task-level fixtures: `[[task]]` entries of the mock file answer
//! `zoho.*` integration tasks at the level the script speaks, without any
//! HTTP or connection.
//!
//! ```toml
//! [[task]]
//! name = "zoho.crm.getRecordById"   # case-insensitive; `*` = any text; a
//!                                   # fixture for zoho.crm.x also answers zoho.crm.v8.x
//! args = ["Leads", "*"]             # optional: positional; text patterns may use `*`,
//!                                   # tables match maps that contain them
//! returns = { id = "1", Last_Name = "Rao" }   # or returns_file = "lead.json" (next to the mock file)
//! # error = "INVALID_DATA"          # instead: the task fails with this message (catchable)
//! times = 1                         # optional use limit
//! ```
//!
//! The first entry that matches (and has uses left) answers.

use crate::code::Code;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diag, SourceFile};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::value::{Value, from_json, to_json};

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    task: Vec<Spanned<RawTask>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    name: String,
    args: Option<Vec<toml::Value>>,
    returns: Option<toml::Value>,
    returns_file: Option<String>,
    error: Option<String>,
    times: Option<u64>,
}

#[derive(Debug)]
enum Answer {
    Json(serde_json::Value),
    Text(String),
    Error(String),
}

#[derive(Debug)]
struct Entry {
    name: String,
    args: Option<Vec<serde_json::Value>>,
    answer: Answer,
    times: Option<u64>,
}

#[derive(Debug)]
pub struct TaskFixtures {
    pub path: PathBuf,
    entries: Vec<Entry>,
    used: RefCell<Vec<u64>>,
}

/// Per-interpreter cache of the loaded fixtures.
#[derive(Default)]
pub struct State {
    loaded: Option<Result<Rc<TaskFixtures>, Diag>>,
}

fn invalid(source: &SourceFile, message: String, span: std::ops::Range<usize>) -> Diag {
    Diag::new(
        Code::HttpMockFile,
        format!("invalid [[task]] fixture in {}: {message}", source.name),
    )
    .with_help(
        "each [[task]] needs `name` and may have args, returns or returns_file or error, times",
    )
    .with_source(source.clone())
    .with_label(message, span)
}

impl TaskFixtures {
    pub fn parse(path: &Path, text: &str) -> Result<TaskFixtures, Diag> {
        let source = SourceFile::new(
            path.display().to_string(),
            crate::connections::redact_secret_keys(text),
        );
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            invalid(
                &source,
                e.message().trim().to_string(),
                e.span().unwrap_or(0..0),
            )
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut entries = Vec::new();
        for t in raw.task {
            let span = t.span();
            let t = t.into_inner();
            let given = [
                t.returns.is_some(),
                t.returns_file.is_some(),
                t.error.is_some(),
            ];
            if given.iter().filter(|g| **g).count() > 1 {
                return Err(invalid(
                    &source,
                    format!(
                        "fixture for {} has more than one of returns, returns_file, error",
                        t.name
                    ),
                    span,
                ));
            }
            let answer = if let Some(r) = t.returns {
                Answer::Json(serde_json::to_value(r).unwrap_or_default())
            } else if let Some(file) = t.returns_file {
                let p = dir.join(&file);
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    invalid(
                        &source,
                        format!("cannot read returns_file {}: {e}", p.display()),
                        span.clone(),
                    )
                })?;
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(j) => Answer::Json(j),
                    Err(_) => Answer::Text(text),
                }
            } else if let Some(e) = t.error {
                Answer::Error(e)
            } else {
                Answer::Json(serde_json::Value::Null)
            };
            entries.push(Entry {
                name: t.name.to_ascii_lowercase(),
                args: t.args.map(|a| {
                    a.into_iter()
                        .map(|v| serde_json::to_value(v).unwrap_or_default())
                        .collect()
                }),
                answer,
                times: t.times,
            });
        }
        let used = RefCell::new(vec![0; entries.len()]);
        Ok(TaskFixtures {
            path: path.to_path_buf(),
            entries,
            used,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The answer for a call, if an entry matches.
    fn answer(&self, lpath: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let unversioned = lpath.replacen(".v2.", ".", 1).replacen(".v8.", ".", 1);
        let actual: Vec<serde_json::Value> = args
            .iter()
            .map(|a| serde_json::from_str(&to_json(a)).unwrap_or(serde_json::Value::Null))
            .collect();
        let mut used = self.used.borrow_mut();
        for (i, e) in self.entries.iter().enumerate() {
            if e.times.is_some_and(|t| used[i] >= t) {
                continue;
            }
            if !wildcard(&e.name, lpath) && !wildcard(&e.name, &unversioned) {
                continue;
            }
            if let Some(patterns) = &e.args {
                let null = serde_json::Value::Null;
                let ok = patterns
                    .iter()
                    .enumerate()
                    .all(|(j, p)| json_matches(p, actual.get(j).unwrap_or(&null)));
                if !ok {
                    continue;
                }
            }
            used[i] += 1;
            return Some(match &e.answer {
                Answer::Json(j) => Ok(from_json(j)),
                Answer::Text(t) => Ok(Value::text(t.clone())),
                Answer::Error(m) => Err(m.clone()),
            });
        }
        None
    }
}

/// `*` matches any text (case-insensitive, as task names are).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Does an argument match a fixture pattern? Text patterns may use `*`
/// and match numbers by their digits; tables match maps containing them;
/// arrays match lists element by element.
fn json_matches(pattern: &serde_json::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (pattern, actual) {
        (J::String(p), _) if p == "*" => true,
        (J::Object(p), J::Object(a)) => p
            .iter()
            .all(|(k, pv)| a.get(k).is_some_and(|av| json_matches(pv, av))),
        (J::Array(p), J::Array(a)) => {
            p.len() == a.len() && p.iter().zip(a).all(|(pv, av)| json_matches(pv, av))
        }
        (J::String(p), a) => scalar_text(a).is_some_and(|t| wildcard(p, &t)),
        (p, a) => match (scalar_text(p), scalar_text(a)) {
            (Some(x), Some(y)) => x == y,
            _ => p == a,
        },
    }
}

fn load(interp: &mut Interpreter) -> Result<Option<Rc<TaskFixtures>>, Diag> {
    let Some(path) = interp.options.http.mock_path.clone() else {
        return Ok(None);
    };
    let state = &mut interp.natives;
    if state.loaded.is_none() {
        let loaded = std::fs::read_to_string(&path)
            .map_err(|e| {
                Diag::new(
                    Code::HttpMockFile,
                    format!("cannot read mock file {}: {e}", path.display()),
                )
                .with_help("pass an existing TOML file to --mock")
            })
            .and_then(|text| TaskFixtures::parse(&path, &text))
            .map(Rc::new);
        state.loaded = Some(loaded);
    }
    match state.loaded.as_ref().expect("just loaded") {
        Ok(f) => Ok(Some(f.clone())),
        Err(d) => Err(d.clone()),
    }
}

/// Answer a task from the fixtures, if one matches.
pub fn answer(
    interp: &mut Interpreter,
    path: &str,
    lpath: &str,
    args: &[Value],
) -> RtResult<Option<Value>> {
    let Some(fixtures) = load(interp).map_err(RtError::from_diag)? else {
        return Ok(None);
    };
    match fixtures.answer(lpath, args) {
        None => Ok(None),
        Some(Ok(v)) => Ok(Some(v)),
        Some(Err(message)) => Err(RtError::runtime(message).with_help(format!(
            "{path} failed as the [[task]] fixture in {} says",
            fixtures.path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(text: &str) -> TaskFixtures {
        TaskFixtures::parse(Path::new("m.toml"), text).unwrap()
    }

    #[test]
    fn matches_name_args_and_uses() {
        let f = fx(r#"
[[request]]
url = "https://x"
[[task]]
name = "zoho.crm.getRecordById"
args = ["Leads", "12*"]
returns = { id = "123" }
times = 1
[[task]]
name = "zoho.desk.*"
returns = "desk"
[[task]]
name = "zoho.crm.updateRecord"
args = ["Deals", "*", { Stage = "Won" }]
error = "INVALID_DATA"
"#);
        let args = [Value::text("Leads"), Value::Int(123)];
        let v = f
            .answer("zoho.crm.v8.getrecordbyid", &args)
            .unwrap()
            .unwrap();
        assert_eq!(v.to_display(), "{\"id\":\"123\"}");
        // Used up.
        assert!(f.answer("zoho.crm.getrecordbyid", &args).is_none());
        assert_eq!(
            f.answer("zoho.desk.getrecords", &[])
                .unwrap()
                .unwrap()
                .to_display(),
            "desk"
        );
        let mut data = crate::value::MapData::default();
        data.insert(crate::value::Key::text("Stage"), Value::text("Won"));
        data.insert(crate::value::Key::text("Amount"), Value::Int(5));
        let call = [Value::text("Deals"), Value::Int(1), Value::new_map(data)];
        assert_eq!(
            f.answer("zoho.crm.updaterecord", &call)
                .unwrap()
                .unwrap_err(),
            "INVALID_DATA"
        );
        let other = [Value::text("Deals"), Value::Int(1), Value::empty_map()];
        assert!(f.answer("zoho.crm.updaterecord", &other).is_none());
    }

    #[test]
    fn rejects_two_answers() {
        let e = TaskFixtures::parse(
            Path::new("m.toml"),
            "[[task]]\nname = \"zoho.crm.x\"\nreturns = 1\nerror = \"e\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("more than one"), "{}", e.message);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("zoho.desk.*", "zoho.desk.getrecords"));
        assert!(wildcard("a*c*e", "abcde"));
        assert!(!wildcard("a*c", "abd"));
        assert!(wildcard("ABC", "abc"));
    }
}
