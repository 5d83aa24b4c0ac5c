//! Legacy web functions `getUrl` and `postUrl` (deprecated in Zoho, still
//! common in older scripts).

use super::{FunctionDef, arg_bool, arg_text, func};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::http::{HttpRequest, RequestBody};
use crate::value::Value;

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

fn send(interp: &mut Interpreter, req: HttpRequest, simple: bool) -> RtResult<Value> {
    let resp = interp.http()?.send(req).map_err(RtError::from_diag)?;
    if simple {
        Ok(Value::text(resp.body))
    } else {
        Ok(crate::eval::response_value(resp, true))
    }
}

/// `getUrl(url[, headers][, simple])`
fn get_url(interp: &mut Interpreter, args: &[Value]) -> RtResult<Value> {
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
fn post_url(interp: &mut Interpreter, args: &[Value]) -> RtResult<Value> {
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
fn invoke_url(interp: &mut Interpreter, args: &[Value]) -> RtResult<Value> {
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
    let resp = interp.http()?.send(req).map_err(RtError::from_diag)?;
    Ok(crate::eval::response_value(resp, !simple))
}
