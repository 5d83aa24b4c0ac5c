//! One running task call: argument access, the connection (explicit, or
//! the default for its service), and REST requests through it.

use super::TaskDef;
use crate::code::Code;
use crate::eval::{Interpreter, RtError, RtResult};
use crate::http::{HttpRequest, RequestBody};
use crate::value::{Key, KeyRef, MapData, Value, to_json};

/// Says that a task found no connection to run through (in mock mode:
/// nothing answered it, see `fixtures`).
pub(crate) const NEEDS_CONNECTION: &str = "needs a connection outside Zoho";

pub struct TaskCall<'a> {
    pub def: &'static TaskDef,
    /// As written in the script.
    pub path: &'a str,
    /// Lower-case path (may carry `.v2.` / `.v8.`).
    pub lpath: &'a str,
    pub args: &'a [Value],
    connection: Option<String>,
}

impl<'a> TaskCall<'a> {
    pub fn new(def: &'static TaskDef, path: &'a str, lpath: &'a str, args: &'a [Value]) -> Self {
        TaskCall {
            def,
            path,
            lpath,
            args,
            connection: None,
        }
    }

    pub fn service(&self) -> &str {
        self.lpath.split('.').nth(1).unwrap_or("")
    }

    /// `v8` when called as `zoho.crm.v8.x`, else `v2`.
    pub fn crm_version(&self) -> &'static str {
        if self.lpath.contains(".v8.") {
            "v8"
        } else {
            "v2"
        }
    }

    pub fn arg(&self, i: usize) -> Option<&Value> {
        match self.args.get(i) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    /// A required argument as text (ids may be numbers).
    pub fn text(&self, i: usize, what: &str) -> RtResult<String> {
        match self.arg(i) {
            None => Err(RtError::runtime(format!(
                "{}: argument {} ({what}) is missing or null",
                self.path,
                i + 1
            ))
            .with_help(format!("{}{}", self.def.path, self.def.signature))),
            Some(v) => Ok(v.to_display()),
        }
    }

    pub fn int(&self, i: usize) -> Option<i64> {
        match self.args.get(i) {
            Some(Value::Int(n)) => Some(*n),
            Some(Value::Text(t)) => t.trim().parse().ok(),
            _ => None,
        }
    }

    /// A map argument, or an empty map.
    pub fn map(&self, i: usize) -> Value {
        match self.arg(i) {
            Some(v @ Value::Map(_)) => v.clone(),
            _ => Value::empty_map(),
        }
    }

    /// The connection this call uses: its connection argument, else
    /// `--default-connection`, else `[default_connections]` of dlg.toml for
    /// the service, else the only Zoho connection there is.
    pub fn connection(&mut self, interp: &mut Interpreter) -> RtResult<String> {
        if let Some(c) = &self.connection {
            return Ok(c.clone());
        }
        let explicit = self.def.conn_at.and_then(|i| match self.args.get(i) {
            Some(Value::Text(c)) if !c.is_empty() => Some(c.to_string()),
            _ => None,
        });
        let name = match explicit {
            Some(c) => c,
            None => match default_connection(interp, self.service())? {
                Some(c) => c,
                None => {
                    let at = self.def.conn_at.map(|i| i + 1).unwrap_or(self.def.max);
                    return Err(RtError::runtime(format!(
                        "{} {NEEDS_CONNECTION}: pass its name as argument {at}",
                        self.path
                    ))
                    .with_help(format!(
                        "give every positional argument up to the connection ({}{}), set `{} = \"NAME\"` under [default_connections] in dlg.toml, run with --default-connection NAME, or fake the call with a [[task]] fixture",
                        self.def.path,
                        self.def.signature,
                        self.service()
                    )));
                }
            },
        };
        self.connection = Some(name.clone());
        Ok(name)
    }

    /// `https://www.zohoapis.<tld>` (or a mapped host) for the connection.
    pub fn api_domain(&mut self, interp: &mut Interpreter) -> RtResult<String> {
        let name = self.connection(interp)?;
        let http = interp.http()?;
        // Resolved once per run; the request through it reuses it.
        http.connection(&name).map_err(RtError::from_diag)?;
        match http.api_domain(&name) {
            Some(d) => Ok(d.trim_end_matches('/').to_string()),
            None => Err(RtError::new(
                Code::ConnectionInvalid,
                format!(
                    "{}: connection '{name}' is not a Zoho OAuth connection, so it has no Zoho data center",
                    self.path
                ),
            )
            .with_help("integration tasks need a Zoho connection (`type = \"zoho\"`, the default) with `datacenter = \"…\"`")),
        }
    }

    /// Send a request through the connection; the body as Deluge reads it
    /// (JSON object → map, array → list, empty → null, else text).
    pub fn send(
        &mut self,
        interp: &mut Interpreter,
        method: &str,
        url: String,
        query: Vec<(String, String)>,
        body: RequestBody,
        content_type: Option<&str>,
    ) -> RtResult<Value> {
        let connection = self.connection(interp)?;
        let req = HttpRequest {
            method: method.to_string(),
            url,
            headers: Vec::new(),
            body,
            query,
            content_type: content_type.map(str::to_string),
            connection: Some(connection),
        };
        let resp = interp.http()?.send(req).map_err(RtError::from_diag)?;
        if resp.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        Ok(crate::eval::body_value(&resp.body))
    }

    /// JSON request body.
    pub fn send_json(
        &mut self,
        interp: &mut Interpreter,
        method: &str,
        url: String,
        query: Vec<(String, String)>,
        body: &Value,
    ) -> RtResult<Value> {
        self.send(
            interp,
            method,
            url,
            query,
            RequestBody::Text(to_json(body)),
            Some("application/json"),
        )
    }
}

/// The connection for a task of `service` that names none.
pub fn default_connection(interp: &mut Interpreter, service: &str) -> RtResult<Option<String>> {
    if let Some(name) = interp.options.default_connection.clone() {
        return Ok(Some(name));
    }
    if let Some(name) = interp
        .options
        .project
        .as_ref()
        .and_then(|p| p.default_connection(service))
    {
        return Ok(Some(name.to_string()));
    }
    let zoho: Vec<String> = match interp.http()?.describe_connections() {
        Ok(list) => list
            .into_iter()
            .filter(|c| c.kind == "zoho")
            .map(|c| c.name)
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok(match zoho.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    })
}

// ------------------------------------------------------------ value helpers

/// Query pairs from a map, or from `a=1&b=2` text.
pub fn query_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Map(m)) => crate::value::text_pairs(m),
        Some(Value::Text(t)) if !t.is_empty() => t
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn map_of(entries: Vec<(&str, Value)>) -> Value {
    let mut m = MapData::default();
    for (k, v) in entries {
        m.insert(Key::text(k), v);
    }
    Value::new_map(m)
}

pub fn get(v: &Value, key: &str) -> Value {
    match v {
        Value::Map(m) => m
            .borrow()
            .get(&KeyRef::Text(key))
            .cloned()
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

pub fn first(v: &Value) -> Value {
    match v {
        Value::List(l) => l.borrow().first().cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}
