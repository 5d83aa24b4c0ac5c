//! `dlg connections list|test|authorize`: inspect connections.toml and
//! check a connection (`authorize` is `dlg auth NAME`, see `auth.rs`).
//! Secrets are never printed.

use crate::code::Code;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::http::{HttpClient, HttpOptions, HttpRequest};

#[derive(Args, Debug)]
pub struct ConnectionsArgs {
    #[command(subcommand)]
    pub command: ConnectionsCommand,
}

#[derive(Subcommand, Debug)]
pub enum ConnectionsCommand {
    /// List connections: name, kind, data center, cached token (never secrets).
    List(CommonArgs),
    /// Get an access token for a connection (cached, or refreshed) and
    /// optionally make one GET request with it; report ok or the diagnostic.
    Test(TestArgs),
    /// Authorize a connection (same as `dlg auth NAME`: browser flow, or
    /// `--code` for a Self Client grant code).
    Authorize(AuthorizeArgs),
}

/// Options shared by the connections commands.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Connections file (default: $DLG_CONNECTIONS, ./connections.toml or an ancestor's, then ~/.config/dlg/connections.toml).
    #[arg(long, value_name = "PATH")]
    pub connections: Option<PathBuf>,
    /// Trace HTTP requests on stderr (secrets redacted).
    #[arg(long)]
    pub verbose: bool,
    /// HTTP timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 40)]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Connection name.
    pub name: String,
    /// Refresh the access token even if a cached one is still valid.
    #[arg(long)]
    pub refresh: bool,
    /// Also GET this URL with the connection (e.g. https://www.zohoapis.in/books/v3/organizations).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `dlg connections authorize NAME --code CODE` (same as `dlg auth NAME --code CODE`).
#[derive(Args, Debug)]
pub struct AuthorizeArgs {
    #[command(flatten)]
    pub login: super::auth::LoginArgs,
}

pub(super) fn client(common: &CommonArgs) -> Result<HttpClient, i32> {
    let opts = HttpOptions {
        connections_path: common.connections.clone(),
        verbose: common.verbose,
        timeout: Duration::from_secs(common.timeout),
        ..Default::default()
    };
    HttpClient::new(opts).map_err(|d| {
        crate::diag::eprint(&d);
        1
    })
}

pub(super) fn fail(d: &crate::diag::Diag) -> i32 {
    crate::diag::eprint(d);
    1
}

pub fn connections(args: ConnectionsArgs) -> i32 {
    match args.command {
        ConnectionsCommand::List(c) => list(&c),
        ConnectionsCommand::Test(t) => test(&t),
        ConnectionsCommand::Authorize(a) => super::auth::login(a.login),
    }
}

/// `1h 02m`, `59m 40s`, `expired 3m ago`.
pub(super) fn duration(secs: i64) -> String {
    let (past, s) = (secs < 0, secs.unsigned_abs());
    let text = if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    };
    if past {
        format!("expired {text} ago")
    } else {
        format!("expires in {text}")
    }
}

fn list(common: &CommonArgs) -> i32 {
    let client = match client(common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let infos = match client.describe_connections() {
        Ok(i) => i,
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
                "no connections file found (pass --connections FILE, set DLG_CONNECTIONS, or create connections.toml)"
            );
            return 0;
        }
    }
    if infos.is_empty() {
        let _ = writeln!(out, "no connections defined");
        return 0;
    }
    let rows: Vec<[String; 4]> = infos
        .iter()
        .map(|i| {
            let token = match (&i.problem, i.kind, i.token_expires_in) {
                (Some(d), _, _) => format!("{}: {}", d.code, d.message),
                (None, "zoho" | "oauth2", Some(s)) => format!("cached, {}", duration(s)),
                (None, "zoho" | "oauth2", None) => "not cached".into(),
                _ => "static credentials".into(),
            };
            [
                i.name.clone(),
                i.kind.to_string(),
                i.datacenter.unwrap_or("-").to_string(),
                token,
            ]
        })
        .collect();
    let header = ["NAME", "KIND", "DC", "TOKEN"];
    let w: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in std::iter::once(header.map(str::to_string)).chain(rows) {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        );
    }
    0
}

fn test(args: &TestArgs) -> i32 {
    let client = match client(&args.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let status = match client.test_connection(&args.name, args.refresh) {
        Ok(s) => s,
        Err(d) => return fail(&d),
    };
    let mut out = std::io::stdout().lock();
    match &status {
        Some(s) => {
            let _ = writeln!(
                out,
                "ok: connection '{}': access token {} ({}){}",
                args.name,
                if s.refreshed {
                    "refreshed"
                } else {
                    "from cache"
                },
                duration(s.expires_in),
                s.api_domain
                    .as_ref()
                    .map(|d| format!(", api_domain {d}"))
                    .unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "ok: connection '{}' resolves (static credentials, no token endpoint)",
                args.name
            );
        }
    }
    if let Some(url) = &args.url {
        let req = HttpRequest::get(url.clone()).with_connection(args.name.clone());
        match client.send(req) {
            Ok(r) if r.status < 400 => {
                let _ = writeln!(out, "ok: GET {url} answered {}", r.status);
            }
            Ok(r) => {
                let _ = out.flush();
                return fail(
                    &crate::diag::Diag::new(
                        Code::HttpStatus,
                        format!("GET {url} answered HTTP {}", r.status),
                    )
                    .with_help("check the scopes of the connection and the URL"),
                );
            }
            Err(d) => return fail(&d),
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(3725), "expires in 1h 02m");
        assert_eq!(duration(59), "expires in 59s");
        assert_eq!(duration(-120), "expired 2m 00s ago");
    }
}
