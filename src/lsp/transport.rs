//! JSON-RPC framing over a byte stream (`Content-Length: N` headers, then N
//! bytes of JSON), read defensively: a malformed frame is reported and
//! skipped, never fatal, and no header can make the reader allocate more
//! than [`MAX_BODY`]. (lsp-server's own stdio transport stops at the first
//! bad frame and allocates whatever length a header claims, so only its
//! message types are used.)

use std::io::{self, BufRead, Read};

use lsp_server::Message;
use serde_json::Value as Json;

/// Largest message body read; a longer one is skipped.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Longest header line kept.
const MAX_HEADER_LINE: u64 = 4096;

/// What one read from the stream gave.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// A frame that is not a message: the reason, and the request id when
    /// one could be read (the answer is an error to that id, else to null).
    Malformed {
        id: Option<Json>,
        code: i32,
        reason: String,
    },
    /// The stream ended.
    Eof,
}

/// JSON-RPC error codes for malformed input.
pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;

/// Read the next frame.
pub fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        let n = input
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(Frame::Eof);
        }
        if line.last() != Some(&b'\n') && n as u64 == MAX_HEADER_LINE {
            // Skip the rest of an overlong line.
            let mut rest = Vec::new();
            input.read_until(b'\n', &mut rest)?;
            bad_header = Some("a header line is too long".into());
            saw_header = true;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !saw_header {
                // Blank lines between frames are tolerated.
                continue;
            }
            break;
        }
        saw_header = true;
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header line `{}`", preview(text))),
        }
    }
    let Some(length) = length else {
        return Ok(Frame::Malformed {
            id: None,
            code: PARSE_ERROR,
            reason: bad_header.unwrap_or_else(|| "a frame without Content-Length".into()),
        });
    };
    if length > MAX_BODY {
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Frame::Malformed {
            id: None,
            code: PARSE_ERROR,
            reason: format!("a message of {length} bytes is over the {MAX_BODY}-byte limit"),
        });
    }
    let mut body = vec![0u8; length];
    if let Err(e) = input.read_exact(&mut body) {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            return Ok(Frame::Eof);
        }
        return Err(e);
    }
    Ok(parse_body(&body))
}

/// A body as a message, or why it is not one.
pub fn parse_body(body: &[u8]) -> Frame {
    let json: Json = match serde_json::from_slice(body) {
        Ok(j) => j,
        Err(e) => {
            return Frame::Malformed {
                id: None,
                code: PARSE_ERROR,
                reason: format!("not JSON: {e}"),
            };
        }
    };
    let id = json.get("id").cloned();
    match serde_json::from_value::<Message>(json) {
        // A request whose id lsp-server cannot hold (a fraction, a number
        // past i32) reads as a notification: refuse it instead of leaving
        // the client waiting.
        Ok(Message::Notification(_)) if id.is_some() => Frame::Malformed {
            id,
            code: INVALID_REQUEST,
            reason: "a request id must be a string or a 32-bit integer".into(),
        },
        Ok(msg) => Frame::Message(msg),
        Err(e) => Frame::Malformed {
            id,
            code: INVALID_REQUEST,
            reason: format!("not a JSON-RPC request, response or notification: {e}"),
        },
    }
}

/// The bytes of a message as it goes on the wire.
pub fn encode(msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail; serialising our own values cannot either.
    let _ = msg.write(&mut out);
    out
}

/// An error answer to a malformed frame (id as read, else null).
pub fn encode_error(id: Option<Json>, code: i32, message: &str) -> Vec<u8> {
    let id = match id {
        Some(id @ (Json::Number(_) | Json::String(_))) => id,
        _ => Json::Null,
    };
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message},
    })
    .to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn preview(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut r = io::BufReader::new(input);
        let mut out = Vec::new();
        loop {
            match read_frame(&mut r).unwrap() {
                Frame::Eof => return out,
                Frame::Message(m) => out.push(format!(
                    "msg {}",
                    match m {
                        Message::Request(r) => r.method,
                        Message::Notification(n) => n.method,
                        Message::Response(_) => "response".into(),
                    }
                )),
                Frame::Malformed { id, code, .. } => out.push(format!("bad {code} {id:?}")),
            }
        }
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_frames_are_reported_and_skipped() {
        let mut input = String::new();
        input += &frame(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#);
        input += &frame("{not json");
        input += &frame(r#"{"jsonrpc":"2.0","id":7,"params":{}}"#);
        input += "Garbage line\r\n\r\n";
        input += "Content-Length: 99999999999999999999\r\n\r\n";
        input += &frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        input += &frame(r#"[1,2]"#);
        input += &frame(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#);
        input += "Content-Length: 5\r\n\r\nab";
        assert_eq!(
            frames(input.as_bytes()),
            [
                "msg initialize",
                "bad -32700 None",
                "bad -32600 Some(Number(7))",
                "bad -32700 None",
                "bad -32700 None",
                "msg initialized",
                "bad -32600 None",
                "bad -32600 Some(Number(1.5))",
            ]
        );
    }

    #[test]
    fn huge_lengths_are_skipped_without_allocating() {
        let mut input = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1).into_bytes();
        input.extend(std::iter::repeat_n(b'x', MAX_BODY + 1));
        input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#).bytes());
        assert_eq!(frames(&input), ["bad -32700 None", "msg exit"]);
    }

    #[test]
    fn error_answers_are_framed_json() {
        let bytes = encode_error(Some(serde_json::json!([1])), PARSE_ERROR, "x");
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let v: Json = serde_json::from_str(body).unwrap();
        assert_eq!(v["id"], Json::Null);
        assert_eq!(v["error"]["code"], PARSE_ERROR);
    }
}
