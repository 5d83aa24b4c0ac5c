//! A misbehaving HTTP server on 127.0.0.1 for fault-injection tests: every
//! request is recorded (method, path, headers, body) and answered with raw
//! bytes chosen by a handler, so a test can send redirects, resets, bad
//! JSON, invalid UTF-8, huge bodies or nothing at all.
//!
//! Use from a test file with `mod support;`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// Everything received, as text (for secret scans).
    pub fn all_text(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.target);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push_str(&self.body_text());
        s
    }
}

/// What the handler wants sent back.
pub enum Reply {
    /// Raw bytes written as they are, then the connection is closed.
    Raw(Vec<u8>),
    /// Write these bytes, then reset the connection (SO_LINGER 0).
    RawThenReset(Vec<u8>),
    /// Stream `head`, then `total` filler bytes (large bodies without
    /// holding them in memory).
    Stream { head: Vec<u8>, total: usize },
    /// Wait, then close without answering.
    Hang(Duration),
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// The server; it runs until the process ends.
pub struct FakeServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Recorded>>> = Default::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let recs = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let recs = recs.clone();
                let handler = handler.clone();
                std::thread::spawn(move || serve(stream, &recs, &*handler));
            }
        });
        FakeServer { addr, requests }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path() == path).count()
    }
}

fn serve(stream: TcpStream, recs: &Mutex<Vec<Recorded>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    // One request per connection: every reply closes it.
    {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let rec = Recorded {
            method,
            target,
            headers,
            body,
        };
        recs.lock().unwrap().push(rec.clone());
        match handler(&rec) {
            Reply::Raw(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
            Reply::RawThenReset(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                reset(&stream);
            }
            Reply::Stream { head, total } => {
                let _ = stream.write_all(&head);
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let n = chunk.len().min(total - sent);
                    if stream.write_all(&chunk[..n]).is_err() {
                        break;
                    }
                    sent += n;
                }
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
            Reply::Hang(d) => {
                std::thread::sleep(d);
            }
        }
    }
}

#[cfg(unix)]
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    // SO_LINGER {on, 0}: close sends RST.
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, val: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let l = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    unsafe {
        setsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            &l,
            std::mem::size_of::<Linger>() as u32,
        );
    }
}

#[cfg(not(unix))]
fn reset(stream: &TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// An HTTP/1.1 response with `Content-Length` and `Connection: close`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

pub fn json(status: u16, body: &str) -> Reply {
    Reply::Raw(response(
        status,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    ))
}

pub fn redirect(status: u16, location: &str) -> Reply {
    Reply::Raw(response(status, &[("Location", location)], b""))
}

/// A Zoho token response.
pub fn token_json(access: &str) -> Reply {
    json(
        200,
        &format!(
            r#"{{"access_token":"{access}","api_domain":"https://www.zohoapis.in","token_type":"Bearer","expires_in":3600}}"#
        ),
    )
}

/// Fake credentials, Zoho-shaped and not.
pub const CLIENT_ID: &str = "1000.PUBLICCLIENTID";
pub const CLIENT_SECRET: &str = "cs-7f3a9bd2e1";
pub const REFRESH_TOKEN: &str = "1000.9c2d4e7f0a1b.f00d5eed1e55";
pub const ACCESS_TOKEN: &str = "1000.aCcEsS0ne11.77aa88bb99";
pub const SECRETS: &[&str] = &[CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN];

/// Panic if any secret occurs in `text`.
pub fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s:?} leaked in {what}:\n{text}");
    }
}

/// A connections file for a Zoho `in` connection whose accounts and API
/// hosts are mapped to the given servers; returns its directory (holding
/// `connections.toml` and `cache/`).
pub fn zoho_setup(accounts: &str, api: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"[hosts]
"accounts.zoho.in" = "{accounts}"
"www.zohoapis.in" = "{api}"

[connections.books]
datacenter = "in"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
refresh_token = "{REFRESH_TOKEN}"

{extra}
"#
    );
    std::fs::write(dir.path().join("connections.toml"), text).unwrap();
    dir
}

/// Run the `dlg` binary in `dir` with a clean environment for tests: no
/// colour, UTC, and no connections file or clock from the caller's shell.
pub fn dlg_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    dlg_cmd(dir, args).output().expect("dlg runs")
}

/// The command [`dlg_in`] runs, to add environment or pipes.
pub fn dlg_cmd(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env_remove("DLG_CONNECTIONS")
        .env_remove("DLG_NOW")
        .env_remove("DLG_PROJECT");
    cmd
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Write `text` to `dir/name`, creating folders.
pub fn write(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

pub fn last_line(s: &str) -> &str {
    s.trim_end().lines().last().unwrap_or("")
}
