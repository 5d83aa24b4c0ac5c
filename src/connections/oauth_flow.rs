//! The browser side of OAuth: the consent URL, the loopback listener that
//! receives the redirect (`http://127.0.0.1:PORT/callback`), and token
//! revocation.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::datacenter::{self, DataCenter};

/// Default loopback port; Zoho clients register an exact redirect URI, so
/// it is fixed (change it with `--port` or `redirect_port`).
pub const DEFAULT_PORT: u16 = 8765;

/// `http://127.0.0.1:PORT/callback`
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

/// 32 random bytes, hex: the `state` parameter.
pub fn random_state() -> String {
    let mut b = [0u8; 32];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: fall back to hashing time and process id.
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(format!(
            "{:?}{}",
            std::time::SystemTime::now(),
            std::process::id()
        ));
        b.copy_from_slice(&h.finalize());
    }
    hex::encode(b)
}

/// What the consent URL asks for.
pub struct ConsentParams<'a> {
    pub client_id: &'a str,
    pub scopes: &'a [String],
    /// `,` for Zoho, ` ` for generic OAuth 2.0.
    pub scope_separator: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    /// Zoho: `access_type=offline&prompt=consent` (a refresh token every
    /// time, not only on first consent).
    pub offline: bool,
}

/// The authorization request URL on `auth_endpoint`.
pub fn consent_url(auth_endpoint: &reqwest::Url, p: &ConsentParams) -> reqwest::Url {
    let mut u = auth_endpoint.clone();
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("client_id", p.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", p.redirect_uri);
        if !p.scopes.is_empty() {
            q.append_pair("scope", &p.scopes.join(p.scope_separator));
        }
        if p.offline {
            q.append_pair("access_type", "offline")
                .append_pair("prompt", "consent");
        }
        q.append_pair("state", p.state);
    }
    u
}

/// The redirect's parameters.
#[derive(Debug)]
pub struct Callback {
    pub code: String,
    /// Zoho's `location` (data center code of the user's account).
    pub location: Option<String>,
    /// Zoho's `accounts-server` (where the code must be exchanged).
    pub accounts_server: Option<String>,
}

impl Callback {
    /// The data center Zoho says the code belongs to: `accounts-server`
    /// (only if it is a known Zoho accounts server, so the client secret is
    /// never sent to a host taken from a redirect), else `location`.
    pub fn datacenter(&self) -> Result<Option<&'static DataCenter>, String> {
        if let Some(srv) = &self.accounts_server {
            let s = srv.trim_end_matches('/').to_ascii_lowercase();
            return datacenter::DATACENTERS
                .iter()
                .find(|d| d.accounts_url == s)
                .map(Some)
                .ok_or_else(|| format!("the redirect named an unknown accounts server `{srv}`"));
        }
        match &self.location {
            Some(l) => datacenter::lookup(l)
                .map(Some)
                .ok_or_else(|| format!("the redirect named an unknown location `{l}`")),
            None => Ok(None),
        }
    }
}

/// Why no code arrived.
#[derive(Debug)]
pub enum CallbackError {
    /// `state` missing or different: not the answer to our request.
    StateMismatch,
    /// `error=...` on the redirect (e.g. `access_denied`).
    Denied {
        error: String,
        description: Option<String>,
    },
    /// No code and no error.
    NoCode,
    Timeout,
    Io(std::io::Error),
}

/// Bind the loopback listener (port 0: any free port).
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).await
}

/// Parameters of a redirect URL (`state` checked).
pub fn from_redirect(url: &reqwest::Url, state: &str) -> Result<Callback, CallbackError> {
    let q = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    if q("state").as_deref() != Some(state) {
        Err(CallbackError::StateMismatch)
    } else if let Some(error) = q("error") {
        Err(CallbackError::Denied {
            error,
            description: q("error_description"),
        })
    } else if let Some(code) = q("code").filter(|c| !c.is_empty()) {
        Ok(Callback {
            code,
            location: q("location"),
            accounts_server: q("accounts-server"),
        })
    } else {
        Err(CallbackError::NoCode)
    }
}

/// A line pasted on the terminal: the address the browser was redirected
/// to (when it could not reach this machine), or the bare code.
pub fn from_pasted(line: &str, state: &str) -> Result<Callback, CallbackError> {
    let line = line.trim();
    if line.starts_with("http://") || line.starts_with("https://") {
        return match reqwest::Url::parse(line) {
            Ok(u) => from_redirect(&u, state),
            Err(_) => Err(CallbackError::NoCode),
        };
    }
    Ok(Callback {
        code: line.to_string(),
        location: None,
        accounts_server: None,
    })
}

/// Lines typed on stdin, read on a thread (for `--no-browser`).
pub fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let _ = std::thread::Builder::new()
        .name("dlg-paste".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            loop {
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
    rx
}

enum Event {
    Accepted(
        Result<
            std::io::Result<(tokio::net::TcpStream, std::net::SocketAddr)>,
            tokio::time::error::Elapsed,
        >,
    ),
    Pasted(Option<String>),
}

/// Serve the loopback listener until the `/callback` request arrives (other
/// paths get 404), a redirect address or code is pasted on `paste`, or
/// `wait` passes; answer the browser with a small page.
pub async fn wait_for_callback(
    listener: &TcpListener,
    state: &str,
    wait: Duration,
    connection: &str,
    mut paste: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
) -> Result<Callback, CallbackError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let event = tokio::select! {
            r = tokio::time::timeout_at(deadline, listener.accept()) => Event::Accepted(r),
            p = async {
                match paste.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => Event::Pasted(p),
        };
        let accepted = match event {
            Event::Pasted(None) => {
                paste = None;
                continue;
            }
            Event::Pasted(Some(line)) if line.trim().is_empty() => continue,
            Event::Pasted(Some(line)) => return from_pasted(&line, state),
            Event::Accepted(a) => a,
        };
        let (mut sock, _) = match accepted {
            Err(_) => return Err(CallbackError::Timeout),
            Ok(Err(e)) => return Err(CallbackError::Io(e)),
            Ok(Ok(s)) => s,
        };
        let head = match tokio::time::timeout(Duration::from_secs(10), read_head(&mut sock)).await {
            Ok(Ok(h)) => h,
            _ => continue,
        };
        let target = head
            .lines()
            .next()
            .and_then(|l| {
                let mut parts = l.split(' ');
                (parts.next() == Some("GET"))
                    .then(|| parts.next())
                    .flatten()
            })
            .unwrap_or("")
            .to_string();
        let Ok(url) = reqwest::Url::parse(&format!("http://127.0.0.1{target}")) else {
            respond(&mut sock, 400, "Bad request.").await;
            continue;
        };
        if url.path() != "/callback" {
            respond(&mut sock, 404, "Not found.").await;
            continue;
        }
        let result = from_redirect(&url, state);
        let page = match &result {
            Ok(_) => format!(
                "dlg received the authorization for connection '{}'. You can close this tab and return to the terminal.",
                html_escape(connection)
            ),
            Err(CallbackError::StateMismatch) => "dlg rejected this redirect: its state parameter does not match the request dlg made. Nothing was authorized. You can close this tab.".into(),
            Err(CallbackError::Denied { error, .. }) => format!(
                "Authorization failed: {}. You can close this tab and return to the terminal.",
                html_escape(error)
            ),
            Err(_) => "The redirect carried no authorization code. You can close this tab and return to the terminal.".into(),
        };
        respond(&mut sock, if result.is_ok() { 200 } else { 400 }, &page).await;
        return result;
    }
}

async fn read_head(sock: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

async fn respond(sock: &mut tokio::net::TcpStream, status: u16, text: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>dlg</title></head><body style=\"font-family:sans-serif;margin:3em\"><p>{text}</p></body></html>"
    );
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(resp.as_bytes()).await;
    let _ = sock.shutdown().await;
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Try to open `url` in the user's browser (`$BROWSER`, else the platform
/// opener). `false` when nothing could be started.
pub fn open_browser(url: &str) -> bool {
    use std::process::{Command, Stdio};
    let mut cmd = if let Some(b) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        Command::new(b)
    } else if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// Result of a revocation request.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The server confirmed it.
    Yes,
    /// The server answered that the token is not valid (already revoked,
    /// displaced, or never issued): nothing left to revoke.
    AlreadyInvalid(String),
}

/// `POST {revoke_url}` with `token=...` in a form body (as Zoho's SDKs do;
/// the token stays out of URLs and proxy logs). Zoho answers
/// `{"status":"success"}`; an invalid token gives HTTP 400.
pub async fn revoke(
    http: &reqwest::Client,
    revoke_url: &reqwest::Url,
    token: &str,
) -> Result<Revoked, String> {
    let resp = http
        .post(revoke_url.clone())
        .header("accept", "application/json")
        .form(&[("token", token)])
        .send()
        .await
        .map_err(|e| crate::net::error_chain(&e.without_url()))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let error = field("error").or_else(|| {
        field("status")
            .filter(|s| s != "success")
            .map(|s| format!("status {s}"))
    });
    match (status, error) {
        (200..=299, None) => Ok(Revoked::Yes),
        (400 | 401, e) => Ok(Revoked::AlreadyInvalid(
            e.unwrap_or_else(|| format!("HTTP {status}")),
        )),
        (_, Some(e)) if e.contains("invalid") => Ok(Revoked::AlreadyInvalid(e)),
        (_, e) => Err(format!(
            "the revoke endpoint answered HTTP {status}{}",
            e.map(|e| format!(" ({e})")).unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_url_has_every_parameter() {
        let scopes = vec![
            "ZohoBooks.fullaccess.all".into(),
            "ZohoCRM.modules.ALL".into(),
        ];
        let u = consent_url(
            &reqwest::Url::parse("https://accounts.zoho.in/oauth/v2/auth").unwrap(),
            &ConsentParams {
                client_id: "1000.ABC",
                scopes: &scopes,
                scope_separator: ",",
                redirect_uri: &redirect_uri(8765),
                state: "s1",
                offline: true,
            },
        );
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "1000.ABC");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["scope"], "ZohoBooks.fullaccess.all,ZohoCRM.modules.ALL");
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["state"], "s1");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8765/callback");
        assert!(
            u.as_str()
                .contains("scope=ZohoBooks.fullaccess.all%2CZohoCRM")
        );
    }

    #[test]
    fn states_are_random() {
        let (a, b) = (random_state(), random_state());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn callback_datacenter_only_from_the_table() {
        let cb = |loc: Option<&str>, srv: Option<&str>| Callback {
            code: "c".into(),
            location: loc.map(str::to_string),
            accounts_server: srv.map(str::to_string),
        };
        assert_eq!(
            cb(Some("eu"), Some("https://accounts.zoho.eu"))
                .datacenter()
                .unwrap()
                .unwrap()
                .code,
            "eu"
        );
        assert_eq!(
            cb(Some("au"), None).datacenter().unwrap().unwrap().code,
            "au"
        );
        assert!(cb(None, None).datacenter().unwrap().is_none());
        assert!(
            cb(Some("eu"), Some("https://evil.example"))
                .datacenter()
                .is_err()
        );
    }
}
