//! End-to-end tests through the real `dlg` binary: fake Zoho accounts and
//! API servers (wiremock, 127.0.0.1 only) reached through `[hosts]` in a
//! temporary connections.toml; cache, config and home in temp dirs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "1000.E2EPUBLICCLIENT";
const CLIENT_SECRET: &str = "e2e-cLiEnT-sEcReT-5b1c";
const REFRESH_TOKEN: &str = "1000.e2e-rEfReSh-77aa.beef";
const ACCESS_1: &str = "1000.e2e-aCcEsS-one.1111";
const ACCESS_2: &str = "1000.e2e-aCcEsS-two.2222";
const SECRETS: &[&str] = &[CLIENT_SECRET, REFRESH_TOKEN, ACCESS_1, ACCESS_2];

const SNIPPET: &str = r#"response = invokeurl
[
  url :"https://www.zohoapis.in/books/v3/invoices?organization_id=XXXXX"
  type :GET
  connection :"kalki_books_connection"
];
info response.get("code");
"#;

struct Fake {
    rt: tokio::runtime::Runtime,
    accounts: MockServer,
    api: MockServer,
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// stderr with miette's frame characters removed and whitespace
    /// collapsed, so wrapped help lines can be matched as one line.
    fn flat_err(&self) -> String {
        flatten(&self.stderr)
    }

    fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    fn fails_with(&self, code: &str) -> &Self {
        assert_eq!(
            self.code, 1,
            "expected exit 1 ({code})\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(code),
            "expected {code} on stderr:\n{}",
            self.stderr
        );
        self
    }

    fn err_has(&self, text: &str) -> &Self {
        assert!(
            self.flat_err().contains(&flatten(text)),
            "expected {text:?} on stderr:\n{}",
            self.stderr
        );
        self
    }

    fn no_secret(&self) -> &Self {
        for s in SECRETS {
            assert!(
                !self.stdout.contains(s) && !self.stderr.contains(s),
                "secret {s:?} leaked\nstdout:\n{}\nstderr:\n{}",
                self.stdout,
                self.stderr
            );
        }
        self
    }
}

fn flatten(s: &str) -> String {
    s.replace(['│', '×', '╭', '╰', '─', '┬', '┼', '·', '⚠'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
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
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "xdg-cache", "config", "work"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let f = Fake {
            rt,
            accounts,
            api,
            dir,
        };
        f.write_connections("");
        f
    }

    fn conn_path(&self) -> PathBuf {
        self.dir.path().join("connections.toml")
    }

    fn write_connections(&self, extra: &str) {
        let text = format!(
            r#"[hosts]
"accounts.zoho.in" = "{acc}"
"accounts.zoho.com" = "{acc}"
"www.zohoapis.in" = "{api}"
"www.zohoapis.com" = "{api}"
"api.example.test" = "{api}"

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
        std::fs::write(self.conn_path(), text).unwrap();
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn command(&self, script: &str, args: &[&str]) -> Command {
        let file = self.dir.path().join("work").join(format!(
            "s{}.dg",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::write(&file, script).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
        cmd.arg("run")
            .arg(&file)
            .arg("--connections")
            .arg(self.conn_path())
            .args(args);
        self.env(&mut cmd);
        cmd
    }

    fn env(&self, cmd: &mut Command) {
        let d = self.dir.path();
        cmd.current_dir(d.join("work"))
            .env("HOME", d.join("home"))
            .env("XDG_CACHE_HOME", d.join("xdg-cache"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("DLG_CACHE_DIR", self.cache_dir())
            .env("NO_COLOR", "1")
            .env_remove("DLG_CONNECTIONS")
            .stdin(Stdio::null());
    }

    fn run(&self, script: &str, args: &[&str]) -> Run {
        Run::from(self.command(script, args).output().unwrap())
    }

    fn dlg(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
        cmd.args(args);
        self.env(&mut cmd);
        Run::from(cmd.output().unwrap())
    }

    fn mount(&self, m: Mock, on_api: bool) {
        let server = if on_api { &self.api } else { &self.accounts };
        self.rt.block_on(m.mount(server));
    }

    fn token_ok(&self, token: &str, delay: Duration) {
        self.mount(
            Mock::given(method("POST"))
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
                ),
            false,
        );
    }

    fn token_body(&self, status: u16, body: serde_json::Value) {
        self.mount(
            Mock::given(method("POST"))
                .and(path("/oauth/v2/token"))
                .respond_with(ResponseTemplate::new(status).set_body_json(body)),
            false,
        );
    }

    fn api_json(&self, http_method: &str, p: &str, body: serde_json::Value) {
        self.mount(
            Mock::given(method(http_method))
                .and(path(p))
                .respond_with(ResponseTemplate::new(200).set_body_json(body)),
            true,
        );
    }

    fn invoices_for(&self, token: &str, body: serde_json::Value) {
        self.mount(
            Mock::given(method("GET"))
                .and(path("/books/v3/invoices"))
                .and(header(
                    "authorization",
                    format!("Zoho-oauthtoken {token}").as_str(),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(body)),
            true,
        );
    }

    fn token_requests(&self) -> Vec<Request> {
        self.rt
            .block_on(self.accounts.received_requests())
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == "/oauth/v2/token")
            .collect()
    }

    fn api_requests(&self) -> Vec<Request> {
        self.rt.block_on(self.api.received_requests()).unwrap()
    }
}

fn header_of<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
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

// ------------------------------------------------------- the issue snippet

#[test]
fn snippet_prints_code_with_one_token_request_over_three_runs() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.invoices_for(
        ACCESS_1,
        json!({"code": 0, "message": "success", "invoices": []}),
    );
    for _ in 0..3 {
        let r = f.run(SNIPPET, &[]);
        r.ok().no_secret();
        assert_eq!(r.stdout, "0\n");
    }
    let tokens = f.token_requests();
    assert_eq!(tokens.len(), 1, "one token request for three runs");
    let body = String::from_utf8_lossy(&tokens[0].body).into_owned();
    assert!(body.contains("grant_type=refresh_token"), "{body}");
    assert!(body.contains(CLIENT_ID), "{body}");
    let api = f.api_requests();
    assert_eq!(api.len(), 3);
    for r in &api {
        assert_eq!(
            header_of(r, "authorization"),
            Some(format!("Zoho-oauthtoken {ACCESS_1}").as_str())
        );
        assert_eq!(r.url.query(), Some("organization_id=XXXXX"));
    }
}

#[test]
fn snippet_prints_the_fakes_code() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.invoices_for(ACCESS_1, json!({"code": 4242, "message": "fake"}));
    let r = f.run(SNIPPET, &[]);
    r.ok();
    assert_eq!(r.stdout, "4242\n");
}

#[test]
fn twenty_concurrent_runs_refresh_once_and_cache_is_private() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::from_millis(300));
    f.invoices_for(ACCESS_1, json!({"code": 0}));
    let children: Vec<_> = (0..20)
        .map(|_| {
            f.command(SNIPPET, &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for ch in children {
        let r = Run::from(ch.wait_with_output().unwrap());
        r.ok().no_secret();
        assert_eq!(r.stdout, "0\n");
    }
    assert_eq!(f.token_requests().len(), 1);
    assert_eq!(f.api_requests().len(), 20);
    let files = token_files(&f.cache_dir());
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in &files {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        let dir_mode = std::fs::metadata(f.cache_dir().join("tokens"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
    // No temp files left behind by the atomic writes.
    let leftovers: Vec<_> = std::fs::read_dir(f.cache_dir().join("tokens"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn unauthorized_refreshes_and_retries_once() {
    let f = Fake::new();
    // First token is rejected by the API, the second accepted.
    f.mount(
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": ACCESS_1, "expires_in": 3600})),
            )
            .up_to_n_times(1)
            .with_priority(1),
        false,
    );
    f.token_ok(ACCESS_2, Duration::ZERO);
    f.invoices_for(ACCESS_2, json!({"code": 7}));
    f.mount(
        Mock::given(method("GET"))
            .and(path("/books/v3/invoices"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": 14}))),
        true,
    );
    let r = f.run(SNIPPET, &[]);
    r.ok().no_secret();
    assert_eq!(r.stdout, "7\n");
    assert_eq!(f.token_requests().len(), 2);
}

// ------------------------------------------------------------ diagnostics

fn oauth_cases() -> Vec<(serde_json::Value, u16, &'static str, &'static str)> {
    vec![
        (
            json!({"error": "invalid_client"}),
            200,
            "oauth::invalid_client",
            "check client_id and client_secret of [connections.kalki_books_connection]",
        ),
        (
            json!({"error": "invalid_code"}),
            200,
            "oauth::invalid_code",
            "generate a new grant code",
        ),
        (
            json!({"error": "invalid_scope"}),
            200,
            "oauth::invalid_scope",
            "generate a new code and refresh token with the right scopes",
        ),
        (
            json!({"error": "access_denied"}),
            200,
            "oauth::access_denied",
            "accept the consent screen",
        ),
        (
            json!({"error": "Access Denied", "error_description": "You have made too many requests continuously. Please try again after some time."}),
            200,
            "oauth::rate_limited",
            "wait up to 10 minutes and retry",
        ),
        (
            json!({"error": "too_many_requests"}),
            429,
            "oauth::rate_limited",
            "wait up to 10 minutes and retry",
        ),
    ]
}

#[test]
fn each_oauth_error_exits_1_with_code_and_help() {
    for (body, status, code, help) in oauth_cases() {
        let f = Fake::new();
        f.token_body(status, body.clone());
        f.invoices_for(ACCESS_1, json!({"code": 0}));
        for verbose in [false, true] {
            let args: &[&str] = if verbose { &["--verbose"] } else { &[] };
            let r = f.run(SNIPPET, args);
            r.fails_with(code).err_has(help).no_secret();
            assert!(r.stdout.is_empty(), "{body}: {}", r.stdout);
        }
        assert!(f.api_requests().is_empty(), "{body}: no API call");
        assert!(token_files(&f.cache_dir()).is_empty());
    }
}

#[test]
fn books_code_57_is_not_authorized() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.mount(
        Mock::given(method("GET"))
            .and(path("/books/v3/invoices"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"code": 57, "message": "You are not authorized to perform this operation"}),
            )),
        true,
    );
    let r = f.run(SNIPPET, &[]);
    r.fails_with("zoho::not_authorized")
        .err_has("code 57")
        .err_has("the API domain must match the token's data center")
        .no_secret();
    // refreshed once and retried once
    assert_eq!(f.api_requests().len(), 2);
}

#[test]
fn datacenter_mismatch_warns_but_the_run_succeeds() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.invoices_for(ACCESS_1, json!({"code": 0}));
    let script = SNIPPET.replace("www.zohoapis.in", "www.zohoapis.com");
    let r = f.run(&script, &[]);
    r.ok().no_secret();
    assert_eq!(r.stdout, "0\n");
    r.err_has("zoho::datacenter_mismatch")
        .err_has("www.zohoapis.com belongs to Zoho data center 'us'")
        .err_has("call https://www.zohoapis.in instead");
}

#[test]
fn unknown_connection_lists_names_with_did_you_mean() {
    let f = Fake::new();
    let script = SNIPPET.replace("kalki_books_connection", "kalki_book_connection");
    let r = f.run(&script, &[]);
    r.fails_with("connection::unknown")
        .err_has("did you mean 'kalki_books_connection'?")
        .err_has("known connections in")
        .no_secret();
    assert!(f.token_requests().is_empty());
}

#[test]
fn invalid_connections_file_shows_a_snippet_without_secrets() {
    let f = Fake::new();
    // A misspelt key: deny_unknown_fields → span into the file.
    std::fs::write(
        f.conn_path(),
        format!(
            "[connections.kalki_books_connection]\ndatacenter = \"in\"\nclient_id = \"{CLIENT_ID}\"\nclient_secert = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\n"
        ),
    )
    .unwrap();
    let r = f.run(SNIPPET, &[]);
    r.fails_with("connection::invalid")
        .err_has("connections.toml")
        .err_has("client_secert")
        .no_secret();
    // The snippet shows the file's lines (with secret values blanked).
    assert!(
        r.stderr.contains(&format!("client_id = \"{CLIENT_ID}\"")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("client_secert = \"***"), "{}", r.stderr);

    // Broken TOML syntax.
    std::fs::write(
        f.conn_path(),
        format!("[connections.x]\nrefresh_token = \"{REFRESH_TOKEN}\"\ndatacenter = \"in\n"),
    )
    .unwrap();
    let r = f.run(SNIPPET, &["--verbose"]);
    r.fails_with("connection::invalid")
        .err_has("fix the TOML")
        .no_secret();

    // A missing field names the field.
    std::fs::write(
        f.conn_path(),
        format!("[connections.kalki_books_connection]\ndatacenter = \"in\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n"),
    )
    .unwrap();
    let r = f.run(SNIPPET, &[]);
    r.fails_with("connection::invalid")
        .err_has("is missing `refresh_token`")
        .no_secret();
}

#[test]
fn env_references_keep_secrets_out_of_the_file() {
    let f = Fake::new();
    std::fs::write(
        f.conn_path(),
        format!(
            "[hosts]\n\"accounts.zoho.in\" = \"{}\"\n\"www.zohoapis.in\" = \"{}\"\n[connections.kalki_books_connection]\ndatacenter = \"in\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"${{E2E_SECRET}}\"\nrefresh_token = \"${{E2E_REFRESH}}\"\n",
            f.accounts.uri(),
            f.api.uri()
        ),
    )
    .unwrap();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.invoices_for(ACCESS_1, json!({"code": 0}));
    let r = f.run(SNIPPET, &[]);
    r.fails_with("connection::invalid")
        .err_has("environment variable E2E_SECRET");
    let mut cmd = f.command(SNIPPET, &[]);
    cmd.env("E2E_SECRET", CLIENT_SECRET)
        .env("E2E_REFRESH", REFRESH_TOKEN);
    let r = Run::from(cmd.output().unwrap());
    r.ok().no_secret();
    assert_eq!(r.stdout, "0\n");
    let body = String::from_utf8_lossy(&f.token_requests()[0].body).into_owned();
    assert!(
        body.contains("client_secret=e2e-cLiEnT-sEcReT-5b1c"),
        "{body}"
    );
}

#[test]
fn timeout_is_socket_timeout_error_and_catchable() {
    let f = Fake::new();
    f.mount(
        Mock::given(method("GET")).and(path("/slow")).respond_with(
            ResponseTemplate::new(200)
                .set_body_string("late")
                .set_delay(Duration::from_secs(4)),
        ),
        true,
    );
    let call = r#"r = invokeurl [ url: "https://api.example.test/slow" type: GET ];"#;
    let started = std::time::Instant::now();
    let r = f.run(&format!("{call}\ninfo r;\n"), &["--timeout", "1"]);
    assert!(started.elapsed() < Duration::from_secs(4));
    r.fails_with("http::timeout")
        .err_has("socket timeout error");
    let script = format!(
        "try\n{{\n  {call}\n  info \"not reached\";\n}}\ncatch (e)\n{{\n  info e.message;\n}}\ninfo \"after\";\n"
    );
    let r = f.run(&script, &["--timeout", "1"]);
    r.ok();
    assert_eq!(r.stdout, "socket timeout error\nafter\n");
}

// -------------------------------------------------------- response shapes

#[test]
fn response_shapes_text_list_and_detailed() {
    let f = Fake::new();
    f.mount(
        Mock::given(method("GET"))
            .and(path("/text"))
            .respond_with(ResponseTemplate::new(200).set_body_string("hello <b>world</b>")),
        true,
    );
    f.mount(
        Mock::given(method("GET")).and(path("/list")).respond_with(
            ResponseTemplate::new(200).set_body_raw(
                r#"[{"id": 4000000012345678901}, 2, "three"]"#,
                "application/json",
            ),
        ),
        true,
    );
    f.mount(
        Mock::given(method("GET"))
            .and(path("/detailed"))
            .respond_with(
                ResponseTemplate::new(201)
                    .insert_header("X-Custom", "yes")
                    .set_body_json(json!({"ok": true})),
            ),
        true,
    );
    let script = r#"t = invokeurl [ url: "https://api.example.test/text" type: GET ];
info t;
info t.contains("world");
l = invokeurl [ url: "https://api.example.test/list" type: GET ];
info l.size();
info l.get(0).get("id");
info l.get(2);
d = invokeurl [ url: "https://api.example.test/detailed" type: GET detailed: true ];
info d.get("responseCode");
info d.get("responseText").get("ok");
info d.get("responseHeader").get("x-custom");
info d.keys();
"#;
    let r = f.run(script, &[]);
    r.ok();
    assert_eq!(
        r.stdout,
        "hello <b>world</b>\ntrue\n3\n4000000012345678901\nthree\n201\ntrue\nyes\nresponseCode,responseText,responseHeader\n"
    );
}

#[test]
fn post_form_json_headers_and_get_query() {
    let f = Fake::new();
    f.api_json("POST", "/form", json!({"got": "form"}));
    f.api_json("POST", "/json", json!({"got": "json"}));
    f.mount(
        Mock::given(method("GET"))
            .and(path("/search"))
            .and(query_param("name", "Kalki Traders"))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"got": "query"}))),
        true,
    );
    let script = r#"m = Map();
m.put("name", "Kalki & Sons");
m.put("count", 3);
h = Map();
h.put("X-Trace", "abc-123");
a = invokeurl [ url: "https://api.example.test/form" type: POST parameters: m headers: h ];
info a.get("got");
b = invokeurl [ url: "https://api.example.test/json" type: POST parameters: m.toString() content-type: "application/json" headers: h ];
info b.get("got");
q = Map();
q.put("name", "Kalki Traders");
q.put("page", 2);
c = invokeurl [ url: "https://api.example.test/search" type: GET parameters: q ];
info c.get("got");
"#;
    let r = f.run(script, &[]);
    r.ok();
    assert_eq!(r.stdout, "form\njson\nquery\n");
    let reqs = f.api_requests();
    let form = reqs.iter().find(|r| r.url.path() == "/form").unwrap();
    assert_eq!(
        header_of(form, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8_lossy(&form.body),
        "name=Kalki+%26+Sons&count=3"
    );
    assert_eq!(header_of(form, "x-trace"), Some("abc-123"));
    let js = reqs.iter().find(|r| r.url.path() == "/json").unwrap();
    assert_eq!(header_of(js, "content-type"), Some("application/json"));
    assert_eq!(header_of(js, "x-trace"), Some("abc-123"));
    let body: serde_json::Value = serde_json::from_slice(&js.body).unwrap();
    assert_eq!(body, json!({"name": "Kalki & Sons", "count": 3}));
}

#[test]
fn get_url_and_post_url() {
    let f = Fake::new();
    f.mount(
        Mock::given(method("GET"))
            .and(path("/legacy"))
            .and(header("x-k", "v"))
            .respond_with(ResponseTemplate::new(200).set_body_string("plain")),
        true,
    );
    f.api_json("POST", "/legacy", json!({"posted": 1}));
    let script = r#"h = Map();
h.put("x-k", "v");
info getUrl("https://api.example.test/legacy", h);
d = getUrl("https://api.example.test/legacy", h, false);
info d.get("responseCode");
p = Map();
p.put("a", "1");
info postUrl("https://api.example.test/legacy", p);
"#;
    let r = f.run(script, &[]);
    r.ok();
    assert_eq!(r.stdout, "plain\n200\n{\"posted\":1}\n");
    let post = f
        .api_requests()
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&post.body), "a=1");
}

// ------------------------------------------------------------------ mocks

#[test]
fn books_example_runs_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let f = Fake::new();
    let r = f.dlg(&[
        "run",
        "--mock",
        root.join("scripts/books_invoices.mock.toml")
            .to_str()
            .unwrap(),
        root.join("scripts/books_invoices.dg").to_str().unwrap(),
    ]);
    r.ok();
    assert_eq!(r.stdout, "0\n");
}

#[test]
fn unmatched_mock_is_http_unmocked() {
    let f = Fake::new();
    let mock = f.dir.path().join("m.toml");
    std::fs::write(
        &mock,
        "[[request]]\nmethod = \"GET\"\nurl = \"https://api.example.test/known\"\nbody = \"ok\"\n",
    )
    .unwrap();
    let script = r#"info invokeurl [ url: "https://api.example.test/known" type: GET ];
info invokeurl [ url: "https://api.example.test/other?x=1" type: POST ];
"#;
    let r = f.run(script, &["--mock", mock.to_str().unwrap()]);
    r.fails_with("http::unmocked")
        .err_has("no mock for POST https://api.example.test/other?x=1");
    assert_eq!(r.stdout, "ok\n");
    assert!(
        f.api_requests().is_empty(),
        "mock mode never uses the network"
    );
    assert!(f.token_requests().is_empty());
}

// ------------------------------------------------------------ secret scan

#[test]
fn secret_scan_over_every_failure_path() {
    let mut checked = 0;
    // OAuth errors, with and without --verbose.
    for (body, status, code, _) in oauth_cases() {
        let f = Fake::new();
        f.token_body(status, body);
        for args in [&[][..], &["--verbose"][..]] {
            f.run(SNIPPET, args).fails_with(code).no_secret();
            checked += 1;
        }
    }
    // Code 57 (the API echoes the token back), 401 retry, success, timeout,
    // unreachable host, API error body echoing the secrets.
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.mount(
        Mock::given(method("GET"))
            .and(path("/books/v3/invoices"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"code": 57, "message": format!("token {ACCESS_1} not authorized")}),
            )),
        true,
    );
    f.mount(
        Mock::given(method("GET")).and(path("/slow")).respond_with(
            ResponseTemplate::new(200)
                .set_body_string("x")
                .set_delay(Duration::from_secs(3)),
        ),
        true,
    );
    for args in [&[][..], &["--verbose"][..]] {
        f.run(SNIPPET, args)
            .fails_with("zoho::not_authorized")
            .no_secret();
        let slow = SNIPPET.replace(
            "https://www.zohoapis.in/books/v3/invoices?organization_id=XXXXX",
            "https://www.zohoapis.in/slow",
        );
        let mut a = args.to_vec();
        a.extend(["--timeout", "1"]);
        f.run(&slow, &a).fails_with("http::timeout").no_secret();
        // Mismatch warning with the token in the trace.
        let mis = SNIPPET.replace("www.zohoapis.in", "www.zohoapis.com");
        f.run(&mis, args)
            .fails_with("zoho::not_authorized")
            .err_has("zoho::datacenter_mismatch")
            .no_secret();
        // Script errors after a call: the error message may quote values.
        f.run(
            "r = invokeurl [ url: \"https://www.zohoapis.in/books/v3/invoices\" connection: \"kalki_books_connection\" ];\n",
            args,
        )
        .fails_with("zoho::not_authorized")
        .no_secret();
        checked += 4;
    }
    // Unreachable accounts server.
    let f = Fake::new();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let text = std::fs::read_to_string(f.conn_path())
        .unwrap()
        .replace(&f.accounts.uri(), &format!("http://127.0.0.1:{dead}"));
    std::fs::write(f.conn_path(), text).unwrap();
    for args in [&[][..], &["--verbose"][..]] {
        f.run(SNIPPET, args).fails_with("http::request").no_secret();
        checked += 1;
    }
    // Invalid connections file, unknown connection, unset env var, mocks.
    let f = Fake::new();
    for args in [&[][..], &["--verbose"][..]] {
        let unknown = SNIPPET.replace("kalki_books_connection", "nope");
        f.run(&unknown, args)
            .fails_with("connection::unknown")
            .no_secret();
        let mock = f.dir.path().join("m.toml");
        std::fs::write(
            &mock,
            "[[request]]\nurl = \"https://x.test/\"\nbody = \"\"\n",
        )
        .unwrap();
        let mut a = args.to_vec();
        a.extend(["--mock", mock.to_str().unwrap()]);
        f.run(SNIPPET, &a).fails_with("http::unmocked").no_secret();
        checked += 2;
    }
    for bad in [
        format!(
            "[connections.kalki_books_connection]\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\ndatacenter = \"xx\"\n"
        ),
        format!(
            "[connections.kalki_books_connection]\nclient_secret = {CLIENT_SECRET}\nrefresh_token = \"{REFRESH_TOKEN}\"\n"
        ),
        format!(
            "[connections.kalki_books_connection]\nrefresh_token = \"{REFRESH_TOKEN}\"\nclient_secret = \"{CLIENT_SECRET}\"\ndatacenter = \"in\"\nclient_id = \"x\"\nscopes = 5\n"
        ),
        format!(
            "[connections.kalki_books_connection]\ntype = \"bearer\"\ntoken = [\"{ACCESS_1}\", 1]\n"
        ),
    ] {
        std::fs::write(f.conn_path(), &bad).unwrap();
        for args in [&[][..], &["--verbose"][..]] {
            f.run(SNIPPET, args)
                .fails_with("connection::invalid")
                .no_secret();
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked}");
}

// ---------------------------------------------------- connections commands

const NEW_REFRESH: &str = "1000.e2e-nEw-rEfReSh.cafe";
const GRANT_CODE: &str = "1000.e2e-gRaNt-code.0001";

#[test]
fn connections_list_shows_kinds_and_token_state_without_secrets() {
    let f = Fake::new();
    f.write_connections(&format!(
        "[connections.gh]\ntype = \"bearer\"\ntoken = \"{ACCESS_2}\"\n\n[connections.needs-env]\ndatacenter = \"eu\"\nclient_id = \"x\"\nclient_secret = \"${{DLG_E2E_SURELY_UNSET}}\"\nrefresh_token = \"{REFRESH_TOKEN}\"\n"
    ));
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.invoices_for(ACCESS_1, json!({"code": 0}));
    let conn = f.conn_path();
    let list = || {
        f.dlg(&[
            "connections",
            "list",
            "--connections",
            conn.to_str().unwrap(),
        ])
    };
    let r = list();
    r.ok().no_secret();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("connections file: "), "{}", r.stdout);
    assert!(lines[1].starts_with("NAME"), "{}", r.stdout);
    assert!(lines[2].starts_with("gh ") && lines[2].contains("bearer"));
    assert!(lines[2].contains("static credentials"));
    assert!(
        lines[3].contains("zoho") && lines[3].contains(" in ") && lines[3].contains("not cached")
    );
    assert!(lines[4].contains("invalid") && lines[4].contains("DLG_E2E_SURELY_UNSET"));
    f.run(SNIPPET, &[]).ok();
    let r = list();
    r.ok().no_secret();
    assert!(
        r.stdout.contains("cached, expires in 59m")
            || r.stdout.contains("cached, expires in 1h 00m"),
        "{}",
        r.stdout
    );
}

#[test]
fn connections_test_reports_token_state_and_diagnostics() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.invoices_for(ACCESS_1, json!({"code": 0}));
    let conn = f.conn_path();
    let c = conn.to_str().unwrap();
    let r = f.dlg(&[
        "connections",
        "test",
        "kalki_books_connection",
        "--connections",
        c,
    ]);
    r.ok().no_secret();
    assert!(
        r.stdout
            .starts_with("ok: connection 'kalki_books_connection': access token refreshed"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("api_domain https://www.zohoapis.in"));
    let r = f.dlg(&[
        "connections",
        "test",
        "kalki_books_connection",
        "--connections",
        c,
        "--url",
        "https://www.zohoapis.in/books/v3/invoices?organization_id=1",
    ]);
    r.ok().no_secret();
    assert!(r.stdout.contains("access token from cache"), "{}", r.stdout);
    assert!(r.stdout.contains("answered 200"), "{}", r.stdout);
    assert_eq!(f.token_requests().len(), 1);
    let r = f.dlg(&[
        "connections",
        "test",
        "kalki_books_connection",
        "--connections",
        c,
        "--refresh",
        "--verbose",
    ]);
    r.ok().no_secret();
    assert!(r.stdout.contains("access token refreshed"), "{}", r.stdout);
    assert_eq!(f.token_requests().len(), 2);
    let r = f.dlg(&["connections", "test", "kalki_book", "--connections", c]);
    r.fails_with("connection::unknown")
        .err_has("did you mean 'kalki_books_connection'?");

    let f = Fake::new();
    f.token_body(200, json!({"error": "invalid_client"}));
    let conn = f.conn_path();
    for args in [&[][..], &["--verbose"][..]] {
        let mut a = vec![
            "connections",
            "test",
            "kalki_books_connection",
            "--connections",
            conn.to_str().unwrap(),
        ];
        a.extend(args);
        f.dlg(&a).fails_with("oauth::invalid_client").no_secret();
    }
}

fn mount_code_exchange(f: &Fake) {
    f.mount(
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .and(body_string_contains("grant_type=authorization_code"))
            .and(body_string_contains(format!("code={GRANT_CODE}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": ACCESS_2,
                "refresh_token": NEW_REFRESH,
                "api_domain": "https://www.zohoapis.in",
                "token_type": "Bearer",
                "expires_in": 3600
            }))),
        false,
    );
    f.mount(
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code"})),
            ),
        false,
    );
}

#[test]
fn auth_prints_the_refresh_token_once_on_request() {
    let f = Fake::new();
    // A connection without a refresh token yet.
    let text = std::fs::read_to_string(f.conn_path())
        .unwrap()
        .replace(&format!("refresh_token = \"{REFRESH_TOKEN}\"\n"), "");
    std::fs::write(f.conn_path(), text).unwrap();
    mount_code_exchange(&f);
    let conn = f.conn_path();
    let c = conn.to_str().unwrap();
    let r = f.dlg(&[
        "auth",
        "kalki_books_connection",
        "--code",
        GRANT_CODE,
        "--connections",
        c,
        "--print",
    ]);
    r.ok().no_secret();
    assert_eq!(r.stdout.matches(NEW_REFRESH).count(), 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("refresh_token = \"{NEW_REFRESH}\""))
    );
    assert!(!r.stderr.contains(NEW_REFRESH) && !r.stderr.contains(GRANT_CODE));
    let reqs = f.token_requests();
    assert_eq!(reqs.len(), 1);
    let body = String::from_utf8_lossy(&reqs[0].body).into_owned();
    assert!(body.contains("grant_type=authorization_code"), "{body}");
    assert!(body.contains(&format!("client_id={CLIENT_ID}")), "{body}");
    assert!(body.contains("client_secret="), "{body}");

    // `--code -` reads the code from stdin (keeps it out of `ps` and history).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.args([
        "auth",
        "kalki_books_connection",
        "--code",
        "-",
        "--connections",
        c,
        "--print",
    ]);
    f.env(&mut cmd);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut ch = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = ch.stdin.take().unwrap();
        writeln!(stdin, "{GRANT_CODE}").unwrap();
    }
    let r = Run::from(ch.wait_with_output().unwrap());
    r.ok().no_secret();
    assert!(r.stdout.contains(NEW_REFRESH), "{}", r.stdout);

    // A spent / expired code: its own diagnostic, nothing leaked.
    for args in [&[][..], &["--verbose"][..]] {
        let mut a = vec![
            "connections",
            "authorize",
            "kalki_books_connection",
            "--code",
            "1000.stale",
            "--connections",
            c,
            "--print",
        ];
        a.extend(args);
        let r = f.dlg(&a);
        r.fails_with("oauth::invalid_code")
            .err_has("a grant code works once")
            .no_secret();
        assert!(!r.stdout.contains("refresh_token ="));
    }
}

#[test]
fn authorize_writes_the_file_and_the_next_run_uses_it() {
    let f = Fake::new();
    mount_code_exchange(&f);
    f.invoices_for(ACCESS_2, json!({"code": 0}));
    let conn = f.conn_path();
    let c = conn.to_str().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&conn, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let r = f.dlg(&[
        "connections",
        "authorize",
        "kalki_books_connection",
        "--code",
        GRANT_CODE,
        "--connections",
        c,
        "--write",
    ]);
    r.ok().no_secret();
    assert!(!r.stdout.contains(NEW_REFRESH), "{}", r.stdout);
    assert!(
        r.stdout.contains("wrote the new refresh_token"),
        "{}",
        r.stdout
    );
    let text = std::fs::read_to_string(&conn).unwrap();
    assert!(
        text.contains(&format!("refresh_token = \"{NEW_REFRESH}\"")),
        "{text}"
    );
    assert!(!text.contains(REFRESH_TOKEN));
    assert!(text.contains("[hosts]") && text.contains(CLIENT_SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&conn).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The access token that came with the code is cached: no refresh.
    let r = f.run(SNIPPET, &[]);
    r.ok();
    assert_eq!(r.stdout, "0\n");
    assert_eq!(f.token_requests().len(), 1);

    // An ${ENV} refresh token is never overwritten.
    let text = text.replace(&format!("\"{NEW_REFRESH}\""), "\"${E2E_REFRESH}\"");
    std::fs::write(&conn, &text).unwrap();
    let r = f.dlg(&[
        "auth",
        "kalki_books_connection",
        "--code",
        GRANT_CODE,
        "--connections",
        c,
        "--write",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("E2E_REFRESH"));
    assert_eq!(f.token_requests().len(), 1, "the code is not spent");
}

// ------------------------------------------------------- record and replay

#[test]
fn record_then_replay_offline_gives_the_same_output_and_no_secrets() {
    let f = Fake::new();
    f.token_ok(ACCESS_1, Duration::ZERO);
    f.mount(
        Mock::given(method("GET"))
            .and(path("/books/v3/invoices"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("set-cookie", "zbsess=cookie-value-42; Path=/")
                    .insert_header("x-request-id", "volatile-77")
                    .set_body_json(
                        json!({"code": 0, "message": "success", "invoices": [], "note": null}),
                    ),
            ),
        true,
    );
    let rec = f.dir.path().join("work").join("recorded.toml");
    let recorded = f.run(SNIPPET, &["--record", rec.to_str().unwrap()]);
    recorded.ok().no_secret();
    assert_eq!(recorded.stdout, "0\n");
    let text = std::fs::read_to_string(&rec).unwrap();
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s:?} in recording:\n{text}");
    }
    assert!(
        !text.contains("cookie-value-42") && !text.contains("volatile-77"),
        "{text}"
    );
    assert!(
        !text.to_ascii_lowercase().contains("authorization"),
        "{text}"
    );
    assert!(
        text.contains("[connections.kalki_books_connection]"),
        "{text}"
    );
    // Replay in a fresh folder: no connections file, no server needed.
    let fresh = tempfile::tempdir().unwrap();
    std::fs::write(fresh.path().join("replay.dg"), SNIPPET).unwrap();
    std::fs::copy(&rec, fresh.path().join("recorded.toml")).unwrap();
    let replay = Run::from(
        Command::new(env!("CARGO_BIN_EXE_dlg"))
            .args(["run", "replay.dg", "--mock", "recorded.toml"])
            .current_dir(fresh.path())
            .env("HOME", fresh.path())
            .env("XDG_CONFIG_HOME", fresh.path())
            .env("DLG_CACHE_DIR", fresh.path())
            .env("NO_COLOR", "1")
            .env_remove("DLG_CONNECTIONS")
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    );
    replay.ok();
    assert_eq!(replay.stdout, recorded.stdout);
}
