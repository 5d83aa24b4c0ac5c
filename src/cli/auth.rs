//! `dlg auth`: the OAuth life cycle of a connection.
//!
//! ```text
//! dlg auth NAME                      browser login (loopback redirect), token kept in the store
//! dlg auth NAME --code CODE|-        exchange a Self Client grant code instead
//! dlg auth NAME ... --print|--write  print the refresh token once / write it into connections.toml
//! dlg auth status [NAME...] [--check]
//! dlg auth revoke NAME               revoke at the accounts server, then forget local tokens
//! dlg auth logout NAME               forget local tokens only
//! dlg auth clean                     delete cache files no longer in use
//! ```
//!
//! Secrets are never printed, except the new refresh token once with
//! `--print`.

use crate::code::Code;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::connections::{CommonArgs, client, duration, fail};
use crate::connections::datacenter::{self, DataCenter};
use crate::connections::oauth_flow;
use crate::connections::{Auth, RefreshSource};
use crate::diag::Diag;

#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  dlg auth books                   open the browser, store the refresh token\n  dlg auth books --no-browser      print the consent URL and wait for the redirect\n  dlg auth books --code -          exchange a Self Client grant code read from stdin\n  dlg auth books --code - --print  print the refresh token once (for a CI secret)\n  dlg auth status --check          every connection: token source, expiry, a live check\n  dlg auth revoke books            revoke at Zoho and forget the local tokens"
)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub command: Option<AuthCommand>,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Subcommand, Debug)]
pub enum AuthCommand {
    /// Authorize a connection (same as `dlg auth NAME`; use this form for a
    /// connection named like a subcommand).
    Login(LoginArgs),
    /// Show every connection: where its refresh token comes from (file, env,
    /// store), cached access token expiry, data center, api_domain. Never secrets.
    Status(StatusArgs),
    /// Revoke the connection's refresh token at its accounts server
    /// (POST /oauth/v2/token/revoke), then forget the stored and cached tokens.
    Revoke(NameArgs),
    /// Forget the stored refresh token and cached access tokens of a
    /// connection (nothing is revoked).
    Logout(NameArgs),
    /// Delete token-cache files no longer in use (superseded or long expired).
    Clean(CommonArgs),
}

#[derive(Args, Debug, Clone)]
pub struct LoginArgs {
    /// Connection name in connections.toml (its client_id, client_secret,
    /// datacenter and scopes are used).
    pub name: Option<String>,
    /// Exchange this Self Client grant code (`-` reads it from stdin)
    /// instead of the browser flow. The code works once, and only until it
    /// expires (you pick the lifetime when generating it; 3 minutes by default).
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
    /// Print the new refresh_token line once on stdout (for a CI secret)
    /// instead of keeping it in the token store.
    #[arg(long)]
    pub print: bool,
    /// Write the new refresh_token into the connections file instead of the
    /// token store (refused when the file reads it from ${VAR}).
    #[arg(long)]
    pub write: bool,
    /// Browser flow: only print the consent URL, do not open a browser; the
    /// redirect address (or code) may also be pasted on stdin.
    #[arg(long)]
    pub no_browser: bool,
    /// Browser flow: port of the redirect http://127.0.0.1:PORT/callback
    /// (must match the client's registered redirect URI; default: the
    /// connection's redirect_port, else 8765; 0 picks a free port).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Browser flow: how long to wait for the redirect, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub wait: u64,
    /// Revoke the refresh token the connection used so far once the new one
    /// is issued (Zoho keeps at most 20 per user and client).
    #[arg(long)]
    pub revoke_old: bool,
    /// With --code: the redirect_uri the code was issued for (providers
    /// other than Zoho's Self Client may require it).
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Only these connections (default: all).
    pub names: Vec<String>,
    /// Get an access token (cached or refreshed) and make one cheap
    /// authenticated call per Zoho service in the connection's scopes.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct NameArgs {
    /// Connection name.
    pub name: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn auth(args: AuthArgs) -> i32 {
    match args.command {
        Some(AuthCommand::Login(l)) => login(l),
        Some(AuthCommand::Status(s)) => status(s),
        Some(AuthCommand::Revoke(n)) => revoke(n),
        Some(AuthCommand::Logout(n)) => logout(n),
        Some(AuthCommand::Clean(c)) => clean(c),
        None => login(args.login),
    }
}

/// `dlg auth NAME` (and `dlg connections authorize`).
pub fn login(mut args: LoginArgs) -> i32 {
    let Some(name) = args.name.clone() else {
        return super::usage_error(
            "auth",
            "name a connection: `dlg auth NAME` (or `dlg auth status`, `dlg auth revoke NAME`, `dlg auth logout NAME`)",
        );
    };
    if args.code.as_deref() == Some("-") {
        let mut line = String::new();
        if let Err(e) = std::io::stdin().read_line(&mut line) {
            return super::usage_error("auth", format!("cannot read the code from stdin: {e}"));
        }
        args.code = Some(line.trim().to_string());
    }
    if args.code.as_deref().is_some_and(str::is_empty) {
        return super::usage_error("auth", "the grant code is empty");
    }
    let client = match client(&args.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let conns = match client.connections() {
        Ok(c) => c,
        Err(d) => return fail(&d),
    };
    if !conns.contains(&name) {
        let d = conns.unknown(&name);
        eprint!("{}", guidance(&name, None, conns.path.as_deref()));
        return fail(&d);
    }
    let conn = match client.authorize_target(&name) {
        Ok(c) => c,
        Err(d) => {
            if d.message.contains("`client_id`") || d.message.contains("`client_secret`") {
                let dc = conns
                    .resolve(&name, false)
                    .ok()
                    .and_then(|c| c.datacenter());
                eprint!("{}", guidance(&name, dc, conns.path.as_deref()));
            }
            return fail(&d);
        }
    };
    let file = client.connections_file();
    // Everything that could stop the output is checked before the code is spent.
    if args.write {
        let Some(path) = &file else {
            return super::usage_error(
                "auth",
                "no connections file to write to; pass --connections FILE, or use --print",
            );
        };
        if !args.print
            && let Err(why) = std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| set_refresh_token(&t, &name, "check"))
        {
            return super::usage_error("auth", format!("{why}; rerun with --print"));
        }
    }
    let old = client.current_refresh(&name);
    if let Auth::Zoho { .. } = conn.auth {
        let mut note = String::from(
            "note: Zoho keeps at most 20 refresh tokens per user and client, and silently deletes the oldest when a 21st is issued.",
        );
        match (&old, args.revoke_old) {
            (Some((_, src)), false) => note.push_str(&format!(
                " Connection '{name}' already has one ({}); pass --revoke-old to revoke it once the new one is issued, or run `dlg auth revoke {name}` first.",
                describe_source(src)
            )),
            (Some((_, src)), true) => note.push_str(&format!(
                " The current one ({}) is revoked once the new one is issued (--revoke-old).",
                describe_source(src)
            )),
            (None, _) => {}
        }
        eprintln!("{note}");
    }
    let result = match &args.code {
        Some(code) => client.exchange_code(&conn, code, args.redirect_uri.as_deref(), None),
        None => {
            let port = args
                .port
                .or_else(|| conns.redirect_port(&name))
                .unwrap_or(oauth_flow::DEFAULT_PORT);
            let no_browser = args.no_browser;
            let wait = args.wait;
            let who = name.clone();
            let show = move |url: &str| {
                eprintln!(
                    "Open this URL in a browser to authorize connection '{who}' (waiting up to {wait} s for the redirect):\n\n  {url}\n"
                );
                if no_browser {
                    eprintln!(
                        "If that browser cannot reach this machine, paste the address it was redirected to (or just the code) here and press Enter."
                    );
                } else if !oauth_flow::open_browser(url) {
                    eprintln!("(could not start a browser; open the URL yourself)");
                }
            };
            client.browser_login(
                &conn,
                port,
                Duration::from_secs(args.wait),
                args.no_browser,
                &show,
            )
        }
    };
    let (done, new_conn) = match result {
        Ok(r) => r,
        Err(d) => return fail(&d),
    };
    let token = done.refresh_token.expose();
    let line = format!("refresh_token = \"{}\"", toml_escape(token));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ok: connection '{name}' authorized at {} (access token cached, {}{})",
        done.token_url,
        duration(done.expires_in as i64),
        done.api_domain
            .as_ref()
            .map(|d| format!(", api_domain {d}"))
            .unwrap_or_default()
    );
    let mut code = 0;
    if !args.print && !args.write {
        match client.store_refresh(&new_conn, &done.refresh_token, done.api_domain.clone()) {
            Ok(path) => {
                let _ = writeln!(
                    out,
                    "refresh token kept in the token store: {} (mode 0600); connections.toml refers to it by the name '{name}'",
                    path.display()
                );
                match conns.refresh_source(&name) {
                    RefreshSource::File | RefreshSource::Env(_) => {
                        let _ = out.flush();
                        crate::diag::eprint(
                            &Diag::new(
                                Code::ConnectionShadowed,
                                format!(
                                    "[connections.{name}] sets refresh_token ({}), which takes precedence over the stored token",
                                    describe_source(&conns.refresh_source(&name))
                                ),
                            )
                            .with_help("delete the refresh_token line (or unset the variable) to use the stored token, or rerun with --write")
                            .warning(),
                        );
                    }
                    _ => {}
                }
            }
            Err(d) => {
                let _ = out.flush();
                crate::diag::eprint(&d);
                eprintln!(
                    "dlg auth: put this line in [connections.{name}] yourself (shown once; the grant code is spent):"
                );
                let _ = writeln!(out, "{line}");
                return 1;
            }
        }
    }
    if args.write {
        let path = file.expect("checked above");
        match write_refresh_token(&path, &name, token) {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "wrote the new refresh_token to [connections.{name}] in {}",
                    path.display()
                );
            }
            Err(why) => {
                let _ = out.flush();
                eprintln!(
                    "dlg auth: could not update {}: {why}; put this line in [connections.{name}] yourself (shown once; the grant code is spent):",
                    path.display(),
                );
                let _ = writeln!(out, "{line}");
                return 1;
            }
        }
    }
    if args.print {
        let _ = writeln!(out, "add this line to [connections.{name}] (shown once):");
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    drop(out);
    if args.revoke_old
        && let Some((old_conn, src)) = &old
    {
        let old_token = match &old_conn.auth {
            Auth::Zoho { refresh_token, .. } | Auth::OAuth2 { refresh_token, .. } => {
                refresh_token.clone()
            }
            _ => unreachable!("token-based"),
        };
        if old_token.expose() != token {
            let r = client
                .revoke_endpoint(old_conn)
                .and_then(|ep| client.revoke_token(old_conn, &ep, &old_token));
            match r {
                Ok(None) => println!(
                    "revoked the previous refresh token of '{name}' ({})",
                    describe_source(src)
                ),
                Ok(Some(why)) => {
                    println!("the previous refresh token of '{name}' was already invalid ({why})")
                }
                Err(d) => {
                    crate::diag::eprint(&d);
                    code = 1;
                }
            }
        }
    }
    // A fresh client: the connections file may just have been rewritten.
    if let Ok(fresh) = super::connections::client(&args.common) {
        fresh.prune_cache();
    }
    code
}

fn describe_source(s: &RefreshSource) -> String {
    match s {
        RefreshSource::File => "refresh_token in the connections file".into(),
        RefreshSource::Env(v) => format!("refresh_token from ${v}"),
        RefreshSource::Store(t) => format!("token store, {}", date(*t)),
        RefreshSource::Revoked(t) => format!("revoked {}", date(*t)),
        RefreshSource::Missing(Some(v)) => format!("none: ${v} is not set and nothing is stored"),
        RefreshSource::Missing(None) => "none".into(),
        RefreshSource::NotApplicable => "static credentials".into(),
        RefreshSource::ClientCredentials => {
            "none needed (client_credentials grant: a new access token each hour)".into()
        }
    }
}

fn date(secs: u64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|t| format!("since {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default()
}

/// The Zoho API console of a data center.
pub fn api_console(dc: &DataCenter) -> &'static str {
    match dc.code {
        "eu" => "https://api-console.zoho.eu",
        "in" => "https://api-console.zoho.in",
        "au" => "https://api-console.zoho.com.au",
        "jp" => "https://api-console.zoho.jp",
        "ca" => "https://api-console.zohocloud.ca",
        "sa" => "https://api-console.zoho.sa",
        "uk" => "https://api-console.zoho.uk",
        "cn" => "https://api-console.zoho.com.cn",
        _ => "https://api-console.zoho.com",
    }
}

/// Step-by-step help for a connection with no client configured yet.
fn guidance(name: &str, dc: Option<&'static DataCenter>, file: Option<&Path>) -> String {
    let consoles: Vec<String> = match dc {
        Some(dc) => vec![format!("{} ({})", api_console(dc), dc.name)],
        None => datacenter::DATACENTERS
            .iter()
            .map(|d| format!("{:<3} {}", d.code, api_console(d)))
            .collect(),
    };
    let dc_code = dc.map(|d| d.code).unwrap_or("us");
    let file = file
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "connections.toml".into());
    format!(
        "\
To connect '{name}' to your Zoho org:

1. Open the API console of the data center where your Zoho account lives
   (the domain you log in at: zoho.com, zoho.eu, zoho.in, ...):
     {consoles}
2. Add Client -> \"Server-based Applications\" for the browser flow, with
     Homepage URL:          http://127.0.0.1
     Authorized Redirect URI: http://127.0.0.1:{port}/callback
   (or \"Self Client\" to paste grant codes with `dlg auth {name} --code -`).
3. Copy the Client ID and Client Secret into {file}:

     [connections.{name}]
     datacenter = \"{dc_code}\"
     client_id = \"1000.XXXXXXXXXXXXXXXX\"
     client_secret = \"${{ZOHO_CLIENT_SECRET}}\"   # export ZOHO_CLIENT_SECRET=...
     scopes = [\"ZohoBooks.fullaccess.all\"]

   Scopes by service:
     CRM      ZohoCRM.modules.ALL, ZohoCRM.settings.ALL, ZohoCRM.users.READ, ZohoCRM.org.READ
     Books    ZohoBooks.fullaccess.all
     Creator  ZohoCreator.report.ALL, ZohoCreator.form.CREATE, ZohoCreator.meta.application.READ
4. Run `dlg auth {name}`: it opens the consent page and keeps the refresh token
   in dlg's token store (not in {file}).

",
        consoles = consoles.join("\n     "),
        port = oauth_flow::DEFAULT_PORT,
    )
}

fn status(args: StatusArgs) -> i32 {
    let client = match client(&args.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let list = match client.auth_status(&args.names, args.check) {
        Ok(l) => l,
        Err(d) => return fail(&d),
    };
    let mut out = std::io::stdout().lock();
    match client.connections_file() {
        Some(p) => {
            let _ = writeln!(out, "connections file: {}", p.display());
        }
        None => {
            let _ = writeln!(
                out,
                "no connections file found (pass --connections FILE, set DLG_CONNECTIONS, or create connections.toml); see `dlg auth NAME` for a walk-through"
            );
            return 1;
        }
    }
    let _ = writeln!(out, "token store: {}", client.store().dir().display());
    let _ = writeln!(out, "token cache: {}", client.cache_dir().display());
    if list.is_empty() {
        let _ = writeln!(out, "no connections defined");
        return 0;
    }
    let mut code = 0;
    for s in &list {
        let _ = writeln!(out);
        let dc = s
            .datacenter
            .map(|d| format!(", data center {} ({})", d.code, d.name))
            .unwrap_or_default();
        let _ = writeln!(out, "{} ({}{dc})", s.name, s.kind);
        let token_based = matches!(s.kind, "zoho" | "oauth2");
        if token_based {
            let src = match &s.source {
                RefreshSource::Missing(_) => {
                    format!("{}; run `dlg auth {}`", describe_source(&s.source), s.name)
                }
                other => describe_source(other),
            };
            let _ = writeln!(out, "  refresh token: {src}");
        }
        if let Some(d) = &s.problem {
            let _ = writeln!(out, "  X {}: {}", d.code, d.message);
            code = 1;
            continue;
        }
        if !token_based {
            let _ = writeln!(out, "  static credentials (no token endpoint)");
            continue;
        }
        if let Some(t) = &s.token_endpoint {
            let _ = writeln!(out, "  token endpoint: {t}");
        }
        let cached = match s.token_expires_in {
            Some(secs) => format!("cached, {}", duration(secs)),
            None => "not cached".into(),
        };
        let _ = writeln!(out, "  access token: {cached}");
        if let Some(d) = &s.api_domain {
            let _ = writeln!(out, "  api_domain: {d}");
        }
        match &s.token_check {
            None => {}
            Some(Ok(refreshed)) => {
                let _ = writeln!(
                    out,
                    "  check: ok, access token {}",
                    if *refreshed {
                        "refreshed"
                    } else {
                        "from cache"
                    }
                );
            }
            Some(Err(d)) => {
                let _ = writeln!(out, "  X check: {}: {}", d.code, d.message);
                code = 1;
            }
        }
        for c in &s.service_checks {
            match &c.result {
                Ok(st) if *st < 400 => {
                    let _ = writeln!(out, "  check: {} GET {} answered {st}", c.service, c.url);
                }
                Ok(st) => {
                    let _ = writeln!(out, "  X check: {} GET {} answered {st}", c.service, c.url);
                    code = 1;
                }
                Err(d) => {
                    let _ = writeln!(
                        out,
                        "  X check: {} GET {}: {}: {}",
                        c.service, c.url, d.code, d.message
                    );
                    code = 1;
                }
            }
        }
    }
    code
}

fn revoke(args: NameArgs) -> i32 {
    let client = match client(&args.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let r = match client.revoke(&args.name) {
        Ok(r) => r,
        Err(d) => return fail(&d),
    };
    let name = &args.name;
    match &r.already_invalid {
        None => println!(
            "ok: revoked the refresh token of '{name}' at {}",
            r.endpoint
        ),
        Some(why) => println!(
            "ok: the refresh token of '{name}' was already invalid at {} ({why})",
            r.endpoint
        ),
    }
    println!(
        "forgot {} cached access token(s){}",
        r.cache_files_removed,
        if matches!(r.source, RefreshSource::Store(_)) {
            " and the stored refresh token"
        } else {
            ""
        }
    );
    match &r.source {
        RefreshSource::File => crate::diag::eprint(
            &Diag::new(
                Code::ConnectionRevoked,
                format!("the revoked refresh token is still written in [connections.{name}]"),
            )
            .with_help(format!(
                "delete it from the connections file; runs using it now fail with oauth::invalid_code. Authorize again with `dlg auth {name}`"
            ))
            .warning(),
        ),
        RefreshSource::Env(v) => crate::diag::eprint(
            &Diag::new(
                Code::ConnectionRevoked,
                format!("the revoked refresh token still comes from ${v}"),
            )
            .with_help(format!(
                "replace the value of {v} (e.g. your CI secret); runs using it now fail with oauth::invalid_code. Get a new one with `dlg auth {name} --print`"
            ))
            .warning(),
        ),
        _ => {}
    }
    0
}

fn logout(args: NameArgs) -> i32 {
    let client = match client(&args.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match client.logout(&args.name) {
        Ok((stored, cached)) => {
            println!(
                "ok: '{}': {} stored refresh token, {cached} cached access token(s) forgotten (nothing was revoked at the server; use `dlg auth revoke` for that)",
                args.name,
                if stored { "1" } else { "no" }
            );
            0
        }
        Err(d) => fail(&d),
    }
}

fn clean(common: CommonArgs) -> i32 {
    let client = match client(&common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let removed = client.prune_cache();
    println!(
        "removed {} file(s) no longer in use from {}",
        removed.len(),
        client.cache_dir().join("tokens").display()
    );
    if common.verbose {
        for p in removed {
            println!("  {}", p.display());
        }
    }
    0
}

fn toml_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Replace (or add) `refresh_token` in `[connections.NAME]` of a connections
/// file, atomically, keeping the file's permissions; the result is
/// re-parsed and checked before anything is written.
fn write_refresh_token(path: &Path, name: &str, token: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let new = set_refresh_token(&text, name, token)?;
    let check = crate::connections::Connections::parse(path, &new)
        .and_then(|c| c.resolve_for_authorize(name))
        .map_err(|d| format!("the edited file does not parse ({})", d.code))?;
    let ok = match &check.auth {
        Auth::Zoho { refresh_token, .. } | Auth::OAuth2 { refresh_token, .. } => {
            refresh_token.expose() == token
        }
        _ => false,
    };
    if !ok {
        return Err("the edited file does not carry the new token".into());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".connections")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| e.to_string())?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = tmp.as_file().set_permissions(meta.permissions());
    }
    tmp.write_all(new.as_bytes()).map_err(|e| e.to_string())?;
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    tmp.persist(path).map_err(|e| e.error.to_string())?;
    Ok(())
}

/// Format-preserving edit (comments, order and layout kept) with
/// `toml_edit`. Refuses to replace a value that reads `${VAR}`.
fn set_refresh_token(text: &str, name: &str, token: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("the file does not parse: {}", e.message()))?;
    let table = doc
        .get_mut("connections")
        .and_then(|c| c.as_table_like_mut())
        .and_then(|c| c.get_mut(name))
        .and_then(|t| t.as_table_like_mut())
        .ok_or_else(|| format!("the file has no [connections.{name}] table"))?;
    if let Some(old) = table.get("refresh_token")
        && let Some(s) = old.as_str()
        && s.contains("${")
    {
        let var = s
            .split("${")
            .nth(1)
            .and_then(|r| r.split('}').next())
            .unwrap_or("VAR");
        return Err(format!(
            "refresh_token of [connections.{name}] reads ${{{var}}}, so the file is not edited; store the token in {var}"
        ));
    }
    match table.get_mut("refresh_token") {
        Some(item) if item.is_value() => {
            let decor = item.as_value().map(|v| v.decor().clone());
            let mut v = toml_edit::Value::from(token);
            if let Some(d) = decor {
                *v.decor_mut() = d;
            }
            *item = toml_edit::Item::Value(v);
        }
        _ => {
            table.insert("refresh_token", toml_edit::value(token));
        }
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_or_adds_refresh_token_preserving_the_file() {
        let t = "[hosts]\n\"a\" = \"http://x\"\n\n# books\n[connections.books]\ndatacenter = \"in\" # India\nclient_id = \"c\"\n  refresh_token = \"old\" # comment\n\n[connections.other]\nrefresh_token = \"keep\"\n";
        let n = set_refresh_token(t, "books", "1000.new").unwrap();
        assert_eq!(n, t.replace("\"old\"", "\"1000.new\""));

        let t2 = "[connections.\"my-conn\"]\ndatacenter = \"eu\"\nclient_id = \"c\"\n\n# trailing comment\n[connections.z]\n";
        let n2 = set_refresh_token(t2, "my-conn", "r\"1").unwrap();
        assert!(n2.contains("# trailing comment\n[connections.z]"), "{n2}");
        let parsed: toml::Table = toml::from_str(&n2).unwrap();
        assert_eq!(
            parsed["connections"]["my-conn"]["refresh_token"].as_str(),
            Some("r\"1")
        );
        // Inline tables are edited too.
        let n3 = set_refresh_token("connections.a = { client_id = \"c\" }\n", "a", "t").unwrap();
        let parsed: toml::Table = toml::from_str(&n3).unwrap();
        assert_eq!(
            parsed["connections"]["a"]["refresh_token"].as_str(),
            Some("t")
        );
        assert!(set_refresh_token("[connections.a]\n", "b", "t").is_err());
        let e = set_refresh_token(
            "[connections.a]\nrefresh_token = \"${MY_TOKEN}\"\n",
            "a",
            "t",
        )
        .unwrap_err();
        assert!(e.contains("${MY_TOKEN}"), "{e}");
    }

    #[test]
    fn guidance_names_the_console_of_each_datacenter() {
        let g = guidance("books", datacenter::lookup("ca"), None);
        assert!(g.contains("https://api-console.zohocloud.ca"), "{g}");
        assert!(g.contains("[connections.books]") && g.contains("datacenter = \"ca\""));
        assert!(g.contains("ZohoBooks.fullaccess.all") && g.contains("ZohoCRM.modules.ALL"));
        let all = guidance("x", None, None);
        for d in datacenter::DATACENTERS {
            assert!(all.contains(api_console(d)), "{}", d.code);
        }
    }
}
