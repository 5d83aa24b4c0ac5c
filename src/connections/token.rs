//! Access tokens: refresh grant, on-disk cache (absolute expiry, mode 0600,
//! atomic writes) and a file lock so concurrent `dlg` processes refresh once.

use crate::code::Code;
use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::create_private_dir;
use super::{Auth, Connection};
use crate::diag::Diag;

/// Back-off after a failed refresh when the server names no `Retry-After`.
pub const DEFAULT_BACKOFF_SECS: u64 = 60;
/// Longest back-off honoured (Zoho's refresh window is 10 minutes).
pub const MAX_BACKOFF_SECS: u64 = 600;

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

/// The epoch second from which a wait of `secs` from now is over, rounded
/// up: the window never ends before `secs` have passed (a truncated end
/// would let a run ask up to a second early).
pub fn window_end(secs: u64) -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    (now_ms + secs.saturating_mul(1000)).div_ceil(1000)
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

/// Tokens in memory (per run) and on disk (across runs), plus the refresh
/// failures of this run and (for a short window) of earlier runs.
pub struct TokenStore {
    dir: PathBuf,
    mem: std::sync::Mutex<HashMap<String, CachedToken>>,
    /// Refresh failures of this run: never retried in the same run.
    failed: std::sync::Mutex<HashMap<String, Diag>>,
    /// Warnings about the cache directory (each printed once).
    warnings: std::sync::Mutex<Vec<Diag>>,
    warned: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("dir", &self.dir)
            .finish()
    }
}

pub type Trace<'a> = &'a (dyn Fn(&str) + Sync);

/// A failed refresh remembered beside the cache (`<key>.backoff`), so the
/// next runs within the window do not ask again (Zoho allows about 10
/// refreshes per 10 minutes per refresh token).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Backoff {
    /// No refresh before this epoch second.
    pub until: u64,
    /// When it failed.
    pub at: u64,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub help: String,
    /// Hash of the credentials that failed: other credentials may try.
    pub fingerprint: String,
}

/// Hash of a connection's credentials (client secret and refresh token).
fn fingerprint(conn: &Connection) -> String {
    let mut h = Sha256::new();
    if let Auth::Zoho {
        client_secret,
        refresh_token,
        ..
    }
    | Auth::OAuth2 {
        client_secret,
        refresh_token,
        ..
    } = &conn.auth
    {
        h.update(client_secret.expose().as_bytes());
        h.update([0]);
        h.update(refresh_token.expose().as_bytes());
    }
    hex::encode(h.finalize())[..16].to_string()
}

impl TokenStore {
    pub fn new(dir: PathBuf) -> Self {
        TokenStore {
            dir,
            mem: Default::default(),
            failed: Default::default(),
            warnings: Default::default(),
            warned: Default::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Warnings about the cache (unsafe modes, unwritable), each once;
    /// drained by the caller.
    pub fn take_warnings(&self) -> Vec<Diag> {
        std::mem::take(&mut *self.warnings.lock().unwrap())
    }

    fn warn_once(&self, key: &str, d: Diag) {
        if self.warned.lock().unwrap().insert(key.to_string()) {
            self.warnings.lock().unwrap().push(d.warning());
        }
    }

    /// The last known token (memory, else disk), even if expired.
    pub fn cached(&self, conn: &Connection) -> Option<CachedToken> {
        let key = cache_key(conn);
        if let Some(t) = self.mem.lock().unwrap().get(&key) {
            return Some(t.clone());
        }
        self.read(&self.file_for(conn))
    }

    /// Path of the cache file for a connection.
    pub fn file_for(&self, conn: &Connection) -> PathBuf {
        self.dir
            .join("tokens")
            .join(format!("{}.json", cache_key(conn)))
    }

    /// The tokens directory when it is safe to use: created 0700 if
    /// missing; a symlink is refused, group/other permissions are removed
    /// (each with a warning).
    fn safe_dir(&self) -> Option<PathBuf> {
        let dir = self.dir.join("tokens");
        match check_private_dir(&dir) {
            Ok(None) => Some(dir),
            Ok(Some(fixed)) => {
                self.warn_once(
                    "dir-mode",
                    Diag::new(Code::ConnectionCache, fixed).with_help(
                        "the token cache holds access tokens: only you may read it (0700 directory, 0600 files)",
                    ),
                );
                Some(dir)
            }
            Err(why) => {
                self.warn_once(
                    "dir-unsafe",
                    Diag::new(
                        Code::ConnectionCache,
                        format!("token cache {} not used: {why}", dir.display()),
                    )
                    .with_help("tokens are kept in memory for this run only (every run refreshes); point DLG_CACHE_DIR at a private directory"),
                );
                None
            }
        }
    }

    fn read(&self, file: &Path) -> Option<CachedToken> {
        self.safe_dir()?;
        match read_private(file) {
            Ok((text, fixed)) => {
                if let Some(f) = fixed {
                    self.warn_once(
                        &format!("mode {}", file.display()),
                        Diag::new(Code::ConnectionCache, f).with_help(
                            "the token cache holds access tokens: only you may read it (0600)",
                        ),
                    );
                }
                serde_json::from_str(&text?).ok()
            }
            Err(why) => {
                self.warn_once(
                    &format!("unsafe {}", file.display()),
                    Diag::new(
                        Code::ConnectionCache,
                        format!("token cache file {} not used: {why}", file.display()),
                    )
                    .with_help("remove it (dlg then writes a fresh one, mode 0600); until then every run refreshes the token, and Zoho allows about 10 refreshes per 10 minutes"),
                );
                None
            }
        }
    }

    fn read_backoff(&self, conn: &Connection) -> Option<Backoff> {
        self.safe_dir()?;
        let file = self.file_for(conn).with_extension("backoff");
        let (text, _) = read_private(&file).ok()?;
        let b: Backoff = serde_json::from_str(&text?).ok()?;
        (b.until > now_secs() && b.fingerprint == fingerprint(conn)).then_some(b)
    }

    fn write_backoff(&self, conn: &Connection, d: &Diag, secs: u64) {
        let Some(_) = self.safe_dir() else { return };
        let now = now_secs();
        let b = Backoff {
            until: window_end(secs),
            at: now,
            code: d.code.to_string(),
            message: crate::redact::line(&d.message).into_owned(),
            help: crate::redact::line(d.help.as_deref().unwrap_or("")).into_owned(),
            fingerprint: fingerprint(conn),
        };
        let file = self.file_for(conn).with_extension("backoff");
        if let Ok(text) = serde_json::to_string_pretty(&b) {
            let _ = write_atomic(&file, text.as_bytes());
        }
    }

    fn clear_backoff(&self, conn: &Connection) {
        let file = self.file_for(conn).with_extension("backoff");
        if std::fs::symlink_metadata(&file).is_ok() {
            let _ = std::fs::remove_file(file);
        }
    }

    /// The diagnostic for a refresh skipped because of an earlier failure.
    fn backoff_diag(b: &Backoff, file: &Path) -> Diag {
        let code = match Code::parse(&b.code) {
            Some(
                c @ (Code::OauthRateLimited
                | Code::OauthInvalidClient
                | Code::OauthInvalidCode
                | Code::OauthInvalidScope
                | Code::OauthAccessDenied),
            ) => c,
            _ => Code::OauthError,
        };
        let wait = b.until.saturating_sub(now_secs());
        let help = if b.help.is_empty() {
            String::new()
        } else {
            format!("{}\n", b.help)
        };
        Diag::new(
            code,
            format!(
                "{} (remembered from a refresh {} s ago; not retried before {})",
                b.message,
                now_secs().saturating_sub(b.at),
                clock(b.until)
            ),
        )
        .with_help(format!(
            "{help}dlg waits before asking the token endpoint again (Zoho allows about 10 refreshes per 10 minutes per refresh token): safe to retry after {} (in {wait} s); delete {} to retry now, or change the credentials",
            clock(b.until),
            file.display()
        ))
    }

    /// A valid access token: from memory, the disk cache, or a refresh (under
    /// the file lock, re-reading the cache first). `stale` is a token the API
    /// just rejected: it is never returned again. A failed refresh is not
    /// repeated in this run, nor (for a short back-off window, or the
    /// server's `Retry-After`) by later runs with the same credentials.
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
        if let Some(t) = self.read(&file).filter(usable) {
            trace(&format!(
                "token for '{}' from cache {} (expires in {} s)",
                conn.name,
                file.display(),
                t.expires_at.saturating_sub(now_secs())
            ));
            self.mem.lock().unwrap().insert(key, t.clone());
            return Ok(t);
        }
        if let Some(d) = self.failed.lock().unwrap().get(&key) {
            trace(&format!(
                "token refresh for '{}' already failed in this run; not retried",
                conn.name
            ));
            return Err(d.clone());
        }
        let backoff_file = file.with_extension("backoff");
        if let Some(b) = self.read_backoff(conn) {
            let d = Self::backoff_diag(&b, &backoff_file);
            self.failed.lock().unwrap().insert(key, d.clone());
            return Err(d);
        }
        // Take the lock, re-read, refresh only if still needed.
        let lock = match self.lock(&file).await {
            Ok(l) => Some(l),
            Err(e) => {
                trace(&format!(
                    "token cache lock unavailable ({e}); refreshing without it"
                ));
                if self.safe_dir().is_some() {
                    let lock_path = file.with_extension("lock");
                    let why = if std::fs::symlink_metadata(&lock_path)
                        .is_ok_and(|m| m.file_type().is_symlink())
                    {
                        "it is a symbolic link (not followed)".to_string()
                    } else {
                        e.to_string()
                    };
                    self.warn_once(
                        &format!("lock {}", lock_path.display()),
                        Diag::new(
                            Code::ConnectionCache,
                            format!(
                                "token cache lock {} not used: {why}",
                                lock_path.display()
                            ),
                        )
                        .with_help("parallel runs may each refresh the token; remove the file (dlg creates a fresh one, mode 0600)"),
                    );
                }
                None
            }
        };
        if let Some(t) = self.read(&file).filter(usable) {
            trace(&format!(
                "token for '{}' refreshed by another process; using it",
                conn.name
            ));
            self.mem.lock().unwrap().insert(key, t.clone());
            return Ok(t);
        }
        if let Some(b) = self.read_backoff(conn) {
            let d = Self::backoff_diag(&b, &backoff_file);
            self.failed.lock().unwrap().insert(key, d.clone());
            return Err(d);
        }
        let mut retry_after = None;
        let mut t = match refresh_detailed(http, conn, token_url, trace, &mut retry_after).await {
            Ok(t) => t,
            Err(d) => {
                // The server answered with an OAuth error: later runs wait.
                if d.code.family() == "oauth" && d.code != Code::OauthRedirect {
                    let secs = retry_after
                        .unwrap_or(DEFAULT_BACKOFF_SECS)
                        .clamp(1, MAX_BACKOFF_SECS);
                    self.write_backoff(conn, &d, secs);
                }
                self.failed.lock().unwrap().insert(key, d.clone());
                drop(lock);
                return Err(d);
            }
        };
        self.clear_backoff(conn);
        // Keep a previously recorded api_domain if the response omits it.
        if t.api_domain.is_none() {
            t.api_domain = self.read(&file).and_then(|old| old.api_domain);
        }
        let written = match self.safe_dir() {
            Some(_) => write_cache(&file, &t).map_err(|e| e.to_string()),
            None => Err("the tokens directory is not safe to use".into()),
        };
        if let Err(e) = written {
            trace(&format!(
                "could not write token cache {}: {e}",
                file.display()
            ));
            // One warning per cause: an unsafe directory or cache file was
            // already reported (and says that every run refreshes).
            let reported = {
                let w = self.warned.lock().unwrap();
                w.contains("dir-unsafe") || w.contains(&format!("unsafe {}", file.display()))
            };
            if !reported {
                self.warn_once(
                "unwritable",
                Diag::new(
                    Code::ConnectionCache,
                    format!("cannot write the token cache {}: {e}", file.display()),
                )
                .with_help("every run will refresh the token, and Zoho allows about 10 refreshes per 10 minutes: make the cache directory writable, or set DLG_CACHE_DIR"),
            );
            }
        }
        drop(lock);
        self.mem.lock().unwrap().insert(key, t.clone());
        Ok(t)
    }

    async fn lock(&self, file: &Path) -> std::io::Result<File> {
        if self.safe_dir().is_none() {
            return Err(std::io::Error::other(
                "the tokens directory is not safe to use",
            ));
        }
        let lock_path = file.with_extension("lock");
        tokio::task::spawn_blocking(move || {
            let f = open_nofollow(&lock_path, true)?;
            fs4::FileExt::lock(&f)?;
            Ok(f)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Open (creating, mode 0600) without following a symlink at the last
/// component: a planted link (even a dangling one) is an error.
fn open_nofollow(path: &Path, create: bool) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    if create {
        o.create(true).truncate(false).write(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other("is a symbolic link"));
    }
    o.open(path)
}

/// Check a private directory, creating it (0700) when missing. `Ok(Some)`
/// describes a fix made (group/other permissions removed); `Err` says why
/// it must not be used (a symlink, not a directory, owned by someone else).
fn check_private_dir(dir: &Path) -> Result<Option<String>, String> {
    match std::fs::symlink_metadata(dir) {
        Err(_) => {
            create_private_dir(dir).map_err(|e| format!("cannot create it: {e}"))?;
            Ok(None)
        }
        Ok(m) if m.file_type().is_symlink() => Err("it is a symbolic link (not followed)".into()),
        Ok(m) if !m.is_dir() => Err("it is not a directory".into()),
        Ok(m) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::{MetadataExt, PermissionsExt};
                if m.uid() != unsafe { libc::geteuid() } {
                    return Err("it belongs to another user".into());
                }
                let mode = m.mode() & 0o777;
                if mode & 0o077 != 0 {
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))
                        .map_err(|e| {
                            format!("it is accessible to others (mode {mode:o}) and cannot be fixed: {e}")
                        })?;
                    return Ok(Some(format!(
                        "token cache directory {} was accessible to others (mode {mode:o}); changed to {:o}",
                        dir.display(),
                        mode & 0o700
                    )));
                }
            }
            let _ = m;
            Ok(None)
        }
    }
}

/// Read a private file without following symlinks. `Ok((None, _))` when
/// missing; the second part describes a mode fix made (0644 → 0600).
fn read_private(file: &Path) -> Result<(Option<String>, Option<String>), String> {
    use std::io::Read;
    let mut f = match open_nofollow(file, false) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, None)),
        Err(e) => return Err(format!("cannot open it safely: {e}")),
    };
    let mut fixed = None;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let m = f.metadata().map_err(|e| e.to_string())?;
        if !m.is_file() {
            return Err("it is not a regular file".into());
        }
        if m.uid() != unsafe { libc::geteuid() } {
            return Err("it belongs to another user".into());
        }
        let mode = m.mode() & 0o777;
        if mode & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("it is readable by others (mode {mode:o}): {e}"))?;
            fixed = Some(format!(
                "token cache file {} was readable by others (mode {mode:o}); changed to 600",
                file.display()
            ));
        }
    }
    let mut text = String::new();
    (&mut f)
        .take(1024 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    Ok((Some(text), fixed))
}

/// A cache file's token (no safety checks; see [`TokenStore`]).
pub fn read_cache(file: &Path) -> Option<CachedToken> {
    let (text, _) = read_private(file).ok()?;
    serde_json::from_str(&text?).ok()
}

/// Atomic write: temp file in the same directory (mode 0600), then rename.
pub fn write_cache(file: &Path, t: &CachedToken) -> std::io::Result<()> {
    write_atomic(file, serde_json::to_string_pretty(t)?.as_bytes())
}

fn write_atomic(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    super::store::write_private_as(file, bytes, ".tok")
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
    refresh_detailed(http, conn, token_url, trace, &mut None).await
}

/// [`refresh`], also reporting the server's `Retry-After` (seconds) on failure.
pub async fn refresh_detailed(
    http: &reqwest::Client,
    conn: &Connection,
    token_url: &reqwest::Url,
    trace: Trace<'_>,
    retry_after: &mut Option<u64>,
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
    grant(http, conn, token_url, &form, trace, retry_after)
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
                Code::ConnectionInvalid,
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
    let (t, refresh) = grant(http, conn, token_url, &form, trace, &mut None)
        .await
        .map_err(|d| {
            if d.code != Code::OauthInvalidCode {
                return d;
            }
            Diag::new(
                Code::OauthInvalidCode,
                format!(
                    "the grant code for connection '{}' was rejected (expired, already used, or issued for another client or data center)",
                    conn.name
                ),
            )
            .with_help("a grant code works once and only until it expires (a browser redirect's code within about a minute; a Self Client code after the time chosen when generating it, 3 minutes by default): generate a new one (Zoho API console → Self Client → Generate Code, with the scopes you need, for the client of this connection) and run this command right away")
        })?;
    let refresh = refresh.ok_or_else(|| {
        Diag::new(
            Code::OauthError,
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
    retry_after: &mut Option<u64>,
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
    if (300..400).contains(&status) {
        // The client never follows redirects: re-sending the client secret
        // and refresh token to wherever a redirect points would leak them.
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| token_url.join(l).ok())
            .map(|u| format!(" to {}", strip_query(&u)))
            .unwrap_or_default();
        trace(&format!(
            "< {status} redirect{to} from token endpoint (not followed)"
        ));
        return Err(Diag::new(
            Code::OauthRedirect,
            format!(
                "the token endpoint {} answered HTTP {status} (a redirect{to}) for connection '{}'; token requests never follow redirects",
                strip_query(token_url),
                conn.name
            ),
        )
        .with_help("token requests carry the client secret and refresh token, so dlg sends them only to the configured endpoint; check the data center / token_url and the [hosts] mapping of connections.toml"));
    }
    *retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = match read_token_body(resp).await {
        Ok(b) => b,
        Err(Some(e)) => return Err(transport_error(conn, token_url, e)),
        Err(None) => {
            return Err(Diag::new(
                Code::OauthError,
                format!(
                    "the token endpoint {} answered more than {} KB for connection '{}'; that is not a token response",
                    strip_query(token_url),
                    MAX_TOKEN_BODY / 1024,
                    conn.name
                ),
            )
            .with_help("check the data center / token_url and the [hosts] mapping of connections.toml"));
        }
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
    // The server's text is untrusted: a (misbehaving) token endpoint may
    // echo what it was sent. Blank the secret values of this very request
    // in it before it reaches any message.
    let unecho = |t: String| -> String {
        let mut t = t;
        for (k, v) in form {
            if v.len() >= 4 && (crate::redact::is_secret_key(k) || *k == "code") {
                t = t.replace(v, crate::redact::REDACTED);
            }
        }
        t
    };
    let err = err.map(unecho);
    let desc = desc.map(unecho);
    let mut d = oauth_error(conn, token_url, status, err.as_deref(), desc.as_deref());
    if d.code == Code::OauthRateLimited {
        let wait = retry_after
            .unwrap_or(DEFAULT_BACKOFF_SECS)
            .min(MAX_BACKOFF_SECS);
        *retry_after = Some(wait);
        d.help = Some(format!(
            "retry after {} (in {wait} s). {}",
            clock(window_end(wait)),
            d.help.unwrap_or_default()
        ));
    }
    Err(d)
}

/// Largest token response read.
const MAX_TOKEN_BODY: usize = 1024 * 1024;

/// The body of a token response, at most [`MAX_TOKEN_BODY`] bytes
/// (`Err(None)` past that).
async fn read_token_body(mut resp: reqwest::Response) -> Result<String, Option<reqwest::Error>> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Some)? {
        if out.len() + chunk.len() > MAX_TOKEN_BODY {
            return Err(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `Retry-After`: delay seconds, or an HTTP date.
fn parse_retry_after(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?.timestamp();
    Some((at.max(0) as u64).saturating_sub(now_secs()))
}

/// `HH:MM:SS UTC` of an epoch second.
pub fn clock(epoch: u64) -> String {
    chrono::DateTime::from_timestamp(epoch as i64, 0)
        .map(|t| t.format("%H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{epoch}"))
}

fn transport_error(conn: &Connection, url: &reqwest::Url, e: reqwest::Error) -> Diag {
    if e.is_timeout() {
        return crate::net::timeout_diag();
    }
    Diag::new(
        Code::HttpRequest,
        format!(
            "could not reach the token endpoint {} for connection '{}': {}",
            strip_query(url),
            conn.name,
            crate::net::error_chain(&e.without_url())
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
            Code::OauthRateLimited,
            format!("token refresh for connection '{name}' was rate limited{detail}"),
        )
        .with_help(if is_zoho {
            "Zoho allows about 10 token refreshes per refresh token per 10 minutes; wait up to 10 minutes and retry. dlg caches tokens on disk, so repeated runs should not refresh; check the cache directory is writable"
        } else {
            "the authorization server throttled token refreshes; wait a few minutes and retry. dlg caches tokens on disk, so repeated runs should not refresh; check the cache directory is writable"
        }),
        Some("invalid_client") | Some("invalid_client_secret") | Some("unauthorized_client") => Diag::new(
            Code::OauthInvalidClient,
            format!(
                "the token endpoint {accounts} rejected the client of connection '{name}': {}{detail}",
                error.unwrap_or_default()
            ),
        )
        .with_help(format!(
            "check client_id and client_secret of [connections.{name}]; the client must belong to {dc_desc} (a client registered in another data center, e.g. a US client id used on .in, gives this error; enable multi-DC for the client in the API console or fix `datacenter`)"
        )),
        Some("invalid_code") | Some("invalid_grant") | Some("invalid_token") => Diag::new(
            Code::OauthInvalidCode,
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
            Code::OauthInvalidScope,
            format!("the token request for connection '{name}' has an invalid scope{detail}"),
        )
        .with_help("scopes look like ZohoBooks.fullaccess.all or ZohoCRM.modules.ALL (Service.scope.OPERATION); scopes are fixed when the grant code is generated, so generate a new code and refresh token with the right scopes"),
        Some("access_denied") => Diag::new(
            Code::OauthAccessDenied,
            format!("access was denied for connection '{name}'{detail}"),
        )
        .with_help("the user rejected consent (or the grant-token limit was hit); authorize the client again, accept the consent screen, and store the new refresh token"),
        Some("missing_org_info") => Diag::new(
            Code::OauthMissingOrgInfo,
            format!("the client_credentials grant of connection '{name}' needs the org{detail}"),
        )
        .with_help(format!(
            "add `soid = \"ZohoCRM.<org id>\"` (or ZohoBooks., ZohoCreator. ...) to [connections.{name}]"
        )),
        Some("invalid_redirect_uri") | Some("redirect_uri_mismatch") => Diag::new(
            Code::OauthInvalidRedirectUri,
            format!("redirect URI mismatch for connection '{name}'{detail}"),
        )
        .with_help("the redirect_uri must exactly match one registered for the client in the API console"),
        Some(other) => Diag::new(
            Code::OauthError,
            format!("token refresh for connection '{name}' failed: {other}{detail}"),
        )
        .with_help(format!(
            "the token endpoint {accounts} returned an OAuth error; check the connection's client_id, client_secret, refresh_token and data center"
        )),
        None => Diag::new(
            Code::OauthError,
            format!(
                "the token endpoint {} answered HTTP {status} without an access_token for connection '{name}'",
                strip_query(token_url)
            ),
        )
        .with_help("check the connection's data center / token_url and the [hosts] mapping; the response was not a token response"),
    }
}
