//! Token refresh discipline (issue 7, item 9): Zoho allows about 10
//! refreshes per 10 minutes per refresh token, so a run never spends them
//! in a loop. Counted against the misbehaving fake server of
//! `tests/support` through the library client and the real `dlg` binary:
//! one refresh per 401-retry chain, a failed refresh remembered for the run
//! and (through the back-off file) by the next processes, `Retry-After` on
//! the token endpoint honoured, one token request for N parallel runs.

#![allow(clippy::result_large_err)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use dlg::http::{HttpClient, HttpOptions, HttpRequest};
use support::*;

const TOKEN: &str = "/oauth/v2/token";
const INVOICES: &str = "/books/v3/invoices";

fn client(dir: &Path) -> HttpClient {
    HttpClient::new(HttpOptions {
        connections_path: Some(dir.join("connections.toml")),
        cache_dir: Some(dir.join("cache")),
        timeout: Duration::from_secs(10),
        ..Default::default()
    })
    .unwrap()
}

fn invoices() -> HttpRequest {
    HttpRequest::get("https://www.zohoapis.in/books/v3/invoices?organization_id=1")
        .with_connection("books")
}

fn unauthorized() -> Reply {
    json(
        401,
        r#"{"code":57,"message":"You are not authorized to perform this operation"}"#,
    )
}

/// A script making `n` caught calls, printing each error's message.
fn caught_calls(n: usize) -> String {
    format!(
        r#"for each i in {{{}}}
{{
  try
  {{
    r = invokeurl
    [
      url :"https://www.zohoapis.in/books/v3/invoices?organization_id=1"
      type :GET
      connection :"books"
    ];
    info "ok " + r.get("code");
  }}
  catch (e)
  {{
    info "caught " + e.message;
  }}
}}
info "done";
"#,
        (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    )
}

const ONE_CALL: &str = r#"r = invokeurl
[
  url :"https://www.zohoapis.in/books/v3/invoices?organization_id=1"
  type :GET
  connection :"books"
];
info r.get("code");
"#;

/// `dlg run` of `script` with the connections file and cache of `dir`.
fn dlg_run(dir: &Path, script: &str) -> Command {
    let file = dir.join(format!(
        "s{}.dg",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::write(&file, script).unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dlg"));
    cmd.arg("run")
        .arg(&file)
        .arg("--connections")
        .arg(dir.join("connections.toml"))
        .current_dir(dir)
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("DLG_CACHE_DIR", dir.join("cache"))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env_remove("DLG_CONNECTIONS")
        .stdin(Stdio::null());
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, script: &str) -> Run {
    finish(dlg_run(dir, script).output().unwrap())
}

fn finish(o: Output) -> Run {
    let r = Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert_no_secret("stdout", &r.stdout);
    assert_no_secret("stderr", &r.stderr);
    r
}

/// stderr without miette's frame characters, whitespace collapsed.
fn flat(s: &str) -> String {
    s.replace(['│', '×', '╭', '╰', '─', '┬', '┼', '·', '⚠'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn tokens_dir(dir: &Path) -> PathBuf {
    dir.join("cache").join("tokens")
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    std::fs::read_dir(tokens_dir(dir))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default()
}

/// A token endpoint that issues ACCESS_TOKEN for the first `ok` requests
/// and then answers with `then`.
fn accounts_ok_then(ok: usize, then: fn() -> Reply) -> FakeServer {
    let seen = std::sync::atomic::AtomicUsize::new(0);
    FakeServer::start(move |r| {
        if r.path() != TOKEN {
            return json(404, "{}");
        }
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < ok {
            token_json(ACCESS_TOKEN)
        } else {
            then()
        }
    })
}

fn invalid_code() -> Reply {
    json(200, r#"{"error":"invalid_code"}"#)
}

/// Every file below the cache directory, names and contents, as text (for
/// secret scans).
fn cache_listing(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.join("cache")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            out.push_str(&format!("{}\n", p.display()));
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x != "json") {
                // Access tokens live in *.json by design; everything else
                // (back-off, lock) must hold no secret.
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

// ------------------------------------------------------------ 401 forever

#[test]
fn api_401_forever_makes_one_refresh_per_chain_and_per_run() {
    let accounts = accounts_ok_then(usize::MAX, invalid_code);
    let api = FakeServer::start(|_| unauthorized());
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let c = client(dir.path());
    // Cold cache: one request for the first token, one refresh for the 401.
    let err = c.send(invoices()).unwrap_err();
    assert_eq!(err.code, "zoho::not_authorized", "{err:?}");
    assert_eq!(accounts.count(TOKEN), 2);
    assert_eq!(api.count(INVOICES), 2, "the request is retried once");
    // Nineteen more calls in the same run: no more refreshes, no retries.
    for _ in 0..19 {
        let err = c.send(invoices()).unwrap_err();
        assert_eq!(err.code, "zoho::not_authorized");
    }
    assert_eq!(accounts.count(TOKEN), 2);
    assert_eq!(api.count(INVOICES), 21);
    assert_no_secret("diagnostic", &format!("{err:?}"));

    // A new run with a warm cache: exactly one refresh, whatever it does.
    let c = client(dir.path());
    for _ in 0..20 {
        c.send(invoices()).unwrap_err();
    }
    assert_eq!(accounts.count(TOKEN), 3);
}

#[test]
fn api_401_forever_with_a_failing_refresh_asks_once_per_run() {
    // The first token works for the cache; every refresh after it fails.
    let accounts = accounts_ok_then(1, invalid_code);
    let api = FakeServer::start(|_| unauthorized());
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    client(dir.path()).test_connection("books", false).unwrap();
    assert_eq!(accounts.count(TOKEN), 1);
    // The run through the binary: 20 caught calls, one failed refresh.
    let r = run(dir.path(), &caught_calls(20));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(accounts.count(TOKEN), 2, "{}", r.stderr);
    assert_eq!(r.stdout.matches("caught ").count(), 20, "{}", r.stdout);
    assert!(r.stdout.ends_with("done\n"));
    // The first call fails on the refresh, the others on the 401 alone.
    let first = r.stdout.lines().next().unwrap();
    assert!(first.contains("refresh token"), "{first}");
    // The next run within the back-off window asks nobody for a token.
    let r = run(dir.path(), &caught_calls(5));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(accounts.count(TOKEN), 2, "{}", r.stdout);
    assert_no_secret("cache", &cache_listing(dir.path()));
}

// ------------------------------------------- a failed refresh is remembered

#[test]
fn twenty_caught_calls_after_invalid_code_send_one_token_request() {
    let accounts = FakeServer::start(|_| invalid_code());
    let api = FakeServer::start(|_| json(200, r#"{"code":0}"#));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let r = run(dir.path(), &caught_calls(20));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(accounts.count(TOKEN), 1, "{}", r.stdout);
    assert!(api.requests().is_empty(), "no API call without a token");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 21, "{}", r.stdout);
    // The same diagnostic every time.
    for l in &lines[..20] {
        assert!(l.starts_with("caught "), "{l}");
        assert!(l.contains("refresh token"), "{l}");
    }
    // The failure is written beside the cache, private, secret-free.
    let backoff = files_with_ext(dir.path(), "backoff");
    assert_eq!(backoff.len(), 1, "{backoff:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backoff[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(&backoff[0]).unwrap();
    assert!(text.contains("oauth::invalid_code"), "{text}");
    assert_no_secret("back-off file", &text);
    assert!(files_with_ext(dir.path(), "json").is_empty());
}

#[test]
fn a_second_process_within_the_backoff_window_sends_no_token_request() {
    let accounts = FakeServer::start(|_| invalid_code());
    let api = FakeServer::start(|_| json(200, r#"{"code":0}"#));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let first = run(dir.path(), ONE_CALL);
    assert_eq!(first.code, Some(1));
    assert!(
        first.stderr.contains("oauth::invalid_code"),
        "{}",
        first.stderr
    );
    assert_eq!(accounts.count(TOKEN), 1);

    let second = run(dir.path(), ONE_CALL);
    assert_eq!(second.code, Some(1));
    assert_eq!(accounts.count(TOKEN), 1, "{}", second.stderr);
    let err = flat(&second.stderr);
    assert!(err.contains("oauth::invalid_code"), "{err}");
    assert!(err.contains("remembered from a refresh"), "{err}");
    assert!(err.contains("safe to retry after"), "{err}");
    assert!(err.contains(".backoff"), "names the file to delete: {err}");

    // Deleting the file (as the help says) retries at once.
    for f in files_with_ext(dir.path(), "backoff") {
        std::fs::remove_file(f).unwrap();
    }
    let third = run(dir.path(), ONE_CALL);
    assert_eq!(third.code, Some(1));
    assert_eq!(accounts.count(TOKEN), 2);

    // Other credentials are not held back by this failure.
    let p = dir.path().join("connections.toml");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace(REFRESH_TOKEN, "1000.0123456789ab.cdef01234567");
    std::fs::write(&p, t).unwrap();
    run(dir.path(), ONE_CALL);
    assert_eq!(accounts.count(TOKEN), 3);
    assert_no_secret("cache", &cache_listing(dir.path()));
}

#[test]
fn parallel_runs_with_a_failing_refresh_send_one_token_request() {
    let accounts = FakeServer::start(|r| {
        // Slow enough that the other runs queue behind the lock.
        if r.path() == TOKEN {
            std::thread::sleep(Duration::from_millis(300));
        }
        invalid_code()
    });
    let api = FakeServer::start(|_| json(200, r#"{"code":0}"#));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let children: Vec<_> = (0..8)
        .map(|_| {
            dlg_run(dir.path(), ONE_CALL)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for ch in children {
        let r = finish(ch.wait_with_output().unwrap());
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(r.stderr.contains("oauth::invalid_code"), "{}", r.stderr);
    }
    assert_eq!(accounts.count(TOKEN), 1);
    assert!(api.requests().is_empty());
}

#[test]
fn parallel_runs_with_a_cold_cache_send_one_token_request() {
    let accounts = FakeServer::start(|r| {
        if r.path() == TOKEN {
            std::thread::sleep(Duration::from_millis(300));
        }
        token_json(ACCESS_TOKEN)
    });
    let api = FakeServer::start(|r| {
        if r.header("authorization") == Some(&format!("Zoho-oauthtoken {ACCESS_TOKEN}")) {
            json(200, r#"{"code":0}"#)
        } else {
            unauthorized()
        }
    });
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let children: Vec<_> = (0..10)
        .map(|_| {
            dlg_run(dir.path(), ONE_CALL)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for ch in children {
        let r = finish(ch.wait_with_output().unwrap());
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_eq!(r.stdout, "0\n");
    }
    assert_eq!(accounts.count(TOKEN), 1);
    assert_eq!(api.count(INVOICES), 10);
    assert_eq!(files_with_ext(dir.path(), "json").len(), 1);
    assert!(files_with_ext(dir.path(), "backoff").is_empty());
}

// ------------------------------------------------ 429 and Retry-After

fn throttled(retry_after: &'static str) -> impl Fn(&Recorded) -> Reply + Send + Sync {
    move |_| {
        Reply::Raw(response(
            429,
            &[
                ("Content-Type", "application/json"),
                ("Retry-After", retry_after),
            ],
            br#"{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time."}"#,
        ))
    }
}

#[test]
fn retry_after_on_the_token_endpoint_is_honoured() {
    let accounts = FakeServer::start(throttled("2"));
    let api = FakeServer::start(|_| json(200, r#"{"code":0}"#));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let started = Instant::now();
    // In the run: 20 caught calls, one request.
    let r = run(dir.path(), &caught_calls(20));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(accounts.count(TOKEN), 1);
    assert_eq!(r.stdout.matches("caught ").count(), 20, "{}", r.stdout);

    // A run within the window sends nothing and says when to retry.
    let second = run(dir.path(), ONE_CALL);
    let waited = started.elapsed();
    assert_eq!(second.code, Some(1));
    let err = flat(&second.stderr);
    assert!(err.contains("oauth::rate_limited"), "{err}");
    assert!(err.contains("safe to retry after"), "{err}");
    assert!(err.contains(" UTC"), "names a clock time: {err}");
    if waited < Duration::from_secs(2) {
        assert_eq!(accounts.count(TOKEN), 1, "{err}");
    }
    // The window is the server's 2 s (not the 60 s default): after it the
    // next run asks again, exactly once.
    let b = files_with_ext(dir.path(), "backoff");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&b[0]).unwrap()).unwrap();
    let until = std::time::UNIX_EPOCH + Duration::from_secs(v["until"].as_u64().unwrap());
    let left = until
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    assert!(left <= Duration::from_secs(3), "{v}");
    std::thread::sleep(left + Duration::from_millis(50));
    let before = accounts.count(TOKEN);
    run(dir.path(), ONE_CALL);
    assert_eq!(accounts.count(TOKEN), before + 1);
}

#[test]
fn a_throttled_refresh_names_the_time_when_retrying_is_safe() {
    let accounts = FakeServer::start(throttled("2"));
    let api = FakeServer::start(|_| json(200, r#"{"code":0}"#));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let c = client(dir.path());
    let err = c.send(invoices()).unwrap_err();
    assert_eq!(err.code, "oauth::rate_limited");
    let help = err.help.clone().unwrap_or_default();
    assert!(help.contains("retry after"), "{help}");
    assert!(help.contains("(in 2 s)"), "{help}");
    // Within the run, no further request for the same connection.
    for _ in 0..20 {
        assert_eq!(c.send(invoices()).unwrap_err().code, "oauth::rate_limited");
    }
    assert_eq!(accounts.count(TOKEN), 1);
    // The back-off file holds the server's window, not the default.
    let b = files_with_ext(dir.path(), "backoff");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&b[0]).unwrap()).unwrap();
    let span = v["until"].as_u64().unwrap() - v["at"].as_u64().unwrap();
    assert!((2..=3).contains(&span), "{v}");
}

#[test]
fn retry_after_as_an_http_date_and_out_of_range_values() {
    // An HTTP date 3 s ahead counts like `Retry-After: 3`; a huge value is
    // capped at 600 s; garbage falls back to the 60 s default (the end is
    // rounded up to a whole second).
    let in3 = (chrono::Utc::now() + chrono::Duration::seconds(3))
        .to_rfc2822()
        .replace("+0000", "GMT");
    let in3: &'static str = Box::leak(in3.into_boxed_str());
    for (value, lo, hi) in [
        (in3, 2, 4),
        ("999999", 600, 601),
        ("soon", 60, 61),
        ("0", 1, 2),
    ] {
        let accounts = FakeServer::start(throttled(value));
        let api = FakeServer::start(|_| json(200, "{}"));
        let dir = zoho_setup(&accounts.url(), &api.url(), "");
        client(dir.path()).send(invoices()).unwrap_err();
        let b = files_with_ext(dir.path(), "backoff");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&b[0]).unwrap()).unwrap();
        let span = v["until"].as_u64().unwrap() - v["at"].as_u64().unwrap();
        assert!((lo..=hi).contains(&span), "{value}: {v}");
    }
}

#[test]
fn a_transport_failure_is_remembered_for_the_run_but_writes_no_backoff() {
    // Nothing listens: the refresh cannot reach the server. The run does
    // not hammer it, but the next run may try again (it was not an answer).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let api = FakeServer::start(|_| json(200, "{}"));
    let dir = zoho_setup(&format!("http://127.0.0.1:{port}"), &api.url(), "");
    let c = client(dir.path());
    let first = c.send(invoices()).unwrap_err();
    assert_eq!(first.code, "http::request", "{first:?}");
    let t = Instant::now();
    for _ in 0..20 {
        assert_eq!(c.send(invoices()).unwrap_err().code, "http::request");
    }
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(files_with_ext(dir.path(), "backoff").is_empty());
}

// ------------------------------------------------ cache and lock safety
// (issue 7, item 10)

/// A run that fills the cache; returns the cache file's path.
fn warm(dir: &Path) -> PathBuf {
    client(dir).test_connection("books", false).unwrap();
    let files = files_with_ext(dir, "json");
    assert_eq!(files.len(), 1);
    files[0].clone()
}

fn ok_servers() -> (FakeServer, FakeServer) {
    let accounts = FakeServer::start(|_| token_json(ACCESS_TOKEN));
    let api = FakeServer::start(|r| {
        if r.header("authorization") == Some(&format!("Zoho-oauthtoken {ACCESS_TOKEN}")) {
            json(200, r#"{"code":0}"#)
        } else {
            unauthorized()
        }
    });
    (accounts, api)
}

fn cache_warnings(stderr: &str) -> usize {
    stderr.matches("connection::cache").count()
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_at_the_lock_path_is_not_followed() {
    let (accounts, api) = ok_servers();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let cache = warm(dir.path());
    std::fs::remove_file(&cache).unwrap();
    let lock = cache.with_extension("lock");
    let _ = std::fs::remove_file(&lock);
    let target = dir.path().join("planted-target");
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    let r = run(dir.path(), ONE_CALL);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, "0\n");
    // The link's target was not created, and the link is still a link.
    assert!(!target.exists(), "the planted symlink was followed");
    assert!(
        std::fs::symlink_metadata(&lock)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(accounts.count(TOKEN), 2);
    assert!(r.stderr.contains("connection::cache"), "{}", r.stderr);
    assert!(flat(&r.stderr).contains("symbolic link"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn loose_modes_are_tightened_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let (accounts, api) = ok_servers();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let cache = warm(dir.path());
    let tokens = tokens_dir(dir.path());
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = run(dir.path(), ONE_CALL);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // The cached token is still used (no refresh), the modes are fixed,
    // and each fix is one warning.
    assert_eq!(accounts.count(TOKEN), 1);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o600);
    assert_eq!(mode(&tokens), 0o700);
    let err = flat(&r.stderr);
    assert_eq!(cache_warnings(&r.stderr), 2, "{}", r.stderr);
    assert!(err.contains("mode 644"), "{err}");
    assert!(err.contains("mode 777"), "{err}");
    // Fixed for good: the next run is quiet.
    let r = run(dir.path(), ONE_CALL);
    assert_eq!(cache_warnings(&r.stderr), 0, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_symlinked_tokens_directory_is_not_followed() {
    let (accounts, api) = ok_servers();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let cache = warm(dir.path());
    let name = cache.file_name().unwrap().to_owned();
    // Move the real directory away and link to it: its valid token must
    // not be read, and nothing must be written through the link.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::rename(tokens_dir(dir.path()), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, tokens_dir(dir.path())).unwrap();
    let before = std::fs::read(elsewhere.join(&name)).unwrap();
    let r = run(dir.path(), &caught_calls(3));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.matches("ok 0").count(), 3, "{}", r.stdout);
    // Tokens kept in memory for the run: one request, not one per call.
    assert_eq!(accounts.count(TOKEN), 2);
    assert_eq!(cache_warnings(&r.stderr), 1, "{}", r.stderr);
    assert!(flat(&r.stderr).contains("symbolic link"), "{}", r.stderr);
    assert_eq!(std::fs::read(elsewhere.join(&name)).unwrap(), before);
    let listed: Vec<_> = std::fs::read_dir(&elsewhere)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !listed.iter().any(|n| n.to_string_lossy().ends_with(".tmp")),
        "{listed:?}"
    );
}

#[test]
fn an_unwritable_cache_warns_once_per_run() {
    let (accounts, api) = ok_servers();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    // The cache directory lies below a regular file: it cannot be created,
    // whoever runs the test (root ignores permission bits).
    std::fs::write(dir.path().join("cache"), "not a directory").unwrap();
    let r = run(dir.path(), &caught_calls(5));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.matches("ok 0").count(), 5, "{}", r.stdout);
    assert_eq!(accounts.count(TOKEN), 1, "tokens are kept for the run");
    assert_eq!(cache_warnings(&r.stderr), 1, "{}", r.stderr);
    let err = flat(&r.stderr);
    assert!(err.contains("every run refreshes"), "{err}");
    // A second run warns again (once) and refreshes: nothing is cached.
    let r = run(dir.path(), ONE_CALL);
    assert_eq!(cache_warnings(&r.stderr), 1, "{}", r.stderr);
    assert_eq!(accounts.count(TOKEN), 2);
}

#[cfg(unix)]
#[test]
fn a_cache_file_that_cannot_be_replaced_warns_once() {
    let (accounts, api) = ok_servers();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let cache = warm(dir.path());
    // A directory where the cache file belongs: not read, not writable.
    std::fs::remove_file(&cache).unwrap();
    std::fs::create_dir(&cache).unwrap();
    std::fs::write(cache.join("keep"), "x").unwrap();
    let r = run(dir.path(), &caught_calls(5));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.matches("ok 0").count(), 5, "{}", r.stdout);
    assert_eq!(accounts.count(TOKEN), 2);
    assert_eq!(cache_warnings(&r.stderr), 1, "{}", r.stderr);
}

#[test]
fn the_backoff_window_is_never_shorter_than_retry_after() {
    // Start just before a whole second, so that a window end truncated to
    // whole seconds would fall a few milliseconds after the failure.
    let accounts = FakeServer::start(throttled("1"));
    let api = FakeServer::start(|_| json(200, "{}"));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let frac = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_millis()
    };
    while frac() < 850 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let c = client(dir.path());
    c.send(invoices()).unwrap_err();
    let failed_at = Instant::now();
    assert_eq!(accounts.count(TOKEN), 1);
    // For the whole second after the 429, new runs ask nobody.
    while failed_at.elapsed() < Duration::from_millis(900) {
        let e = client(dir.path()).send(invoices()).unwrap_err();
        assert_eq!(e.code, "oauth::rate_limited");
        assert_eq!(
            accounts.count(TOKEN),
            1,
            "asked again {} ms after a Retry-After of 1 s",
            failed_at.elapsed().as_millis()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
