//! HTTP execution for `invokeurl`, `getUrl` and `postUrl`: real client and offline mocks.
//!
//! One [`HttpClient`] per run: it owns one reqwest client (keep-alive reuse)
//! and a current-thread tokio runtime, and offers a blocking API to the
//! synchronous evaluator.

// The public API returns `Diag` by value (shared with the interpreter).
#![allow(clippy::result_large_err)]

mod auth;
pub mod mock;

pub use auth::{AuthStatus, Revocation, ServiceCheck};

use crate::code::Code;
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use crate::net::{error_chain, timeout_diag};

use crate::connections::token::{TokenStore, default_cache_dir};
use crate::connections::{Auth, Connection, Connections, KeyLocation, datacenter};
use crate::diag::Diag;
use mock::MockSet;

/// Options for a run.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// `--connections`; else `DLG_CONNECTIONS`; else the nearest
    /// `connections.toml` in the cwd or its ancestors; else
    /// `$XDG_CONFIG_HOME/dlg/connections.toml`.
    pub connections_path: Option<PathBuf>,
    /// `--mock FILE`: answer requests from a TOML fixture, never the network.
    pub mock_path: Option<PathBuf>,
    /// The `--mock` file, parsed once on first use and shared by every clone
    /// of these options (the HTTP client, `zoho.*` tasks, function stubs).
    pub mock_loaded: LoadedMocks,
    /// `--verbose`: trace requests to stderr, secrets redacted.
    pub verbose: bool,
    /// Request timeout (Deluge: 40 s).
    pub timeout: Duration,
    /// `--trace FILE`: append every request and response as a JSON line
    /// (secrets redacted).
    pub trace_path: Option<PathBuf>,
    /// Token cache directory; default `DLG_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/dlg`, else `~/.cache/dlg`.
    pub cache_dir: Option<PathBuf>,
    /// Refresh-token store directory (`dlg auth NAME`); default
    /// `DLG_STORE_DIR`, else `<cache_dir>/store` when `cache_dir` is set,
    /// else `$XDG_DATA_HOME/dlg/store`, else `~/.local/share/dlg/store`.
    pub store_dir: Option<PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connections_path: None,
            mock_path: None,
            mock_loaded: Default::default(),
            verbose: false,
            trace_path: None,
            timeout: Duration::from_secs(40),
            cache_dir: None,
            store_dir: None,
        }
    }
}

/// The parsed `--mock` file shared by clones of [`HttpOptions`] (opaque;
/// use [`HttpOptions::mock_set`]).
#[derive(Clone, Debug, Default)]
pub struct LoadedMocks(Arc<OnceLock<LoadedFor>>);

/// A mock file path and what parsing it gave.
type LoadedFor = (PathBuf, Result<Arc<MockSet>, Diag>);

impl LoadedMocks {
    /// Already parsed fixtures (a test's `run(…)` shares one set across runs).
    pub fn with(set: Arc<MockSet>) -> LoadedMocks {
        let cell = OnceLock::new();
        let _ = cell.set((set.path.clone(), Ok(set)));
        LoadedMocks(Arc::new(cell))
    }
}

impl HttpOptions {
    /// The fixtures of `mock_path` (parsed on the first call, then shared).
    pub fn mock_set(&self) -> Result<Option<Arc<MockSet>>, Diag> {
        let Some(path) = &self.mock_path else {
            return Ok(None);
        };
        let (loaded_for, result) = self
            .mock_loaded
            .0
            .get_or_init(|| (path.clone(), MockSet::load(path).map(Arc::new)));
        if loaded_for != path {
            // `mock_path` changed after the first use: no sharing then.
            return MockSet::load(path).map(|m| Some(Arc::new(m)));
        }
        result.clone().map(Some)
    }
}

/// Request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestBody {
    None,
    /// Sent as is (default content type `text/plain;charset=UTF-8`).
    Text(String),
    /// Sent `application/x-www-form-urlencoded` (unless `content_type` says otherwise).
    Form(Vec<(String, String)>),
}

/// One outbound request, as `invokeurl` describes it.
#[derive(Clone)]
pub struct HttpRequest {
    /// GET POST PUT PATCH DELETE (upper-case).
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
    /// Extra query parameters appended to the URL.
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// Connection link name.
    pub connection: Option<String>,
}

impl HttpRequest {
    pub fn get(url: impl Into<String>) -> Self {
        HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: RequestBody::None,
            query: Vec::new(),
            content_type: None,
            connection: None,
        }
    }

    pub fn with_connection(mut self, name: impl Into<String>) -> Self {
        self.connection = Some(name.into());
        self
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    if is_secret_header(k) {
                        "<redacted>"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("query", &self.query)
            .field("content_type", &self.content_type)
            .field("connection", &self.connection)
            .finish()
    }
}

/// A response; header names are lower-case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// First value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn is_secret_header(name: &str) -> bool {
    crate::redact::is_secret_key(name)
}

/// Redirects followed for one API request (like browsers and curl's 50, but lower).
pub const MAX_REDIRECTS: usize = 10;

/// Largest response body read (the largest of Zoho's caps: `postUrl`, 50 MB).
pub const MAX_RESPONSE_BYTES: usize = 50 * 1024 * 1024;

/// Summary of one connection (see [`HttpClient::describe_connections`]).
#[derive(Clone, Debug)]
pub struct ConnectionInfo {
    pub name: String,
    /// `zoho`, `oauth2`, `bearer`, `api_key`, `basic`, or `invalid`.
    pub kind: &'static str,
    /// Data center code for Zoho connections.
    pub datacenter: Option<&'static str>,
    /// Seconds until the cached access token expires (negative: expired);
    /// `None` when no token is cached.
    pub token_expires_in: Option<i64>,
    /// Why the connection cannot be used (missing field, unset env var, ...).
    pub problem: Option<Diag>,
}

/// Token state reported by [`HttpClient::test_connection`].
#[derive(Clone, Debug)]
pub struct TokenStatus {
    /// A new token was fetched from the token endpoint (else: cached).
    pub refreshed: bool,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub api_domain: Option<String>,
}

/// Result of [`HttpClient::authorize`].
#[derive(Debug)]
pub struct Authorized {
    pub refresh_token: crate::connections::Secret,
    pub expires_in: u64,
    pub api_domain: Option<String>,
    /// The token endpoint used (after `[hosts]` mapping).
    pub token_url: String,
}

/// The HTTP client of one run.
pub struct HttpClient {
    opts: HttpOptions,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    connections: OnceLock<Result<Connections, Diag>>,
    /// Each connection name resolved once per run (see [`Self::connection`]).
    resolved: Mutex<std::collections::HashMap<String, Result<Connection, Diag>>>,
    mocks: Option<Arc<MockSet>>,
    tokens: TokenStore,
    warned: Mutex<HashSet<(String, String)>>,
    warnings: Mutex<Vec<Diag>>,
    refreshed_on_401: Mutex<HashSet<String>>,
    /// Every request of the run and its outcome (`requests()`, `--trace`).
    exchanges: Mutex<Vec<Exchange>>,
}

/// One request a run made and what came back, secrets redacted: for the
/// test built-in `requests()`, strict fixtures and `--trace`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exchange {
    pub method: String,
    /// Full URL including query parameters.
    pub url: String,
    /// Headers the script set (connection credentials are never listed).
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub connection: Option<String>,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    /// Diagnostic code and message when the request failed.
    pub error: Option<(String, String)>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("opts", &self.opts)
            .field("mock", &self.mocks.as_ref().map(|m| &m.path))
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl HttpClient {
    pub fn new(opts: HttpOptions) -> Result<HttpClient, Diag> {
        let (rt, http) = crate::net::runtime_and_client(opts.timeout)?;
        let mocks = opts.mock_set()?;
        let tokens = TokenStore::new(opts.cache_dir.clone().unwrap_or_else(default_cache_dir));
        Ok(HttpClient {
            opts,
            rt,
            http,
            connections: OnceLock::new(),
            resolved: Default::default(),
            mocks,
            tokens,
            warned: Default::default(),
            warnings: Default::default(),
            refreshed_on_401: Default::default(),
            exchanges: Default::default(),
        })
    }

    /// Names of the known connections (connections file plus mock file).
    pub fn connection_names(&self) -> Vec<String> {
        match self.connections() {
            Ok(c) => c.names(),
            Err(_) => self
                .mocks
                .as_ref()
                .map(|m| m.connections.names())
                .unwrap_or_default(),
        }
    }

    /// The loaded connections (loaded on first use).
    pub fn connections(&self) -> Result<&Connections, Diag> {
        self.connections
            .get_or_init(|| {
                let mut c = Connections::discover(self.opts.connections_path.as_deref())?;
                c.set_store(self.store());
                if let Some(m) = &self.mocks {
                    c.merge_missing(&m.connections);
                }
                Ok(c)
            })
            .as_ref()
            .map_err(|d| d.clone())
    }

    /// A connection of this run, resolved once: later calls (every task
    /// call and request through it) reuse the result. Without the network
    /// (mock or offline mode) its secrets are neither needed nor read.
    pub fn connection(&self, name: &str) -> Result<Connection, Diag> {
        if let Some(r) = self.resolved.lock().unwrap().get(name) {
            return r.clone();
        }
        let result = self
            .connections()
            .and_then(|c| c.resolve(name, !self.is_mock()));
        self.resolved
            .lock()
            .unwrap()
            .insert(name.to_string(), result.clone());
        result
    }

    /// Without the network, an unknown connection can be declared in the
    /// fixture file (no secrets needed): say so, with the data center of
    /// the URL it was used for (`www.zohoapis.com` → `us`).
    fn explain_unknown(&self, d: Diag, name: &str, url: &reqwest::Url) -> Diag {
        let Some(fixture) = self.mocks.as_ref().map(|m| m.path.clone()) else {
            return d;
        };
        if d.code != Code::ConnectionUnknown {
            return d;
        }
        let dc = url
            .host_str()
            .and_then(datacenter::of_host)
            .map_or("us", |dc| dc.code);
        let help = d.help.clone().unwrap_or_default();
        d.with_help(format!(
            "{help}\nin mock mode it may also be declared in {} (no secrets needed):\n[connections.{name}]\ndatacenter = \"{dc}\"",
            fixture.display(),
        ))
    }

    /// Warnings emitted so far (also printed to stderr when emitted).
    pub fn warnings(&self) -> Vec<Diag> {
        self.warnings.lock().unwrap().clone()
    }

    /// The API domain for a Zoho connection: the `api_domain` recorded from
    /// its last token response (this run or the disk cache), else its data
    /// center's default (`https://www.zohoapis.<tld>`). `None` for other
    /// connection types or unknown names.
    pub fn api_domain(&self, connection: &str) -> Option<String> {
        let conn = self.connection(connection).ok()?;
        let dc = conn.datacenter()?;
        if !self.is_mock()
            && let Some(t) = self.tokens.cached(&conn)
            && let Some(d) = t.api_domain
        {
            let conns = self.connections().ok()?;
            if trusted_api_domain(dc, conns, &d) {
                return Some(d);
            }
            if self
                .warned
                .lock()
                .unwrap()
                .insert((conn.name.clone(), format!("api_domain {d}")))
            {
                self.warn(
                    Diag::new(
                        Code::ConnectionUntrustedApiDomain,
                        format!(
                            "the token cache of connection '{}' names api_domain `{d}`, which is not a Zoho API domain of data center '{}'; using {}",
                            conn.name, dc.code, dc.api_domain
                        ),
                    )
                    .with_help(format!(
                        "access tokens are only sent to Zoho API hosts of the connection's data center (or hosts mapped in [hosts]); delete the cache file in {} if it was edited",
                        self.tokens.dir().join("tokens").display()
                    ))
                    .warning(),
                );
            }
        }
        Some(dc.api_domain.to_string())
    }

    /// The connections file in use (`None` when none was found).
    pub fn connections_file(&self) -> Option<PathBuf> {
        self.connections().ok().and_then(|c| c.path.clone())
    }

    /// One line per connection, for `dlg connections list`: kind, data
    /// center, cached-token state, or why it cannot be used. Never secrets.
    pub fn describe_connections(&self) -> Result<Vec<ConnectionInfo>, Diag> {
        let conns = self.connections()?;
        Ok(conns
            .names()
            .into_iter()
            .map(|name| match conns.resolve(&name, !self.is_mock()) {
                Ok(c) => {
                    let kind = match &c.auth {
                        Auth::Zoho { .. } => "zoho",
                        Auth::OAuth2 { .. } => "oauth2",
                        Auth::Bearer { .. } => "bearer",
                        Auth::ApiKey { .. } => "api_key",
                        Auth::Basic { .. } => "basic",
                    };
                    let token_expires_in = match c.auth {
                        Auth::Zoho { .. } | Auth::OAuth2 { .. } if !self.is_mock() => {
                            self.tokens.cached(&c).map(|t| {
                                t.expires_at as i64 - crate::connections::token::now_secs() as i64
                            })
                        }
                        _ => None,
                    };
                    ConnectionInfo {
                        name,
                        kind,
                        datacenter: c.datacenter().map(|d| d.code),
                        token_expires_in,
                        problem: None,
                    }
                }
                Err(d) => ConnectionInfo {
                    name,
                    kind: "invalid",
                    datacenter: None,
                    token_expires_in: None,
                    problem: Some(self.scrub_diag(d)),
                },
            })
            .collect())
    }

    /// `dlg connections test`: resolve a connection and, for token-based
    /// ones, get a valid access token (from the cache, or a refresh; a
    /// refresh always with `force_refresh`). `None` for static credentials.
    pub fn test_connection(
        &self,
        name: &str,
        force_refresh: bool,
    ) -> Result<Option<TokenStatus>, Diag> {
        self.test_inner(name, force_refresh)
            .map_err(|d| self.scrub_diag(d))
    }

    fn test_inner(&self, name: &str, force_refresh: bool) -> Result<Option<TokenStatus>, Diag> {
        let conns = self.connections()?;
        let c = conns.resolve(name, !self.is_mock())?;
        if !matches!(c.auth, Auth::Zoho { .. } | Auth::OAuth2 { .. }) || self.is_mock() {
            return Ok(None);
        }
        let before = self.tokens.cached(&c).filter(|t| t.is_fresh());
        let stale = if force_refresh {
            before.as_ref().map(|t| t.access_token.clone())
        } else {
            None
        };
        let token = self
            .block_on(self.token_for(&c, conns, stale.as_deref()))?
            .unwrap_or_default();
        let t = self.tokens.cached(&c);
        self.flush_token_warnings();
        Ok(Some(TokenStatus {
            refreshed: force_refresh || before.is_none_or(|b| b.access_token != token),
            expires_in: t
                .as_ref()
                .map(|t| t.expires_at as i64 - crate::connections::token::now_secs() as i64)
                .unwrap_or(0),
            api_domain: t.and_then(|t| t.api_domain),
        }))
    }

    /// `dlg connections authorize`: exchange a grant code for a refresh
    /// token at the connection's accounts server (through `[hosts]`), and
    /// cache the access token that comes with it.
    pub fn authorize(
        &self,
        name: &str,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<Authorized, Diag> {
        self.authorize_inner(name, code, redirect_uri)
            .map_err(|d| self.scrub_diag(d))
    }

    fn authorize_inner(
        &self,
        name: &str,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<Authorized, Diag> {
        let c = self.authorize_target(name)?;
        self.exchange_code(&c, code, redirect_uri, None)
            .map(|(a, _)| a)
    }

    /// Whether requests are answered from a mock file.
    pub fn is_mock(&self) -> bool {
        self.mocks.is_some()
    }

    /// The redaction policy ([`crate::redact`]) over free text.
    fn scrub(&self, s: &str) -> String {
        crate::redact::line(s).into_owned()
    }

    /// The redaction policy ([`crate::redact`]) over a diagnostic.
    fn scrub_diag(&self, d: Diag) -> Diag {
        d.redacted()
    }

    /// Print the token cache's warnings (unsafe modes, unwritable cache).
    fn flush_token_warnings(&self) {
        for d in self.tokens.take_warnings() {
            self.warn(d);
        }
    }

    fn trace(&self, line: &str) {
        if self.opts.verbose {
            eprintln!("[dlg http] {}", crate::redact::line(line));
        }
    }

    fn warn(&self, d: Diag) {
        let d = self.scrub_diag(d);
        crate::diag::eprint(&d);
        self.warnings.lock().unwrap().push(d);
    }

    /// Send a request (blocking).
    pub fn send(&self, req: HttpRequest) -> Result<HttpResponse, Diag> {
        let body = match &req.body {
            RequestBody::None => None,
            RequestBody::Text(t) => Some(t.clone()),
            RequestBody::Form(f) => Some(mock::encode_form(f)),
        };
        if let Some(b) = &body {
            self.trace(&format!("> body: {b}"));
        }
        let result = self.send_inner(req.clone()).map_err(|d| self.scrub_diag(d));
        self.log_exchange(&req, body, &result);
        result
    }

    /// The loaded fixtures, in mock mode.
    pub fn mock_set(&self) -> Option<&MockSet> {
        self.mocks.as_deref()
    }

    /// How many requests were made so far.
    pub fn exchange_count(&self) -> usize {
        self.exchanges.lock().unwrap().len()
    }

    /// Every request made so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().clone()
    }

    fn log_exchange(
        &self,
        req: &HttpRequest,
        body: Option<String>,
        result: &Result<HttpResponse, Diag>,
    ) {
        let mut url = req.url.trim().to_string();
        if let Ok(mut u) = reqwest::Url::parse(&url) {
            if !req.query.is_empty() {
                let mut qp = u.query_pairs_mut();
                for (k, v) in &req.query {
                    qp.append_pair(k, v);
                }
            }
            url = u.to_string();
        }
        let redact = |pairs: &[(String, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret_header(k) {
                        "<redacted>".to_string()
                    } else {
                        self.scrub(v)
                    };
                    (k.clone(), v)
                })
                .collect()
        };
        let mut headers = redact(&req.headers);
        if let Some(ct) = &req.content_type {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("Content-Type".into(), ct.clone()));
        }
        let mut ex = Exchange {
            method: req.method.trim().to_ascii_uppercase(),
            url: self.scrub(&url),
            headers,
            body: body.map(|b| self.scrub(&b)),
            connection: req.connection.clone(),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            error: None,
        };
        match result {
            Ok(r) => {
                ex.status = Some(r.status);
                ex.response_headers = redact(&r.headers);
                ex.response_body = Some(self.scrub(&r.body));
            }
            Err(d) => ex.error = Some((d.code.to_string(), d.message.clone())),
        }
        if let Some(path) = &self.opts.trace_path {
            use std::io::Write;
            if let Ok(line) = serde_json::to_string(&ex)
                && let Ok(mut f) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
            {
                // One write per line: parallel tests append to one file.
                let _ = f.write_all(format!("{line}\n").as_bytes());
            }
        }
        self.exchanges.lock().unwrap().push(ex);
    }

    fn send_inner(&self, req: HttpRequest) -> Result<HttpResponse, Diag> {
        let method = req.method.trim().to_ascii_uppercase();
        let reqwest_method = match method.as_str() {
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => {
                reqwest::Method::from_bytes(method.as_bytes()).expect("valid method")
            }
            other => {
                return Err(Diag::new(
                    Code::HttpRequest,
                    format!("unsupported request type `{other}`"),
                )
                .with_help("use one of GET, POST, PUT, PATCH, DELETE"));
            }
        };
        let mut url = reqwest::Url::parse(req.url.trim()).map_err(|e| {
            Diag::new(Code::HttpRequest, format!("invalid URL `{}`: {e}", req.url))
                .with_help("invokeurl needs an absolute http:// or https:// URL")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Diag::new(
                Code::HttpRequest,
                format!("unsupported URL scheme in `{}`", req.url),
            )
            .with_help("invokeurl needs an absolute http:// or https:// URL"));
        }
        if !req.query.is_empty() {
            let mut qp = url.query_pairs_mut();
            for (k, v) in &req.query {
                qp.append_pair(k, v);
            }
        }
        let conns = self.connections()?;
        let conn = match &req.connection {
            Some(name) if !name.trim().is_empty() => {
                match self.connection(name.trim()) {
                    Ok(c) => {
                        self.check_datacenter(&c, &url);
                        Some(c)
                    }
                    Err(d) => match (&self.mocks, d.code) {
                        (Some(m), Code::ConnectionUnknown) => {
                            // The stub's data center is the URL's (a `.com`
                            // URL is `us`), so it causes no mismatch warning.
                            let datacenter = url
                                .host_str()
                                .and_then(datacenter::of_host)
                                .map(|dc| dc.code.to_string());
                            m.note_unanswered(mock::Unanswered::Connection {
                                name: name.trim().to_string(),
                                datacenter,
                            });
                            if m.placeholders() {
                                None
                            } else {
                                return Err(self.explain_unknown(d, name.trim(), &url));
                            }
                        }
                        _ => return Err(self.explain_unknown(d, name.trim(), &url)),
                    },
                }
            }
            _ => None,
        };

        // Static headers: user headers, content type.
        let mut headers: Vec<(String, String)> = req
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type") || req.content_type.is_none())
            .cloned()
            .collect();
        let has_ct = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if let Some(ct) = &req.content_type {
            headers.push(("Content-Type".into(), ct.clone()));
        } else if !has_ct {
            match &req.body {
                RequestBody::Text(_) => {
                    headers.push(("Content-Type".into(), "text/plain;charset=UTF-8".into()))
                }
                RequestBody::Form(_) => headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                )),
                RequestBody::None => {}
            }
        }
        let body: Option<String> = match &req.body {
            RequestBody::None => None,
            RequestBody::Text(t) => Some(t.clone()),
            RequestBody::Form(f) => Some(mock::encode_form(f)),
        };

        if let Some(mocks) = &self.mocks {
            return self.send_mock(mocks, &req, &method, url, headers, conn.as_ref());
        }

        let mapped = conns.map_url(&url);
        self.block_on(async {
            let mut token = match &conn {
                Some(c) => self.token_for(c, conns, None).await?,
                None => None,
            };
            let mut retried = false;
            loop {
                let (u, auth_headers) = apply_auth(conn.as_ref(), &mapped, token.as_deref());
                let resp = self
                    .execute(
                        &reqwest_method,
                        u,
                        &mapped,
                        &headers,
                        &auth_headers,
                        body.clone(),
                        &req,
                    )
                    .await?;
                if resp.status == 401
                    && !retried
                    && let (Some(c), Some(old)) = (&conn, &token)
                {
                    retried = true;
                    // One 401-driven refresh per connection and run: when the
                    // fresh token is rejected too, refreshing again cannot help
                    // and only spends Zoho's refresh allowance.
                    if !self.refreshed_on_401.lock().unwrap().insert(c.name.clone()) {
                        self.trace(&format!(
                            "401 with connection '{}': the token was already refreshed after a 401 in this run; not refreshing again",
                            c.name
                        ));
                        return self.check_not_authorized(resp, conn.as_ref(), &url);
                    }
                    self.trace(&format!(
                        "401 with connection '{}': refreshing the token and retrying once",
                        c.name
                    ));
                    token = self.token_for(c, conns, Some(old)).await?;
                    continue;
                }
                return self.check_not_authorized(resp, conn.as_ref(), &url);
            }
        })
    }

    /// Run a future on this client's runtime. Called from inside another
    /// tokio runtime (where `block_on` would panic), it runs on a scoped thread.
    fn block_on<F: std::future::Future + Send>(&self, fut: F) -> F::Output
    where
        F::Output: Send,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| s.spawn(|| self.rt.block_on(fut)).join())
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        } else {
            self.rt.block_on(fut)
        }
    }

    fn send_mock(
        &self,
        mocks: &MockSet,
        req: &HttpRequest,
        method: &str,
        url: reqwest::Url,
        mut headers: Vec<(String, String)>,
        conn: Option<&Connection>,
    ) -> Result<HttpResponse, Diag> {
        let token = conn.and_then(|c| match c.auth {
            Auth::Zoho { .. } | Auth::OAuth2 { .. } => Some("mock-token"),
            _ => None,
        });
        let (u, auth) = apply_auth(conn, &url, token);
        headers.retain(|(k, _)| !auth.iter().any(|(a, _)| a.eq_ignore_ascii_case(k)));
        headers.extend(auth);
        let req = HttpRequest {
            method: method.to_string(),
            ..req.clone()
        };
        self.trace(&format!("> {method} {u} (mock)"));
        let answer = mocks.answer(&req, &url, &headers)?;
        if answer.delay_ms > 0 {
            let delay = Duration::from_millis(answer.delay_ms);
            if delay >= self.opts.timeout {
                std::thread::sleep(self.opts.timeout);
                return Err(timeout_diag());
            }
            std::thread::sleep(delay);
        }
        self.trace(&format!(
            "< {} (mock, {} bytes)",
            answer.response.status,
            answer.response.body.len()
        ));
        self.check_not_authorized(answer.response, conn, &url)
    }

    /// The (host-mapped) token endpoint of a token-based connection.
    fn token_url(&self, conn: &Connection, conns: &Connections) -> Result<reqwest::Url, Diag> {
        let token_url = match &conn.auth {
            Auth::Zoho { datacenter, .. } => datacenter.token_url(),
            Auth::OAuth2 { token_url, .. } => token_url.clone(),
            _ => {
                return Err(Diag::new(
                    Code::ConnectionInvalid,
                    format!("connection '{}' has no token endpoint", conn.name),
                ));
            }
        };
        let parsed = reqwest::Url::parse(&token_url).map_err(|e| {
            Diag::new(
                Code::ConnectionInvalid,
                format!(
                    "connection '{}': invalid token_url `{token_url}`: {e}",
                    conn.name
                ),
            )
            .with_help("token_url must be an absolute https:// URL")
        })?;
        Ok(conns.map_url(&parsed))
    }

    /// Access token for token-based connections (`None` for static auth).
    async fn token_for(
        &self,
        conn: &Connection,
        conns: &Connections,
        stale: Option<&str>,
    ) -> Result<Option<String>, Diag> {
        if !matches!(conn.auth, Auth::Zoho { .. } | Auth::OAuth2 { .. }) {
            return Ok(None);
        }
        let mapped = self.token_url(conn, conns)?;
        let trace = |s: &str| self.trace(s);
        let t = self
            .tokens
            .get(&self.http, conn, &mapped, stale, &trace)
            .await;
        self.flush_token_warnings();
        Ok(Some(t?.access_token))
    }

    /// Send one API request, following up to [`MAX_REDIRECTS`] redirects
    /// by hand: 301/302 (POST) and 303 become a GET without body, 307/308
    /// keep method and body; a redirect to another origin (scheme, host or
    /// port) drops the connection's auth headers and every secret-looking
    /// header, and they stay dropped for the rest of the chain. `shown` is
    /// the URL for traces and messages (without credentials in its query).
    #[allow(clippy::too_many_arguments)]
    async fn execute(
        &self,
        method: &reqwest::Method,
        url: reqwest::Url,
        shown: &reqwest::Url,
        headers: &[(String, String)],
        auth_headers: &[(String, String)],
        body: Option<String>,
        req: &HttpRequest,
    ) -> Result<HttpResponse, Diag> {
        let started = Instant::now();
        // The connection's auth replaces user headers of the same name.
        let all: Vec<(String, String)> = headers
            .iter()
            .filter(|(k, _)| !auth_headers.iter().any(|(a, _)| a.eq_ignore_ascii_case(k)))
            .chain(auth_headers)
            .cloned()
            .collect();
        if self.opts.verbose {
            self.trace(&format!(
                "> {method} {shown}{}",
                req.connection
                    .as_ref()
                    .map(|c| format!(" (connection '{c}')"))
                    .unwrap_or_default()
            ));
            for (k, v) in &all {
                let v = if is_secret_header(k) {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                self.trace(&format!(">   {k}: {v}"));
            }
            if let Some(b) = &body {
                self.trace(&format!(">   ({} body bytes)", b.len()));
            }
        }
        let mut shown = shown.clone();
        shown.set_query(None);
        let fut = async {
            let mut method = method.clone();
            let mut url = url.clone();
            let mut headers = all;
            let mut body = body;
            let mut hops = 0usize;
            loop {
                let mut rb = self.http.request(method.clone(), url.clone());
                for (k, v) in &headers {
                    rb = rb.header(k.as_str(), v.as_str());
                }
                if let Some(b) = &body {
                    rb = rb.body(b.clone());
                }
                let resp = rb.send().await.map_err(Failure::Net)?;
                let status = resp.status().as_u16();
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                if let (301 | 302 | 303 | 307 | 308, Some(next)) = (status, location) {
                    if hops >= MAX_REDIRECTS {
                        return Err(Failure::Diag(
                            Diag::new(
                                Code::HttpRequest,
                                format!(
                                    "{} {shown} was redirected more than {MAX_REDIRECTS} times",
                                    req.method
                                ),
                            )
                            .with_help(
                                "the server redirects in a loop; call the final URL directly",
                            ),
                        ));
                    }
                    if !matches!(next.scheme(), "http" | "https") {
                        return Err(Failure::Diag(
                            Diag::new(
                                Code::HttpRequest,
                                format!(
                                    "{} {shown} was redirected to a `{}:` URL",
                                    req.method,
                                    next.scheme()
                                ),
                            )
                            .with_help("only http:// and https:// redirects are followed"),
                        ));
                    }
                    hops += 1;
                    if next.origin() != url.origin() {
                        let before = headers.len();
                        headers.retain(|(k, _)| {
                            !is_secret_header(k)
                                && !auth_headers.iter().any(|(a, _)| a.eq_ignore_ascii_case(k))
                        });
                        if headers.len() != before {
                            self.trace(&format!(
                                "redirect to another origin ({}): credentials not forwarded",
                                next.origin().ascii_serialization()
                            ));
                        }
                    }
                    let to_get = status == 303 && method != reqwest::Method::HEAD
                        || (matches!(status, 301 | 302) && method == reqwest::Method::POST);
                    if to_get {
                        method = reqwest::Method::GET;
                        body = None;
                        headers.retain(|(k, _)| {
                            !k.eq_ignore_ascii_case("content-type")
                                && !k.eq_ignore_ascii_case("content-length")
                        });
                    }
                    let mut n = next.clone();
                    n.set_query(None);
                    self.trace(&format!("< {status} redirect to {n}"));
                    url = next;
                    continue;
                }
                let headers: Vec<(String, String)> = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_ascii_lowercase(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let bytes = read_capped(resp).await?;
                return Ok(HttpResponse {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                });
            }
        };
        let result = match tokio::time::timeout(self.opts.timeout, fut).await {
            Err(_) => return Err(timeout_diag()),
            Ok(Err(Failure::Net(e))) if e.is_timeout() => return Err(timeout_diag()),
            Ok(Err(Failure::Net(e))) => {
                return Err(Diag::new(
                    Code::HttpRequest,
                    format!("{method} {shown} failed: {}", error_chain(&e.without_url())),
                )
                .with_help("check the URL, your network connection, and the [hosts] table of connections.toml"));
            }
            Ok(Err(Failure::TooLarge)) => {
                return Err(Diag::new(
                    Code::HttpResponseTooLarge,
                    format!(
                        "the response of {method} {shown} is larger than {} MB",
                        MAX_RESPONSE_BYTES / (1024 * 1024)
                    ),
                )
                .with_help("Zoho caps responses too (5-50 MB); ask the API for less (pagination, fields, a date range)"));
            }
            Ok(Err(Failure::Diag(d))) => return Err(d),
            Ok(Ok(r)) => r,
        };
        self.trace(&format!(
            "< {} ({} ms, {} bytes)",
            result.status,
            started.elapsed().as_millis(),
            result.body.len()
        ));
        Ok(result)
    }

    /// Books `code: 57` after the refresh-and-retry → `zoho::not_authorized`.
    fn check_not_authorized(
        &self,
        resp: HttpResponse,
        conn: Option<&Connection>,
        url: &reqwest::Url,
    ) -> Result<HttpResponse, Diag> {
        if resp.status != 401 {
            return Ok(resp);
        }
        let Some(conn) = conn else { return Ok(resp) };
        let json: Option<serde_json::Value> = serde_json::from_str(&resp.body).ok();
        let code57 = json
            .as_ref()
            .and_then(|j| j.get("code"))
            .is_some_and(|c| c.as_i64() == Some(57) || c.as_str() == Some("57"));
        if !code57 {
            return Ok(resp);
        }
        let msg = json
            .as_ref()
            .and_then(|j| j.get("message"))
            .and_then(|m| m.as_str())
            .unwrap_or("You are not authorized to perform this operation");
        let host = url.host_str().unwrap_or("");
        let help = match conn.datacenter() {
            Some(dc) => {
                let host_dc = datacenter::of_host(host);
                let mismatch = match host_dc {
                    Some(h) if h.code != dc.code => format!(
                        "the URL host {host} belongs to data center '{}' but connection '{}' is in '{}': use {} (its API domain), or fix `datacenter`",
                        h.code, conn.name, dc.code, dc.api_domain
                    ),
                    _ => format!(
                        "the API domain must match the token's data center: connection '{}' is in '{}', so call {}",
                        conn.name, dc.code, dc.api_domain
                    ),
                };
                format!(
                    "{mismatch}; otherwise the token lacks the needed scope (e.g. ZohoBooks.fullaccess.all) or the user cannot access this organization_id"
                )
            }
            None => "the token was rejected after a refresh; check the connection's scopes and the API host".into(),
        };
        Err(Diag::new(
            Code::ZohoNotAuthorized,
            format!(
                "Zoho answered 401 (code 57: {msg}) for {host} with connection '{}'",
                conn.name
            ),
        )
        .with_help(help))
    }

    /// Warn (once per connection and host) when a Zoho API host in the URL
    /// belongs to another data center than the connection.
    fn check_datacenter(&self, conn: &Connection, url: &reqwest::Url) {
        let Some(dc) = conn.datacenter() else { return };
        let Some(host) = url.host_str() else { return };
        let Some(host_dc) = datacenter::of_host(host) else {
            return;
        };
        if host_dc.code == dc.code {
            return;
        }
        if !self
            .warned
            .lock()
            .unwrap()
            .insert((conn.name.clone(), host.to_string()))
        {
            return;
        }
        self.warn(
            Diag::new(
                Code::ZohoDatacenterMismatch,
                format!(
                    "{host} belongs to Zoho data center '{}' ({}), but connection '{}' is in '{}' ({})",
                    host_dc.code, host_dc.name, conn.name, dc.code, dc.name
                ),
            )
            .with_help(format!(
                "a token from one data center is rejected by another (Books answers code 57); call {} instead, or set datacenter = \"{}\" for [connections.{}]",
                dc.api_domain, host_dc.code, conn.name
            ))
            .warning(),
        );
    }
}

/// Whether an `api_domain` (from a token response or the token cache) may
/// receive the connection's access token: an `https://` Zoho API host of the
/// connection's data center (`www.zohoapis.in`, `sandbox.zohoapis.in`), or a
/// host mapped in `[hosts]`. Never user-info, a path, or another host.
pub fn trusted_api_domain(
    dc: &crate::connections::DataCenter,
    conns: &Connections,
    domain: &str,
) -> bool {
    let Ok(u) = reqwest::Url::parse(domain.trim()) else {
        return false;
    };
    if !u.username().is_empty() || u.password().is_some() || u.query().is_some() {
        return false;
    }
    if u.path() != "/" && !u.path().is_empty() {
        return false;
    }
    if conns.maps_host(&u) {
        return true;
    }
    let Some(host) = u.host_str() else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let base = dc
        .api_domain
        .trim_start_matches("https://")
        .trim_start_matches("www.");
    u.scheme() == "https"
        && u.port().is_none()
        && (host == base || host.ends_with(&format!(".{base}")))
}

/// Why one request failed inside [`HttpClient::execute`].
enum Failure {
    Net(reqwest::Error),
    TooLarge,
    Diag(Diag),
}

/// Read a response body, failing past [`MAX_RESPONSE_BYTES`].
async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, Failure> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(Failure::TooLarge);
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Failure::Net)? {
        if out.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Failure::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Auth headers (and query parameters) for a connection.
fn apply_auth(
    conn: Option<&Connection>,
    url: &reqwest::Url,
    token: Option<&str>,
) -> (reqwest::Url, Vec<(String, String)>) {
    let mut url = url.clone();
    let mut headers = Vec::new();
    let Some(conn) = conn else {
        return (url, headers);
    };
    match &conn.auth {
        Auth::Zoho { .. } => {
            if let Some(t) = token {
                headers.push(("Authorization".into(), format!("Zoho-oauthtoken {t}")));
            }
        }
        Auth::OAuth2 { .. } => {
            if let Some(t) = token {
                headers.push(("Authorization".into(), format!("Bearer {t}")));
            }
        }
        Auth::Bearer { token } => {
            headers.push(("Authorization".into(), format!("Bearer {}", token.expose())));
        }
        Auth::ApiKey { key, location } => match location {
            KeyLocation::Header(h) => headers.push((h.clone(), key.expose().to_string())),
            KeyLocation::Query(q) => {
                url.query_pairs_mut().append_pair(q, key.expose());
            }
        },
        Auth::Basic { username, password } => {
            use base64::Engine;
            let enc = base64::engine::general_purpose::STANDARD
                .encode(format!("{username}:{}", password.expose()));
            headers.push(("Authorization".into(), format!("Basic {enc}")));
        }
    }
    (url, headers)
}
