//! Offline mocks (`dlg run --mock FILE`): HTTP calls are answered from a TOML
//! fixture file and never reach the network.
//!
//! ```toml
//! # Connections used by the script but absent from connections.toml may be
//! # declared here (secrets are never needed in mock mode):
//! [connections.kalki_books_connection]
//! datacenter = "in"
//!
//! [[request]]
//! method = "GET"                 # optional; default: any method
//! url = "https://www.zohoapis.in/books/v3/invoices*"   # `*` = any text
//! query = { organization_id = "60012345" }  # optional; values may use `*`
//! times = 1                      # optional use limit
//! status = 200                   # default 200
//! headers = { "X-Rate-Limit-Remaining" = "99" }
//! json = { code = 0, message = "success", invoices = [] }
//!
//! [[request]]
//! method = "POST"
//! url = "https://example.com/hook"
//! form = { name = "x*" }         # optional: form fields of the request body
//! request_body = "*hello*"       # optional: wildcard over the raw request body
//! request_json = { id = 1 }      # optional: JSON request body contains these keys/values
//! request_headers = { "X-Trace" = "*" }
//! body = "plain text answer"     # text body instead of `json`
//! delay_ms = 50                  # optional: answer late (exercises timeouts)
//! ```
//!
//! A URL pattern without `?` is compared with the request URL without its
//! query string; with `?` it is compared with the full URL. The first entry
//! that matches (and has uses left) wins.
//!
//! The same file holds `[[task]]` entries (answers of `zoho.*` tasks) and
//! `[[function]]` stubs (answers of helper functions), see [`calls`]. The
//! file is parsed once per run into one [`MockSet`], shared by the HTTP
//! client and the task/function layer through [`super::HttpOptions`].
//! Every file a fixture names stays inside the project ([`paths`]).

pub mod calls;
pub mod paths;

use crate::code::Code;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use calls::{CallAnswer, CallEntry, CallKind, RawCall};

use serde::Deserialize;
use toml::Spanned;

use super::{HttpRequest, HttpResponse, RequestBody};
use crate::connections::{Connections, RawConn, redact_secret_keys};
use crate::diag::{Diag, SourceFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMockFile {
    #[serde(default)]
    request: Vec<Spanned<RawMock>>,
    #[serde(default)]
    connections: BTreeMap<String, Spanned<RawConn>>,
    #[serde(default)]
    task: Vec<Spanned<RawCall>>,
    #[serde(default)]
    function: Vec<Spanned<RawCall>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMock {
    method: Option<String>,
    url: String,
    query: Option<BTreeMap<String, toml::Value>>,
    form: Option<BTreeMap<String, toml::Value>>,
    request_body: Option<String>,
    request_json: Option<toml::Value>,
    request_headers: Option<BTreeMap<String, toml::Value>>,
    times: Option<u64>,
    status: Option<u16>,
    headers: Option<BTreeMap<String, toml::Value>>,
    json: Option<toml::Value>,
    body: Option<String>,
    /// A JSON answer pasted into a file (relative to the mock file).
    json_file: Option<Spanned<String>>,
    /// A text answer read from a file (relative to the mock file).
    body_file: Option<Spanned<String>>,
    delay_ms: Option<u64>,
    /// `dlg test`: how often the entry must be used.
    expect: Option<Expect>,
    /// `dlg test`: an entry the test may leave unused.
    optional: Option<bool>,
}

/// `expect = { times = 2 }` / `{ min = 1, max = 3 }`: how often `dlg test`
/// wants an entry used (the tests of one file together).
#[derive(Deserialize, Clone, Copy, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    times: Option<u64>,
    min: Option<u64>,
    max: Option<u64>,
}

impl Expect {
    /// Why `n` uses break this expectation (`what` names the entry);
    /// `optional` entries may stay unused.
    fn problem(&self, n: u64, optional: bool, what: &str) -> Option<String> {
        if let Some(t) = self.times
            && n != t
        {
            Some(format!("expected {t} call(s) of {what}, got {n}"))
        } else if let Some(m) = self.min
            && n < m
        {
            Some(format!("expected at least {m} call(s) of {what}, got {n}"))
        } else if let Some(m) = self.max
            && n > m
        {
            Some(format!("expected at most {m} call(s) of {what}, got {n}"))
        } else if n == 0 && !optional && self.times.is_none() && self.min.is_none() {
            Some(format!("mock entry never used: {what}"))
        } else {
            None
        }
    }
}

#[derive(Debug)]
struct MockEntry {
    method: Option<String>,
    url: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    request_body: Option<String>,
    request_json: Option<serde_json::Value>,
    request_headers: Vec<(String, String)>,
    times: Option<u64>,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    delay_ms: u64,
    expect: Expect,
    optional: bool,
    /// 1-based line of the entry in the mock file.
    line: usize,
}

/// A loaded mock file with per-entry use counters.
#[derive(Debug)]
pub struct MockSet {
    pub path: PathBuf,
    entries: Vec<MockEntry>,
    /// `[[task]]` then `[[function]]` entries, in file order within each.
    calls: Vec<CallEntry>,
    /// Uses of `entries` followed by uses of `calls`.
    used: Mutex<Vec<u64>>,
    /// Connections declared in the mock file.
    pub connections: Connections,
    /// `dlg fixtures`: a call no entry answers gets a placeholder answer
    /// (an empty JSON object, or what `placeholder_answer` gives) instead
    /// of an error, and is listed.
    placeholders: AtomicBool,
    placeholder_answer: PlaceholderSlot,
    /// Every call no entry answered, in order.
    unanswered: Mutex<Vec<Unanswered>>,
}

/// The placeholder answer for a call (`dlg fixtures`: shaped by what the
/// script reads).
pub type PlaceholderFn = std::sync::Arc<dyn Fn(&Unanswered) -> serde_json::Value + Send + Sync>;

#[derive(Default)]
struct PlaceholderSlot(Mutex<Option<PlaceholderFn>>);

impl std::fmt::Debug for PlaceholderSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlaceholderSlot")
    }
}

/// A call no fixture answered (`dlg fixtures` writes one entry for each;
/// failing runs list them all).
#[derive(Clone, Debug, PartialEq)]
pub enum Unanswered {
    Request {
        method: String,
        /// Without the query string.
        url: String,
        query: Vec<(String, String)>,
        /// A request body that is JSON, for `request_json`.
        json: Option<serde_json::Value>,
    },
    Call {
        kind: CallKind,
        /// As the script spelled it.
        name: String,
        args: Vec<serde_json::Value>,
    },
    /// A connection neither connections.toml nor the fixture declares;
    /// the data center comes from the URL it was used with.
    Connection {
        name: String,
        datacenter: Option<String>,
    },
}

impl Unanswered {
    /// One line naming the call (`GET https://…`, `zoho.crm.x("Leads", 1)`).
    pub fn describe(&self) -> String {
        match self {
            Unanswered::Request {
                method, url, query, ..
            } => {
                let mut s = format!("{method} {url}");
                for (i, (k, v)) in query.iter().enumerate() {
                    s.push(if i == 0 { '?' } else { '&' });
                    s.push_str(&format!("{k}={v}"));
                }
                s
            }
            Unanswered::Call { kind, name, args } => {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| serde_json::to_string(a).unwrap_or_default())
                    .collect();
                let what = match kind {
                    CallKind::Task => "task",
                    CallKind::Function => "function",
                };
                format!("{what} {name}({})", args.join(", "))
            }
            Unanswered::Connection { name, .. } => format!("connection '{name}'"),
        }
    }
}

/// What a mock answers.
pub struct MockAnswer {
    pub response: HttpResponse,
    pub delay_ms: u64,
}

fn scalar(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn pairs(m: Option<BTreeMap<String, toml::Value>>) -> Vec<(String, String)> {
    m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, scalar(&v)))
        .collect()
}

/// The text of a file a fixture names (`what = "file"`), confined to the
/// project (see [`paths`]); a diagnostic pointing at the path otherwise.
fn read_fixture_file(
    source: &SourceFile,
    base: &Path,
    file: &Spanned<String>,
    what: &str,
) -> Result<String, Diag> {
    paths::read_confined(base, file.get_ref()).map_err(|why| {
        Diag::new(
            Code::HttpMockFile,
            format!("{what} = \"{}\": {why}", file.get_ref()),
        )
        .with_help("fixture files are read relative to the fixture file's folder and must stay inside the project (no absolute path, no `..` or symlink leading out)")
        .with_source(source.clone())
        .with_label("this path", file.span())
    })
}

/// One `[[task]]` / `[[function]]` entry.
fn call_entry(
    source: &SourceFile,
    base: &Path,
    text: &str,
    kind: CallKind,
    raw: Spanned<RawCall>,
) -> Result<CallEntry, Diag> {
    let span = raw.span();
    let r = raw.into_inner();
    let invalid = |message: String, span: std::ops::Range<usize>| {
        Diag::new(
            Code::HttpMockFile,
            format!("invalid {} fixture in {}: {message}", kind.table(), source.name),
        )
        .with_help(format!(
            "each {} needs `name` and may have args, match = \"exact\", returns or returns_file or error, times, expect = {{ times | min | max }}, optional",
            kind.table()
        ))
        .with_source(source.clone())
        .with_label(message, span)
    };
    let given = [
        r.returns.is_some(),
        r.returns_file.is_some(),
        r.error.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(invalid(
            format!(
                "the entry for {} has more than one of returns, returns_file, error",
                r.name
            ),
            span,
        ));
    }
    let exact = match &r.matching {
        None => false,
        Some(m) if m.get_ref() == "exact" => true,
        Some(m) if m.get_ref() == "subset" => false,
        Some(m) => {
            return Err(invalid(
                format!(
                    "match = \"{}\": use \"subset\" (the default) or \"exact\"",
                    m.get_ref()
                ),
                m.span(),
            ));
        }
    };
    let answer = if let Some(v) = r.returns {
        CallAnswer::Json(serde_json::to_value(v).unwrap_or_default())
    } else if let Some(file) = &r.returns_file {
        let text = read_fixture_file(source, base, file, "returns_file")?;
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(j) => CallAnswer::Json(j),
            Err(_) => CallAnswer::Text(text),
        }
    } else if let Some(e) = r.error {
        CallAnswer::Error(e)
    } else {
        CallAnswer::Json(serde_json::Value::Null)
    };
    Ok(CallEntry {
        kind,
        name: r.name,
        args: r.args.map(|a| {
            a.into_iter()
                .map(|v| serde_json::to_value(v).unwrap_or_default())
                .collect()
        }),
        exact,
        answer,
        times: r.times,
        expect: r.expect.unwrap_or_default(),
        optional: r.optional.unwrap_or(false),
        line: text[..span.start.min(text.len())].matches('\n').count() + 1,
    })
}

impl MockSet {
    pub fn load(path: &Path) -> Result<MockSet, Diag> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diag::new(
                Code::HttpMockFile,
                format!("cannot read mock file {}: {e}", path.display()),
            )
            .with_help("pass an existing TOML file to --mock")
        })?;
        MockSet::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<MockSet, Diag> {
        let source = SourceFile::new(path.display().to_string(), redact_secret_keys(text));
        let raw: RawMockFile = toml::from_str(text).map_err(|e| {
            let mut d = Diag::new(
                Code::HttpMockFile,
                format!("invalid mock file {}: {}", path.display(), e.message().trim()),
            )
            .with_help("each [[request]] needs `url`, and may have method, query, form, request_body, request_json, request_headers, times, status, headers, json or body (or json_file, body_file), delay_ms, expect = { times | min | max }, optional; [[task]] and [[function]] entries need `name`")
            .with_source(source.clone());
            if let Some(span) = e.span() {
                d = d.with_label(e.message().trim().to_string(), span);
            }
            d
        })?;
        let mut entries = Vec::new();
        for r in raw.request {
            let span = r.span();
            let r = r.into_inner();
            let answers = [
                r.json.is_some(),
                r.body.is_some(),
                r.json_file.is_some(),
                r.body_file.is_some(),
            ];
            if answers.iter().filter(|&&a| a).count() > 1 {
                return Err(Diag::new(
                    Code::HttpMockFile,
                    format!(
                        "mock for {} has more than one of `json`, `body`, `json_file`, `body_file`",
                        r.url
                    ),
                )
                .with_help(
                    "keep one: `json` for a JSON answer, `body` for text (or the `_file` forms)",
                )
                .with_source(source.clone())
                .with_label("this entry", span));
            }
            let base = path.parent().unwrap_or(Path::new("."));
            let read = |file: &Spanned<String>, what: &str| -> Result<String, Diag> {
                read_fixture_file(&source, base, file, what)
            };
            let file_json: Option<String> = match &r.json_file {
                Some(f) => {
                    let text = read(f, "json_file")?;
                    let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                        Diag::new(
                            Code::HttpMockFile,
                            format!("json_file = \"{}\" is not valid JSON: {e}", f.get_ref()),
                        )
                        .with_help("paste the response body exactly as the API returned it")
                        .with_source(source.clone())
                        .with_label("this file", f.span())
                    })?;
                    Some(serde_json::to_string(&parsed).unwrap_or(text))
                }
                None => None,
            };
            let file_body = match &r.body_file {
                Some(f) => Some(read(f, "body_file")?),
                None => None,
            };
            let mut headers: Vec<(String, String)> = pairs(r.headers)
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            let json_text = file_json.or_else(|| {
                r.json
                    .as_ref()
                    .map(|j| serde_json::to_string(j).unwrap_or_default())
            });
            let body = match json_text {
                Some(j) => {
                    if !headers.iter().any(|(k, _)| k == "content-type") {
                        headers.push((
                            "content-type".into(),
                            "application/json;charset=UTF-8".into(),
                        ));
                    }
                    j
                }
                None => file_body.or_else(|| r.body.clone()).unwrap_or_default(),
            };
            entries.push(MockEntry {
                method: r
                    .method
                    .map(|m| m.to_ascii_uppercase())
                    .filter(|m| m != "*" && m != "ANY"),
                url: r.url,
                query: pairs(r.query),
                form: pairs(r.form),
                request_body: r.request_body,
                request_json: r
                    .request_json
                    .map(|j| serde_json::to_value(j).unwrap_or_default()),
                request_headers: pairs(r.request_headers),
                times: r.times,
                status: r.status.unwrap_or(200),
                headers,
                body,
                delay_ms: r.delay_ms.unwrap_or(0),
                expect: r.expect.unwrap_or_default(),
                optional: r.optional.unwrap_or(false),
                line: text[..span.start.min(text.len())].matches('\n').count() + 1,
            });
        }
        let mut calls = Vec::new();
        let base = path.parent().unwrap_or(Path::new("."));
        for (kind, raws) in [
            (CallKind::Task, raw.task),
            (CallKind::Function, raw.function),
        ] {
            for r in raws {
                calls.push(call_entry(&source, base, text, kind, r)?);
            }
        }
        let connections = Connections::from_raw(
            Some(path.to_path_buf()),
            source,
            BTreeMap::new(),
            raw.connections,
        )?;
        let used = Mutex::new(vec![0; entries.len() + calls.len()]);
        Ok(MockSet {
            path: path.to_path_buf(),
            entries,
            calls,
            used,
            connections,
            placeholders: AtomicBool::new(false),
            placeholder_answer: PlaceholderSlot::default(),
            unanswered: Mutex::new(Vec::new()),
        })
    }

    /// `dlg fixtures`: answer what no entry answers with a placeholder.
    pub fn set_placeholders(&self, on: bool) {
        self.placeholders.store(on, Ordering::Relaxed);
    }

    pub fn placeholders(&self) -> bool {
        self.placeholders.load(Ordering::Relaxed)
    }

    /// Placeholders answer what `answer` gives for each call.
    pub fn set_placeholder_answers(&self, answer: PlaceholderFn) {
        *self.placeholder_answer.0.lock().unwrap() = Some(answer);
        self.set_placeholders(true);
    }

    /// The placeholder answer for `call` (an empty object by default).
    pub fn placeholder_for(&self, call: &Unanswered) -> serde_json::Value {
        match &*self.placeholder_answer.0.lock().unwrap() {
            Some(f) => f(call),
            None => serde_json::Value::Object(Default::default()),
        }
    }

    /// Note a call no entry answered (once per distinct call).
    pub fn note_unanswered(&self, u: Unanswered) {
        let mut list = self.unanswered.lock().unwrap();
        if !list.contains(&u) {
            list.push(u);
        }
    }

    /// Every distinct call no entry answered, in order.
    pub fn unanswered(&self) -> Vec<Unanswered> {
        self.unanswered.lock().unwrap().clone()
    }

    /// The `[[task]]` / `[[function]]` entries.
    pub fn call_entries(&self) -> &[CallEntry] {
        &self.calls
    }

    /// Whether the file has entries of `kind`.
    pub fn has_calls(&self, kind: CallKind) -> bool {
        self.calls.iter().any(|c| c.kind == kind)
    }

    /// The answer of the first `kind` entry (with uses left) naming
    /// `lpath` (lower-case) whose arguments match `args`; counted.
    pub fn answer_call(
        &self,
        kind: CallKind,
        lpath: &str,
        args: &[serde_json::Value],
    ) -> Option<CallAnswer> {
        let offset = self.entries.len();
        let mut used = self.used.lock().unwrap();
        for (i, e) in self.calls.iter().enumerate() {
            if e.kind != kind || !e.names(lpath) {
                continue;
            }
            if e.times.is_some_and(|t| used[offset + i] >= t) || !e.accepts(args) {
                continue;
            }
            used[offset + i] += 1;
            return Some(e.answer.clone());
        }
        None
    }

    /// For a call no entry answered: the closest `kind` entry (same name
    /// first, then most matching arguments) and each argument that differs.
    pub fn near_call(
        &self,
        kind: CallKind,
        lpath: &str,
        args: &[serde_json::Value],
    ) -> Option<String> {
        let offset = self.entries.len();
        let used = self.used_counts();
        let best = self
            .calls
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind)
            .map(|(i, e)| {
                let named = e.names(lpath);
                let diffs = e.arg_differences(args);
                let similarity = strsim::jaro_winkler(&e.name.to_ascii_lowercase(), lpath);
                let score = if named { 10.0 } else { 0.0 } + similarity - diffs.len() as f64 * 0.1;
                (score, i, e, named, diffs)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        let (_, i, e, named, diffs) = best;
        let mut out = format!(
            "closest {} entry: {} ({}:{})",
            kind.table(),
            e.name,
            self.path.display(),
            e.line
        );
        if !named {
            out.push_str(&format!("\n  name: entry {}, call {lpath}", e.name));
        }
        for d in &diffs {
            out.push_str("\n  ");
            out.push_str(d);
        }
        if named && diffs.is_empty() && e.times.is_some_and(|t| used[offset + i] >= t) {
            out.push_str("\n  it matches, but its `times` limit is used up");
        }
        Some(out)
    }

    /// Entries used a wrong number of times, as messages (for `dlg test`):
    /// unused entries (unless `optional = true`) and `expect` counts.
    pub fn usage_problems(&self) -> Vec<String> {
        let used = self.used_counts();
        self.usage_problems_for(&used)
    }

    /// How often each entry answered, in file order.
    pub fn used_counts(&self) -> Vec<u64> {
        self.used.lock().unwrap().clone()
    }

    /// [`MockSet::usage_problems`] for counts summed over several runs
    /// (the tests of one file).
    pub fn usage_problems_for(&self, used: &[u64]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let n = used.get(i).copied().unwrap_or(0);
            let what = format!(
                "{} {} ({}:{})",
                e.method.as_deref().unwrap_or("*"),
                e.url,
                self.path.display(),
                e.line
            );
            out.extend(e.expect.problem(n, e.optional, &what));
        }
        for (i, e) in self.calls.iter().enumerate() {
            let n = used.get(self.entries.len() + i).copied().unwrap_or(0);
            let what = format!(
                "{} {} ({}:{})",
                e.kind.table(),
                e.name,
                self.path.display(),
                e.line
            );
            out.extend(e.expect.problem(n, e.optional, &what));
        }
        out
    }

    /// For a request no entry answered: the closest entry and what differed
    /// (method, URL, query, body), or `None` without entries.
    pub fn near_miss(&self, method: &str, url: &str, body: Option<&str>) -> Option<String> {
        let parsed = reqwest::Url::parse(url).ok();
        let query: Vec<(String, String)> = parsed
            .as_ref()
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let no_query = parsed
            .as_ref()
            .map(|u| {
                let mut u = u.clone();
                u.set_query(None);
                u.to_string()
            })
            .unwrap_or_else(|| url.to_string());
        let body_json: Option<serde_json::Value> = body.and_then(|b| serde_json::from_str(b).ok());
        let mut best: Option<(f64, Vec<String>, &MockEntry)> = None;
        for e in &self.entries {
            let mut diffs = Vec::new();
            let mut score = 0.0;
            match &e.method {
                Some(m) if m != method => {
                    diffs.push(format!("method: entry {m}, request {method}"))
                }
                _ => score += 1.0,
            }
            let target = if e.url.contains('?') {
                url
            } else {
                no_query.as_str()
            };
            if glob(&e.url, target) {
                score += 3.0;
            } else {
                score += 2.0 * strsim::jaro_winkler(&e.url, target);
                diffs.push(format!("url: entry {}, request {target}", e.url));
            }
            for (k, v) in &e.query {
                match query.iter().find(|(qk, _)| qk == k) {
                    Some((_, qv)) if glob(v, qv) => score += 0.5,
                    Some((_, qv)) => diffs.push(format!("query {k}: entry {v}, request {qv}")),
                    None => diffs.push(format!("query {k}: entry {v}, request has none")),
                }
            }
            if let Some(want) = &e.request_json {
                match &body_json {
                    Some(got) if json_contains(got, want) => score += 0.5,
                    Some(got) => diffs.push(format!(
                        "request_json: entry wants {}, request body {}",
                        serde_json::to_string(want).unwrap_or_default(),
                        serde_json::to_string(got).unwrap_or_default()
                    )),
                    None => diffs.push(format!(
                        "request_json: entry wants {}, request body is {}",
                        serde_json::to_string(want).unwrap_or_default(),
                        body.map_or("empty".to_string(), |b| format!("not JSON: {b}"))
                    )),
                }
            }
            if let Some(p) = &e.request_body
                && !glob(p, body.unwrap_or(""))
            {
                diffs.push(format!(
                    "request_body: entry {p}, request {}",
                    body.unwrap_or("")
                ));
            }
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, diffs, e));
            }
        }
        let (_, diffs, e) = best?;
        let mut out = format!(
            "closest mock entry: {} {} ({}:{})",
            e.method.as_deref().unwrap_or("*"),
            e.url,
            self.path.display(),
            e.line
        );
        if diffs.is_empty() {
            out.push_str("\n  it matches, but its `times` limit is used up");
        }
        for d in diffs {
            out.push_str("\n  ");
            out.push_str(&d);
        }
        Some(out)
    }

    /// Answer a request (URL already includes `req.query`), or `http::unmocked`.
    pub fn answer(
        &self,
        req: &HttpRequest,
        url: &reqwest::Url,
        headers: &[(String, String)],
    ) -> Result<MockAnswer, Diag> {
        let full = url.as_str();
        let mut no_query = url.clone();
        no_query.set_query(None);
        no_query.set_fragment(None);
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let body_text = match &req.body {
            RequestBody::None => String::new(),
            RequestBody::Text(t) => t.clone(),
            RequestBody::Form(f) => encode_form(f),
        };
        let form: Vec<(String, String)> = match &req.body {
            RequestBody::Form(f) => f.clone(),
            RequestBody::Text(t) => form::parse(t),
            RequestBody::None => Vec::new(),
        };
        let mut used = self.used.lock().unwrap();
        let mut exhausted = 0;
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(m) = &e.method
                && *m != req.method.to_ascii_uppercase()
            {
                continue;
            }
            let target = if e.url.contains('?') {
                full
            } else {
                no_query.as_str()
            };
            if !glob(&e.url, target) && !glob(&e.url, req.url.as_str()) {
                continue;
            }
            if !e
                .query
                .iter()
                .all(|(k, v)| query.iter().any(|(qk, qv)| qk == k && glob(v, qv)))
            {
                continue;
            }
            if !e
                .form
                .iter()
                .all(|(k, v)| form.iter().any(|(fk, fv)| fk == k && glob(v, fv)))
            {
                continue;
            }
            if let Some(p) = &e.request_body
                && !glob(p, &body_text)
            {
                continue;
            }
            if let Some(want) = &e.request_json {
                let got: Option<serde_json::Value> = serde_json::from_str(&body_text).ok();
                if !got.is_some_and(|g| json_contains(&g, want)) {
                    continue;
                }
            }
            if !e.request_headers.iter().all(|(k, v)| {
                headers
                    .iter()
                    .any(|(hk, hv)| hk.eq_ignore_ascii_case(k) && glob(v, hv))
            }) {
                continue;
            }
            if let Some(t) = e.times
                && used[i] >= t
            {
                exhausted += 1;
                continue;
            }
            used[i] += 1;
            return Ok(MockAnswer {
                response: HttpResponse {
                    status: e.status,
                    headers: e.headers.clone(),
                    body: e.body.clone(),
                },
                delay_ms: e.delay_ms,
            });
        }
        let method = req.method.to_ascii_uppercase();
        let call = Unanswered::Request {
            method: method.clone(),
            url: no_query.to_string(),
            query: query.clone(),
            json: serde_json::from_str(&body_text).ok(),
        };
        self.note_unanswered(call.clone());
        if self.placeholders() {
            return Ok(MockAnswer {
                response: HttpResponse {
                    status: 200,
                    headers: vec![(
                        "content-type".into(),
                        "application/json;charset=UTF-8".into(),
                    )],
                    body: self.placeholder_for(&call).to_string(),
                },
                delay_ms: 0,
            });
        }
        // `dlg test` of a case without any fixture file runs on an empty
        // set named after the file to create.
        let missing = !self.path.is_file();
        let mut help = format!(
            "{} {}{}:\n[[request]]\nmethod = \"{method}\"\nurl = \"{}\"\njson = {{ ... }}",
            if missing { "create" } else { "add an entry to" },
            self.path.display(),
            if missing {
                " with an entry for it (or write the file from the real service once with `dlg test --record`)"
            } else {
                ""
            },
            no_query
        );
        let body = (!body_text.is_empty()).then_some(body_text.as_str());
        if let Some(near) = self.near_miss(&method, full, body) {
            help.push('\n');
            help.push_str(&near);
        }
        if exhausted > 0 {
            help.push_str(&format!(
                "\n({exhausted} matching entr{} already used up its `times` limit)",
                if exhausted == 1 { "y has" } else { "ies have" }
            ));
        }
        Err(Diag::new(
            Code::HttpUnmocked,
            if missing {
                format!(
                    "no fixture answers {method} {full}: the test has no fixture file, and `dlg test` never uses the network"
                )
            } else {
                format!("no mock for {method} {full} (mock mode never uses the network)")
            },
        )
        .with_help(help))
    }
}

/// A JSON value as TOML inline text (for suggested fixture entries); null,
/// which TOML lacks, becomes `""`.
pub fn toml_inline(j: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match j {
        J::Null => "\"\"".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => toml::Value::String(s.clone()).to_string(),
        J::Array(a) => {
            let items: Vec<String> = a.iter().map(toml_inline).collect();
            format!("[{}]", items.join(", "))
        }
        J::Object(o) if o.is_empty() => "{}".into(),
        J::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}

/// A TOML key, quoted unless bare.
pub fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

pub(crate) fn encode_form(pairs: &[(String, String)]) -> String {
    let mut s = form::serializer();
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

mod form {
    pub fn parse(s: &str) -> Vec<(String, String)> {
        reqwest::Url::parse(&format!("http://x/?{s}"))
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }
    pub struct Ser(reqwest::Url);
    pub fn serializer() -> Ser {
        Ser(reqwest::Url::parse("http://x/").expect("static url"))
    }
    impl Ser {
        pub fn append_pair(&mut self, k: &str, v: &str) {
            self.0.query_pairs_mut().append_pair(k, v);
        }
        pub fn finish(self) -> String {
            self.0.query().unwrap_or("").to_string()
        }
    }
}

/// `want` is a subset of `got` (objects: every key matches; other values equal).
fn json_contains(got: &serde_json::Value, want: &serde_json::Value) -> bool {
    match (got, want) {
        (serde_json::Value::Object(g), serde_json::Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| json_contains(gv, wv))),
        // Lists: every wanted element is contained in some element of the
        // request's list (CRM bodies are `{"data": [{…}]}`).
        (serde_json::Value::Array(g), serde_json::Value::Array(w)) => {
            w.iter().all(|wv| g.iter().any(|gv| json_contains(gv, wv)))
        }
        (serde_json::Value::Number(g), serde_json::Value::Number(w)) => {
            g == w || g.as_f64() == w.as_f64()
        }
        (g, serde_json::Value::String(w)) if w.contains('*') => {
            g.as_str().is_some_and(|g| glob(w, g))
        }
        _ => got == want,
    }
}

/// Glob match where `*` matches any (possibly empty) text.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::{MockSet, glob};

    #[test]
    fn near_miss_names_the_closest_entry_and_each_difference() {
        let m = MockSet::parse(
            std::path::Path::new("m.toml"),
            r#"
[[request]]
method = "GET"
url = "https://api.example.com/other"

[[request]]
method = "PUT"
url = "https://www.zohoapis.com/crm/v2/Deals/*"
query = { trigger = "workflow" }
request_json = { data = [{ Stage = "Won" }] }
"#,
        )
        .unwrap();
        let near = m
            .near_miss(
                "POST",
                "https://www.zohoapis.com/crm/v2/Deals/7?trigger=none",
                Some(r#"{"data":[{"Stage":"Lost","id":7}]}"#),
            )
            .unwrap();
        assert!(
            near.starts_with(
                "closest mock entry: PUT https://www.zohoapis.com/crm/v2/Deals/* (m.toml:6)"
            ),
            "{near}"
        );
        assert!(near.contains("method: entry PUT, request POST"), "{near}");
        assert!(
            near.contains("query trigger: entry workflow, request none"),
            "{near}"
        );
        assert!(
            near.contains(r#"request_json: entry wants {"data":[{"Stage":"Won"}]}"#),
            "{near}"
        );
        assert!(!near.contains("url:"), "{near}");
    }

    #[test]
    fn request_json_lists_match_as_subsets_of_any_element() {
        let got: serde_json::Value =
            serde_json::from_str(r#"{"data":[{"id":1,"Stage":"Won"},{"id":2}]}"#).unwrap();
        let want: serde_json::Value =
            serde_json::from_str(r#"{"data":[{"Stage":"Won"}]}"#).unwrap();
        assert!(super::json_contains(&got, &want));
        let miss: serde_json::Value =
            serde_json::from_str(r#"{"data":[{"Stage":"Lost"}]}"#).unwrap();
        assert!(!super::json_contains(&got, &miss));
    }

    #[test]
    fn globbing() {
        assert!(glob("https://a/b*", "https://a/b?x=1"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abcd"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }
}
