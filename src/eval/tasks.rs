//! Bracket tasks: `invokeurl [ … ]` and `sendmail [ … ]`, plus the shared
//! request/response conversion used by `getUrl` / `postUrl`.

use indexmap::IndexMap;

use super::{Interpreter, RtError, RtResult};
use crate::http::{HttpRequest, RequestBody};
use crate::syntax::ast::{Expr, ExprKind, Span, Task, TaskKind};
use crate::value::{Key, Value};

/// The parameters `invokeurl [ … ]` accepts (the REPL completes the same set).
pub const INVOKEURL_KEYS: &[&str] = &[
    "url",
    "type",
    "parameters",
    "body",
    "headers",
    "content-type",
    "connection",
    "detailed",
    "response-format",
    "response-decoding",
    "files",
];

impl Interpreter {
    pub(super) fn run_task(
        &mut self,
        task: &Task,
        frame: &mut [Value],
        span: Span,
    ) -> RtResult<Value> {
        match task.kind {
            TaskKind::InvokeUrl => self.invoke_url(task, frame, span),
            TaskKind::SendMail => self.send_mail(task, frame, span),
            TaskKind::InvokeApi => Err(RtError::unsupported(
                "invokeAPI needs Zoho's service registry; use invokeurl with the full URL",
            )
            .at(span, &self.source)),
        }
    }

    /// Evaluate a task value; bare words such as `GET` are constants.
    fn task_value(&mut self, values: &[Expr], frame: &mut [Value]) -> RtResult<Value> {
        match values {
            [] => Ok(Value::Null),
            [single] => match &single.kind {
                ExprKind::Undefined(name) => Ok(Value::text(name.to_string())),
                _ => self.eval(single, frame),
            },
            many => {
                let mut out = Vec::new();
                for v in many {
                    out.push(self.eval(v, frame)?);
                }
                Ok(Value::new_list(out))
            }
        }
    }

    fn invoke_url(&mut self, task: &Task, frame: &mut [Value], span: Span) -> RtResult<Value> {
        let mut params: IndexMap<&str, (Value, Span)> = IndexMap::new();
        for entry in &task.entries {
            let key = entry.key.as_str();
            let Some(known) = INVOKEURL_KEYS.iter().find(|k| **k == key) else {
                return Err(RtError::runtime(format!(
                    "invokeurl has no parameter '{}'",
                    entry.key
                ))
                .with_help(format!("valid parameters: {}", INVOKEURL_KEYS.join(", ")))
                .at(entry.key_span, &self.source));
            };
            let v = self.task_value(&entry.values, frame)?;
            params.insert(known, (v, entry.key_span));
        }
        let url = match params.get("url") {
            Some((Value::Text(u), _)) => u.to_string(),
            Some((other, s)) => {
                return Err(RtError::runtime(format!(
                    "invokeurl url must be TEXT, found {}",
                    other.type_tag().deluge_name()
                ))
                .at(*s, &self.source));
            }
            None => {
                return Err(RtError::runtime("invokeurl needs a url")
                    .with_help("add `url: \"https://…\"` inside the brackets")
                    .at(span, &self.source));
            }
        };
        if params.contains_key("files") {
            return Err(
                RtError::unsupported("invokeurl `files:` uploads are not supported yet")
                    .at(params["files"].1, &self.source),
            );
        }
        let method = match params.get("type") {
            Some((v, s)) => {
                let m = v.to_display().to_ascii_uppercase();
                if !matches!(m.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                    return Err(
                        RtError::runtime(format!("invokeurl type '{m}' is not valid"))
                            .with_help("use GET, POST, PUT, PATCH or DELETE")
                            .at(*s, &self.source),
                    );
                }
                m
            }
            None => "GET".to_string(),
        };
        let headers = match params.get("headers") {
            Some((Value::Map(m), _)) => crate::value::text_pairs(m),
            Some((Value::Null, _)) | None => Vec::new(),
            Some((other, s)) => {
                return Err(RtError::runtime(format!(
                    "invokeurl headers must be a KEY-VALUE map, found {}",
                    other.type_tag().deluge_name()
                ))
                .at(*s, &self.source));
            }
        };
        let in_query = matches!(method.as_str(), "GET" | "DELETE");
        let mut query = Vec::new();
        let mut body = RequestBody::None;
        let mut url = url;
        if let Some((p, _)) = params.get("parameters") {
            match p {
                Value::Map(m) if in_query => query = crate::value::text_pairs(m),
                Value::Map(m) => body = RequestBody::Form(crate::value::text_pairs(m)),
                Value::Null => {}
                other if in_query => {
                    let text = other.to_display();
                    if !text.is_empty() {
                        url.push(if url.contains('?') { '&' } else { '?' });
                        url.push_str(&text);
                    }
                }
                other => body = RequestBody::Text(other.to_display()),
            }
        }
        if let Some((b, _)) = params.get("body") {
            match b {
                Value::Map(m) => body = RequestBody::Form(crate::value::text_pairs(m)),
                Value::Null => {}
                other => body = RequestBody::Text(other.to_display()),
            }
        }
        let content_type = params
            .get("content-type")
            .map(|(v, _)| v.to_display())
            .filter(|s| !s.is_empty());
        let connection = match params.get("connection") {
            Some((Value::Null, _)) | None => None,
            Some((v, _)) => Some(v.to_display()),
        };
        let detailed = matches!(params.get("detailed"), Some((v, _)) if v.truthy() == Some(true));
        let request = HttpRequest {
            method,
            url,
            headers,
            body,
            query,
            content_type,
            connection,
        };
        let source = self.source.clone();
        // Connection problems point at the `connection:` line, others at
        // the whole task.
        let connection_span = params.get("connection").map(|(_, s)| *s);
        let response = self
            .http()
            .map_err(|e| e.at(span, &source))?
            .send(request)
            .map_err(|d| {
                let at = match connection_span {
                    Some(s) if d.code.family() == "connection" => s,
                    _ => span,
                };
                RtError::from_diag(d).at(at, &source)
            })?;
        Ok(response_value(response, detailed))
    }

    fn send_mail(&mut self, task: &Task, frame: &mut [Value], _span: Span) -> RtResult<Value> {
        let mut fields = Vec::new();
        let mut mail = crate::value::MapData::default();
        for entry in &task.entries {
            let v = self.task_value(&entry.values, frame)?;
            if matches!(entry.key.as_str(), "to" | "subject" | "from" | "cc" | "bcc") {
                fields.push(format!("{}: {}", entry.key, v.to_display()));
            }
            let key = match entry.key.as_str() {
                "content-type" => "content_type",
                other => other,
            };
            mail.insert(Key::text(key), v);
        }
        // Mail is never sent from a local run; say what would have gone out
        // (tests read it with `mails()`).
        if self.options.host_functions.is_none() {
            eprintln!("dlg: sendmail not sent (local run) — {}", fields.join("; "));
        }
        self.mails.push(Value::new_map(mail));
        Ok(Value::Null)
    }
}

pub(crate) use crate::builtins::web::body_value;
pub use crate::builtins::web::response_value;
