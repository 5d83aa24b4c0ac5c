//! Access tokens: refresh grant, on-disk cache (absolute expiry, mode 0600,
//! atomic writes) and a file lock so concurrent `dlg` processes refresh once.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Auth, Connection};
use crate::diag::Diag;

/// Tokens are reused until this many seconds before their expiry.
pub const EXPIRY_MARGIN_SECS: u64 = 60;

/// One cached access token.
#[derive(Clone, Serialize, Deserialize)]
pub struct CachedToken {
    pub access_token: String,
    /// Absolute expiry, seconds since the Unix epoch.
    pub expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_domain: Option<String>,
    #[serde(default)]
    pub connection: String,
    /// Data center code or token URL.
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub client_id: String,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &"***")
            .field("expires_at", &self.expires_at)
            .field("api_domain", &self.api_domain)
            .field("connection", &self.connection)
            .finish()
    }
}

impl CachedToken {
    pub fn is_fresh(&self) -> bool {
        self.expires_at > now_secs() + EXPIRY_MARGIN_SECS
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `$XDG_CACHE_HOME/dlg`, else `~/.cache/dlg` (explicit dir wins).
pub fn default_cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("DLG_CACHE_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("dlg")
}

/// Who issues tokens for this connection, and with what.
fn issuer(conn: &Connection) -> Option<(String, &str, &str)> {
    match &conn.auth {
        Auth::Zoho {
            datacenter,
            client_id,
            refresh_token,
            ..
        } => Some((
            format!("zoho:{}", datacenter.code),
            client_id,
            refresh_token.expose(),
        )),
        Auth::OAuth2 {
            token_url,
            client_id,
            refresh_token,
            ..
        } => Some((
            format!("oauth2:{token_url}"),
            client_id,
            refresh_token.expose(),
        )),
        _ => None,
    }
}

/// Cache file stem: connection name + hash of (issuer, client id, refresh
/// token), so two connections, data centers or clients never share a token.
pub fn cache_key(conn: &Connection) -> String {
    let (iss, client_id, refresh) = issuer(conn).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(iss.as_bytes());
    h.update([0]);
    h.update(client_id.as_bytes());
    h.update([0]);
    h.update(Sha256::digest(refresh.as_bytes()));
    let digest = hex::encode(h.finalize());
    format!("{}-{}", safe_name(&conn.name), &digest[..16])
}

/// The connection-name part of a cache file name.
pub fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

/// Tokens in memory (per run) and on disk (across runs).
pub struct TokenStore {
    dir: PathBuf,
    mem: std::sync::Mutex<HashMap<String, CachedToken>>,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("dir", &self.dir)
            .finish()
    }
}

pub type Trace<'a> = &'a (dyn Fn(&str) + Sync);

impl TokenStore {
    pub fn new(dir: PathBuf) -> Self {
        TokenStore {
            dir,
            mem: Default::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The last known token (memory, else disk), even if expired.
    pub fn cached(&self, conn: &Connection) -> Option<CachedToken> {
        let key = cache_key(conn);
        if let Some(t) = self.mem.lock().unwrap().get(&key) {
            return Some(t.clone());
        }
        read_cache(&self.file_for(conn))
    }

    /// Path of the cache file for a connection.
    pub fn file_for(&self, conn: &Connection) -> PathBuf {
        self.dir
            .join("tokens")
            .join(format!("{}.json", cache_key(conn)))
    }

    /// A valid access token: from memory, the disk cache, or a refresh (under
    /// the file lock, re-reading the cache first). `stale` is a token the API
    /// just rejected: it is never returned again.
    pub async fn get(
        &self,
        http: &reqwest::Client,
        conn: &Connection,
        token_url: &reqwest::Url,
        stale: Option<&str>,
        trace: Trace<'_>,
    ) -> Result<CachedToken, Diag> {
        let key = cache_key(conn);
        let usable = |t: &CachedToken| t.is_fresh() && Some(t.access_token.as_str()) != stale;
        if let Some(t) = self.mem.lock().unwrap().get(&key).filter(|t| usable(t)) {
            return Ok(t.clone());
        }
        let file = self.file_for(conn);
        if let Some(t) = read_cache(&file).filter(usable) {
            trace(&format!(
                "token for '{}' from cache {} (expires in {} s)",
                conn.name,
                file.display(),
                t.expires_at.saturating_sub(now_secs())
            ));
            self.mem.lock().unwrap().insert(key, t.clone());
            return Ok(t);
        }
        // Take the lock, re-read, refresh only if still needed.
        let lock = match self.lock(&file).await {
            Ok(l) => Some(l),
            Err(e) => {
                trace(&format!(
                    "token cache lock unavailable ({e}); refreshing without it"
                ));
                None
            }
        };
        if let Some(t) = read_cache(&file).filter(usable) {
            trace(&format!(
                "token for '{}' refreshed by another process; using it",
                conn.name
            ));
            self.mem.lock().unwrap().insert(key, t.clone());
            return Ok(t);
        }
        let mut t = refresh(http, conn, token_url, trace).await?;
        // Keep a previously recorded api_domain if the response omits it.
        if t.api_domain.is_none() {
            t.api_domain = read_cache(&file).and_then(|old| old.api_domain);
        }
        if let Err(e) = write_cache(&file, &t) {
            trace(&format!(
                "could not write token cache {}: {e}",
                file.display()
            ));
        }
        drop(lock);
        self.mem.lock().unwrap().insert(key, t.clone());
        Ok(t)
    }

    async fn lock(&self, file: &Path) -> std::io::Result<File> {
        let dir = file.parent().unwrap_or(&self.dir).to_path_buf();
        create_private_dir(&dir)?;
        let lock_path = file.with_extension("lock");
        tokio::task::spawn_blocking(move || {
            let mut o = OpenOptions::new();
            o.create(true).truncate(false).read(true).write(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.mode(0o600);
            }
            let f = o.open(&lock_path)?;
            fs4::FileExt::lock(&f)?;
            Ok(f)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

pub fn read_cache(file: &Path) -> Option<CachedToken> {
    let text = std::fs::read_to_string(file).ok()?;
    serde_json::from_str(&text).ok()
}

/// Atomic write: temp file in the same directory (mode 0600), then rename.
pub fn write_cache(file: &Path, t: &CachedToken) -> std::io::Result<()> {
    let dir = file.parent().expect("cache file has a parent");
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tok")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(serde_json::to_string_pretty(t)?.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// POST the refresh-token grant and parse the answer. Zoho reports errors as
/// HTTP 200 with `{"error": ...}`: failure is detected by a missing
/// `access_token`, never by the status code.
pub async fn refresh(
    http: &reqwest::Client,
    conn: &Connection,
    token_url: &reqwest::Url,
    trace: Trace<'_>,
) -> Result<CachedToken, Diag> {
    let (client_id, client_secret, refresh_token, scopes, how) = match &conn.auth {
        Auth::Zoho {
            client_id,
            client_secret,
            refresh_token,
            scopes,
            grant,
            ..
        }
        | Auth::OAuth2 {
            client_id,
            client_secret,
            refresh_token,
            scopes,
            grant,
            ..
        } => (client_id, client_secret, refresh_token, scopes, grant),
        _ => unreachable!("refresh on a connection without a token grant"),
    };
    let mut form = vec![
        ("client_id", client_id.as_str()),
        ("client_secret", client_secret.expose()),
    ];
    let scope = scopes.join(if matches!(conn.auth, Auth::Zoho { .. }) {
        ","
    } else {
        " "
    });
    match how {
        super::Grant::RefreshToken => {
            form.insert(0, ("grant_type", "refresh_token"));
            form.push(("refresh_token", refresh_token.expose()));
        }
        super::Grant::ClientCredentials { soid } => {
            form.insert(0, ("grant_type", "client_credentials"));
            if !scope.is_empty() {
                form.push(("scope", &scope));
            }
            if let Some(s) = soid {
                form.push(("soid", s));
            }
        }
    }
    grant(http, conn, token_url, &form, trace)
        .await
        .map(|(t, _)| t)
}

/// Exchange a grant code (Zoho self-client "Generate Code", or an OAuth 2.0
/// authorization code) for tokens: `grant_type=authorization_code`.
/// Returns the access token and the new refresh token.
pub async fn exchange_code(
    http: &reqwest::Client,
    conn: &Connection,
    token_url: &reqwest::Url,
    code: &str,
    redirect_uri: Option<&str>,
    trace: Trace<'_>,
) -> Result<(CachedToken, super::Secret), Diag> {
    let (client_id, client_secret) = match &conn.auth {
        Auth::Zoho {
            client_id,
            client_secret,
            ..
        }
        | Auth::OAuth2 {
            client_id,
            client_secret,
            ..
        } => (client_id, client_secret),
        _ => {
            return Err(Diag::new(
                "connection::invalid",
                format!(
                    "connection '{}' does not use OAuth; there is no grant code to exchange",
                    conn.name
                ),
            )
            .with_help("authorize applies to zoho and oauth2 connections"));
        }
    };
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("client_secret", client_secret.expose()),
        ("code", code),
    ];
    if let Some(r) = redirect_uri {
        form.push(("redirect_uri", r));
    }
    let (t, refresh) = grant(http, conn, token_url, &form, trace)
        .await
        .map_err(|d| {
            if d.code != "oauth::invalid_code" {
                return d;
            }
            Diag::new(
                "oauth::invalid_code",
                format!(
                    "the grant code for connection '{}' was rejected (expired, already used, or issued for another client or data center)",
                    conn.name
                ),
            )
            .with_help("a grant code works once and only until it expires (a browser redirect's code within about a minute; a Self Client code after the time chosen when generating it, 3 minutes by default): generate a new one (Zoho API console → Self Client → Generate Code, with the scopes you need, for the client of this connection) and run this command right away")
        })?;
    let refresh = refresh.ok_or_else(|| {
        Diag::new(
            "oauth::error",
            format!(
                "the token endpoint issued an access token but no refresh_token for connection '{}'",
                conn.name
            ),
        )
        .with_help("Zoho returns a refresh token only for access_type=offline grants; generate the code again (self-client codes are offline)")
    })?;
    Ok((t, refresh))
}

/// POST a token grant and parse the answer. Zoho reports errors as HTTP 200
/// with `{"error": ...}`: failure is detected by a missing `access_token`.
async fn grant(
    http: &reqwest::Client,
    conn: &Connection,
    token_url: &reqwest::Url,
    form: &[(&str, &str)],
    trace: Trace<'_>,
) -> Result<(CachedToken, Option<super::Secret>), Diag> {
    let grant_type = form
        .iter()
        .find(|(k, _)| *k == "grant_type")
        .map(|(_, v)| *v)
        .unwrap_or("?");
    trace(&format!(
        "> POST {token_url} (grant_type={grant_type} for connection '{}', secrets redacted)",
        conn.name
    ));
    let started = std::time::Instant::now();
    let resp = http
        .post(token_url.clone())
        .header("accept", "application/json")
        .form(form)
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => return Err(transport_error(conn, token_url, e)),
    };
    let status = resp.status().as_u16();
    let body = match resp.text().await {
        Ok(b) => b,
        Err(e) => return Err(transport_error(conn, token_url, e)),
    };
    trace(&format!(
        "< {status} from token endpoint ({} ms, body redacted)",
        started.elapsed().as_millis()
    ));
    let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    let obj = json.as_ref().and_then(|j| j.as_object());
    if let Some(at) = obj
        .and_then(|o| o.get("access_token"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
    {
        let o = obj.expect("object");
        let num = |k: &str| -> Option<u64> {
            o.get(k).and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_f64().map(|f| f as u64))
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
        };
        // Legacy quirk: with expires_in_sec present, expires_in is in ms.
        let secs = match num("expires_in_sec") {
            Some(s) => s,
            None => num("expires_in").unwrap_or(3600),
        };
        let (issuer, cid) = match &conn.auth {
            Auth::Zoho {
                datacenter,
                client_id,
                ..
            } => (datacenter.code.to_string(), client_id.clone()),
            Auth::OAuth2 {
                token_url,
                client_id,
                ..
            } => (token_url.clone(), client_id.clone()),
            _ => Default::default(),
        };
        trace(&format!(
            "token for '{}' issued, expires in {secs} s",
            conn.name
        ));
        let refresh = o
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(super::Secret::new);
        let token = CachedToken {
            access_token: at.to_string(),
            expires_at: now_secs() + secs,
            api_domain: o
                .get("api_domain")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            connection: conn.name.clone(),
            issuer,
            client_id: cid,
        };
        return Ok((token, refresh));
    }
    let err = obj.and_then(|o| o.get("error")).map(|v| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    });
    let desc = obj
        .and_then(|o| o.get("error_description"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    Err(oauth_error(
        conn,
        token_url,
        status,
        err.as_deref(),
        desc.as_deref(),
    ))
}

fn transport_error(conn: &Connection, url: &reqwest::Url, e: reqwest::Error) -> Diag {
    if e.is_timeout() {
        return crate::http::timeout_diag();
    }
    Diag::new(
        "http::request",
        format!(
            "could not reach the token endpoint {} for connection '{}': {}",
            strip_query(url),
            conn.name,
            crate::http::error_chain(&e.without_url())
        ),
    )
    .with_help(
        "check your network connection, or the [hosts] mapping for this host in connections.toml",
    )
}

fn strip_query(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

/// Map a token-endpoint error to its diagnostic.
pub fn oauth_error(
    conn: &Connection,
    token_url: &reqwest::Url,
    status: u16,
    error: Option<&str>,
    desc: Option<&str>,
) -> Diag {
    let name = &conn.name;
    let (dc_desc, accounts) = match &conn.auth {
        Auth::Zoho { datacenter, .. } => (
            format!("data center '{}' ({})", datacenter.code, datacenter.name),
            datacenter.accounts_url.to_string(),
        ),
        _ => ("its authorization server".into(), strip_query(token_url)),
    };
    let is_zoho = matches!(conn.auth, Auth::Zoho { .. });
    let detail = desc.map(|d| format!(" ({d})")).unwrap_or_default();
    let lower = error.map(|e| e.to_ascii_lowercase());
    let desc_lower = desc.unwrap_or("").to_ascii_lowercase();
    let throttled = desc_lower.contains("throttle")
        || desc_lower.contains("too many")
        || error == Some("Access Denied")
        || status == 429;
    match lower.as_deref() {
        _ if throttled => Diag::new(
            "oauth::rate_limited",
            format!("token refresh for connection '{name}' was rate limited{detail}"),
        )
        .with_help(if is_zoho {
            "Zoho allows about 10 token refreshes per refresh token per 10 minutes; wait up to 10 minutes and retry. dlg caches tokens on disk, so repeated runs should not refresh; check the cache directory is writable"
        } else {
            "the authorization server throttled token refreshes; wait a few minutes and retry. dlg caches tokens on disk, so repeated runs should not refresh; check the cache directory is writable"
        }),
        Some("invalid_client") | Some("invalid_client_secret") | Some("unauthorized_client") => Diag::new(
            "oauth::invalid_client",
            format!(
                "the token endpoint {accounts} rejected the client of connection '{name}': {}{detail}",
                error.unwrap_or_default()
            ),
        )
        .with_help(format!(
            "check client_id and client_secret of [connections.{name}]; the client must belong to {dc_desc} (a client registered in another data center, e.g. a US client id used on .in, gives this error; enable multi-DC for the client in the API console or fix `datacenter`)"
        )),
        Some("invalid_code") | Some("invalid_grant") | Some("invalid_token") => Diag::new(
            "oauth::invalid_code",
            format!(
                "the refresh token of connection '{name}' was rejected: {}{detail}",
                error.unwrap_or_default()
            ),
        )
        .with_help(if is_zoho {
            format!(
                "the refresh token was revoked, belongs to another client or data center, or was pushed out by Zoho's limit of 20 refresh tokens per user per client; run `dlg auth {name}` to authorize again (or generate a new grant code with the Self Client of the API console and run `dlg auth {name} --code -` before it expires, 3 minutes by default)"
            )
        } else {
            format!(
                "the refresh token was revoked or has expired; authorize the client again at the provider of {accounts} and put the new refresh_token in [connections.{name}]"
            )
        }),
        Some("invalid_scope") => Diag::new(
            "oauth::invalid_scope",
            format!("the token request for connection '{name}' has an invalid scope{detail}"),
        )
        .with_help("scopes look like ZohoBooks.fullaccess.all or ZohoCRM.modules.ALL (Service.scope.OPERATION); scopes are fixed when the grant code is generated, so generate a new code and refresh token with the right scopes"),
        Some("access_denied") => Diag::new(
            "oauth::access_denied",
            format!("access was denied for connection '{name}'{detail}"),
        )
        .with_help("the user rejected consent (or the grant-token limit was hit); authorize the client again, accept the consent screen, and store the new refresh token"),
        Some("missing_org_info") => Diag::new(
            "oauth::missing_org_info",
            format!("the client_credentials grant of connection '{name}' needs the org{detail}"),
        )
        .with_help(format!(
            "add `soid = \"ZohoCRM.<org id>\"` (or ZohoBooks., ZohoCreator. ...) to [connections.{name}]"
        )),
        Some("invalid_redirect_uri") | Some("redirect_uri_mismatch") => Diag::new(
            "oauth::invalid_redirect_uri",
            format!("redirect URI mismatch for connection '{name}'{detail}"),
        )
        .with_help("the redirect_uri must exactly match one registered for the client in the API console"),
        Some(other) => Diag::new(
            "oauth::error",
            format!("token refresh for connection '{name}' failed: {other}{detail}"),
        )
        .with_help(format!(
            "the token endpoint {accounts} returned an OAuth error; check the connection's client_id, client_secret, refresh_token and data center"
        )),
        None => Diag::new(
            "oauth::error",
            format!(
                "the token endpoint {} answered HTTP {status} without an access_token for connection '{name}'",
                strip_query(token_url)
            ),
        )
        .with_help("check the connection's data center / token_url and the [hosts] mapping; the response was not a token response"),
    }
}
