//! Legacy web functions `getUrl` and `postUrl` (deprecated in Zoho, still
//! common in older scripts).

use super::{FunctionDef, arg_bool, arg_text, func};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::http::{HttpRequest, RequestBody};
use crate::value::Value;

pub const FUNCTIONS: &[FunctionDef] = &[
    func("getUrl", 1, 3, get_url),
    func("postUrl", 2, 4, post_url),
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
