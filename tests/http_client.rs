//! Library-level tests of `dlg::http::HttpClient` against fake Zoho accounts
//! and API servers (wiremock, 127.0.0.1 only), reached through `[hosts]`.

#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dlg::diag::Diag;
use dlg::http::{HttpClient, HttpOptions, HttpRequest, HttpResponse, RequestBody};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "1000.PUBLICCLIENTID";
const CLIENT_SECRET: &str = "sEcReT-client-7f3a9b";
const REFRESH_TOKEN: &str = "1000.rEfReSh-9c2d4e.f00d";
const ACCESS_1: &str = "1000.aCcEsS-one.1111";
const ACCESS_2: &str = "1000.aCcEsS-two.2222";
const SECRETS: &[&str] = &[CLIENT_SECRET, REFRESH_TOKEN, ACCESS_1, ACCESS_2];

struct Fake {
    rt: tokio::runtime::Runtime,
    accounts: MockServer,
    api: MockServer,
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (accounts, api) =
            rt.block_on(async { (MockServer::start().await, MockServer::start().await) });
        Fake {
            rt,
            accounts,
            api,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// connections.toml with the default Zoho connection plus `extra`.
    fn write_connections(&self, extra: &str) -> PathBuf {
        let text = format!(
            r#"[hosts]
"accounts.zoho.in" = "{acc}"
"accounts.zoho.com" = "{acc}"
"www.zohoapis.in" = "{api}"
"www.zohoapis.com" = "{api}"
"api.example.test" = "{api}"
"auth.example.test" = "{acc}"

[connections.kalki_books_connection]
datacenter = "in"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
refresh_token = "{REFRESH_TOKEN}"
scopes = ["ZohoBooks.fullaccess.all"]

{extra}
"#,
            acc = self.accounts.uri(),
            api = self.api.uri(),
        );
        let p = self.dir.path().join("connections.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn opts(&self) -> HttpOptions {
        HttpOptions {
            connections_path: Some(self.dir.path().join("connections.toml")),
            cache_dir: Some(self.cache_dir()),
            timeout: Duration::from_secs(10),
            ..Default::default()
        }
    }

    fn client(&self) -> HttpClient {
        HttpClient::new(self.opts()).unwrap()
    }

    fn token_ok(&self, token: &str, times: Option<u64>, delay: Duration) {
        let mut m = Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({
                        "access_token": token,
                        "api_domain": "https://www.zohoapis.in",
                        "token_type": "Bearer",
                        "expires_in": 3600
                    }))
                    .set_delay(delay),
            );
        if let Some(n) = times {
            m = m.up_to_n_times(n).with_priority(1);
        }
        self.rt.block_on(m.mount(&self.accounts));
    }

    fn token_body(&self, body: serde_json::Value) {
        self.rt.block_on(
            Mock::given(method("POST"))
                .and(path("/oauth/v2/token"))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&self.accounts),
        );
    }

    fn api_ok_for(&self, token: &str, body: serde_json::Value) {
        self.rt.block_on(
            Mock::given(method("GET"))
                .and(path("/books/v3/invoices"))
                .and(header(
                    "authorization",
                    format!("Zoho-oauthtoken {token}").as_str(),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&self.api),
        );
    }

    fn token_requests(&self) -> usize {
        self.rt
            .block_on(self.accounts.received_requests())
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/oauth/v2/token")
            .count()
    }

    fn api_requests(&self) -> Vec<wiremock::Request> {
        self.rt.block_on(self.api.received_requests()).unwrap()
    }
}

/// A local port nobody listens on (bound, then released).
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn invoices() -> HttpRequest {
    HttpRequest::get("https://www.zohoapis.in/books/v3/invoices?organization_id=60012345")
        .with_connection("kalki_books_connection")
}

fn assert_no_secret(text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s:?} leaked in:\n{text}");
    }
}

fn render(d: &Diag) -> String {
    format!(
        "{}\n{:?}\n{}",
        d.render(),
        d,
        d.help.clone().unwrap_or_default()
    )
}

fn token_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("tokens"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default()
}

// ------------------------------------------------------------------ tokens

#[test]
fn refresh_then_call_sends_zoho_oauthtoken() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(
        ACCESS_1,
        json!({"code": 0, "message": "success", "invoices": []}),
    );
    let c = f.client();
    let r = c.send(invoices()).unwrap();
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["code"], 0);
    assert_eq!(f.token_requests(), 1);
    let reqs = f.rt.block_on(f.accounts.received_requests()).unwrap();
    let body = String::from_utf8_lossy(&reqs[0].body).to_string();
    assert!(body.contains("grant_type=refresh_token"));
    assert!(body.contains("client_id=1000.PUBLICCLIENTID"));
    assert!(
        reqs[0]
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    let api = f.api_requests();
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Zoho-oauthtoken {ACCESS_1}")
    );
    assert_eq!(api[0].url.query(), Some("organization_id=60012345"));
    // second call in the same run: no new token request
    c.send(invoices()).unwrap();
    assert_eq!(f.token_requests(), 1);
    assert_eq!(
        c.api_domain("kalki_books_connection").as_deref(),
        Some("https://www.zohoapis.in")
    );
    // the cache recorded the api_domain
    let files = token_files(&f.cache_dir());
    assert_eq!(files.len(), 1);
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(cached["api_domain"], "https://www.zohoapis.in");
    assert!(cached["expires_at"].as_u64().unwrap() > 1_700_000_000);
}

#[test]
fn token_reused_across_runs() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    for _ in 0..3 {
        let c = f.client();
        assert_eq!(c.send(invoices()).unwrap().status, 200);
    }
    assert_eq!(f.token_requests(), 1);
    assert_eq!(f.api_requests().len(), 3);
}

#[test]
fn expired_cache_is_refreshed() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, Some(1), Duration::ZERO);
    f.token_ok(ACCESS_2, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    f.api_ok_for(ACCESS_2, json!({"code": 0}));
    f.client().send(invoices()).unwrap();
    assert_eq!(f.token_requests(), 1);
    // Make the cached token expire within the 60 s margin.
    let file = &token_files(&f.cache_dir())[0];
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    v["expires_at"] = json!(dlg::connections::token::now_secs() + 30);
    std::fs::write(file, v.to_string()).unwrap();
    f.client().send(invoices()).unwrap();
    assert_eq!(f.token_requests(), 2);
    let api = f.api_requests();
    assert_eq!(
        api[1]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Zoho-oauthtoken {ACCESS_2}")
    );
}

#[test]
fn unauthorized_refreshes_once_and_retries() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, Some(1), Duration::ZERO);
    f.token_ok(ACCESS_2, None, Duration::ZERO);
    f.rt.block_on(
        Mock::given(method("GET"))
            .and(header("authorization", format!("Zoho-oauthtoken {ACCESS_1}").as_str()))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "INVALID_TOKEN", "message": "invalid oauth token", "status": "error"})))
            .mount(&f.api),
    );
    f.api_ok_for(ACCESS_2, json!({"code": 0, "message": "success"}));
    let r = f.client().send(invoices()).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(f.token_requests(), 2);
    assert_eq!(f.api_requests().len(), 2);
}

#[test]
fn persistent_401_without_code_57_is_returned_to_the_script() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.rt.block_on(
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(json!({"code": "INVALID_TOKEN"})),
            )
            .mount(&f.api),
    );
    let r = f.client().send(invoices()).unwrap();
    assert_eq!(r.status, 401);
    // exactly one retry
    assert_eq!(f.api_requests().len(), 2);
}

#[test]
fn books_code_57_is_not_authorized_after_one_retry() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, Some(1), Duration::ZERO);
    f.token_ok(ACCESS_2, None, Duration::ZERO);
    f.rt.block_on(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"code": 57, "message": "You are not authorized to perform this operation"}),
            ))
            .mount(&f.api),
    );
    let c = f.client();
    let req = HttpRequest::get("https://www.zohoapis.com/books/v3/invoices")
        .with_connection("kalki_books_connection");
    let d = c.send(req).unwrap_err();
    assert_eq!(d.code, "zoho::not_authorized");
    let help = d.help.clone().unwrap();
    assert!(help.contains("data center"), "{help}");
    assert!(help.contains("https://www.zohoapis.in"), "{help}");
    assert_eq!(f.token_requests(), 2);
    assert_eq!(f.api_requests().len(), 2);
    assert_no_secret(&render(&d));
}

// ------------------------------------------------------------ OAuth errors

#[test]
fn each_oauth_error_has_its_code_and_help() {
    let cases = [
        (
            json!({"error": "invalid_client"}),
            "oauth::invalid_client",
            "data center",
        ),
        (
            json!({"error": "invalid_client_secret"}),
            "oauth::invalid_client",
            "client_secret",
        ),
        (
            json!({"error": "invalid_code"}),
            "oauth::invalid_code",
            "refresh token",
        ),
        (
            json!({"error": "invalid_scope"}),
            "oauth::invalid_scope",
            "scope",
        ),
        (
            json!({"error": "access_denied"}),
            "oauth::access_denied",
            "consent",
        ),
        (
            json!({"error_description": "Token creation throttle limit reached. Please reuse the valid tokens you currently have.", "error": "Access Denied"}),
            "oauth::rate_limited",
            "10 minutes",
        ),
        (
            json!({"error_description": "You have made too many requests continuously. Please try again after some time.", "error": "Access Denied", "status": "failure"}),
            "oauth::rate_limited",
            "wait",
        ),
        (
            json!({"error": "something_new"}),
            "oauth::error",
            "client_id",
        ),
        (json!({"status": "weird"}), "oauth::error", "token"),
    ];
    for (body, code, help_word) in cases {
        let f = Fake::new();
        f.write_connections("");
        f.token_body(body.clone());
        let d = f.client().send(invoices()).unwrap_err();
        assert_eq!(d.code, code, "for {body}");
        let help = d.help.clone().expect("help line");
        assert!(help.contains(help_word), "{code}: {help}");
        assert_no_secret(&render(&d));
        // never reached the API
        assert!(f.api_requests().is_empty());
        // nothing cached
        assert!(token_files(&f.cache_dir()).is_empty());
    }
}

#[test]
fn non_json_token_response_is_an_oauth_error() {
    let f = Fake::new();
    f.write_connections("");
    f.rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
            .mount(&f.accounts),
    );
    let d = f.client().send(invoices()).unwrap_err();
    assert_eq!(d.code, "oauth::error");
    assert!(d.message.contains("502"));
}

// ---------------------------------------------------------- data centers

#[test]
fn datacenter_mismatch_warns_but_sends() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let c = f.client();
    let req = HttpRequest::get("https://www.zohoapis.com/books/v3/invoices")
        .with_connection("kalki_books_connection");
    assert_eq!(c.send(req.clone()).unwrap().status, 200);
    c.send(req).unwrap();
    let w = c.warnings();
    assert_eq!(w.len(), 1, "warned once per host");
    assert_eq!(w[0].code, "zoho::datacenter_mismatch");
    assert_eq!(w[0].severity, miette::Severity::Warning);
    assert!(w[0].message.contains("'us'") && w[0].message.contains("'in'"));
    assert!(
        w[0].help
            .as_ref()
            .unwrap()
            .contains("https://www.zohoapis.in")
    );
    // matching DC: no warning
    let c = f.client();
    c.send(invoices()).unwrap();
    assert!(c.warnings().is_empty());
}

// ------------------------------------------------------------ the cache

#[cfg(unix)]
#[test]
fn cache_file_is_private_and_written_atomically() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    f.client().send(invoices()).unwrap();
    let files = token_files(&f.cache_dir());
    assert_eq!(files.len(), 1);
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(f.cache_dir().join("tokens"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    // the cache never stores the refresh token or the client secret
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!text.contains(REFRESH_TOKEN) && !text.contains(CLIENT_SECRET));
}

#[test]
fn different_connections_and_datacenters_never_share_tokens() {
    let f = Fake::new();
    f.write_connections(&format!(
        r#"[connections.same-client-us]
datacenter = "us"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
refresh_token = "{REFRESH_TOKEN}"
"#
    ));
    f.token_ok(ACCESS_1, Some(1), Duration::ZERO);
    f.token_ok(ACCESS_2, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    f.api_ok_for(ACCESS_2, json!({"code": 0}));
    let c = f.client();
    c.send(invoices()).unwrap();
    c.send(
        HttpRequest::get("https://www.zohoapis.com/books/v3/invoices")
            .with_connection("same-client-us"),
    )
    .unwrap();
    assert_eq!(f.token_requests(), 2);
    assert_eq!(token_files(&f.cache_dir()).len(), 2);
}

#[test]
fn twenty_threads_refresh_once() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::from_millis(300));
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let opts = f.opts();
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let o = opts.clone();
            std::thread::spawn(move || {
                let c = HttpClient::new(o).unwrap();
                c.send(invoices()).map(|r| r.status).map_err(|d| d.render())
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Ok(200));
    }
    assert_eq!(f.token_requests(), 1);
    assert_eq!(f.api_requests().len(), 20);
}

// ------------------------------------------------ child-process helpers

const CHILD_ENV: &str = "DLG_HTTP_TEST_CHILD";

/// Not a real test: the body of a child process spawned by other tests
/// (one `dlg` run). Does nothing unless DLG_HTTP_TEST_CHILD is set.
#[test]
fn child_run() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let env = |k: &str| std::env::var(k).ok();
    let opts = HttpOptions {
        connections_path: env("CHILD_CONNECTIONS").map(PathBuf::from),
        cache_dir: env("CHILD_CACHE").map(PathBuf::from),
        mock_path: env("CHILD_MOCK").map(PathBuf::from),
        verbose: env("CHILD_VERBOSE").is_some(),
        timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let mut req = HttpRequest::get(env("CHILD_URL").unwrap());
    req.connection = env("CHILD_CONN");
    let out = match HttpClient::new(opts).and_then(|c| c.send(req)) {
        Ok(r) => format!("@@OK {}\n{}", r.status, r.body),
        Err(d) => format!("@@ERR {}\n{}", d.code, d.render()),
    };
    println!("{out}");
    eprintln!("{out}");
}

fn child(vars: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "child_run",
        "--exact",
        "--nocapture",
        "--test-threads=1",
        "--quiet",
    ]);
    cmd.env(CHILD_ENV, "1").env("NO_COLOR", "1");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn child_vars(f: &Fake, url: &str, conn: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "CHILD_CONNECTIONS",
            f.dir.path().join("connections.toml").display().to_string(),
        ),
        ("CHILD_CACHE", f.cache_dir().display().to_string()),
        ("CHILD_URL", url.to_string()),
        ("CHILD_CONN", conn.to_string()),
    ]
}

const INVOICES_URL: &str = "https://www.zohoapis.in/books/v3/invoices?organization_id=60012345";

#[test]
fn twenty_processes_refresh_once() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::from_millis(300));
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let vars = child_vars(&f, INVOICES_URL, "kalki_books_connection");
    let children: Vec<_> = (0..20)
        .map(|_| {
            child(&vars)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for ch in children {
        let out = ch.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("@@OK 200"),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(f.token_requests(), 1);
    assert_eq!(f.api_requests().len(), 20);
}

#[test]
fn env_references_are_expanded() {
    let f = Fake::new();
    std::fs::write(
        f.dir.path().join("connections.toml"),
        format!(
            r#"[hosts]
"accounts.zoho.eu" = "{acc}"
"www.zohoapis.eu" = "{api}"

[connections.env-conn]
datacenter = "${{CHILD_DC}}"
client_id = "${{CHILD_CLIENT_ID}}"
client_secret = "${{CHILD_SECRET}}"
refresh_token = "prefix-${{CHILD_REFRESH}}"
"#,
            acc = f.accounts.uri(),
            api = f.api.uri()
        ),
    )
    .unwrap();
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let mut vars = child_vars(&f, "https://www.zohoapis.eu/books/v3/invoices", "env-conn");
    vars.push(("CHILD_DC", "eu".into()));
    vars.push(("CHILD_CLIENT_ID", "1000.FROMENV".into()));
    vars.push(("CHILD_SECRET", CLIENT_SECRET.into()));
    vars.push(("CHILD_REFRESH", "r3fr3sh-from-env".into()));
    let out = child(&vars).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("@@OK 200"), "{stdout}");
    let reqs = f.rt.block_on(f.accounts.received_requests()).unwrap();
    let body = String::from_utf8_lossy(&reqs[0].body).to_string();
    assert!(body.contains("client_id=1000.FROMENV"), "{body}");
    assert!(
        body.contains("refresh_token=prefix-r3fr3sh-from-env"),
        "{body}"
    );
    assert!(
        body.contains(&format!("client_secret={CLIENT_SECRET}")),
        "{body}"
    );

    // A missing variable is a connection::invalid naming it, with a span.
    let vars = child_vars(&f, "https://www.zohoapis.eu/books/v3/invoices", "env-conn");
    let out = child(&vars).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("@@ERR connection::invalid"), "{stdout}");
    assert!(stdout.contains("CHILD_DC"), "{stdout}");
}

#[test]
fn verbose_trace_redacts_secrets() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, Some(1), Duration::ZERO);
    f.token_ok(ACCESS_2, None, Duration::ZERO);
    f.rt.block_on(
        Mock::given(method("GET"))
            .and(header(
                "authorization",
                format!("Zoho-oauthtoken {ACCESS_1}").as_str(),
            ))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(json!({"code": 57, "message": "no"})),
            )
            .mount(&f.api),
    );
    f.api_ok_for(ACCESS_2, json!({"code": 0}));
    let mut vars = child_vars(&f, INVOICES_URL, "kalki_books_connection");
    vars.push(("CHILD_VERBOSE", "1".into()));
    let out = child(&vars).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("@@OK 200"), "{stdout}\n{stderr}");
    assert!(stderr.contains("[dlg http] > GET"), "{stderr}");
    assert!(
        stderr.contains("authorization: <redacted>")
            || stderr.contains("Authorization: <redacted>"),
        "{stderr}"
    );
    assert!(
        stderr.contains("refreshing the token and retrying once"),
        "{stderr}"
    );
    assert_no_secret(&stdout);
    assert_no_secret(&stderr);
}

// ------------------------------------------------------ secret scan

#[test]
fn secret_scan_over_failure_paths() {
    let mut rendered = Vec::new();
    // OAuth failures (each token error), with secrets in the file.
    for err in [
        "invalid_client",
        "invalid_code",
        "invalid_scope",
        "access_denied",
        "Access Denied",
        "odd",
    ] {
        let f = Fake::new();
        f.write_connections("");
        f.token_body(json!({"error": err, "error_description": format!("echo {CLIENT_SECRET} {REFRESH_TOKEN}")}));
        let c = f.client();
        rendered.push(render(&c.send(invoices()).unwrap_err()));
        rendered.push(format!("{c:?}"));
    }
    // Code 57 after retry, and the retry trace.
    {
        let f = Fake::new();
        f.write_connections("");
        f.token_ok(ACCESS_1, Some(1), Duration::ZERO);
        f.token_ok(ACCESS_2, None, Duration::ZERO);
        f.rt.block_on(
            Mock::given(method("GET"))
                .respond_with(
                    ResponseTemplate::new(401).set_body_json(
                        json!({"code": 57, "message": format!("bad token {ACCESS_1}")}),
                    ),
                )
                .mount(&f.api),
        );
        let c = f.client();
        rendered.push(render(&c.send(invoices()).unwrap_err()));
        rendered.extend(c.warnings().iter().map(render));
    }
    // Transport failure: token endpoint unreachable.
    {
        let f = Fake::new();
        f.write_connections("");
        let text = std::fs::read_to_string(f.dir.path().join("connections.toml"))
            .unwrap()
            .replace(
                &f.accounts.uri(),
                &format!("http://127.0.0.1:{}", dead_port()),
            );
        std::fs::write(f.dir.path().join("connections.toml"), text).unwrap();
        let d = f.client().send(invoices()).unwrap_err();
        assert_eq!(d.code, "http::request");
        rendered.push(render(&d));
    }
    // Invalid TOML next to secrets, a missing field, an unknown type, a bad DC.
    for (extra, code) in [
        (
            format!(
                "[connections.broken]\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\" oops\n"
            ),
            "connection::invalid",
        ),
        (
            format!(
                "[connections.broken]\ndatacenter = \"in\"\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\n"
            ),
            "connection::invalid",
        ),
        (
            format!("[connections.broken]\ntype = \"kerberos\"\npassword = \"{CLIENT_SECRET}\"\n"),
            "connection::invalid",
        ),
        (
            format!(
                "[connections.broken]\ndatacenter = \"mars\"\nclient_id = \"x\"\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\n"
            ),
            "connection::invalid",
        ),
        (
            format!(
                "[connections.broken]\ndatacenter = \"in\"\nclient_id = \"x\"\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\nclient_secert = \"{CLIENT_SECRET}\"\n"
            ),
            "connection::invalid",
        ),
    ] {
        let f = Fake::new();
        f.write_connections(&extra);
        let c = f.client();
        let d = c
            .send(HttpRequest::get("https://www.zohoapis.in/x").with_connection("broken"))
            .unwrap_err();
        assert_eq!(d.code, code, "{}", d.render());
        assert!(
            d.source.is_some() && !d.labels.is_empty(),
            "span for {extra}"
        );
        rendered.push(render(&d));
        rendered.push(format!("{c:?}"));
    }
    // Unknown connection.
    {
        let f = Fake::new();
        f.write_connections("");
        let d = f
            .client()
            .send(
                HttpRequest::get("https://www.zohoapis.in/x")
                    .with_connection("kalki_book_connection"),
            )
            .unwrap_err();
        rendered.push(render(&d));
    }
    // Debug of loaded connections.
    {
        let f = Fake::new();
        let p = f.write_connections("");
        let conns = dlg::connections::Connections::parse(&p, &std::fs::read_to_string(&p).unwrap())
            .unwrap();
        rendered.push(format!("{conns:?}"));
        rendered.push(format!(
            "{:?}",
            conns.resolve("kalki_books_connection", true).unwrap()
        ));
    }
    for r in &rendered {
        assert_no_secret(r);
    }
}

// -------------------------------------------------- misc behaviour

#[test]
fn timeout_is_socket_timeout_error() {
    let f = Fake::new();
    f.write_connections("");
    f.rt.block_on(
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string("late")
                    .set_delay(Duration::from_secs(3)),
            )
            .mount(&f.api),
    );
    let c = HttpClient::new(HttpOptions {
        timeout: Duration::from_millis(300),
        ..f.opts()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let d = c
        .send(HttpRequest::get("https://api.example.test/slow"))
        .unwrap_err();
    assert_eq!(d.code, "http::timeout");
    assert_eq!(d.message, "socket timeout error");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn non_json_body_passes_through() {
    let f = Fake::new();
    f.write_connections("");
    f.rt.block_on(
        Mock::given(method("GET"))
            .and(path("/page"))
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("Content-Type", "text/html")
                    .insert_header("X-Custom", "yes")
                    .set_body_string("<html>down</html>"),
            )
            .mount(&f.api),
    );
    let r = f
        .client()
        .send(HttpRequest::get("https://api.example.test/page"))
        .unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.body, "<html>down</html>");
    assert_eq!(r.header("x-custom"), Some("yes"));
    assert!(r.headers.iter().all(|(k, _)| *k == k.to_ascii_lowercase()));
}

#[test]
fn post_form_and_text_bodies_and_query() {
    let f = Fake::new();
    f.write_connections("");
    f.rt.block_on(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"ok": true})))
            .mount(&f.api),
    );
    let c = f.client();
    let mut req = HttpRequest::get("https://api.example.test/items?a=1");
    req.method = "POST".into();
    req.query = vec![("b".into(), "two words".into())];
    req.body = RequestBody::Form(vec![("name".into(), "Ann & Bob".into())]);
    req.headers = vec![("X-Trace".into(), "t1".into())];
    assert_eq!(c.send(req.clone()).unwrap().status, 201);
    req.body = RequestBody::Text("{\"x\":1}".into());
    req.content_type = Some("application/json".into());
    c.send(req).unwrap();
    let reqs = f.api_requests();
    assert_eq!(reqs[0].url.query(), Some("a=1&b=two+words"));
    assert_eq!(String::from_utf8_lossy(&reqs[0].body), "name=Ann+%26+Bob");
    assert_eq!(
        reqs[0].headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(reqs[0].headers.get("x-trace").unwrap(), "t1");
    assert_eq!(String::from_utf8_lossy(&reqs[1].body), "{\"x\":1}");
    assert_eq!(
        reqs[1].headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[test]
fn unknown_connection_suggests_a_name() {
    let f = Fake::new();
    f.write_connections("[connections.crm-prod]\ntype = \"bearer\"\ntoken = \"abcd1234\"\n");
    let c = f.client();
    let d = c
        .send(
            HttpRequest::get("https://www.zohoapis.in/x").with_connection("kalki_book_connection"),
        )
        .unwrap_err();
    assert_eq!(d.code, "connection::unknown");
    assert!(
        d.message.contains("did you mean 'kalki_books_connection'"),
        "{}",
        d.message
    );
    let help = d.help.unwrap();
    assert!(
        help.contains("crm-prod") && help.contains("kalki_books_connection"),
        "{help}"
    );
    assert_eq!(
        c.connection_names(),
        vec!["crm-prod", "kalki_books_connection"]
    );
}

#[test]
fn explicit_missing_connections_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = Fake::new();
    f.rt.block_on(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("hi"))
            .mount(&f.api),
    );
    let missing = dir.path().join("nope.toml");
    // An explicit path that does not exist is an error when first needed.
    let c = HttpClient::new(HttpOptions {
        connections_path: Some(missing),
        cache_dir: Some(dir.path().join("c")),
        ..Default::default()
    })
    .unwrap();
    let d = c
        .send(HttpRequest::get(format!("{}/x", f.api.uri())))
        .unwrap_err();
    assert_eq!(d.code, "connection::invalid");
}

#[test]
fn static_and_generic_oauth2_connections() {
    let f = Fake::new();
    f.write_connections(
        r#"[connections.gh]
type = "bearer"
token = "ghp_staticTOKEN123"

[connections.weather]
type = "api_key"
key = "wkey-5566"
query = "appid"

[connections.hdr]
type = "api_key"
key = "hkey-7788"
header = "X-API-Key"

[connections.legacy]
type = "basic"
username = "ann"
password = "pw-9900"

[connections.generic]
type = "oauth2"
token_url = "https://auth.example.test/token"
client_id = "gen-client"
client_secret = "gen-secret-1"
refresh_token = "gen-refresh-1"
"#,
    );
    f.rt.block_on(async {
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "gen-access-1", "expires_in": 3600, "token_type": "Bearer"}),
            ))
            .mount(&f.accounts)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&f.api)
            .await;
    });
    let c = f.client();
    for name in ["gh", "weather", "hdr", "legacy", "generic"] {
        let r = c
            .send(HttpRequest::get("https://api.example.test/data").with_connection(name))
            .unwrap();
        assert_eq!(r.body, "ok");
    }
    let reqs = f.api_requests();
    let auth = |i: usize| {
        reqs[i]
            .headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(auth(0).as_deref(), Some("Bearer ghp_staticTOKEN123"));
    assert_eq!(reqs[1].url.query(), Some("appid=wkey-5566"));
    assert_eq!(reqs[2].headers.get("x-api-key").unwrap(), "hkey-7788");
    assert_eq!(auth(3).as_deref(), Some("Basic YW5uOnB3LTk5MDA="));
    assert_eq!(auth(4).as_deref(), Some("Bearer gen-access-1"));
}

#[test]
fn invalid_toml_points_into_the_file() {
    let f = Fake::new();
    f.write_connections("[connections.bad]\ndatacenter = in\n");
    let d = f
        .client()
        .send(HttpRequest::get("https://www.zohoapis.in/x").with_connection("bad"))
        .unwrap_err();
    assert_eq!(d.code, "connection::invalid");
    let (_, span) = &d.labels[0];
    let text = &d.source.as_ref().unwrap().text;
    assert!(text[span.clone()].contains("in") || span.start <= text.find("= in").unwrap() + 3);
    assert!(d.help.is_some());
}

// ------------------------------------------------------------ mocks

fn mock_client(dir: &Path, mock: &str, connections: Option<&str>) -> HttpClient {
    let mp = dir.join("m.mock.toml");
    std::fs::write(&mp, mock).unwrap();
    let cp = dir.join("connections.toml");
    std::fs::write(&cp, connections.unwrap_or("")).unwrap();
    HttpClient::new(HttpOptions {
        connections_path: Some(cp),
        mock_path: Some(mp),
        cache_dir: Some(dir.join("cache")),
        timeout: Duration::from_millis(500),
        ..Default::default()
    })
    .unwrap()
}

const BOOKS_MOCK: &str = r#"
[connections.kalki_books_connection]
datacenter = "in"

[[request]]
method = "GET"
url = "https://www.zohoapis.in/books/v3/invoices*"
query = { organization_id = "60012345" }
request_headers = { Authorization = "Zoho-oauthtoken mock-token" }
json = { code = 0, message = "success", invoices = [{ invoice_id = 4000000012345678901, total = 12.5 }] }

[[request]]
url = "https://example.com/once"
times = 1
body = "first"

[[request]]
url = "https://example.com/once"
status = 404
body = "then"
headers = { "X-Rate-Limit-Remaining" = "7" }

[[request]]
method = "POST"
url = "https://example.com/form"
form = { name = "A*" }
body = "form matched"

[[request]]
method = "POST"
url = "https://example.com/form"
request_json = { kind = "json" }
body = "json matched"

[[request]]
url = "https://example.com/slow"
delay_ms = 2000
body = "late"
"#;

#[test]
fn mock_answers_with_json_and_connection_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let c = mock_client(dir.path(), BOOKS_MOCK, None);
    let r = c.send(invoices()).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert!(
        r.body.contains("4000000012345678901"),
        "exact integers: {}",
        r.body
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["code"], 0);
    // no token was ever fetched or cached
    assert!(!dir.path().join("cache").exists());
    // query mismatch → unmocked
    let d = c
        .send(
            HttpRequest::get("https://www.zohoapis.in/books/v3/invoices?organization_id=1")
                .with_connection("kalki_books_connection"),
        )
        .unwrap_err();
    assert_eq!(d.code, "http::unmocked");
    assert!(
        d.message
            .contains("GET https://www.zohoapis.in/books/v3/invoices?organization_id=1"),
        "{}",
        d.message
    );
    assert!(d.help.unwrap().contains("[[request]]"));
}

#[test]
fn mock_times_first_match_and_body_matching() {
    let dir = tempfile::tempdir().unwrap();
    let c = mock_client(dir.path(), BOOKS_MOCK, None);
    let once = || {
        c.send(HttpRequest::get("https://example.com/once"))
            .unwrap()
    };
    let r1 = once();
    assert_eq!((r1.status, r1.body.as_str()), (200, "first"));
    let r2 = once();
    assert_eq!((r2.status, r2.body.as_str()), (404, "then"));
    assert_eq!(r2.header("x-rate-limit-remaining"), Some("7"));
    let mut post = HttpRequest::get("https://example.com/form");
    post.method = "POST".into();
    post.body = RequestBody::Form(vec![("name".into(), "Ann".into())]);
    assert_eq!(c.send(post.clone()).unwrap().body, "form matched");
    post.body = RequestBody::Text(r#"{"kind":"json","n":1}"#.into());
    assert_eq!(c.send(post.clone()).unwrap().body, "json matched");
    post.body = RequestBody::Form(vec![("name".into(), "Zed".into())]);
    assert_eq!(c.send(post).unwrap_err().code, "http::unmocked");
    // unmocked never touches the network
    let d = c
        .send(HttpRequest::get("http://127.0.0.1:9/never"))
        .unwrap_err();
    assert_eq!(d.code, "http::unmocked");
    assert!(d.message.contains("GET http://127.0.0.1:9/never"));
}

#[test]
fn mock_delay_beyond_timeout_is_socket_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let c = mock_client(dir.path(), BOOKS_MOCK, None);
    let d = c
        .send(HttpRequest::get("https://example.com/slow"))
        .unwrap_err();
    assert_eq!(d.message, "socket timeout error");
}

#[test]
fn mock_mode_never_needs_secrets_and_still_checks_connections() {
    let dir = tempfile::tempdir().unwrap();
    let conns = "[connections.kalki_books_connection]\ndatacenter = \"in\"\nclient_id = \"x\"\nclient_secret = \"${DLG_TEST_SURELY_UNSET_1}\"\nrefresh_token = \"${DLG_TEST_SURELY_UNSET_2}\"\n";
    let mock = r#"
[[request]]
url = "https://www.zohoapis.com/*"
request_headers = { Authorization = "Zoho-oauthtoken mock-token" }
json = { code = 57, message = "You are not authorized to perform this operation" }
status = 401

[[request]]
url = "https://www.zohoapis.in/*"
json = { code = 0 }
"#;
    let c = mock_client(dir.path(), mock, Some(conns));
    assert_eq!(c.send(invoices()).unwrap().status, 200);
    let d = c
        .send(
            HttpRequest::get("https://www.zohoapis.com/books/v3/invoices")
                .with_connection("kalki_books_connection"),
        )
        .unwrap_err();
    assert_eq!(d.code, "zoho::not_authorized");
    assert_eq!(c.warnings()[0].code, "zoho::datacenter_mismatch");
    let d = c
        .send(HttpRequest::get("https://www.zohoapis.in/x").with_connection("nope"))
        .unwrap_err();
    assert_eq!(d.code, "connection::unknown");
}

#[test]
fn bad_mock_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mp = dir.path().join("bad.toml");
    std::fs::write(
        &mp,
        "[[request]]\nurl = \"x\"\njson = { a = 1 }\nbody = \"b\"\n",
    )
    .unwrap();
    let e = HttpClient::new(HttpOptions {
        mock_path: Some(mp.clone()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, "http::mock_file");
    std::fs::write(&mp, "[[request]]\nurl = \"x\"\nstatuss = 200\n").unwrap();
    let e = HttpClient::new(HttpOptions {
        mock_path: Some(mp),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, "http::mock_file");
    assert!(!e.labels.is_empty());
}

#[allow(dead_code)]
fn _assert_types(r: HttpResponse) -> HttpResponse {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<HttpClient>();
    r
}

#[test]
fn connection_auth_replaces_user_authorization_header() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let mut req = invoices();
    req.headers = vec![(
        "authorization".into(),
        "Zoho-oauthtoken user-supplied".into(),
    )];
    assert_eq!(f.client().send(req).unwrap().status, 200);
    let api = f.api_requests();
    let values: Vec<_> = api[0].headers.get_all("authorization").iter().collect();
    assert_eq!(values.len(), 1);
}

#[test]
fn canada_refreshes_at_zohocloud_and_legacy_expires_in_sec() {
    let f = Fake::new();
    std::fs::write(
        f.dir.path().join("connections.toml"),
        format!(
            r#"[hosts]
"accounts.zohocloud.ca" = "{acc}"
"www.zohoapis.ca" = "{api}"

[connections.canada]
datacenter = "ca"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
refresh_token = "{REFRESH_TOKEN}"
"#,
            acc = f.accounts.uri(),
            api = f.api.uri()
        ),
    )
    .unwrap();
    // Legacy shape: expires_in in ms when expires_in_sec is present; no api_domain.
    f.token_body(json!({"access_token": ACCESS_1, "expires_in_sec": 3600, "expires_in": 3600000}));
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let c = f.client();
    let r = c
        .send(
            HttpRequest::get("https://www.zohoapis.ca/books/v3/invoices").with_connection("canada"),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(c.warnings().is_empty(), "zohoapis.ca is the CA data center");
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&token_files(&f.cache_dir())[0]).unwrap())
            .unwrap();
    let left = cached["expires_at"].as_u64().unwrap() - dlg::connections::token::now_secs();
    assert!((3500..=3600).contains(&left), "{left}");
    assert_eq!(
        c.api_domain("canada").as_deref(),
        Some("https://www.zohoapis.ca")
    );
}

#[test]
fn books_example_fixture_answers_offline() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http_fixtures/books_invoices.mock.toml");
    let dir = tempfile::tempdir().unwrap();
    let c = HttpClient::new(HttpOptions {
        // an empty connections file: the mock file declares the connection
        connections_path: Some({
            let p = dir.path().join("connections.toml");
            std::fs::write(&p, "").unwrap();
            p
        }),
        mock_path: Some(fixture),
        cache_dir: Some(dir.path().join("cache")),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.connection_names(), vec!["kalki_books_connection"]);
    let r = c
        .send(
            HttpRequest::get("https://www.zohoapis.in/books/v3/invoices?organization_id=XXXXX")
                .with_connection("kalki_books_connection"),
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["code"], 0);
    assert_eq!(
        v["invoices"][0]["invoice_id"].as_u64(),
        Some(4000000012345678901)
    );
    assert!(c.warnings().is_empty());
    let d = c
        .send(
            HttpRequest::get("https://www.zohoapis.in/books/v3/invoices")
                .with_connection("other_conn"),
        )
        .unwrap_err();
    assert_eq!(d.code, "connection::unknown");
    assert!(d.help.unwrap().contains("books_invoices.mock.toml"));
}

#[test]
fn verbose_failure_paths_print_no_secret() {
    let f = Fake::new();
    f.write_connections("");
    f.token_body(
        json!({"error": "invalid_client", "error_description": format!("bad {CLIENT_SECRET}")}),
    );
    let mut vars = child_vars(&f, INVOICES_URL, "kalki_books_connection");
    vars.push(("CHILD_VERBOSE", "1".into()));
    let out = child(&vars).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("@@ERR oauth::invalid_client"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("[dlg http] > POST"), "{stderr}");
    assert_no_secret(&stdout);
    assert_no_secret(&stderr);
}

#[test]
fn send_works_from_inside_an_async_context() {
    let f = Fake::new();
    f.write_connections("");
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let c = f.client();
    let status =
        f.rt.block_on(async { c.send(invoices()).map(|r| r.status) });
    assert_eq!(status.unwrap(), 200);
}

#[test]
fn describe_connections_lists_kinds_and_tokens() {
    let f = Fake::new();
    f.write_connections(
        "[connections.gh]\ntype = \"bearer\"\ntoken = \"ghp_x123456\"\n\n[connections.needs-env]\ndatacenter = \"eu\"\nclient_id = \"x\"\nclient_secret = \"${DLG_TEST_SURELY_UNSET_3}\"\nrefresh_token = \"y\"\n",
    );
    f.token_ok(ACCESS_1, None, Duration::ZERO);
    f.api_ok_for(ACCESS_1, json!({"code": 0}));
    let c = f.client();
    c.send(invoices()).unwrap();
    let info = c.describe_connections().unwrap();
    let names: Vec<_> = info
        .iter()
        .map(|i| (i.name.as_str(), i.kind, i.datacenter))
        .collect();
    assert_eq!(
        names,
        vec![
            ("gh", "bearer", None),
            ("kalki_books_connection", "zoho", Some("in")),
            ("needs-env", "invalid", None)
        ]
    );
    assert!(info[1].token_expires_in.unwrap() > 3000);
    assert!(
        info[2]
            .problem
            .as_ref()
            .unwrap()
            .message
            .contains("DLG_TEST_SURELY_UNSET_3")
    );
    assert_eq!(
        c.connections_file(),
        Some(f.dir.path().join("connections.toml"))
    );
    for i in &info {
        assert_no_secret(&format!("{i:?}"));
    }
}

#[test]
fn datacenter_and_scope_aliases_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("connections.toml");
    std::fs::write(
        &path,
        "[connections.a]\ndc = \"eu\"\nclient_id = \"id\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\nscope = \"ZohoCRM.modules.ALL\"\n\n[connections.b]\nregion = \"in\"\nclient_id = \"id\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n",
    )
    .unwrap();
    let conns = dlg::connections::Connections::discover(Some(&path)).expect("file parses");
    let a = conns.resolve("a", true).expect("a resolves");
    assert_eq!(a.datacenter().map(|d| d.code), Some("eu"));
    let b = conns.resolve("b", true).expect("b resolves");
    assert_eq!(b.datacenter().map(|d| d.code), Some("in"));
}
