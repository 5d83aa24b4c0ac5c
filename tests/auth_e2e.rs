//! `dlg auth` end to end through the real binary: a fake Zoho accounts
//! server (wiremock on 127.0.0.1, reached through `[hosts]`), a fake API
//! server, and a test "browser" that follows the consent URL. Home, cache,
//! data and config directories are temporary.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "1000.AUTHPUBLICCLIENT";
const CLIENT_SECRET: &str = "auth-cLiEnT-sEcReT-9f2e";
const FILE_REFRESH: &str = "1000.auth-fIlE-rEfReSh.0a0a";
const NEW_REFRESH: &str = "1000.auth-nEw-rEfReSh.cafe";
const NEWER_REFRESH: &str = "1000.auth-nEwEr-rEfReSh.beef";
const ACCESS_1: &str = "1000.auth-aCcEsS-one.1111";
const ACCESS_2: &str = "1000.auth-aCcEsS-two.2222";
const GRANT_CODE: &str = "1000.auth-gRaNt-code.0001";
const GRANT_CODE_2: &str = "1000.auth-gRaNt-code.0002";
const SECRETS: &[&str] = &[
    CLIENT_SECRET,
    FILE_REFRESH,
    NEW_REFRESH,
    NEWER_REFRESH,
    ACCESS_1,
    ACCESS_2,
    GRANT_CODE,
    GRANT_CODE_2,
];
const NAME: &str = "books";

const SNIPPET: &str = r#"response = invokeurl
[
  url :"https://www.zohoapis.in/books/v3/invoices?organization_id=1"
  type :GET
  connection :"books"
];
info response.get("code");
"#;

struct Fake {
    rt: tokio::runtime::Runtime,
    accounts: MockServer,
    eu_accounts: MockServer,
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
            flatten(&self.stderr).contains(&flatten(text)),
            "expected {text:?} on stderr:\n{}",
            self.stderr
        );
        self
    }

    fn out_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "expected {text:?} on stdout:\n{}",
            self.stdout
        );
        self
    }

    /// No secret at all on either stream.
    fn no_secret(&self) -> &Self {
        no_secret_in(&self.stdout);
        no_secret_in(&self.stderr);
        self
    }
}

fn no_secret_in(s: &str) {
    for sec in SECRETS {
        assert!(!s.contains(sec), "secret {sec:?} leaked in:\n{s}");
    }
}

fn flatten(s: &str) -> String {
    s.replace(['│', '×', '╭', '╰', '─', '┬', '┼', '·', '⚠'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fake consent page: redirects to `redirect_uri` with a code (or an
/// error), echoing `state` (or a wrong one).
struct Consent {
    code: &'static str,
    state: StateMode,
    error: Option<&'static str>,
    location: &'static str,
    accounts_server: String,
}

#[derive(Clone, Copy)]
enum StateMode {
    Echo,
    Wrong,
}

impl Respond for Consent {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q = |k: &str| {
            req.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let mut target = reqwest::Url::parse(&q("redirect_uri")).unwrap();
        {
            let mut p = target.query_pairs_mut();
            match self.error {
                Some(e) => {
                    p.append_pair("error", e);
                }
                None => {
                    p.append_pair("code", self.code)
                        .append_pair("location", self.location)
                        .append_pair("accounts-server", &self.accounts_server);
                }
            }
            match self.state {
                StateMode::Echo => p.append_pair("state", &q("state")),
                StateMode::Wrong => p.append_pair("state", "not-the-state"),
            };
        }
        ResponseTemplate::new(302).insert_header("location", target.as_str())
    }
}

impl Fake {
    fn new() -> Fake {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (accounts, eu_accounts, api) = rt.block_on(async {
            (
                MockServer::start().await,
                MockServer::start().await,
                MockServer::start().await,
            )
        });
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "xdg-cache", "config", "data", "work"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let f = Fake {
            rt,
            accounts,
            eu_accounts,
            api,
            dir,
        };
        f.write_connections("", "");
        f
    }

    fn conn_path(&self) -> PathBuf {
        self.dir.path().join("connections.toml")
    }

    fn c(&self) -> String {
        self.conn_path().to_str().unwrap().to_string()
    }

    /// `[connections.books]` with `extra_books` lines (e.g. a refresh
    /// token), then `extra` tables.
    fn write_connections(&self, extra_books: &str, extra: &str) {
        let text = format!(
            r#"# my connections
[hosts]
"accounts.zoho.in" = "{acc}"
"accounts.zoho.eu" = "{eu}"
"www.zohoapis.in" = "{api}"

[connections.books]   # Books, India
datacenter = "in"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
scopes = ["ZohoBooks.fullaccess.all"]
{extra_books}
{extra}
"#,
            acc = self.accounts.uri(),
            eu = self.eu_accounts.uri(),
            api = self.api.uri(),
        );
        std::fs::write(self.conn_path(), text).unwrap();
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn store_dir(&self) -> PathBuf {
        self.dir.path().join("data").join("dlg").join("store")
    }

    fn env(&self, cmd: &mut Command) {
        let d = self.dir.path();
        cmd.current_dir(d.join("work"))
            .env("HOME", d.join("home"))
            .env("XDG_CACHE_HOME", d.join("xdg-cache"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_DATA_HOME", d.join("data"))
            .env("DLG_CACHE_DIR", self.cache_dir())
            .env("NO_COLOR", "1")
            .env_remove("DLG_CONNECTIONS")
            .env_remove("DLG_STORE_DIR")
            .env_remove("BROWSER")
            .stdin(Stdio::null());
    }

    fn dlg(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
        cmd.args(args).args(["--connections", &self.c()]);
        self.env(&mut cmd);
        Run::from(cmd.output().unwrap())
    }

    fn run(&self, script: &str) -> Run {
        let file = self.dir.path().join("work").join("s.dg");
        std::fs::write(&file, script).unwrap();
        self.dlg(&["run", file.to_str().unwrap()])
    }

    fn mount(&self, m: Mock, server: &MockServer) {
        self.rt.block_on(m.mount(server));
    }

    /// Code exchange (`code` → `refresh`, ACCESS_2), refresh grants of
    /// `refresh` → ACCESS_1, anything else `invalid_code`.
    fn token_endpoint(&self, server: &MockServer, code: &str, refresh: &str) {
        self.mount(
            Mock::given(method("POST"))
                .and(path("/oauth/v2/token"))
                .and(body_string_contains("grant_type=authorization_code"))
                .and(body_string_contains(format!("code={code}").as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": ACCESS_2,
                    "refresh_token": refresh,
                    "api_domain": "https://www.zohoapis.in",
                    "token_type": "Bearer",
                    "expires_in": 3600
                }))),
            server,
        );
        self.mount(
            Mock::given(method("POST"))
                .and(path("/oauth/v2/token"))
                .and(body_string_contains("grant_type=refresh_token"))
                .and(body_string_contains(
                    format!("refresh_token={refresh}").as_str(),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": ACCESS_1,
                    "api_domain": "https://www.zohoapis.in",
                    "expires_in": 3600
                }))),
            server,
        );
    }

    fn token_fallback_invalid_code(&self) {
        self.mount(
            Mock::given(method("POST"))
                .and(path("/oauth/v2/token"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code"})),
                )
                .with_priority(10),
            &self.accounts,
        );
    }

    fn revoke_endpoint(&self) {
        self.mount(
            Mock::given(method("POST"))
                .and(path("/oauth/v2/token/revoke"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({"status": "success"})),
                ),
            &self.accounts,
        );
    }

    fn invoices(&self) {
        for token in [ACCESS_1, ACCESS_2] {
            self.mount(
                Mock::given(method("GET"))
                    .and(path("/books/v3/invoices"))
                    .and(header(
                        "authorization",
                        format!("Zoho-oauthtoken {token}").as_str(),
                    ))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": 0}))),
                &self.api,
            );
        }
    }

    fn requests(&self, server: &MockServer, p: &str) -> Vec<Request> {
        self.rt
            .block_on(server.received_requests())
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .collect()
    }

    fn clear_cache(&self) {
        let _ = std::fs::remove_dir_all(self.cache_dir());
    }
}

fn body(r: &Request) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn form(r: &Request) -> Vec<(String, String)> {
    url_pairs(&body(r))
}

fn url_pairs(s: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{s}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

// ------------------------------------------------------------ token store

#[test]
fn code_exchange_stores_the_token_outside_the_file_and_runs_use_it() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_fallback_invalid_code();
    f.invoices();
    let before = std::fs::read_to_string(f.conn_path()).unwrap();

    // Without a refresh token anywhere, a run says how to get one.
    f.run(SNIPPET)
        .fails_with("connection::invalid")
        .err_has("missing `refresh_token`")
        .err_has("dlg auth books")
        .no_secret();

    let r = f.dlg(&["auth", NAME, "--code", GRANT_CODE]);
    r.ok().no_secret();
    r.out_has("refresh token kept in the token store");
    r.err_has("Zoho keeps at most 20 refresh tokens per user and client");
    assert_eq!(std::fs::read_to_string(f.conn_path()).unwrap(), before);
    let store_file = f.store_dir().join("books.json");
    let stored = std::fs::read_to_string(&store_file).unwrap();
    assert!(stored.contains(NEW_REFRESH));
    #[cfg(unix)]
    {
        assert_eq!(mode(&store_file), 0o600);
        assert_eq!(mode(&f.store_dir()), 0o700);
    }
    let ex = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(ex.len(), 1);
    let fm = form(&ex[0]);
    assert_eq!(get(&fm, "grant_type"), Some("authorization_code"));
    assert_eq!(get(&fm, "code"), Some(GRANT_CODE));
    assert_eq!(get(&fm, "client_id"), Some(CLIENT_ID));
    assert_eq!(
        get(&fm, "redirect_uri"),
        None,
        "Self Client codes need none"
    );

    // The access token that came with the code is used first ...
    let r = f.run(SNIPPET);
    r.ok().no_secret();
    assert_eq!(r.stdout, "0\n");
    assert_eq!(f.requests(&f.accounts, "/oauth/v2/token").len(), 1);
    // ... and once the cache is gone, the stored refresh token is refreshed.
    f.clear_cache();
    let r = f.run(SNIPPET);
    r.ok().no_secret();
    assert_eq!(r.stdout, "0\n");
    let reqs = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(reqs.len(), 2);
    let fm = form(&reqs[1]);
    assert_eq!(get(&fm, "grant_type"), Some("refresh_token"));
    assert_eq!(get(&fm, "refresh_token"), Some(NEW_REFRESH));

    // `--code -` reads the code from stdin; the new token replaces the old.
    f.token_endpoint(&f.accounts, GRANT_CODE_2, NEWER_REFRESH);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.args(["auth", NAME, "--code", "-", "--connections", &f.c()]);
    f.env(&mut cmd);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut ch = cmd.spawn().unwrap();
    writeln!(ch.stdin.take().unwrap(), "{GRANT_CODE_2}").unwrap();
    let r = Run::from(ch.wait_with_output().unwrap());
    r.ok().no_secret();
    r.err_has("Connection 'books' already has one (token store");
    r.err_has("--revoke-old");
    let stored = std::fs::read_to_string(&store_file).unwrap();
    assert!(stored.contains(NEWER_REFRESH) && !stored.contains(NEW_REFRESH));

    // A spent code: its own diagnostic with the right lifetime wording.
    let r = f.dlg(&["auth", NAME, "--code", "1000.stale.code"]);
    r.fails_with("oauth::invalid_code")
        .err_has("3 minutes by default")
        .no_secret();
}

#[test]
fn a_refresh_token_in_the_file_wins_and_an_unset_env_reference_falls_back_to_the_store() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_endpoint(&f.accounts, "1000.unused", FILE_REFRESH);
    f.token_fallback_invalid_code();
    f.invoices();
    f.dlg(&["auth", NAME, "--code", GRANT_CODE])
        .ok()
        .no_secret();

    // A literal token in the file takes precedence (and auth warns).
    f.write_connections(&format!("refresh_token = \"{FILE_REFRESH}\""), "");
    f.clear_cache();
    f.run(SNIPPET).ok().no_secret();
    let reqs = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(
        get(&form(reqs.last().unwrap()), "refresh_token"),
        Some(FILE_REFRESH)
    );

    // `${VAR}` unset: the stored token is used (a developer machine);
    // set: the variable wins (CI).
    f.write_connections("refresh_token = \"${DLG_AUTH_E2E_REFRESH}\"", "");
    f.clear_cache();
    f.run(SNIPPET).ok().no_secret();
    let reqs = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(
        get(&form(reqs.last().unwrap()), "refresh_token"),
        Some(NEW_REFRESH)
    );
    let r = f.dlg(&["auth", "status"]);
    r.ok().no_secret();
    r.out_has("refresh token: token store, since ");

    // A stored token is only used with the client it was issued for.
    let text = std::fs::read_to_string(f.conn_path())
        .unwrap()
        .replace(CLIENT_ID, "1000.OTHERCLIENT");
    std::fs::write(f.conn_path(), text).unwrap();
    f.clear_cache();
    f.run(SNIPPET)
        .fails_with("connection::invalid")
        .err_has("was issued for client 1000.AUTHPUBLICCLIENT")
        .no_secret();
}

#[test]
fn print_and_write_keep_working_and_write_preserves_the_file() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.write_connections(
        "refresh_token = \"1000.old\"   # replaced by dlg auth --write",
        "\n# another\n[connections.gh]\ntype = \"bearer\"\ntoken = \"${GH}\"\n",
    );
    let r = f.dlg(&["auth", NAME, "--code", GRANT_CODE, "--write"]);
    r.ok().no_secret();
    let text = std::fs::read_to_string(f.conn_path()).unwrap();
    assert!(
        text.contains(&format!(
            "refresh_token = \"{NEW_REFRESH}\"   # replaced by dlg auth --write"
        )),
        "{text}"
    );
    assert!(text.starts_with("# my connections\n[hosts]"));
    assert!(text.contains("[connections.books]   # Books, India"));
    assert!(text.contains("# another\n[connections.gh]"));
    assert!(!f.store_dir().join("books.json").exists());

    let r = f.dlg(&["auth", NAME, "--code", GRANT_CODE, "--print"]);
    r.ok();
    no_secret_in(&r.stderr);
    assert_eq!(r.stdout.matches(NEW_REFRESH).count(), 1, "{}", r.stdout);
    assert!(!f.store_dir().join("books.json").exists());

    // `${VAR}` is never overwritten, and the code is not spent.
    f.write_connections("refresh_token = \"${DLG_AUTH_E2E_REFRESH}\"", "");
    let before = f.requests(&f.accounts, "/oauth/v2/token").len();
    let r = f.dlg(&["auth", NAME, "--code", GRANT_CODE, "--write"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    r.err_has("DLG_AUTH_E2E_REFRESH");
    assert_eq!(f.requests(&f.accounts, "/oauth/v2/token").len(), before);
}

// ------------------------------------------------------ status / revoke

#[test]
fn status_shows_every_connection_without_secrets() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_endpoint(&f.accounts, "1000.unused", FILE_REFRESH);
    f.mount(
        Mock::given(method("GET"))
            .and(path("/books/v3/organizations"))
            .and(header(
                "authorization",
                format!("Zoho-oauthtoken {ACCESS_2}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": 0}))),
        &f.api,
    );
    f.write_connections(
        "",
        &format!(
            "[connections.crm_file]\ndatacenter = \"in\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"{FILE_REFRESH}\"\n\n[connections.crm_env]\ndatacenter = \"eu\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nrefresh_token = \"${{DLG_AUTH_E2E_SET}}\"\n\n[connections.nothing_yet]\ndatacenter = \"au\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\n\n[connections.gh]\ntype = \"bearer\"\ntoken = \"{ACCESS_1}\"\n"
        ),
    );
    f.dlg(&["auth", NAME, "--code", GRANT_CODE]).ok();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.args(["auth", "status", "--connections", &f.c()]);
    f.env(&mut cmd);
    cmd.env("DLG_AUTH_E2E_SET", FILE_REFRESH);
    let r = Run::from(cmd.output().unwrap());
    r.no_secret();
    let out = &r.stdout;
    assert!(out.contains("token store: "), "{out}");
    assert!(
        out.contains(
            "\nbooks (zoho, data center in (India))\n  refresh token: token store, since "
        ),
        "{out}"
    );
    assert!(out.contains("access token: cached, expires in"), "{out}");
    assert!(out.contains("api_domain: https://www.zohoapis.in"), "{out}");
    assert!(
        out.contains("token endpoint: https://accounts.zoho.in/oauth/v2/token"),
        "{out}"
    );
    assert!(out.contains("crm_env (zoho, data center eu (Europe))\n  refresh token: refresh_token from $DLG_AUTH_E2E_SET"), "{out}");
    assert!(out.contains("crm_file (zoho, data center in (India))\n  refresh token: refresh_token in the connections file\n"), "{out}");
    assert!(out.contains("gh (bearer)\n  static credentials"), "{out}");
    assert!(
        out.contains("nothing_yet (zoho, data center au (Australia))\n  refresh token: none; run `dlg auth nothing_yet`\n  X connection::invalid"),
        "{out}"
    );
    assert_eq!(r.code, 1, "a connection without a token makes status fail");

    // --check: token plus one cheap call per Zoho service in the scopes.
    let r = f.dlg(&["auth", "status", NAME, "--check"]);
    r.ok().no_secret();
    r.out_has("check: ok, access token from cache");
    r.out_has("check: Books GET https://www.zohoapis.in/books/v3/organizations answered 200");
    assert!(!r.stdout.contains("crm_file"), "only the named connection");
    let r = f.dlg(&["auth", "status", "crm_file", "--check"]);
    r.ok().no_secret();
    r.out_has("check: ok, access token refreshed");
}

#[test]
fn revoke_calls_the_endpoint_and_later_runs_fail_clearly() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_fallback_invalid_code();
    f.revoke_endpoint();
    f.invoices();
    f.dlg(&["auth", NAME, "--code", GRANT_CODE]).ok();
    f.run(SNIPPET).ok();
    let r = f.dlg(&["auth", "revoke", NAME, "--verbose"]);
    r.ok().no_secret();
    r.out_has("ok: revoked the refresh token of 'books' at ");
    r.out_has("and the stored refresh token");
    let rev = f.requests(&f.accounts, "/oauth/v2/token/revoke");
    assert_eq!(rev.len(), 1);
    assert_eq!(rev[0].method.as_str(), "POST");
    assert_eq!(get(&form(&rev[0]), "token"), Some(NEW_REFRESH));
    assert!(
        rev[0].url.query().is_none(),
        "the token stays out of the URL"
    );
    let stored = std::fs::read_to_string(f.store_dir().join("books.json")).unwrap();
    assert!(!stored.contains(NEW_REFRESH) && stored.contains("revoked_at"));
    assert!(
        std::fs::read_dir(f.cache_dir().join("tokens"))
            .unwrap()
            .flatten()
            .all(|e| e.path().extension().is_none_or(|x| x != "json"))
    );
    f.run(SNIPPET)
        .fails_with("oauth::invalid_code")
        .err_has("it was revoked with `dlg auth revoke books`")
        .err_has("run `dlg auth books` to authorize the connection again")
        .no_secret();
    let r = f.dlg(&["auth", "status"]);
    r.no_secret().out_has("refresh token: revoked since");

    // A token written in the file: revoked, the file is not edited, runs
    // fail at the accounts server with oauth::invalid_code.
    let f = Fake::new();
    f.token_fallback_invalid_code();
    f.revoke_endpoint();
    f.write_connections(&format!("refresh_token = \"{FILE_REFRESH}\""), "");
    let r = f.dlg(&["auth", "revoke", NAME]);
    r.ok().no_secret();
    r.err_has("the revoked refresh token is still written in [connections.books]");
    assert_eq!(
        get(
            &form(&f.requests(&f.accounts, "/oauth/v2/token/revoke")[0]),
            "token"
        ),
        Some(FILE_REFRESH)
    );
    f.run(SNIPPET).fails_with("oauth::invalid_code").no_secret();

    // A failing revoke endpoint forgets nothing.
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.mount(
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token/revoke"))
            .respond_with(ResponseTemplate::new(500)),
        &f.accounts,
    );
    f.dlg(&["auth", NAME, "--code", GRANT_CODE]).ok();
    f.dlg(&["auth", "revoke", NAME])
        .fails_with("oauth::revoke")
        .err_has("nothing was forgotten")
        .no_secret();
    assert!(
        std::fs::read_to_string(f.store_dir().join("books.json"))
            .unwrap()
            .contains(NEW_REFRESH)
    );
}

#[test]
fn logout_forgets_local_tokens_and_revoke_old_revokes_the_previous_one() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_endpoint(&f.accounts, GRANT_CODE_2, NEWER_REFRESH);
    f.revoke_endpoint();
    f.dlg(&["auth", NAME, "--code", GRANT_CODE]).ok();
    let r = f.dlg(&["auth", NAME, "--code", GRANT_CODE_2, "--revoke-old"]);
    r.ok().no_secret();
    r.out_has("revoked the previous refresh token of 'books'");
    let rev = f.requests(&f.accounts, "/oauth/v2/token/revoke");
    assert_eq!(rev.len(), 1);
    assert_eq!(get(&form(&rev[0]), "token"), Some(NEW_REFRESH));
    assert!(
        std::fs::read_to_string(f.store_dir().join("books.json"))
            .unwrap()
            .contains(NEWER_REFRESH)
    );

    let r = f.dlg(&["auth", "logout", NAME]);
    r.ok().no_secret();
    r.out_has("1 stored refresh token, 1 cached access token(s) forgotten");
    assert!(!f.store_dir().join("books.json").exists());
    assert_eq!(f.requests(&f.accounts, "/oauth/v2/token/revoke").len(), 1);
    f.run(SNIPPET)
        .fails_with("connection::invalid")
        .err_has("dlg auth books");
    f.dlg(&["auth", "logout", "nope"])
        .fails_with("connection::unknown");
}

#[test]
fn clean_removes_superseded_and_expired_cache_files_only() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_endpoint(&f.accounts, GRANT_CODE_2, NEWER_REFRESH);
    f.dlg(&["auth", NAME, "--code", GRANT_CODE, "--write"]).ok();
    let tokens = f.cache_dir().join("tokens");
    let first: Vec<PathBuf> = std::fs::read_dir(&tokens)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(first.len(), 1);
    // Another project's token for a connection of the same name but another
    // client, and a long-expired one.
    let other = tokens.join("books-0123456789abcdef.json");
    std::fs::write(
        &other,
        json!({"access_token": "x", "expires_at": 99999999999u64, "connection": "books", "issuer": "in", "client_id": "1000.OTHER"}).to_string(),
    )
    .unwrap();
    let expired = tokens.join("gone-0123456789abcdef.json");
    std::fs::write(
        &expired,
        json!({"access_token": "x", "expires_at": 1000, "connection": "gone", "issuer": "in", "client_id": "c"}).to_string(),
    )
    .unwrap();
    // A new token supersedes the first (its cache file is deleted by auth).
    f.dlg(&["auth", NAME, "--code", GRANT_CODE_2, "--write"])
        .ok();
    assert!(!first[0].exists(), "superseded token removed");
    assert!(!expired.exists(), "expired token removed");
    assert!(other.exists(), "another client's token kept");
    let r = f.dlg(&["auth", "clean"]);
    r.ok().out_has("removed 0 file(s)");
}

// ---------------------------------------------------------- browser flow

/// Start `dlg auth books --no-browser --port 0 ...`, read the consent URL
/// from stderr, and follow it like a browser. Returns (consent URL, final
/// page, the finished run).
fn browser(f: &Fake, extra: &[&str]) -> (reqwest::Url, Result<String, String>, Run) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.args(["auth", NAME, "--no-browser", "--port", "0", "--wait", "20"])
        .args(extra)
        .args(["--connections", &f.c()]);
    f.env(&mut cmd);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child: Child = cmd.spawn().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("no consent URL on stderr:\n{seen}");
        }
        seen.push_str(&line);
        let t = line.trim();
        if t.starts_with("http://") || t.starts_with("https://") {
            break reqwest::Url::parse(t).unwrap();
        }
    };
    let page = f.rt.block_on(async {
        match reqwest::get(url.clone()).await {
            Ok(r) => r.text().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    });
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    let mut run = Run::from(out);
    run.stderr = seen + &rest;
    (url, page, run)
}

fn consent(f: &Fake, c: Consent) {
    f.mount(
        Mock::given(method("GET"))
            .and(path("/oauth/v2/auth"))
            .respond_with(c),
        &f.accounts,
    );
}

#[test]
fn browser_flow_completes_against_the_fake_accounts_server() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    f.token_fallback_invalid_code();
    f.invoices();
    consent(
        &f,
        Consent {
            code: GRANT_CODE,
            state: StateMode::Echo,
            error: None,
            location: "in",
            accounts_server: "https://accounts.zoho.in".into(),
        },
    );
    let (url, page, r) = browser(&f, &[]);
    r.ok().no_secret();
    let page = page.unwrap();
    assert!(page.contains("You can close this tab"), "{page}");
    no_secret_in(&page);
    // The consent URL.
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/oauth/v2/auth");
    assert_eq!(get(&q, "client_id"), Some(CLIENT_ID));
    assert_eq!(get(&q, "response_type"), Some("code"));
    assert_eq!(get(&q, "scope"), Some("ZohoBooks.fullaccess.all"));
    assert_eq!(get(&q, "access_type"), Some("offline"));
    assert_eq!(get(&q, "prompt"), Some("consent"));
    assert_eq!(get(&q, "state").map(str::len), Some(64));
    let redirect = get(&q, "redirect_uri").unwrap();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"),
        "{redirect}"
    );
    // The code was exchanged with the same redirect_uri.
    let ex = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(ex.len(), 1);
    let fm = form(&ex[0]);
    assert_eq!(get(&fm, "code"), Some(GRANT_CODE));
    assert_eq!(get(&fm, "redirect_uri"), Some(redirect));
    assert!(
        std::fs::read_to_string(f.store_dir().join("books.json"))
            .unwrap()
            .contains(NEW_REFRESH)
    );
    let r = f.run(SNIPPET);
    r.ok().no_secret();
    assert_eq!(r.stdout, "0\n");
}

#[test]
fn browser_flow_rejects_a_wrong_state_and_reports_access_denied() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    consent(
        &f,
        Consent {
            code: GRANT_CODE,
            state: StateMode::Wrong,
            error: None,
            location: "in",
            accounts_server: "https://accounts.zoho.in".into(),
        },
    );
    let (_, page, r) = browser(&f, &[]);
    r.fails_with("oauth::state_mismatch").no_secret();
    assert!(page.unwrap().contains("does not match"));
    assert!(f.requests(&f.accounts, "/oauth/v2/token").is_empty());
    assert!(!f.store_dir().join("books.json").exists());

    let f = Fake::new();
    consent(
        &f,
        Consent {
            code: GRANT_CODE,
            state: StateMode::Echo,
            error: Some("access_denied"),
            location: "in",
            accounts_server: String::new(),
        },
    );
    let (_, page, r) = browser(&f, &[]);
    r.fails_with("oauth::access_denied").no_secret();
    assert!(page.unwrap().contains("access_denied"));
    assert!(f.requests(&f.accounts, "/oauth/v2/token").is_empty());
}

#[test]
fn browser_flow_exchanges_at_the_reported_data_center() {
    let f = Fake::new();
    f.token_endpoint(&f.eu_accounts, GRANT_CODE, NEW_REFRESH);
    consent(
        &f,
        Consent {
            code: GRANT_CODE,
            state: StateMode::Echo,
            error: None,
            location: "eu",
            accounts_server: "https://accounts.zoho.eu".into(),
        },
    );
    let (_, page, r) = browser(&f, &[]);
    r.ok().no_secret();
    assert!(page.unwrap().contains("You can close this tab"));
    r.err_has("connection::datacenter_mismatch")
        .err_has("set `datacenter = \"eu\"` in [connections.books]");
    assert!(f.requests(&f.accounts, "/oauth/v2/token").is_empty());
    assert_eq!(f.requests(&f.eu_accounts, "/oauth/v2/token").len(), 1);

    // An accounts server outside Zoho's table never gets the secret.
    let f = Fake::new();
    consent(
        &f,
        Consent {
            code: GRANT_CODE,
            state: StateMode::Echo,
            error: None,
            location: "eu",
            accounts_server: "https://evil.example".into(),
        },
    );
    let (_, _, r) = browser(&f, &[]);
    r.fails_with("oauth::error")
        .err_has("unknown accounts server");
    assert!(f.requests(&f.accounts, "/oauth/v2/token").is_empty());
}

#[test]
fn auth_without_a_client_walks_the_user_through_the_api_console() {
    let f = Fake::new();
    f.write_connections(
        "",
        "[connections.fresh]\ndatacenter = \"eu\"\nscopes = [\"ZohoCRM.modules.ALL\"]\n",
    );
    let r = f.dlg(&["auth", "fresh"]);
    r.fails_with("connection::invalid");
    r.err_has("https://api-console.zoho.eu")
        .err_has("Authorized Redirect URI: http://127.0.0.1:8765/callback")
        .err_has("ZohoBooks.fullaccess.all");
    let r = f.dlg(&["auth", "brand_new"]);
    r.fails_with("connection::unknown");
    r.err_has("https://api-console.zohocloud.ca")
        .err_has("[connections.brand_new]");
}

/// `--no-browser` on a remote machine: the browser cannot reach the
/// listener, so the user pastes the address it was redirected to.
fn paste_run(f: &Fake, paste: &dyn Fn(&str) -> String) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.args(["auth", NAME, "--no-browser", "--port", "0", "--wait", "20"])
        .args(["--connections", &f.c()]);
    f.env(&mut cmd);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("no consent URL on stderr:\n{seen}");
        }
        seen.push_str(&line);
        let t = line.trim();
        if t.starts_with("http://") {
            break reqwest::Url::parse(t).unwrap();
        }
    };
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let state = get(&q, "state").unwrap().to_string();
    writeln!(child.stdin.take().unwrap(), "{}", paste(&state)).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let mut run = Run::from(child.wait_with_output().unwrap());
    run.stderr = seen + &rest;
    run
}

#[test]
fn no_browser_accepts_the_pasted_redirect_address() {
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    let r = paste_run(&f, &|state| {
        format!(
            "http://127.0.0.1:8765/callback?state={state}&code={GRANT_CODE}&location=in&accounts-server=https%3A%2F%2Faccounts.zoho.in"
        )
    });
    r.ok().no_secret();
    r.err_has("paste the address it was redirected to");
    assert!(
        std::fs::read_to_string(f.store_dir().join("books.json"))
            .unwrap()
            .contains(NEW_REFRESH)
    );
    let ex = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(get(&form(&ex[0]), "code"), Some(GRANT_CODE));

    // A pasted address from another login is rejected.
    let f = Fake::new();
    f.token_endpoint(&f.accounts, GRANT_CODE, NEW_REFRESH);
    let r = paste_run(&f, &|_| {
        format!("http://127.0.0.1:8765/callback?state=old&code={GRANT_CODE}")
    });
    r.fails_with("oauth::state_mismatch").no_secret();
    assert!(f.requests(&f.accounts, "/oauth/v2/token").is_empty());
}

#[test]
fn client_credentials_connections_need_no_refresh_token() {
    let f = Fake::new();
    f.write_connections(
        "grant = \"client_credentials\"\nsoid = \"ZohoBooks.600123\"",
        "",
    );
    f.mount(
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .and(body_string_contains("grant_type=client_credentials"))
            .and(body_string_contains("soid=ZohoBooks.600123"))
            .and(body_string_contains("scope=ZohoBooks.fullaccess.all"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": ACCESS_1,
                "api_domain": "https://www.zohoapis.in",
                "expires_in": 3600
            }))),
        &f.accounts,
    );
    f.invoices();
    for _ in 0..2 {
        let r = f.run(SNIPPET);
        r.ok().no_secret();
        assert_eq!(r.stdout, "0\n");
    }
    let reqs = f.requests(&f.accounts, "/oauth/v2/token");
    assert_eq!(reqs.len(), 1, "the access token is cached");
    let fm = form(&reqs[0]);
    assert_eq!(get(&fm, "client_id"), Some(CLIENT_ID));
    assert_eq!(get(&fm, "refresh_token"), None);
    let r = f.dlg(&["auth", "status"]);
    r.ok().no_secret();
    r.out_has("refresh token: none needed (client_credentials grant");
    f.dlg(&["auth", NAME, "--code", GRANT_CODE])
        .fails_with("connection::invalid")
        .err_has("uses the client_credentials grant");
    f.dlg(&["auth", "revoke", NAME])
        .fails_with("connection::invalid")
        .err_has("no refresh token to revoke");

    // Without soid Zoho answers missing_org_info.
    let f = Fake::new();
    f.write_connections("grant = \"client_credentials\"", "");
    f.mount(
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"error": "missing_org_info"})),
            ),
        &f.accounts,
    );
    f.run(SNIPPET)
        .fails_with("oauth::missing_org_info")
        .err_has("add `soid = \"ZohoCRM.<org id>\"`")
        .no_secret();
}
