//! The OAuth life cycle on top of [`HttpClient`]: code exchange (Self
//! Client code or browser redirect), the loopback browser flow, the
//! refresh-token store, revocation, logout, status, and cache clean-up.
//! Everything printed goes through the redaction policy (`crate::redact`).

use crate::code::Code;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Authorized, HttpClient, HttpRequest};
use crate::connections::datacenter::DataCenter;
use crate::connections::oauth_flow::{self, CallbackError};
use crate::connections::store::{Store, StoredToken, default_store_dir};
use crate::connections::token::{self, CachedToken, now_secs};
use crate::connections::{Auth, Connection, Grant, RefreshSource, Secret};
use crate::diag::Diag;

/// Result of [`HttpClient::revoke`].
#[derive(Debug)]
pub struct Revocation {
    /// The revoke endpoint used (after `[hosts]` mapping, no query).
    pub endpoint: String,
    /// `None`: the server confirmed; `Some(why)`: the token was already
    /// invalid there.
    pub already_invalid: Option<String>,
    /// Where the revoked token came from.
    pub source: RefreshSource,
    /// Cached access-token files deleted.
    pub cache_files_removed: usize,
}

/// One Zoho service checked by `dlg auth status --check`.
#[derive(Debug)]
pub struct ServiceCheck {
    pub service: &'static str,
    pub url: String,
    /// HTTP status, or the diagnostic of a failed request.
    pub result: Result<u16, Diag>,
}

/// One connection's state for `dlg auth status`. Never holds a secret.
#[derive(Debug)]
pub struct AuthStatus {
    pub name: String,
    pub kind: &'static str,
    pub datacenter: Option<&'static DataCenter>,
    /// Token endpoint (before `[hosts]` mapping).
    pub token_endpoint: Option<String>,
    pub source: RefreshSource,
    /// Seconds until the cached access token expires (negative: expired).
    pub token_expires_in: Option<i64>,
    pub api_domain: Option<String>,
    /// Why the connection cannot be used.
    pub problem: Option<Diag>,
    /// `--check`: the token check (refreshed or cached) ...
    pub token_check: Option<Result<bool, Diag>>,
    /// ... and one cheap authenticated call per Zoho service in its scopes.
    pub service_checks: Vec<ServiceCheck>,
}

/// The cheap authenticated GET per Zoho service (scope prefix → path on the
/// API domain).
const SERVICE_PROBES: &[(&str, &str, &str)] = &[
    ("ZohoCRM.", "CRM", "/crm/v8/org"),
    ("ZohoBooks.", "Books", "/books/v3/organizations"),
    ("ZohoCreator.", "Creator", "/creator/v2.1/meta/applications"),
];

impl HttpClient {
    /// The refresh-token store of this client.
    pub fn store(&self) -> Store {
        let dir = self
            .opts
            .store_dir
            .clone()
            .or_else(|| std::env::var_os("DLG_STORE_DIR").map(PathBuf::from))
            .or_else(|| self.opts.cache_dir.as_ref().map(|c| c.join("store")))
            .unwrap_or_else(default_store_dir);
        Store::new(dir)
    }

    /// The access-token cache directory.
    pub fn cache_dir(&self) -> &Path {
        self.tokens.dir()
    }

    /// A connection about to be authorized: must be Zoho or OAuth 2.0; its
    /// refresh token (if any) may be missing.
    pub fn authorize_target(&self, name: &str) -> Result<Connection, Diag> {
        let conns = self.connections()?;
        let c = conns.resolve_for_authorize(name)?;

        if let Auth::Zoho {
            grant: Grant::ClientCredentials { .. },
            ..
        }
        | Auth::OAuth2 {
            grant: Grant::ClientCredentials { .. },
            ..
        } = c.auth
        {
            return Err(Diag::new(
                Code::ConnectionInvalid,
                format!("connection '{name}' uses the client_credentials grant; it has no refresh token to authorize"),
            )
            .with_help(format!("dlg gets its access tokens with the client id and secret; `dlg auth status {name} --check` tries it")));
        }
        if !matches!(c.auth, Auth::Zoho { .. } | Auth::OAuth2 { .. }) {
            return Err(Diag::new(
                Code::ConnectionInvalid,
                format!("connection '{name}' does not use OAuth; there is nothing to authorize"),
            )
            .with_help("dlg auth applies to zoho and oauth2 connections; static credentials (bearer, api_key, basic) are used as written"));
        }
        Ok(c)
    }

    /// The refresh token the connection currently uses (file, env or store),
    /// if it resolves; for `--revoke-old`.
    pub fn current_refresh(&self, name: &str) -> Option<(Connection, RefreshSource)> {
        let conns = self.connections().ok()?;
        let c = conns.resolve(name, true).ok()?;

        let src = conns.refresh_source(name);
        (matches!(c.auth, Auth::Zoho { .. } | Auth::OAuth2 { .. })
            && src != RefreshSource::ClientCredentials)
            .then_some((c, src))
    }

    /// Exchange a grant code for tokens at the connection's token endpoint,
    /// or at `dc`'s accounts server (Zoho's `accounts-server` redirect
    /// parameter); cache the access token. Returns the result and the
    /// connection as it now stands (new refresh token, data center used).
    pub fn exchange_code(
        &self,
        conn: &Connection,
        code: &str,
        redirect_uri: Option<&str>,
        dc: Option<&'static DataCenter>,
    ) -> Result<(Authorized, Connection), Diag> {
        self.exchange_inner(conn, code, redirect_uri, dc)
            .map_err(|d| self.scrub_diag(d))
    }

    fn exchange_inner(
        &self,
        conn: &Connection,
        code: &str,
        redirect_uri: Option<&str>,
        dc: Option<&'static DataCenter>,
    ) -> Result<(Authorized, Connection), Diag> {
        let conns = self.connections()?;
        let mut c = conn.clone();
        if let (Some(new_dc), Auth::Zoho { datacenter, .. }) = (dc, &mut c.auth) {
            *datacenter = new_dc;
        }
        let token_url = self.token_url(&c, conns)?;
        let trace = |s: &str| self.trace(s);
        let (t, refresh) = self.block_on(token::exchange_code(
            &self.http,
            &c,
            &token_url,
            code,
            redirect_uri,
            &trace,
        ))?;
        if let Auth::Zoho { refresh_token, .. } | Auth::OAuth2 { refresh_token, .. } = &mut c.auth {
            *refresh_token = refresh.clone();
        }
        let cache_file = self.tokens.file_for(&c);
        if let Err(e) = token::write_cache(&cache_file, &t) {
            self.trace(&format!(
                "could not write token cache {}: {e}",
                cache_file.display()
            ));
        }
        Ok((
            Authorized {
                refresh_token: refresh,
                expires_in: t.expires_at.saturating_sub(now_secs()),
                api_domain: t.api_domain,
                token_url: token_url.to_string(),
            },
            c,
        ))
    }

    /// The browser flow: bind `127.0.0.1:port` (0: any free port), build the
    /// consent URL (through `[hosts]`), hand it to `show` (print, open a
    /// browser), wait up to `wait` for the redirect, check `state`, follow
    /// Zoho's `accounts-server`, exchange the code.
    /// With `paste`, a redirect address (or bare code) typed on stdin is
    /// accepted too, for browsers that cannot reach this machine.
    pub fn browser_login(
        &self,
        conn: &Connection,
        port: u16,
        wait: Duration,
        paste: bool,
        show: &dyn Fn(&str),
    ) -> Result<(Authorized, Connection), Diag> {
        self.browser_inner(conn, port, wait, paste, show)
            .map_err(|d| self.scrub_diag(d))
    }

    fn browser_inner(
        &self,
        conn: &Connection,
        port: u16,
        wait: Duration,
        paste: bool,
        show: &dyn Fn(&str),
    ) -> Result<(Authorized, Connection), Diag> {
        let conns = self.connections()?;
        let name = &conn.name;
        let (endpoint, client_id, scopes, sep) = match &conn.auth {
            Auth::Zoho {
                datacenter,
                client_id,
                scopes,
                ..
            } => (
                format!("{}/oauth/v2/auth", datacenter.accounts_url),
                client_id,
                scopes,
                ",",
            ),
            Auth::OAuth2 {
                client_id, scopes, ..
            } => match conns.auth_url(name)? {
                Some(u) => (u, client_id, scopes, " "),
                None => {
                    return Err(Diag::new(
                        Code::ConnectionInvalid,
                        format!("connection '{name}' (oauth2) has no `auth_url` for the browser flow"),
                    )
                    .with_help(format!(
                        "add `auth_url = \"https://provider/authorize\"` to [connections.{name}], or exchange a code with `dlg auth {name} --code CODE`"
                    )));
                }
            },
            _ => unreachable!("authorize_target checked the kind"),
        };
        if scopes.is_empty() && matches!(conn.auth, Auth::Zoho { .. }) {
            return Err(Diag::new(
                Code::ConnectionInvalid,
                format!("connection '{name}' has no `scopes`; Zoho needs them in the consent request"),
            )
            .with_help(format!(
                "add e.g. `scopes = [\"ZohoBooks.fullaccess.all\"]` to [connections.{name}] (CRM: ZohoCRM.modules.ALL, ZohoCRM.settings.ALL; Creator: ZohoCreator.report.ALL)"
            )));
        }
        let endpoint = reqwest::Url::parse(&endpoint).map_err(|e| {
            Diag::new(
                Code::ConnectionInvalid,
                format!("connection '{name}': invalid auth_url: {e}"),
            )
            .with_help("auth_url must be an absolute https:// URL")
        })?;
        let endpoint = conns.map_url(&endpoint);
        let listener = self
            .block_on(oauth_flow::bind(port))
            .map_err(|e| {
                Diag::new(
                    Code::OauthListen,
                    format!("cannot listen on 127.0.0.1:{port} for the OAuth redirect: {e}"),
                )
                .with_help("another program uses the port: free it, or pick another with --port N (and register http://127.0.0.1:N/callback as the client's redirect URI)")
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        let redirect = oauth_flow::redirect_uri(port);
        let state = oauth_flow::random_state();
        let url = oauth_flow::consent_url(
            &endpoint,
            &oauth_flow::ConsentParams {
                client_id,
                scopes,
                scope_separator: sep,
                redirect_uri: &redirect,
                state: &state,
                offline: matches!(conn.auth, Auth::Zoho { .. }),
            },
        );
        show(url.as_str());
        let lines = paste.then(oauth_flow::stdin_lines);
        let got = self.block_on(oauth_flow::wait_for_callback(
            &listener, &state, wait, name, lines,
        ));
        drop(listener);
        let token_url = self.token_url(conn, conns)?;
        let cb = match got {
            Ok(cb) => cb,
            Err(CallbackError::StateMismatch) => {
                return Err(Diag::new(
                    Code::OauthStateMismatch,
                    format!("the redirect for connection '{name}' carried a different `state` than dlg sent; it was rejected"),
                )
                .with_help(format!(
                    "the redirect did not answer this login (a stale browser tab or a forged request); run `dlg auth {name}` again and use the new URL"
                )));
            }
            Err(CallbackError::Denied { error, description }) => {
                return Err(token::oauth_error(
                    conn,
                    &token_url,
                    200,
                    Some(&error),
                    description.as_deref(),
                ));
            }
            Err(CallbackError::NoCode) => {
                return Err(Diag::new(
                    Code::OauthError,
                    format!("the redirect for connection '{name}' carried no code"),
                )
                .with_help(format!("run `dlg auth {name}` again")));
            }
            Err(CallbackError::Timeout) => {
                return Err(Diag::new(
                    Code::OauthTimeout,
                    format!(
                        "no redirect reached http://127.0.0.1:{port}/callback within {} s",
                        wait.as_secs()
                    ),
                )
                .with_help(format!(
                    "open the printed URL in a browser on this machine and accept the consent screen; on a remote machine forward the port (ssh -L {port}:127.0.0.1:{port}) or use a Self Client code: `dlg auth {name} --code -`"
                )));
            }
            Err(CallbackError::Io(e)) => {
                return Err(Diag::new(
                    Code::OauthListen,
                    format!("the OAuth redirect listener failed: {e}"),
                )
                .with_help(format!("run `dlg auth {name}` again")));
            }
        };
        let dc = match &conn.auth {
            Auth::Zoho { datacenter, .. } => {
                let reported = cb.datacenter().map_err(|why| {
                    Diag::new(
                        Code::OauthError,
                        format!("{why}; the code was not exchanged"),
                    )
                    .with_help("only Zoho's own accounts servers receive the client secret")
                })?;
                if let Some(r) = reported
                    && r.code != datacenter.code
                {
                    self.warn(
                        Diag::new(
                            Code::ConnectionDatacenterMismatch,
                            format!(
                                "Zoho reports the account of connection '{name}' in data center '{}' ({}), but the connection says '{}'; the code is exchanged at {}",
                                r.code, r.name, datacenter.code, r.accounts_url
                            ),
                        )
                        .with_help(format!(
                            "set `datacenter = \"{}\"` in [connections.{name}] so that later refreshes go to the same accounts server",
                            r.code
                        ))
                        .warning(),
                    );
                }
                reported
            }
            _ => None,
        };
        self.exchange_inner(conn, &cb.code, Some(&redirect), dc)
    }

    /// Keep a refresh token in the store (keyed by connection name, with the
    /// client and issuer it belongs to).
    pub fn store_refresh(
        &self,
        conn: &Connection,
        refresh: &Secret,
        api_domain: Option<String>,
    ) -> Result<PathBuf, Diag> {
        let (issuer, client_id, scopes) = match &conn.auth {
            Auth::Zoho {
                datacenter,
                client_id,
                scopes,
                ..
            } => (format!("zoho:{}", datacenter.code), client_id, scopes),
            Auth::OAuth2 {
                token_url,
                client_id,
                scopes,
                ..
            } => (format!("oauth2:{token_url}"), client_id, scopes),
            _ => unreachable!("store_refresh on a static connection"),
        };
        let store = self.store();
        store
            .save(&StoredToken {
                connection: conn.name.clone(),
                issuer,
                client_id: client_id.clone(),
                refresh_token: Some(refresh.expose().to_string()),
                created_at: now_secs(),
                revoked_at: None,
                api_domain,
                scopes: scopes.clone(),
            })
            .map_err(|e| {
                Diag::new(
                    Code::ConnectionStore,
                    format!(
                        "cannot write the token store {}: {e}",
                        store.dir().display()
                    ),
                )
                .with_help("check the directory's permissions, or set DLG_STORE_DIR to a private directory")
            })
    }

    /// `dlg auth revoke NAME`: revoke the connection's refresh token at its
    /// accounts server (`POST /oauth/v2/token/revoke`), then forget the
    /// stored token (a note that it was revoked stays) and the cached
    /// access tokens.
    pub fn revoke(&self, name: &str) -> Result<Revocation, Diag> {
        self.revoke_inner(name).map_err(|d| self.scrub_diag(d))
    }

    fn revoke_inner(&self, name: &str) -> Result<Revocation, Diag> {
        let conns = self.connections()?;
        let c = conns.resolve(name, true)?;
        let source = conns.refresh_source(name);
        if source == RefreshSource::ClientCredentials {
            return Err(Diag::new(
                Code::ConnectionInvalid,
                format!("connection '{name}' uses the client_credentials grant; there is no refresh token to revoke"),
            )
            .with_help(format!("forget its cached access tokens with `dlg auth logout {name}`")));
        }
        let refresh = match &c.auth {
            Auth::Zoho { refresh_token, .. } | Auth::OAuth2 { refresh_token, .. } => {
                refresh_token.clone()
            }
            _ => {
                return Err(Diag::new(
                    Code::ConnectionInvalid,
                    format!("connection '{name}' does not use OAuth; there is no token to revoke"),
                )
                .with_help("revoke applies to zoho and oauth2 connections"));
            }
        };
        let endpoint = self.revoke_endpoint(&c)?;
        let outcome = self.revoke_token(&c, &endpoint, &refresh)?;
        if let RefreshSource::Store(_) = source {
            let store = self.store();
            if let Ok(Some(mut e)) = store.load(name) {
                e.refresh_token = None;
                e.revoked_at = Some(now_secs());
                store.save(&e).map_err(|e| {
                    Diag::new(
                        Code::ConnectionStore,
                        format!("the token was revoked, but the store could not be updated: {e}"),
                    )
                    .with_help(format!("run `dlg auth logout {name}` to delete the entry"))
                })?;
            }
        }
        let removed = self.forget_cached(name);
        let mut ep = endpoint;
        ep.set_query(None);
        Ok(Revocation {
            endpoint: ep.to_string(),
            already_invalid: outcome,
            source,
            cache_files_removed: removed,
        })
    }

    /// Revoke one refresh token (for `--revoke-old` and `revoke`).
    /// `Ok(Some(why))` when the server said it was already invalid.
    pub fn revoke_token(
        &self,
        conn: &Connection,
        endpoint: &reqwest::Url,
        refresh: &Secret,
    ) -> Result<Option<String>, Diag> {
        self.trace(&format!(
            "> POST {endpoint} (revoke for connection '{}', token redacted)",
            conn.name
        ));
        let r = self.block_on(oauth_flow::revoke(&self.http, endpoint, refresh.expose()));
        match r {
            Ok(oauth_flow::Revoked::Yes) => Ok(None),
            Ok(oauth_flow::Revoked::AlreadyInvalid(why)) => Ok(Some(self.scrub(&why))),
            Err(why) => Err(self.scrub_diag(
                Diag::new(
                    Code::OauthRevoke,
                    format!(
                        "revoking the refresh token of connection '{}' failed: {why}",
                        conn.name
                    ),
                )
                .with_help(format!(
                    "nothing was forgotten; retry, or drop the local copy only with `dlg auth logout {}`",
                    conn.name
                )),
            )),
        }
    }

    /// The (host-mapped) revocation endpoint of a connection.
    pub fn revoke_endpoint(&self, c: &Connection) -> Result<reqwest::Url, Diag> {
        let conns = self.connections()?;
        let url = match &c.auth {
            Auth::Zoho { datacenter, .. } => {
                format!("{}/oauth/v2/token/revoke", datacenter.accounts_url)
            }
            _ => conns.revoke_url(&c.name)?.ok_or_else(|| {
                Diag::new(
                    Code::ConnectionInvalid,
                    format!("connection '{}' (oauth2) has no `revoke_url`", c.name),
                )
                .with_help(format!(
                    "add `revoke_url = \"https://provider/revoke\"` to [connections.{}], or forget the local tokens only with `dlg auth logout {}`",
                    c.name, c.name
                ))
            })?,
        };
        let u = reqwest::Url::parse(&url).map_err(|e| {
            Diag::new(
                Code::ConnectionInvalid,
                format!("connection '{}': invalid revoke_url: {e}", c.name),
            )
        })?;
        Ok(conns.map_url(&u))
    }

    /// `dlg auth logout NAME`: forget the stored refresh token and cached
    /// access tokens of a connection (nothing is sent anywhere). Returns
    /// (store entry removed, cache files removed).
    pub fn logout(&self, name: &str) -> Result<(bool, usize), Diag> {
        let known = self
            .connections()
            .map(|c| c.contains(name))
            .unwrap_or(false);
        let store = self.store();
        let had = store.file_for(name).exists();
        if !known && !had {
            return Err(self.connections()?.unknown(name));
        }
        let removed = store.remove(name).map_err(|e| {
            Diag::new(
                Code::ConnectionStore,
                format!("cannot delete the stored token of '{name}': {e}"),
            )
            .with_help(format!(
                "delete {} yourself",
                store.file_for(name).display()
            ))
        })?;
        Ok((removed, self.forget_cached(name)))
    }

    /// Delete every cached access token (and its lock) of a connection.
    pub fn forget_cached(&self, name: &str) -> usize {
        let mut n = 0;
        for (path, stem_name, _) in cache_entries(self.cache_dir()) {
            if stem_name == token::safe_name(name) {
                let is_json = path.extension().is_some_and(|e| e == "json");
                if std::fs::remove_file(&path).is_ok() && is_json {
                    n += 1;
                }
            }
        }
        n
    }

    /// Delete cache files no longer in use: access tokens of a known
    /// connection (same client and issuer) issued for a refresh token it no
    /// longer uses, tokens expired for more than a day, and leftover lock and
    /// temporary files older than a day. Returns the deleted paths.
    pub fn prune_cache(&self) -> Vec<PathBuf> {
        let mut current: Vec<(String, String, String, String)> = Vec::new();
        if let Ok(conns) = self.connections() {
            for name in conns.names() {
                if let Ok(c) = conns.resolve(&name, true) {
                    let (issuer, client_id) = match &c.auth {
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
                        _ => continue,
                    };
                    current.push((
                        token::safe_name(&name),
                        token::cache_key(&c),
                        issuer,
                        client_id,
                    ));
                }
            }
        }
        let day_ago = now_secs().saturating_sub(86_400);
        let old = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|d| d.as_secs() < day_ago)
        };
        let mut removed = Vec::new();
        let entries = cache_entries(self.cache_dir());
        for (path, stem_name, stem) in &entries {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let stale = match ext {
                "json" => {
                    let t: Option<CachedToken> = token::read_cache(path);
                    let superseded = t.as_ref().is_some_and(|t| {
                        current.iter().any(|(n, key, iss, cid)| {
                            n == stem_name && key != stem && &t.issuer == iss && &t.client_id == cid
                        })
                    });
                    let expired = t.as_ref().is_none_or(|t| t.expires_at < day_ago);
                    superseded || expired
                }
                "lock" => {
                    old(path)
                        && !entries.iter().any(|(p, _, s)| {
                            s == stem && p.extension().is_some_and(|e| e == "json")
                        })
                }
                _ => old(path),
            };
            if stale && std::fs::remove_file(path).is_ok() {
                removed.push(path.clone());
            }
        }
        // A removed token's lock file goes with it.
        for p in removed.clone() {
            if p.extension().is_some_and(|e| e == "json") {
                let lock = p.with_extension("lock");
                if std::fs::remove_file(&lock).is_ok() {
                    removed.push(lock);
                }
            }
        }
        removed
    }

    /// `dlg auth status`: every connection's state; with `check`, get a
    /// token and make one cheap authenticated call per Zoho service.
    pub fn auth_status(&self, only: &[String], check: bool) -> Result<Vec<AuthStatus>, Diag> {
        let conns = self.connections()?;
        for n in only {
            if !conns.contains(n) {
                return Err(conns.unknown(n));
            }
        }
        let infos = self.describe_connections()?;
        let mut out = Vec::new();
        for info in infos {
            if !only.is_empty() && !only.contains(&info.name) {
                continue;
            }
            let resolved = conns.resolve(&info.name, !self.is_mock()).ok();
            // Shape without secrets, for connections that do not resolve yet.
            let shape = conns.resolve(&info.name, false).ok();
            let datacenter = shape.as_ref().and_then(|c| c.datacenter());
            let kind = match shape.as_ref().map(|c| &c.auth) {
                Some(Auth::Zoho { .. }) if info.kind == "invalid" => "zoho",
                Some(Auth::OAuth2 { .. }) if info.kind == "invalid" => "oauth2",
                _ => info.kind,
            };
            let token_endpoint = shape.as_ref().and_then(|c| match &c.auth {
                Auth::Zoho { datacenter, .. } => Some(datacenter.token_url()),
                Auth::OAuth2 { token_url, .. } => Some(token_url.clone()),
                _ => None,
            });
            let scopes: Vec<String> = match resolved.as_ref().map(|c| &c.auth) {
                Some(Auth::Zoho { scopes, .. }) => scopes.clone(),
                _ => Vec::new(),
            };
            let mut st = AuthStatus {
                api_domain: datacenter.and_then(|_| self.api_domain(&info.name)),
                name: info.name.clone(),
                kind,
                datacenter,
                token_endpoint,
                source: conns.refresh_source(&info.name),
                token_expires_in: info.token_expires_in,
                problem: info.problem,
                token_check: None,
                service_checks: Vec::new(),
            };
            let token_based = matches!(st.kind, "zoho" | "oauth2");
            if check && st.problem.is_none() && token_based {
                let t = self.test_connection(&info.name, false);
                let ok = t.is_ok();
                st.token_check = Some(t.map(|s| s.map(|s| s.refreshed).unwrap_or(false)));
                if ok {
                    st.api_domain = self.api_domain(&info.name);
                    st.token_expires_in = resolved
                        .as_ref()
                        .and_then(|c| self.tokens.cached(c))
                        .map(|t| t.expires_at as i64 - now_secs() as i64);
                    if let Some(base) = st.api_domain.clone().filter(|_| st.kind == "zoho") {
                        for &(prefix, service, path) in SERVICE_PROBES {
                            if !scopes.iter().any(|s| s.starts_with(prefix)) {
                                continue;
                            }
                            let url = format!("{}{path}", base.trim_end_matches('/'));
                            let req =
                                HttpRequest::get(url.clone()).with_connection(info.name.clone());
                            let result = self.send(req).map(|r| r.status);
                            st.service_checks.push(ServiceCheck {
                                service,
                                url,
                                result,
                            });
                        }
                    }
                }
            }
            out.push(st);
        }
        Ok(out)
    }
}

/// `(path, connection part of the stem, stem)` of every file in the cache's
/// `tokens` directory named `<name>-<16 hex>.<ext>`, plus temp files.
fn cache_entries(cache_dir: &Path) -> Vec<(PathBuf, String, String)> {
    let Ok(rd) = std::fs::read_dir(cache_dir.join("tokens")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let path = e.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if file.starts_with(".tok") && file.ends_with(".tmp") {
            out.push((path.clone(), String::new(), String::new()));
            continue;
        }
        let Some(stem) = file
            .strip_suffix(".json")
            .or_else(|| file.strip_suffix(".lock"))
        else {
            continue;
        };
        let Some((name, hash)) = stem.rsplit_once('-') else {
            continue;
        };
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push((path.clone(), name.to_string(), stem.to_string()));
        }
    }
    out
}
