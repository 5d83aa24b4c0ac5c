//! `dlg connections list|test|authorize` and `dlg auth NAME --code CODE`:
//! inspect connections.toml, check a connection, and exchange a Zoho
//! self-client grant code for a refresh token. Secrets are never printed;
//! a new refresh token is shown once, and only with `--print`.

use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Exchange a grant code (Zoho API console → Self Client → Generate
    /// Code) for a refresh token.
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

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["write", "print"])))]
pub struct AuthorizeArgs {
    /// Connection name (its client_id, client_secret and datacenter are used).
    pub name: String,
    /// The grant code (`-` reads it from stdin); it expires about a minute
    /// after it is generated.
    #[arg(long, value_name = "CODE")]
    pub code: String,
    /// Write the new refresh_token into the connections file.
    #[arg(long)]
    pub write: bool,
    /// Print the new refresh_token line once on stdout (to paste into
    /// connections.toml or a CI secret).
    #[arg(long)]
    pub print: bool,
    /// redirect_uri, for OAuth 2.0 providers that require it with the code.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn client(common: &CommonArgs) -> Result<HttpClient, i32> {
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

fn fail(d: &crate::diag::Diag) -> i32 {
    crate::diag::eprint(d);
    1
}

pub fn connections(args: ConnectionsArgs) -> i32 {
    match args.command {
        ConnectionsCommand::List(c) => list(&c),
        ConnectionsCommand::Test(t) => test(&t),
        ConnectionsCommand::Authorize(a) => authorize(a),
    }
}

/// `1h 02m`, `59m 40s`, `expired 3m ago`.
fn duration(secs: i64) -> String {
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
                        "http::status",
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

/// `dlg auth NAME --code CODE`.
pub fn authorize_cmd(args: AuthorizeArgs) -> i32 {
    authorize(args)
}

fn authorize(mut args: AuthorizeArgs) -> i32 {
    if args.code == "-" {
        let mut line = String::new();
        if let Err(e) = std::io::stdin().read_line(&mut line) {
            return super::usage_error("auth", format!("cannot read the code from stdin: {e}"));
        }
        args.code = line.trim().to_string();
    }
    let client = match client(&args.common) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let conns = match client.connections() {
        Ok(c) => c,
        Err(d) => return fail(&d),
    };
    let file = client.connections_file();
    // Check everything that could stop --write *before* the single-use code
    // is spent.
    if args.write {
        let Some(_) = &file else {
            return super::usage_error(
                "auth",
                "no connections file to write to; pass --connections FILE, or use --print",
            );
        };
        if !args.print
            && let Some(var) = conns.refresh_token_env_var(&args.name)
        {
            return super::usage_error(
                "auth",
                format!(
                    "refresh_token of [connections.{}] reads ${{{var}}}, so the file is not edited; rerun with --print and store the token in {var}",
                    args.name
                ),
            );
        }
    }
    let done = match client.authorize(&args.name, &args.code, args.redirect_uri.as_deref()) {
        Ok(a) => a,
        Err(d) => return fail(&d),
    };
    let token = done.refresh_token.expose();
    let line = format!("refresh_token = \"{}\"", toml_escape(token));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ok: connection '{}' authorized at {} (access token cached, {}{})",
        args.name,
        done.token_url,
        duration(done.expires_in as i64),
        done.api_domain
            .as_ref()
            .map(|d| format!(", api_domain {d}"))
            .unwrap_or_default()
    );
    if args.write {
        let path = file.expect("checked above");
        match write_refresh_token(&path, &args.name, token) {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "wrote the new refresh_token to [connections.{}] in {}",
                    args.name,
                    path.display()
                );
            }
            Err(why) => {
                let _ = out.flush();
                eprintln!(
                    "dlg auth: could not update {}: {why}; put this line in [connections.{}] yourself (shown once; the grant code is spent):",
                    path.display(),
                    args.name
                );
                let _ = writeln!(out, "{line}");
                return 1;
            }
        }
    }
    if args.print {
        let _ = writeln!(
            out,
            "add this line to [connections.{}] (shown once):",
            args.name
        );
        let _ = writeln!(out, "{line}");
    }
    0
}

fn toml_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Replace (or add) `refresh_token = "..."` in `[connections.NAME]` of a
/// connections file, atomically, keeping the file's permissions; the result
/// is re-parsed and checked before anything is written.
fn write_refresh_token(path: &Path, name: &str, token: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let new = set_refresh_token(&text, name, token).ok_or_else(|| {
        format!(
            "no [connections.{name}] table header found (inline or dotted tables are not edited)"
        )
    })?;
    let check = crate::connections::Connections::parse(path, &new)
        .and_then(|c| c.resolve_for_authorize(name))
        .map_err(|d| format!("the edited file does not parse ({})", d.code))?;
    let ok = match &check.auth {
        crate::connections::Auth::Zoho { refresh_token, .. }
        | crate::connections::Auth::OAuth2 { refresh_token, .. } => refresh_token.expose() == token,
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

/// Text edit behind [`write_refresh_token`]; `None` without a table header.
fn set_refresh_token(text: &str, name: &str, token: &str) -> Option<String> {
    let line = format!("refresh_token = \"{}\"", toml_escape(token));
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let squash = |l: &str| -> String { l.chars().filter(|c| !c.is_whitespace()).collect() };
    let wanted = [
        format!("[connections.{name}]"),
        format!("[connections.\"{name}\"]"),
        format!("[connections.'{name}']"),
    ];
    let header = lines.iter().position(|l| {
        let s = squash(l.split('#').next().unwrap_or(""));
        wanted.contains(&s)
    })?;
    let end = lines[header + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map(|i| header + 1 + i)
        .unwrap_or(lines.len());
    let existing = (header + 1..end).find(|&i| {
        let t = lines[i].trim_start();
        t.strip_prefix("refresh_token")
            .is_some_and(|r| r.trim_start().starts_with('='))
    });
    let mut out = String::with_capacity(text.len() + line.len() + 1);
    for (i, l) in lines.iter().enumerate() {
        if Some(i) == existing {
            let indent = &l[..l.len() - l.trim_start().len()];
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            continue;
        }
        out.push_str(l);
        if existing.is_none() && i == last_content_line(&lines, header, end) {
            if !l.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    Some(out)
}

/// Last non-blank, non-comment line of a table (the header if none).
fn last_content_line(lines: &[&str], header: usize, end: usize) -> usize {
    (header + 1..end)
        .rev()
        .find(|&i| {
            let t = lines[i].trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .unwrap_or(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_or_adds_refresh_token() {
        let t = "[hosts]\n\"a\" = \"http://x\"\n\n[connections.books]\ndatacenter = \"in\"\nclient_id = \"c\"\n  refresh_token = \"old\" # comment\n\n[connections.other]\nrefresh_token = \"keep\"\n";
        let n = set_refresh_token(t, "books", "1000.new").unwrap();
        assert!(n.contains("  refresh_token = \"1000.new\"\n"), "{n}");
        assert!(!n.contains("old"));
        assert!(n.contains("refresh_token = \"keep\""));

        let t2 = "[connections.\"my-conn\"]\ndatacenter = \"eu\"\nclient_id = \"c\"\n\n# trailing comment\n[connections.z]\n";
        let n2 = set_refresh_token(t2, "my-conn", "r\"1").unwrap();
        assert_eq!(
            n2,
            "[connections.\"my-conn\"]\ndatacenter = \"eu\"\nclient_id = \"c\"\nrefresh_token = \"r\\\"1\"\n\n# trailing comment\n[connections.z]\n"
        );
        let n3 = set_refresh_token("[connections.a]\nclient_id = \"c\"", "a", "t").unwrap();
        assert_eq!(
            n3,
            "[connections.a]\nclient_id = \"c\"\nrefresh_token = \"t\"\n"
        );
        assert!(set_refresh_token("[connections.a]\n", "b", "t").is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(duration(3725), "expires in 1h 02m");
        assert_eq!(duration(59), "expires in 59s");
        assert_eq!(duration(-120), "expired 2m 00s ago");
    }
}
