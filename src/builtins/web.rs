//! Legacy web functions `getUrl` and `postUrl` (deprecated in Zoho, still
//! common in older scripts).

use super::{FunctionDef, arg_bool, arg_text, func};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::http::{HttpRequest, HttpResponse, RequestBody};
use crate::value::{Key, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    func("getUrl", 1, 3, get_url),
    func("postUrl", 2, 4, post_url),
    func("invokeUrl", 2, 5, invoke_url),
];

fn header_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Map(m)) => crate::value::text_pairs(m),
        _ => Vec::new(),
    }
}

fn send(interp: &mut dyn Host, req: HttpRequest, simple: bool) -> RtResult<Value> {
    let resp = interp.send_http(req)?;
    if simple {
        Ok(Value::text(resp.body))
    } else {
        Ok(response_value(resp, true))
    }
}

/// `getUrl(url[, headers][, simple])`
fn get_url(interp: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let url = arg_text(args, 0, "getUrl")?.into_owned();
    let (headers, simple) = match args.get(1) {
        Some(Value::Bool(b)) => (Vec::new(), *b),
        other => (header_pairs(other), arg_bool(args, 2, true)),
    };
    let req = HttpRequest {
        method: "GET".into(),
        url,
        headers,
        body: RequestBody::None,
        query: Vec::new(),
        content_type: None,
        connection: None,
    };
    send(interp, req, simple)
}

/// `postUrl(url, body[, headers][, simple])`
fn post_url(interp: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let url = arg_text(args, 0, "postUrl")?.into_owned();
    let body = match &args[1] {
        Value::Map(m) => RequestBody::Form(crate::value::text_pairs(m)),
        Value::Null => RequestBody::None,
        other => RequestBody::Text(other.to_display()),
    };
    let (headers, simple) = match args.get(2) {
        Some(Value::Bool(b)) => (Vec::new(), *b),
        other => (header_pairs(other), arg_bool(args, 3, true)),
    };
    let req = HttpRequest {
        method: "POST".into(),
        url,
        headers,
        body,
        query: Vec::new(),
        content_type: None,
        connection: None,
    };
    send(interp, req, simple)
}

/// The deprecated function form `invokeUrl(url, type[, body][, headers][, simple])`
/// (deluge/help/web-data/invokeurl-function.html). The body goes in the
/// query for GET and DELETE, like the task's `parameters`; `simple` (default
/// true) returns the response body (JSON read as a map or list), false the
/// detailed map (responseCode, responseText, responseHeader).
fn invoke_url(interp: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let url = arg_text(args, 0, "invokeUrl")?.into_owned();
    let method = arg_text(args, 1, "invokeUrl")?.trim().to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(
            RtError::runtime(format!("invokeUrl type '{method}' is not valid"))
                .with_help("use GET, POST, PUT, PATCH or DELETE"),
        );
    }
    let mut body_arg: Option<&Value> = None;
    let mut headers = Vec::new();
    let mut simple = true;
    let mut seen_body = false;
    for a in &args[2..] {
        match a {
            Value::Bool(b) => simple = *b,
            Value::Map(m) if seen_body => headers = crate::value::text_pairs(m),
            other => {
                body_arg = Some(other);
                seen_body = true;
            }
        }
    }
    let in_query = matches!(method.as_str(), "GET" | "DELETE");
    let mut query = Vec::new();
    let mut body = RequestBody::None;
    match body_arg {
        None | Some(Value::Null) => {}
        Some(Value::Map(m)) if in_query => query = crate::value::text_pairs(m),
        Some(Value::Map(m)) => body = RequestBody::Form(crate::value::text_pairs(m)),
        Some(other) => body = RequestBody::Text(other.to_display()),
    }
    let req = HttpRequest {
        method,
        url,
        headers,
        body,
        query,
        content_type: None,
        connection: None,
    };
    let resp = interp.send_http(req)?;
    Ok(response_value(resp, !simple))
}

/// Deluge's view of a response body: a JSON object becomes a map, a JSON
/// array a list, anything else text.
pub fn body_value(body: &str) -> Value {
    let trimmed = body.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(j) = serde_json::from_str::<serde_json::Value>(body)
    {
        return crate::value::from_json(&j);
    }
    Value::text(body.to_string())
}

pub fn response_value(response: HttpResponse, detailed: bool) -> Value {
    let body = body_value(&response.body);
    if !detailed {
        return body;
    }
    let mut headers = crate::value::MapData::default();
    for (k, v) in &response.headers {
        headers.insert(Key::text(&k.to_ascii_lowercase()), Value::text(v.clone()));
    }
    let mut map = crate::value::MapData::default();
    map.insert(
        Key::text("responseCode"),
        Value::Int(response.status as i64),
    );
    map.insert(Key::text("responseText"), body);
    map.insert(Key::text("responseHeader"), Value::new_map(headers));
    Value::new_map(map)
}
