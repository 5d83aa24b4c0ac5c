//! Encoding and hashing: `encodeUrl`, the `zoho.encryption.*` family,
//! hex helpers.

use base64::Engine;
use hmac::{KeyInit, Mac};
use sha2::Digest;

use super::{FunctionDef, MethodDef, Recv, arg_text, func, method};
use crate::builtins::Host;
use crate::error::{RtError, RtResult};
use crate::value::Value;

pub const METHODS: &[MethodDef] = &[
    method(Recv::Text, "hexToText", 0, 0, hex_to_text_m),
    method(Recv::Text, "textToHex", 0, 0, text_to_hex_m),
    method(Recv::Text, "encodeUrl", 0, 0, encode_url_m),
    method(Recv::Text, "urlEncode", 0, 0, url_encode_m),
    method(Recv::Text, "urlDecode", 0, 0, url_decode_m),
];

pub const FUNCTIONS: &[FunctionDef] = &[
    func("encodeUrl", 1, 1, encode_url),
    func("urlEncode", 1, 1, url_encode),
    func("urlDecode", 1, 1, url_decode),
    func("hexToText", 1, 1, hex_to_text),
    func("textToHex", 1, 1, text_to_hex),
    func("base64Encode", 1, 2, base64_encode),
    func("base64Decode", 1, 2, base64_decode),
    func("htmlEncode", 1, 1, html_encode),
    func("htmlDecode", 1, 1, html_decode),
    func("zoho.encryption.urlEncode", 1, 1, url_encode),
    func("zoho.encryption.urlDecode", 1, 1, url_decode),
    func("zoho.encryption.base64Encode", 1, 2, base64_encode),
    func("zoho.encryption.base64Decode", 1, 2, base64_decode),
    func("zoho.encryption.md5", 1, 2, md5),
    func("zoho.encryption.sha1", 1, 2, sha1),
    func("zoho.encryption.sha256", 1, 2, sha256),
    func("zoho.encryption.sha512", 1, 2, sha512),
    func("zoho.encryption.hmacsha1", 2, 3, hmac_sha1),
    func("zoho.encryption.hmacsha256", 2, 3, hmac_sha256),
    func("zoho.encryption.hmacsha512", 2, 3, hmac_sha512),
    func("zoho.encryption.htmlEncode", 1, 1, html_encode),
    func("zoho.encryption.htmlDecode", 1, 1, html_decode),
];

/// Java `URLEncoder` rules: keep `A-Z a-z 0-9 . - * _`, percent-encode the
/// UTF-8 bytes of everything else; space becomes `space`.
fn percent_encode(s: &str, space: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push_str(space),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn encode_url(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    Ok(Value::text(percent_encode(
        &arg_text(args, 0, "encodeUrl")?,
        "+",
    )))
}
fn encode_url_m(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    encode_url(i, std::slice::from_ref(r))
}

/// Non-text input gives null, as Zoho documents for the encryption tasks.
fn url_encode(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    match &args[0] {
        Value::Text(t) => Ok(Value::text(percent_encode(t, "%20"))),
        _ => Ok(Value::Null),
    }
}
fn url_encode_m(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    url_encode(i, std::slice::from_ref(r))
}

fn url_decode(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    match &args[0] {
        Value::Text(t) => {
            let plus_as_space = t.replace('+', " ");
            let bytes: Vec<u8> = percent_encoding::percent_decode_str(&plus_as_space).collect();
            Ok(Value::text(String::from_utf8_lossy(&bytes).into_owned()))
        }
        _ => Ok(Value::Null),
    }
}
fn url_decode_m(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    url_decode(i, std::slice::from_ref(r))
}

fn charset_bytes(text: &str, charset: Option<&Value>) -> RtResult<Vec<u8>> {
    let cs = charset.map(|c| c.to_display().to_ascii_uppercase());
    Ok(match cs.as_deref() {
        None | Some("UTF-8") | Some("UTF8") => text.as_bytes().to_vec(),
        Some("UTF-16LE") => text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        Some("UTF-16BE") | Some("UTF-16") => {
            text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
        }
        Some(other) => return Err(RtError::runtime(format!("unsupported charset '{other}'"))),
    })
}

fn decode_charset(bytes: &[u8], charset: Option<&Value>) -> RtResult<String> {
    let cs = charset.map(|c| c.to_display().to_ascii_uppercase());
    let units = |le: bool| -> Vec<u16> {
        bytes
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect()
    };
    Ok(match cs.as_deref() {
        None | Some("UTF-8") | Some("UTF8") => String::from_utf8_lossy(bytes).into_owned(),
        Some("UTF-16LE") => String::from_utf16_lossy(&units(true)),
        Some("UTF-16BE") | Some("UTF-16") => String::from_utf16_lossy(&units(false)),
        Some(other) => return Err(RtError::runtime(format!("unsupported charset '{other}'"))),
    })
}

fn base64_encode(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "base64Encode")?;
    let bytes = charset_bytes(&t, args.get(1))?;
    Ok(Value::text(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

fn base64_decode(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "base64Decode")?;
    let cleaned: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(cleaned.trim_end_matches('='))
        })
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cleaned.trim_end_matches('='))
        })
        .map_err(|_| RtError::runtime("base64Decode: the text is not valid Base64"))?;
    Ok(Value::text(decode_charset(&bytes, args.get(1))?))
}

fn output(bytes: &[u8], format: Option<&Value>, default_hex: bool) -> Value {
    let fmt = format.map(|f| f.to_display().to_ascii_lowercase());
    let hex = match fmt.as_deref() {
        Some("hex") => true,
        Some("base64") => false,
        _ => default_hex,
    };
    Value::text(if hex {
        hex::encode(bytes)
    } else {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    })
}

fn md5(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "md5")?;
    Ok(output(&md5::Md5::digest(t.as_bytes()), args.get(1), true))
}
fn sha1(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "sha1")?;
    Ok(output(&sha1::Sha1::digest(t.as_bytes()), args.get(1), true))
}
fn sha256(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "sha256")?;
    Ok(output(
        &sha2::Sha256::digest(t.as_bytes()),
        args.get(1),
        true,
    ))
}
fn sha512(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "sha512")?;
    Ok(output(
        &sha2::Sha512::digest(t.as_bytes()),
        args.get(1),
        true,
    ))
}

macro_rules! hmac_fn {
    ($name:ident, $hash:ty, $label:literal) => {
        /// `(key, message[, "base64"|"hex"])`, Base64 output by default.
        fn $name(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
            let key = arg_text(args, 0, $label)?;
            let msg = arg_text(args, 1, $label)?;
            let mut mac = <hmac::Hmac<$hash> as KeyInit>::new_from_slice(key.as_bytes())
                .map_err(|_| RtError::runtime(concat!($label, ": invalid key")))?;
            mac.update(msg.as_bytes());
            Ok(output(&mac.finalize().into_bytes(), args.get(2), false))
        }
    };
}
hmac_fn!(hmac_sha1, sha1::Sha1, "hmacsha1");
hmac_fn!(hmac_sha256, sha2::Sha256, "hmacsha256");
hmac_fn!(hmac_sha512, sha2::Sha512, "hmacsha512");

fn hex_to_text(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "hexToText")?;
    let bytes = hex::decode(t.trim())
        .map_err(|_| RtError::runtime("hexToText: the text is not hexadecimal"))?;
    Ok(Value::text(String::from_utf8_lossy(&bytes).into_owned()))
}
fn hex_to_text_m(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    hex_to_text(i, std::slice::from_ref(r))
}
fn text_to_hex(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    Ok(Value::text(hex::encode(
        arg_text(args, 0, "textToHex")?.as_bytes(),
    )))
}
fn text_to_hex_m(i: &mut dyn Host, r: &Value, _: &[Value]) -> RtResult<Value> {
    text_to_hex(i, std::slice::from_ref(r))
}

fn html_encode(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "htmlEncode")?;
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Ok(Value::text(out))
}

fn html_decode(_: &mut dyn Host, args: &[Value]) -> RtResult<Value> {
    let t = arg_text(args, 0, "htmlDecode")?;
    Ok(Value::text(
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&apos;", "'")
            .replace("&nbsp;", " ")
            .replace("&amp;", "&"),
    ))
}
