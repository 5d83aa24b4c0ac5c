//! Named connections: connections file, OAuth token cache, data centers.
//!
//! File format (`connections.toml`):
//!
//! ```toml
//! [hosts]                       # optional: host → base URL, applied to every request
//! "accounts.zoho.in" = "http://127.0.0.1:9000"
//!
//! [connections.kalki_books_connection]   # type defaults to "zoho"
//! datacenter = "in"
//! client_id = "1000.XXXX"
//! client_secret = "${ZOHO_CLIENT_SECRET}"
//! refresh_token = "${ZOHO_REFRESH_TOKEN}"
//! scopes = ["ZohoBooks.fullaccess.all"]
//!
//! [connections.github]
//! type = "bearer"
//! token = "${GITHUB_TOKEN}"
//!
//! [connections.weather]
//! type = "api_key"
//! key = "${WEATHER_KEY}"
//! query = "appid"               # or: header = "X-API-Key"
//!
//! [connections.legacy]
//! type = "basic"
//! username = "me"
//! password = "${LEGACY_PASSWORD}"
//!
//! [connections.my-oauth]
//! type = "oauth2"
//! token_url = "https://auth.example.com/oauth/token"
//! client_id = "abc"
//! client_secret = "${MY_SECRET}"
//! refresh_token = "${MY_REFRESH}"
//! ```

// The public API returns `Diag` by value (shared with the interpreter).
#![allow(clippy::result_large_err)]

pub mod datacenter;
pub mod oauth_flow;
pub mod store;
pub mod token;

use crate::code::Code;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diag, SourceFile};
pub use datacenter::DataCenter;

/// A secret string: never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The raw value, for building the request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How a connection authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Zoho OAuth: refresh at the data center's accounts server,
    /// `Authorization: Zoho-oauthtoken <token>`.
    Zoho {
        datacenter: &'static DataCenter,
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        scopes: Vec<String>,
        grant: Grant,
    },
    /// Generic OAuth 2.0 refresh-token grant, `Authorization: Bearer <token>`.
    OAuth2 {
        token_url: String,
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        scopes: Vec<String>,
        grant: Grant,
    },
    /// Static bearer token.
    Bearer { token: Secret },
    /// API key in a header or a query parameter.
    ApiKey { key: Secret, location: KeyLocation },
    /// HTTP basic auth.
    Basic { username: String, password: Secret },
}

/// How a token-based connection gets access tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=refresh_token` with the connection's refresh token.
    RefreshToken,
    /// `grant_type=client_credentials` (Zoho Self Client): client id,
    /// secret, scopes and `soid` (`ZohoCRM.<org id>`); no refresh token.
    ClientCredentials { soid: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    Header(String),
    Query(String),
}

/// A resolved connection (env references expanded).
#[derive(Clone, Debug)]
pub struct Connection {
    pub name: String,
    pub auth: Auth,
}

impl Connection {
    /// Every secret value of this connection (for output scrubbing).
    pub fn secrets(&self) -> Vec<String> {
        let v: Vec<&Secret> = match &self.auth {
            Auth::Zoho {
                client_secret,
                refresh_token,
                ..
            }
            | Auth::OAuth2 {
                client_secret,
                refresh_token,
                ..
            } => vec![client_secret, refresh_token],
            Auth::Bearer { token } => vec![token],
            Auth::ApiKey { key, .. } => vec![key],
            Auth::Basic { password, .. } => vec![password],
        };
        v.into_iter()
            .map(|s| s.expose().to_string())
            .filter(|s| s.len() >= 4)
            .collect()
    }

    pub fn datacenter(&self) -> Option<&'static DataCenter> {
        match &self.auth {
            Auth::Zoho { datacenter, .. } => Some(datacenter),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- raw file

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    pub hosts: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub connections: BTreeMap<String, Spanned<RawConn>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(crate) enum Scopes {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConn {
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    #[serde(alias = "dc", alias = "data_center", alias = "region")]
    datacenter: Option<Spanned<String>>,
    client_id: Option<Spanned<String>>,
    client_secret: Option<Spanned<String>>,
    refresh_token: Option<Spanned<String>>,
    #[serde(alias = "scope")]
    scopes: Option<Spanned<Scopes>>,
    token_url: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    header: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    /// Consent page of a generic OAuth 2.0 provider (`dlg auth NAME`).
    auth_url: Option<Spanned<String>>,
    /// Port of the loopback redirect `http://127.0.0.1:PORT/callback`.
    redirect_port: Option<Spanned<u16>>,
    /// Revocation endpoint of a generic OAuth 2.0 provider (`dlg auth revoke`).
    revoke_url: Option<Spanned<String>>,
    /// `refresh_token` (default) or `client_credentials`.
    grant: Option<Spanned<String>>,
    /// Zoho client_credentials: the org, `ZohoCRM.<org id>`.
    soid: Option<Spanned<String>>,
}

/// A loaded connections file (or the connections declared in a mock file).
#[derive(Clone)]
pub struct Connections {
    /// Where it came from; `None` when no file was found.
    pub path: Option<PathBuf>,
    hosts: Vec<(String, reqwest::Url)>,
    /// Each connection with the (redacted) file it was declared in.
    raw: BTreeMap<String, (Spanned<RawConn>, SourceFile)>,
    /// The refresh-token store consulted for connections whose file entry
    /// has no usable `refresh_token` (see [`store`]).
    store: Option<store::Store>,
}

/// Where a token-based connection's refresh token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshSource {
    /// A literal value in the connections file.
    File,
    /// `${VAR}` in the file, set in the environment.
    Env(String),
    /// The token store (`dlg auth NAME`), created at (epoch seconds).
    Store(u64),
    /// The connection uses the client_credentials grant: no refresh token.
    ClientCredentials,
    /// Revoked with `dlg auth revoke` at (epoch seconds); nothing usable.
    Revoked(u64),
    /// None anywhere (the `${VAR}` named, if any, is unset).
    Missing(Option<String>),
    /// Not a refresh-token connection.
    NotApplicable,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connections")
            .field("path", &self.path)
            .field("names", &self.names())
            .field("hosts", &self.hosts)
            .finish()
    }
}

/// Where the connections file lives: `--connections`, else `DLG_CONNECTIONS`,
/// else the nearest `connections.toml` in the current directory or its
/// ancestors, else `$XDG_CONFIG_HOME/dlg/connections.toml`.
/// Returns `(path, explicit)`; an explicit path must exist.
pub fn locate(explicit: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = explicit {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = std::env::var_os("DLG_CONNECTIONS").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            let candidate = dir.join("connections.toml");
            if candidate.is_file() {
                return Some((candidate, false));
            }
            if !dir.pop() {
                break;
            }
        }
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".config")))?;
    let candidate = config.join("dlg").join("connections.toml");
    candidate.is_file().then_some((candidate, false))
}

impl Connections {
    /// No connections at all.
    pub fn empty() -> Self {
        Connections {
            path: None,
            hosts: Vec::new(),
            raw: BTreeMap::new(),
            store: None,
        }
    }

    /// Find and load the connections file (see [`locate`]).
    pub fn discover(explicit: Option<&Path>) -> Result<Self, Diag> {
        match locate(explicit) {
            None => Ok(Connections::empty()),
            Some((path, explicit)) => match std::fs::read_to_string(&path) {
                Ok(text) => Connections::parse(&path, &text),
                Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
                    Ok(Connections::empty())
                }
                Err(e) => Err(Diag::new(
                    Code::ConnectionInvalid,
                    format!("cannot read connections file {}: {e}", path.display()),
                )
                .with_help("pass an existing file with --connections, or fix DLG_CONNECTIONS")),
            },
        }
    }

    /// Parse a connections file.
    pub fn parse(path: &Path, text: &str) -> Result<Self, Diag> {
        let source = SourceFile::new(path.display().to_string(), redact_source(text));
        let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(&source, &e))?;
        Connections::from_raw(Some(path.to_path_buf()), source, raw.hosts, raw.connections)
    }

    pub(crate) fn from_raw(
        path: Option<PathBuf>,
        source: SourceFile,
        raw_hosts: BTreeMap<String, Spanned<String>>,
        raw: BTreeMap<String, Spanned<RawConn>>,
    ) -> Result<Self, Diag> {
        let mut hosts = Vec::new();
        for (host, base) in raw_hosts {
            let url = reqwest::Url::parse(base.get_ref())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            match url {
                Some(u) => hosts.push((host.to_ascii_lowercase(), u)),
                None => {
                    return Err(Diag::new(
                        Code::ConnectionInvalid,
                        format!("[hosts] entry for `{host}` is not an http(s) base URL"),
                    )
                    .with_help("write it like \"accounts.zoho.in\" = \"http://127.0.0.1:9000\"")
                    .with_source(source.clone())
                    .with_label("expected http://host[:port][/prefix]", base.span()));
                }
            }
        }
        let raw = raw
            .into_iter()
            .map(|(k, v)| (k, (v, source.clone())))
            .collect();
        Ok(Connections {
            path,
            hosts,
            raw,
            store: None,
        })
    }

    /// Connection names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.raw.keys().cloned().collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.raw.contains_key(name)
    }

    /// Merge `other`'s connections and hosts into self (self wins on clashes).
    pub fn merge_missing(&mut self, other: &Connections) {
        for (k, v) in &other.raw {
            self.raw.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (h, u) in &other.hosts {
            if !self.hosts.iter().any(|(k, _)| k == h) {
                self.hosts.push((h.clone(), u.clone()));
            }
        }
    }

    /// Rewrite `url` through the `[hosts]` table. Keys match `host` or
    /// `host:port`; the base URL's path is prefixed to the request path.
    pub fn map_url(&self, url: &reqwest::Url) -> reqwest::Url {
        let Some(host) = url.host_str() else {
            return url.clone();
        };
        let host = host.to_ascii_lowercase();
        let with_port = url.port().map(|p| format!("{host}:{p}"));
        let hit = self
            .hosts
            .iter()
            .find(|(k, _)| Some(k) == with_port.as_ref())
            .or_else(|| self.hosts.iter().find(|(k, _)| *k == host));
        let Some((_, base)) = hit else {
            return url.clone();
        };
        let mut s = base.as_str().trim_end_matches('/').to_string();
        // `Url::as_str` of a base without a path ends in '/', trimmed above.
        s.push_str(url.path());
        if let Some(q) = url.query() {
            s.push('?');
            s.push_str(q);
        }
        reqwest::Url::parse(&s).unwrap_or_else(|_| url.clone())
    }

    /// Whether `[hosts]` maps this host (or `host:port`).
    pub fn maps_host(&self, url: &reqwest::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let with_port = url.port().map(|p| format!("{host}:{p}"));
        self.hosts
            .iter()
            .any(|(k, _)| *k == host || Some(k) == with_port.as_ref())
    }

    pub fn has_host_mappings(&self) -> bool {
        !self.hosts.is_empty()
    }

    fn where_(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "the connections file".into(),
        }
    }

    /// Resolve one connection. With `with_secrets = false` (mock mode) the
    /// secret fields are neither required nor expanded: placeholders are used.
    pub fn resolve(&self, name: &str, with_secrets: bool) -> Result<Connection, Diag> {
        self.resolve_inner(name, with_secrets, false)
    }

    /// Resolve a connection that may not have a refresh token yet (for
    /// `dlg connections authorize`): a missing `refresh_token`, or one that
    /// references an unset environment variable, resolves to an empty secret.
    pub fn resolve_for_authorize(&self, name: &str) -> Result<Connection, Diag> {
        self.resolve_inner(name, true, true)
    }

    /// The raw `refresh_token` value of a connection as written in the file
    /// (e.g. `${ZOHO_REFRESH_TOKEN}`), when it is a pure env reference.
    pub fn refresh_token_env_var(&self, name: &str) -> Option<String> {
        let (raw, _) = self.raw.get(name)?;
        let v = raw.get_ref().refresh_token.as_ref()?.get_ref();
        let inner = v.strip_prefix("${")?.strip_suffix('}')?;
        (!inner.contains(['{', '}', '$'])).then(|| inner.to_string())
    }

    fn resolve_inner(
        &self,
        name: &str,
        with_secrets: bool,
        refresh_optional: bool,
    ) -> Result<Connection, Diag> {
        let Some((raw, src)) = self.raw.get(name) else {
            return Err(self.unknown(name));
        };
        let span = raw.span();
        let c = raw.get_ref();
        let src = src.clone();
        let invalid = |msg: String, help: String, span: std::ops::Range<usize>, label: &str| {
            Diag::new(Code::ConnectionInvalid, msg)
                .with_help(help)
                .with_source(src.clone())
                .with_label(label.to_string(), span)
        };
        let missing = |field: &str, kind: &str| {
            invalid(
                format!(
                    "connection '{name}' ({kind}) in {} is missing `{field}`",
                    src.name
                ),
                format!(
                    "add `{field} = \"...\"` to [connections.{name}] (values may be \"${{ENV_VAR}}\")"
                ),
                span.clone(),
                "this connection",
            )
        };
        let plain = |field: &str,
                     v: &Option<Spanned<String>>,
                     kind: &str|
         -> Result<String, Diag> {
            let placeholder = || format!("mock-{}", field.replace('_', "-"));
            match v {
                // Mock mode needs no credentials: a client id, user
                // name or token endpoint (maybe `${VAR}`s unset in CI)
                // never reaches the network, so it is not even read.
                _ if !with_secrets && matches!(field, "client_id" | "token_url" | "username") => {
                    Ok(placeholder())
                }
                Some(s) => expand_env(name, field, s, &src),
                None => Err(missing(field, kind)),
            }
        };
        let secret =
            |field: &str, v: &Option<Spanned<String>>, kind: &str| -> Result<Secret, Diag> {
                if !with_secrets {
                    return Ok(Secret::new(format!("mock-{}", field.replace('_', "-"))));
                }
                if refresh_optional && field == "refresh_token" {
                    return Ok(v
                        .as_ref()
                        .and_then(|s| expand_env(name, field, s, &src).ok())
                        .map(Secret)
                        .unwrap_or_else(|| Secret::new("")));
                }
                if field == "refresh_token" {
                    return self.stored_refresh(name, v, &src, || missing(field, kind));
                }
                match v {
                    Some(s) => expand_env(name, field, s, &src).map(Secret),
                    None => Err(missing(field, kind)),
                }
            };
        let scopes = || -> Vec<String> {
            match c.scopes.as_ref().map(|s| s.get_ref()) {
                None => Vec::new(),
                Some(Scopes::One(s)) => s
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                Some(Scopes::Many(v)) => v.clone(),
            }
        };
        let kind = match &c.kind {
            Some(k) => k.get_ref().to_ascii_lowercase().replace('-', "_"),
            None if c.token.is_some() => "bearer".into(),
            None => "zoho".into(),
        };
        let grant = match &c.grant {
            None => Grant::RefreshToken,
            Some(g) => match g.get_ref().to_ascii_lowercase().as_str() {
                "refresh_token" | "authorization_code" => Grant::RefreshToken,
                "client_credentials" => Grant::ClientCredentials {
                    soid: match &c.soid {
                        Some(_) if !with_secrets => Some("mock-soid".into()),
                        v => v
                            .as_ref()
                            .map(|v| expand_env(name, "soid", v, &src))
                            .transpose()?,
                    },
                },
                other => {
                    return Err(invalid(
                        format!("connection '{name}': unknown grant `{other}`"),
                        "use grant = \"refresh_token\" (the default) or \"client_credentials\""
                            .into(),
                        g.span(),
                        "unknown grant",
                    ));
                }
            },
        };
        let refresh = |kind: &str| -> Result<Secret, Diag> {
            match grant {
                Grant::ClientCredentials { .. } => Ok(Secret::new("")),
                Grant::RefreshToken => secret("refresh_token", &c.refresh_token, kind),
            }
        };
        let auth = match kind.as_str() {
            "zoho" | "zoho_oauth" => {
                let dc_raw = c
                    .datacenter
                    .as_ref()
                    .ok_or_else(|| missing("datacenter", "zoho"))?;
                let dc_name = expand_env(name, "datacenter", dc_raw, &src)?;
                let datacenter = datacenter::lookup(&dc_name).ok_or_else(|| {
                    invalid(
                        format!("connection '{name}': unknown data center `{dc_name}`"),
                        format!(
                            "use one of: {} (the location of the Zoho account that owns the client)",
                            datacenter::codes().join(", ")
                        ),
                        dc_raw.span(),
                        "unknown data center",
                    )
                })?;
                Auth::Zoho {
                    datacenter,
                    client_id: plain("client_id", &c.client_id, "zoho")?,
                    client_secret: secret("client_secret", &c.client_secret, "zoho")?,
                    refresh_token: refresh("zoho")?,
                    scopes: scopes(),
                    grant: grant.clone(),
                }
            }
            "oauth2" | "oauth" => Auth::OAuth2 {
                token_url: plain("token_url", &c.token_url, "oauth2")?,
                client_id: plain("client_id", &c.client_id, "oauth2")?,
                client_secret: secret("client_secret", &c.client_secret, "oauth2")?,
                refresh_token: refresh("oauth2")?,
                scopes: scopes(),
                grant: grant.clone(),
            },
            "bearer" => Auth::Bearer {
                token: secret("token", &c.token, "bearer")?,
            },
            "api_key" | "apikey" => {
                let location = match (&c.header, &c.query) {
                    (Some(h), None) => KeyLocation::Header(expand_env(name, "header", h, &src)?),
                    (None, Some(q)) => KeyLocation::Query(expand_env(name, "query", q, &src)?),
                    _ => {
                        return Err(invalid(
                            format!("connection '{name}' (api_key) needs exactly one of `header` or `query`"),
                            "add `header = \"X-API-Key\"` to send the key as a header, or `query = \"api_key\"` to send it as a query parameter".into(),
                            span,
                            "this connection",
                        ));
                    }
                };
                Auth::ApiKey {
                    key: secret("key", &c.key, "api_key")?,
                    location,
                }
            }
            "basic" => Auth::Basic {
                username: plain("username", &c.username, "basic")?,
                password: secret("password", &c.password, "basic")?,
            },
            other => {
                let k = c.kind.as_ref().expect("explicit type");
                return Err(invalid(
                    format!("connection '{name}': unknown type `{other}`"),
                    "use one of: zoho (default), oauth2, bearer, api_key, basic".into(),
                    k.span(),
                    "unknown connection type",
                ));
            }
        };
        if with_secrets && !refresh_optional {
            self.check_stored_issuer(name, c, &auth)?;
        }
        Ok(Connection {
            name: name.to_string(),
            auth,
        })
    }

    /// Use this refresh-token store for connections without a usable
    /// `refresh_token` in the file.
    pub fn set_store(&mut self, store: store::Store) {
        self.store = Some(store);
    }

    pub fn store(&self) -> Option<&store::Store> {
        self.store.as_ref()
    }

    /// The refresh token of a connection: the file's value (env expanded),
    /// else, when the field is absent or its `${VAR}` is unset, the store's.
    fn stored_refresh(
        &self,
        name: &str,
        v: &Option<Spanned<String>>,
        src: &SourceFile,
        missing: impl Fn() -> Diag,
    ) -> Result<Secret, Diag> {
        let from_file = v
            .as_ref()
            .map(|s| expand_env(name, "refresh_token", s, src));
        let file_err = match from_file {
            Some(Ok(t)) => return Ok(Secret(t)),
            Some(Err(d)) => d,
            None => missing(),
        };
        let entry = match self.store.as_ref().map(|s| s.load(name)) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(e))) => Some(e),
            Some(Err(e)) => {
                return Err(Diag::new(
                    Code::ConnectionInvalid,
                    format!("cannot read the stored refresh token of connection '{name}': {e}"),
                )
                .with_help(format!(
                    "run `dlg auth logout {name}` and then `dlg auth {name}` to store a new one"
                )));
            }
        };
        match entry {
            Some(e) if e.refresh_token.is_some() => {
                Ok(Secret(e.refresh_token.expect("checked")))
            }
            Some(e) => Err(Diag::new(
                Code::OauthInvalidCode,
                format!(
                    "connection '{name}' has no refresh token: it was revoked with `dlg auth revoke {name}` {}",
                    when(e.revoked_at.unwrap_or(e.created_at))
                ),
            )
            .with_help(format!(
                "run `dlg auth {name}` to authorize the connection again"
            ))),
            None => {
                let help = file_err.help.clone().unwrap_or_default();
                Err(file_err.with_help(format!(
                    "{help}; or run `dlg auth {name}` to authorize the connection and keep its refresh token in dlg's token store"
                )))
            }
        }
    }

    /// A stored refresh token is only used with the client and issuer it was
    /// issued for.
    fn check_stored_issuer(&self, name: &str, c: &RawConn, auth: &Auth) -> Result<(), Diag> {
        if self.refresh_is_in_file(name, c) || c.grant.is_some_and_cc() {
            return Ok(());
        }
        let Some(Ok(Some(e))) = self.store.as_ref().map(|s| s.load(name)) else {
            return Ok(());
        };
        let (issuer, client_id) = match auth {
            Auth::Zoho {
                datacenter,
                client_id,
                ..
            } => (format!("zoho:{}", datacenter.code), client_id),
            Auth::OAuth2 {
                token_url,
                client_id,
                ..
            } => (format!("oauth2:{token_url}"), client_id),
            _ => return Ok(()),
        };
        if e.issuer == issuer && &e.client_id == client_id {
            return Ok(());
        }
        Err(Diag::new(
            Code::ConnectionInvalid,
            format!(
                "the stored refresh token of connection '{name}' was issued for client {} at {}, but the connection now uses client {client_id} at {issuer}",
                e.client_id, e.issuer
            ),
        )
        .with_help(format!(
            "run `dlg auth {name}` to authorize the connection with its current client and data center"
        )))
    }

    fn refresh_is_in_file(&self, _name: &str, c: &RawConn) -> bool {
        c.refresh_token.as_ref().is_some_and(|v| {
            !v.get_ref().contains("${")
                || env_refs(v.get_ref())
                    .iter()
                    .all(|k| std::env::var_os(k).is_some())
        })
    }

    /// Where the refresh token of a connection comes from (never the value).
    pub fn refresh_source(&self, name: &str) -> RefreshSource {
        let Some((raw, _)) = self.raw.get(name) else {
            return RefreshSource::NotApplicable;
        };
        let c = raw.get_ref();
        let kind = c
            .kind
            .as_ref()
            .map(|k| k.get_ref().to_ascii_lowercase().replace('-', "_"));
        let token_based = match kind.as_deref() {
            None => c.token.is_none(),
            Some(k) => matches!(k, "zoho" | "zoho_oauth" | "oauth2" | "oauth"),
        };
        if !token_based {
            return RefreshSource::NotApplicable;
        }
        if c.grant.is_some_and_cc() {
            return RefreshSource::ClientCredentials;
        }
        let refs = c
            .refresh_token
            .as_ref()
            .map(|v| env_refs(v.get_ref()))
            .unwrap_or_default();
        if self.refresh_is_in_file(name, c) {
            return match refs.first() {
                Some(var) => RefreshSource::Env(var.clone()),
                None => RefreshSource::File,
            };
        }
        match self
            .store
            .as_ref()
            .and_then(|s| s.load(name).ok().flatten())
        {
            Some(e) if e.refresh_token.is_some() => RefreshSource::Store(e.created_at),
            Some(e) => RefreshSource::Revoked(e.revoked_at.unwrap_or(e.created_at)),
            None => RefreshSource::Missing(refs.first().cloned()),
        }
    }

    /// `redirect_port` of a connection, if set.
    pub fn redirect_port(&self, name: &str) -> Option<u16> {
        let (raw, _) = self.raw.get(name)?;
        raw.get_ref().redirect_port.as_ref().map(|p| *p.get_ref())
    }

    /// `auth_url` of a connection (environment references expanded).
    pub fn auth_url(&self, name: &str) -> Result<Option<String>, Diag> {
        let Some((raw, src)) = self.raw.get(name) else {
            return Ok(None);
        };
        raw.get_ref()
            .auth_url
            .as_ref()
            .map(|v| expand_env(name, "auth_url", v, src))
            .transpose()
    }

    /// `revoke_url` of a connection (environment references expanded).
    pub fn revoke_url(&self, name: &str) -> Result<Option<String>, Diag> {
        let Some((raw, src)) = self.raw.get(name) else {
            return Ok(None);
        };
        raw.get_ref()
            .revoke_url
            .as_ref()
            .map(|v| expand_env(name, "revoke_url", v, src))
            .transpose()
    }

    /// `connection::unknown` with the list of known names and a did-you-mean.
    pub fn unknown(&self, name: &str) -> Diag {
        let names = self.names();
        let mut msg = format!("unknown connection '{name}'");
        let help = if names.is_empty() {
            match &self.path {
                Some(p) => format!(
                    "{} defines no connections; add a [connections.{name}] table",
                    p.display()
                ),
                None => format!(
                    "no connections file found; create connections.toml (or pass --connections FILE, or set DLG_CONNECTIONS) with a [connections.{name}] table"
                ),
            }
        } else {
            let best = names
                .iter()
                .map(|n| {
                    let score = strsim::normalized_damerau_levenshtein(name, n);
                    // A truncated name (`kalki_book`) is a likely typo too.
                    let prefix = name.len() >= 4
                        && n.to_ascii_lowercase()
                            .starts_with(&name.to_ascii_lowercase());
                    (if prefix { score.max(0.6) } else { score }, n)
                })
                .filter(|(score, _)| *score >= 0.6)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, n)) = best {
                msg.push_str(&format!(": did you mean '{n}'?"));
            }
            format!(
                "known connections in {}: {}",
                self.where_(),
                names.join(", ")
            )
        };
        Diag::new(Code::ConnectionUnknown, msg).with_help(help)
    }
}

/// Blank the contents of double-quoted strings in a parser message (toml
/// quotes offending values: `invalid type: string "..."`).
pub(crate) fn blank_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut inside = false;
    for ch in msg.chars() {
        if ch == '"' {
            if inside {
                out.push_str("***");
            }
            inside = !inside;
            out.push(ch);
        } else if !inside {
            out.push(ch);
        }
    }
    out
}

fn toml_error(source: &SourceFile, e: &toml::de::Error) -> Diag {
    let message = blank_quoted(e.message().trim());
    let mut d = Diag::new(
        Code::ConnectionInvalid,
        format!("invalid connections file {}: {message}", source.name),
    )
    .with_help("fix the TOML: the file holds an optional [hosts] table (host = \"http://base\") and one [connections.NAME] table per connection")
    .with_source(source.clone());
    if let Some(span) = e.span() {
        d = d.with_label(message, span);
    }
    d
}

trait IsClientCredentials {
    fn is_some_and_cc(&self) -> bool;
}

impl IsClientCredentials for Option<Spanned<String>> {
    fn is_some_and_cc(&self) -> bool {
        self.as_ref()
            .is_some_and(|g| g.get_ref().eq_ignore_ascii_case("client_credentials"))
    }
}

/// `(on 2024-01-15 10:30 UTC)` for an epoch second.
fn when(secs: u64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|t| format!("on {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default()
}

/// Names of the `${NAME}` references in a value.
fn env_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else { break };
        out.push(after[..j].to_string());
        rest = &after[j + 1..];
    }
    out
}

/// Expand `${NAME}` references from the environment.
fn expand_env(
    conn: &str,
    field: &str,
    value: &Spanned<String>,
    src: &SourceFile,
) -> Result<String, Diag> {
    let s = value.get_ref();
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let var = &after[..j];
        match std::env::var(var) {
            Ok(v) => out.push_str(&v),
            Err(_) => {
                return Err(Diag::new(
                    Code::ConnectionInvalid,
                    format!(
                        "connection '{conn}': environment variable {var} (used by `{field}`) is not set"
                    ),
                )
                .with_help(format!(
                    "export {var}=... before running dlg, or put the value in the file"
                ))
                .with_source(src.clone())
                .with_label(format!("${{{var}}} is not set"), value.span()));
            }
        }
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Keys of a connections file whose values are not secret.
const PUBLIC_KEYS: &[&str] = &[
    "type",
    "datacenter",
    "dc",
    "data_center",
    "region",
    "client_id",
    "scopes",
    "scope",
    "token_url",
    "header",
    "query",
    "username",
    "auth_url",
    "redirect_port",
    "revoke_url",
    "grant",
    "soid",
];

/// Blank secret values in a connections file (same byte length, so spans
/// stay valid), so that snippets in diagnostics never show a secret. Every
/// value is blanked except those of known public keys, host mappings
/// (dotted keys) and pure `${ENV}` references: a misspelt
/// `client_secert = "..."` is blanked too. On top, the common policy
/// ([`crate::redact`]) blanks URL user-info and Zoho-token-shaped text
/// anywhere (comments, `[hosts]` values).
pub fn redact_source(text: &str) -> String {
    let kept = redact_with(text, &|key: &str| {
        PUBLIC_KEYS.contains(&key) || key.contains('.') || key.contains(':')
    });
    crate::redact::mask(&kept).into_owned()
}

/// Blank only values whose key is secret (for mock files), plus what the
/// common policy ([`crate::redact`]) blanks.
pub fn redact_secret_keys(text: &str) -> String {
    let kept = redact_with(text, &|key: &str| !crate::redact::is_secret_key(key));
    crate::redact::mask(&kept).into_owned()
}

fn redact_with(text: &str, keep: &dyn Fn(&str) -> bool) -> String {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = b.to_vec();
    let bare = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.';
    // Byte positions from the scan below may fall inside a multi-byte
    // character (unclosed strings, fuzzed input): ranges shrink to whole
    // characters, so slicing never panics and the output stays UTF-8.
    let chars = |s: usize, e: usize| -> (usize, usize) {
        let (mut s, mut e) = (s.min(n), e.min(n));
        while s < e && !text.is_char_boundary(s) {
            s += 1;
        }
        while e > s && !text.is_char_boundary(e) {
            e -= 1;
        }
        (s, e.max(s))
    };
    let blank = |out: &mut Vec<u8>, s: usize, e: usize| {
        let (s, e) = chars(s, e);
        let v = &text[s..e];
        let env_only = v.starts_with("${") && v.ends_with('}') && !v[2..].contains('{');
        if !env_only {
            for c in &mut out[s..e] {
                *c = b'*';
            }
        }
    };
    // End (exclusive) of a quoted string starting at `i` (the quote).
    let string_end = |i: usize| -> usize {
        let q = b[i];
        let triple = i + 2 < n && b[i + 1] == q && b[i + 2] == q;
        if triple {
            let mut j = i + 3;
            while j + 2 < n && !(b[j] == q && b[j + 1] == q && b[j + 2] == q) {
                j += 1;
            }
            return (j + 3).min(n);
        }
        let mut j = i + 1;
        while j < n && b[j] != q && b[j] != b'\n' {
            if q == b'"' && b[j] == b'\\' && j + 1 < n && b[j + 1] != b'\n' {
                j += 1;
            }
            j += 1;
        }
        // An unclosed string ends at the end of its line: the newline is
        // not consumed, so the next line is scanned as a key again.
        if j >= n || b[j] == b'\n' {
            return j.min(n) + 1;
        }
        (j + 1).min(n)
    };
    // Where scanning resumes after a string ending at `e`: an unclosed
    // string stops before its newline, so the next line is a key again.
    let resume = |e: usize| {
        if e >= 1 && e - 1 < n && b[e - 1] == b'\n' {
            e - 1
        } else {
            e
        }
    };
    let mut i = 0;
    let mut at_key = true;
    while i < n {
        let c = b[i];
        match c {
            b'#' => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' | b'{' | b',' => {
                at_key = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'[' if at_key => {
                // table header
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ if at_key && (bare(c) || c == b'"' || c == b'\'') => {
                // key
                let (key, mut j) = if c == b'"' || c == b'\'' {
                    let e = string_end(i);
                    let (s, e2) = chars(i + 1, e.saturating_sub(1).max(i + 1));
                    (&text[s..e2], resume(e))
                } else {
                    let mut j = i;
                    while j < n && bare(b[j]) {
                        j += 1;
                    }
                    (&text[i..j], j)
                };
                while j < n && (b[j] == b' ' || b[j] == b'\t') {
                    j += 1;
                }
                at_key = false;
                if j >= n || b[j] != b'=' {
                    i = j.max(i + 1);
                    continue;
                }
                j += 1;
                while j < n && (b[j] == b' ' || b[j] == b'\t') {
                    j += 1;
                }
                let secret = !keep(key);
                if j < n && (b[j] == b'"' || b[j] == b'\'') {
                    let e = string_end(j);
                    let triple = e - j >= 6 && b[j + 1] == b[j] && b[j + 2] == b[j];
                    let (s, t) = if triple {
                        (j + 3, e - 3)
                    } else {
                        (j + 1, e.saturating_sub(1).max(j + 1))
                    };
                    if secret && s < t {
                        blank(&mut out, s, t);
                    }
                    i = resume(e);
                } else if j < n && b[j] == b'{' {
                    // inline table: scanned key by key
                    i = j;
                } else if j < n && b[j] == b'[' {
                    // array: blank every string inside when secret
                    if secret {
                        let mut depth = 0usize;
                        let mut k = j;
                        while k < n {
                            match b[k] {
                                b'[' | b'{' => depth += 1,
                                b']' | b'}' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        k += 1;
                                        break;
                                    }
                                }
                                b'"' | b'\'' => {
                                    let e = string_end(k);
                                    if e > k + 2 {
                                        blank(&mut out, k + 1, e - 1);
                                    }
                                    k = e;
                                    continue;
                                }
                                _ => {}
                            }
                            k += 1;
                        }
                        i = k;
                    } else {
                        i = j + 1;
                    }
                } else {
                    let mut e = j;
                    while e < n && !matches!(b[e], b'\n' | b'\r' | b',' | b'}' | b'#' | b' ') {
                        e += 1;
                    }
                    if secret && j < e {
                        blank(&mut out, j, e);
                    }
                    i = e.max(j);
                }
            }
            b'"' | b'\'' => i = resume(string_end(i)),
            _ => {
                at_key = false;
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/run.sh connections_toml`: an unclosed triple-quoted
    /// key whose scan ended inside a multi-byte character panicked.
    #[test]
    fn redaction_never_splits_a_character() {
        for t in [
            "'''é",
            "\"\"\"é",
            "'''c→",
            "k = '''é",
            "client_secret = '''é→",
            "client_secret = \"é",
            "client_secret = [\"é",
            "[hosts] x: host → y\n'''counts.zoho.in\"secret = \"é\"\n",
        ] {
            let r = redact_source(t);
            assert_eq!(r.len(), t.len(), "{t:?}");
            let _ = Connections::parse(Path::new("connections.toml"), t).map_err(|d| d.render());
        }
    }

    #[test]
    fn redacts_secret_values_keeping_length() {
        let t = "[connections.a]\nclient_secret = \"abcdef\"\nrefresh_token='1000.xyz'\nclient_id = \"pub\"\ntoken = \"${TOK}\"\nx = { password = \"pw1234\", username = \"u\" }\nkey = bare\n";
        let r = redact_source(t);
        assert_eq!(r.len(), t.len());
        assert!(!r.contains("abcdef"));
        assert!(!r.contains("1000.xyz"));
        assert!(!r.contains("pw1234"));
        assert!(!r.contains("bare"));
        let t2 = "[connections.b]\nclient_secert = \"typo-secret\"\nlist = [\"s1-secret\", \"s2-secret\"]\n[hosts]\n\"a.b\" = \"http://x\"\n";
        let r2 = redact_source(t2);
        assert_eq!(r2.len(), t2.len());
        assert!(
            !r2.contains("typo-secret") && !r2.contains("s1-secret") && !r2.contains("s2-secret"),
            "{r2}"
        );
        assert!(r2.contains("http://x"));
        assert!(r.contains("\"pub\""));
        assert!(r.contains("${TOK}"));
        assert!(r.contains("username = \"u\""));
    }

    #[test]
    fn unclosed_quote_does_not_reveal_the_next_lines() {
        for t in [
            "[connections.a]\nclient_secret = \"abc\nrefresh_token = \"r-secret-1\"\npassword = \"pw-secret-2\"\n",
            "[connections.a]\nclient_secret = 'abc\nrefresh_token = 'r-secret-1'\npassword = 'pw-secret-2'\n",
            "[connections.a]\nx = \"abc\nrefresh_token = \"r-secret-1\"\npassword = \"pw-secret-2",
        ] {
            let r = redact_source(t);
            assert_eq!(r.len(), t.len());
            assert!(
                !r.contains("r-secret-1") && !r.contains("pw-secret-2"),
                "{r}"
            );
            let d = Connections::parse(Path::new("c.toml"), t).unwrap_err();
            let shown = d.render();
            assert!(
                !shown.contains("secret-1") && !shown.contains("secret-2"),
                "{shown}"
            );
        }
        // At the end of the file, the whole unclosed value is blanked.
        let r = redact_source("client_secret = \"abcdef");
        assert!(!r.contains('f'), "{r}");
    }

    #[test]
    fn hosts_userinfo_and_zoho_tokens_are_blanked_anywhere() {
        let t = "# old: 1000.9c2d4e7f0a1b.f00d5eed1e55\n[hosts]\n\"a.b\" = \"http://user:PASSW0RD@127.0.0.1:9\"\n";
        let r = redact_source(t);
        assert_eq!(r.len(), t.len());
        assert!(!r.contains("PASSW0RD") && !r.contains("f00d5eed"), "{r}");
        assert!(r.contains("@127.0.0.1:9"));
    }

    #[test]
    fn maps_hosts() {
        let c = Connections::parse(
            Path::new("c.toml"),
            "[hosts]\n\"accounts.zoho.in\" = \"http://127.0.0.1:9000\"\n\"www.zohoapis.in\" = \"http://127.0.0.1:9001/api/\"\n",
        )
        .unwrap();
        let u = |s: &str| c.map_url(&reqwest::Url::parse(s).unwrap()).to_string();
        assert_eq!(
            u("https://accounts.zoho.in/oauth/v2/token"),
            "http://127.0.0.1:9000/oauth/v2/token"
        );
        assert_eq!(
            u("https://www.zohoapis.in/books/v3/invoices?organization_id=1"),
            "http://127.0.0.1:9001/api/books/v3/invoices?organization_id=1"
        );
        assert_eq!(u("https://example.com/x"), "https://example.com/x");
    }
}
