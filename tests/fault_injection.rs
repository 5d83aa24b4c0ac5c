//! Fault injection against a misbehaving server on 127.0.0.1: redirects of
//! every kind on token and API endpoints, and what leaves each origin.

#![allow(clippy::result_large_err)]

mod support;

use std::time::Duration;

use dlg::http::{HttpClient, HttpOptions, HttpRequest, RequestBody};
use support::*;

fn client(dir: &tempfile::TempDir) -> HttpClient {
    HttpClient::new(HttpOptions {
        connections_path: Some(dir.path().join("connections.toml")),
        cache_dir: Some(dir.path().join("cache")),
        timeout: Duration::from_secs(10),
        ..Default::default()
    })
    .unwrap()
}

fn invoices() -> HttpRequest {
    HttpRequest::get("https://www.zohoapis.in/books/v3/invoices?organization_id=1")
        .with_connection("books")
}

/// A server that answers everything 200 and records it (the "other origin").
fn sink() -> FakeServer {
    FakeServer::start(|_| json(200, r#"{"landed":true}"#))
}

#[test]
fn token_endpoint_redirects_are_never_followed() {
    for status in [301, 302, 303, 307, 308] {
        for cross in [true, false] {
            let other = sink();
            let target = if cross {
                format!("{}/steal", other.url())
            } else {
                "/oauth/v2/token-again".to_string()
            };
            let accounts = FakeServer::start(move |r| {
                if r.path() == "/oauth/v2/token" {
                    redirect(status, &target)
                } else {
                    token_json(ACCESS_TOKEN)
                }
            });
            let api = sink();
            let dir = zoho_setup(&accounts.url(), &api.url(), "");
            let err = client(&dir).send(invoices()).unwrap_err();
            assert_eq!(err.code, "oauth::redirect", "{status}: {err:?}");
            assert!(err.message.contains(&status.to_string()), "{}", err.message);
            assert_no_secret("diagnostic", &format!("{err:?}"));
            // Nothing reached the redirect target, on either origin.
            assert!(other.requests().is_empty(), "{status} cross={cross}");
            assert_eq!(accounts.requests().len(), 1, "{status} cross={cross}");
            // The API was never called without a token.
            assert!(api.requests().is_empty());
        }
    }
}

#[test]
fn api_redirects_never_carry_credentials_to_another_origin() {
    for status in [301, 302, 303, 307, 308] {
        let other = sink();
        let to = format!("{}/landing?x=1", other.url());
        let api = FakeServer::start(move |r| {
            if r.path() == "/books/v3/invoices" {
                redirect(status, &to)
            } else {
                json(200, "{}")
            }
        });
        let accounts = FakeServer::start(|_| token_json(ACCESS_TOKEN));
        let dir = zoho_setup(
            &accounts.url(),
            &api.url(),
            "[connections.keyed]\ntype = \"api_key\"\nkey = \"cs-7f3a9bd2e1\"\nheader = \"X-Api-Key\"\n",
        );
        let c = client(&dir);
        // Zoho connection, GET.
        let r = c.send(invoices()).unwrap();
        assert_eq!(r.status, 200);
        assert!(r.body.contains("landed"));
        // api_key header connection, POST with a body.
        let mut post =
            HttpRequest::get("https://www.zohoapis.in/books/v3/invoices").with_connection("keyed");
        post.method = "POST".into();
        post.body = RequestBody::Text("payload".into());
        post.headers = vec![
            ("Authorization".into(), "Bearer user-set".into()),
            ("X-Trace".into(), "kept".into()),
        ];
        c.send(post).unwrap();
        let got = other.requests();
        assert_eq!(got.len(), 2, "{status}");
        for r in &got {
            assert!(r.header("authorization").is_none(), "{status}: {r:?}");
            assert!(r.header("x-api-key").is_none(), "{status}: {r:?}");
            assert_no_secret("redirected request", &r.all_text());
        }
        assert_eq!(got[1].header("x-trace"), Some("kept"));
        // 301/302/303 turn the POST into a GET without body; 307/308 keep both.
        if matches!(status, 307 | 308) {
            assert_eq!(got[1].method, "POST");
            assert_eq!(got[1].body_text(), "payload");
        } else {
            assert_eq!(got[1].method, "GET", "{status}");
            assert!(got[1].body.is_empty());
        }
        // The origin itself got the credentials.
        let first = &api.requests()[0];
        assert_eq!(
            first.header("authorization"),
            Some(format!("Zoho-oauthtoken {ACCESS_TOKEN}").as_str())
        );
    }
}

#[test]
fn same_origin_redirects_keep_the_token() {
    for status in [301, 302, 303, 307, 308] {
        let api = FakeServer::start(move |r| {
            if r.path() == "/books/v3/invoices" {
                redirect(status, "/books/v3/moved")
            } else {
                json(200, r#"{"moved":true}"#)
            }
        });
        let accounts = FakeServer::start(|_| token_json(ACCESS_TOKEN));
        let dir = zoho_setup(&accounts.url(), &api.url(), "");
        let r = client(&dir).send(invoices()).unwrap();
        assert!(r.body.contains("moved"), "{status}");
        let reqs = api.requests();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[1].path(), "/books/v3/moved");
        assert_eq!(
            reqs[1].header("authorization"),
            Some(format!("Zoho-oauthtoken {ACCESS_TOKEN}").as_str()),
            "{status}"
        );
    }
}

#[test]
fn redirect_chains_are_bounded() {
    let api = FakeServer::start(|_| redirect(302, "/books/v3/invoices"));
    let accounts = FakeServer::start(|_| token_json(ACCESS_TOKEN));
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let err = client(&dir).send(invoices()).unwrap_err();
    assert_eq!(err.code, "http::request");
    assert!(
        err.message.contains("redirected more than 10 times"),
        "{}",
        err.message
    );
    assert_eq!(api.requests().len(), 11);
}

#[test]
fn token_cache_api_domain_must_be_a_zoho_api_domain_of_the_data_center() {
    for (domain, trusted) in [
        ("https://www.zohoapis.in", true),
        ("https://sandbox.zohoapis.in", true),
        ("https://evil.example.com", false),
        ("https://www.zohoapis.com", false),
        ("http://sandbox.zohoapis.in", false),
        ("https://www.zohoapis.in.evil.com", false),
        ("https://user:pw@www.zohoapis.in", false),
    ] {
        let body = format!(
            r#"{{"access_token":"{ACCESS_TOKEN}","api_domain":"{domain}","expires_in":3600}}"#
        );
        let accounts = FakeServer::start(move |_| json(200, &body));
        let api = sink();
        let dir = zoho_setup(&accounts.url(), &api.url(), "");
        let c = client(&dir);
        c.test_connection("books", false).unwrap();
        let got = c.api_domain("books").unwrap();
        if trusted {
            assert_eq!(got, domain);
        } else {
            assert_eq!(got, "https://www.zohoapis.in", "{domain}");
            let w = c.warnings();
            assert!(
                w.iter()
                    .any(|d| d.code == "connection::untrusted_api_domain"),
                "{domain}: {w:?}"
            );
        }
        // An edited cache file is checked the same way in a new run.
        let tokens = dir.path().join("cache").join("tokens");
        for e in std::fs::read_dir(&tokens).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                let t = std::fs::read_to_string(&p).unwrap();
                let edited = t.replace(domain, "https://attacker.example.net");
                std::fs::write(&p, edited).unwrap();
            }
        }
        assert_eq!(
            client(&dir).api_domain("books").unwrap(),
            "https://www.zohoapis.in"
        );
    }
}

#[test]
fn a_mapped_host_is_a_trusted_api_domain() {
    let accounts = FakeServer::start(|_| {
        json(
            200,
            &format!(
                r#"{{"access_token":"{ACCESS_TOKEN}","api_domain":"https://books.local.test","expires_in":3600}}"#
            ),
        )
    });
    let api = sink();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    // add a [hosts] mapping for books.local.test
    let p = dir.path().join("connections.toml");
    let t = std::fs::read_to_string(&p).unwrap().replace(
        "[hosts]\n",
        &format!("[hosts]\n\"books.local.test\" = \"{}\"\n", api.url()),
    );
    std::fs::write(&p, t).unwrap();
    let c = client(&dir);
    c.test_connection("books", false).unwrap();
    assert_eq!(c.api_domain("books").unwrap(), "https://books.local.test");
}

// ------------------------------------------------ misbehaving API answers
// (issue 7, item 14): every case through the real binary, caught and
// uncaught, with --verbose and --trace; a secret scan over every output
// and the cache directory; the token cache stays valid throughout.

/// Raw HTTP head without Content-Length (the body ends at close).
fn head_only(status: u16, content_type: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// The API server of the fault cases: the path names the fault.
fn faulty_api() -> FakeServer {
    FakeServer::start(|r| {
        let path = r.path().trim_start_matches("/fault/").to_string();
        match path.as_str() {
            "reset_mid_body" => {
                let mut b = response(200, &[("Content-Type", "application/json")], b"");
                // Announce 10 000 bytes, send a few, then reset.
                let at = b.len() - 4;
                let mut head = b[..at].to_vec();
                head.truncate(head.len() - "Content-Length: 0\r\nConnection: close".len());
                b = head;
                b.extend_from_slice(
                    b"Content-Length: 10000\r\nConnection: close\r\n\r\n{\"data\":[{\"id\":",
                );
                Reply::RawThenReset(b)
            }
            "truncated_json" => {
                // Announce more than is sent, then close normally.
                let mut b = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n".to_vec();
                b.extend_from_slice(br#"{"code":0,"data":[{"id":"1"#);
                Reply::Raw(b)
            }
            "invalid_json" => json(200, r#"{"code":0,"data":[1,2,}"#),
            "invalid_utf8" => Reply::Raw(response(
                200,
                &[("Content-Type", "application/json")],
                b"{\"name\":\"caf\xE9 \xFF\xFE\",\"code\":0}",
            )),
            "no_content_length" => {
                let mut b = head_only(200, "application/json");
                b.extend_from_slice(br#"{"code":0,"message":"close-delimited"}"#);
                Reply::Raw(b)
            }
            "huge_declared" => Reply::Stream {
                head: b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 52428801\r\nConnection: close\r\n\r\n".to_vec(),
                total: 52_428_801,
            },
            "huge_streamed" => Reply::Stream {
                head: head_only(200, "text/plain"),
                total: 51 * 1024 * 1024,
            },
            "unauthorized" => json(
                401,
                r#"{"code":57,"message":"You are not authorized to perform this operation"}"#,
            ),
            "throttled" => Reply::Raw(response(
                429,
                &[("Content-Type", "application/json"), ("Retry-After", "2")],
                br#"{"code":1070,"message":"API calls limit exceeded"}"#,
            )),
            "unavailable" => Reply::Raw(response(
                503,
                &[("Content-Type", "text/html")],
                b"<html><body>Service Unavailable</body></html>",
            )),
            "server_error" => json(500, r#"{"code":-1,"message":"internal error"}"#),
            "silent" => Reply::Hang(Duration::from_secs(5)),
            _ => json(200, r#"{"code":0}"#),
        }
    })
}

/// How a fault case must end.
enum Expect {
    /// A diagnostic with this code; `try/catch` catches a message holding
    /// the fragment.
    Error(&'static str, &'static str),
    /// A value (as `info` prints it with `detailed: true`: the status code
    /// and the body) holding these fragments.
    Value(&'static [&'static str]),
}

struct Case {
    path: &'static str,
    expect: Expect,
}

impl Case {
    /// `--timeout` seconds: short where the timeout is what is tested,
    /// generous elsewhere so a loaded machine streaming 51 MB through a
    /// debug build is not mistaken for a silent server.
    fn timeout(&self) -> u64 {
        match self.expect {
            Expect::Error("http::timeout", _) => 1,
            _ => 30,
        }
    }
}

const CASES: &[Case] = &[
    Case {
        path: "reset_mid_body",
        expect: Expect::Error("http::request", "Connection reset"),
    },
    Case {
        path: "truncated_json",
        expect: Expect::Error("http::request", "before message length reached"),
    },
    Case {
        // Not JSON: the body comes back as text, as Zoho returns it.
        path: "invalid_json",
        expect: Expect::Value(&["200", r#"{"code":0,"data":[1,2,}"#]),
    },
    Case {
        // Decoded with replacement characters (as Java does), still a map.
        path: "invalid_utf8",
        expect: Expect::Value(&["200", "caf\u{FFFD}"]),
    },
    Case {
        path: "no_content_length",
        expect: Expect::Value(&["200", "close-delimited"]),
    },
    Case {
        path: "huge_declared",
        expect: Expect::Error("http::response_too_large", "larger than 50 MB"),
    },
    Case {
        path: "huge_streamed",
        expect: Expect::Error("http::response_too_large", "larger than 50 MB"),
    },
    Case {
        // HTTP errors are answers, as in Zoho: the status and body are the
        // script's to inspect.
        path: "throttled",
        expect: Expect::Value(&["429", "API calls limit exceeded", "retry-after"]),
    },
    Case {
        path: "unavailable",
        expect: Expect::Value(&["503", "Service Unavailable"]),
    },
    Case {
        path: "server_error",
        expect: Expect::Value(&["500", "internal error"]),
    },
    Case {
        path: "silent",
        expect: Expect::Error("http::timeout", "socket timeout error"),
    },
    // Last: it spends the run's one 401-driven refresh.
    Case {
        path: "unauthorized",
        expect: Expect::Error("zoho::not_authorized", "not authorized"),
    },
];

fn call(path: &str, detailed: bool) -> String {
    format!(
        "r = invokeurl\n[\n  url :\"https://www.zohoapis.in/fault/{path}\"\n  type :GET\n  connection :\"books\"{}\n];\n",
        if detailed { "\n  detailed :true" } else { "" }
    )
}

fn run_dlg(
    dir: &std::path::Path,
    script: &str,
    trace: &std::path::Path,
    timeout: u64,
) -> (Option<i32>, String, String) {
    let file = dir.join("case.dg");
    std::fs::write(&file, script).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dlg"))
        .arg("run")
        .arg(&file)
        .arg("--connections")
        .arg(dir.join("connections.toml"))
        .args(["--verbose", "--timeout", &timeout.to_string(), "--trace"])
        .arg(trace)
        .env("DLG_CACHE_DIR", dir.join("cache"))
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1")
        .env_remove("DLG_CONNECTIONS")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Names of everything below the cache directory and the text of every
/// file but the access-token cache itself (which holds the token by design).
fn cache_dir_listing(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.join("cache")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            out.push_str(&format!("{}\n", p.display()));
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_none_or(|x| x != "json") {
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// The cached token is still the valid one, fresh, well-formed.
fn assert_cache_valid(dir: &std::path::Path, what: &str) {
    let tokens = dir.join("cache").join("tokens");
    let files: Vec<_> = std::fs::read_dir(&tokens)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{what}: {files:?}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(v["access_token"], ACCESS_TOKEN, "{what}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        v["expires_at"].as_u64().unwrap() > now + 3000,
        "{what}: {v}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{what}");
    }
}

#[test]
fn misbehaving_api_answers_end_in_specific_catchable_diagnostics() {
    let accounts = FakeServer::start(|_| token_json(ACCESS_TOKEN));
    let api = faulty_api();
    let dir = zoho_setup(&accounts.url(), &api.url(), "");
    let d = dir.path();
    let trace = d.join("trace.jsonl");
    for case in CASES {
        let what = case.path;
        let started = std::time::Instant::now();
        match &case.expect {
            Expect::Error(code, fragment) => {
                // Uncaught: exit 1 with the specific code.
                let (status, out, err) = run_dlg(
                    d,
                    &format!("{}info \"not reached\";\n", call(what, false)),
                    &trace,
                    case.timeout(),
                );
                assert_eq!(status, Some(1), "{what}: {err}");
                assert!(err.contains(code), "{what}: expected {code}:\n{err}");
                assert!(!err.contains("panicked"), "{what}: {err}");
                assert!(!out.contains("not reached"), "{what}");
                for text in [
                    &out,
                    &err,
                    &std::fs::read_to_string(&trace).unwrap_or_default(),
                ] {
                    assert_no_secret(what, text);
                }
                // Caught: the script goes on.
                let script = format!(
                    "try\n{{\n{}  info \"no error\";\n}}\ncatch (e)\n{{\n  info \"caught: \" + e;\n}}\ninfo \"after\";\n",
                    call(what, false)
                );
                let (status, out, err) = run_dlg(d, &script, &trace, case.timeout());
                assert_eq!(status, Some(0), "{what}: {err}");
                assert!(out.starts_with("caught: "), "{what}: {out}\n{err}");
                assert!(out.contains(fragment), "{what}: {out}");
                assert!(out.ends_with("after\n"), "{what}: {out}");
                for text in [
                    &out,
                    &err,
                    &std::fs::read_to_string(&trace).unwrap_or_default(),
                ] {
                    assert_no_secret(what, text);
                }
            }
            Expect::Value(fragments) => {
                let script = format!(
                    "{}info r.get(\"responseCode\");\ninfo r.get(\"responseText\");\ninfo r.get(\"responseHeader\").keys();\n",
                    call(what, true)
                );
                let (status, out, err) = run_dlg(d, &script, &trace, case.timeout());
                assert_eq!(status, Some(0), "{what}: {err}");
                for f in *fragments {
                    assert!(out.contains(f), "{what}: expected {f:?} in\n{out}");
                }
                for text in [
                    &out,
                    &err,
                    &std::fs::read_to_string(&trace).unwrap_or_default(),
                ] {
                    assert_no_secret(what, text);
                }
            }
        }
        // Bounded by the timeout of its two runs, whatever the server does.
        assert!(
            started.elapsed() < Duration::from_secs(2 * case.timeout() + 6),
            "{what} took {:?}",
            started.elapsed()
        );
        assert_no_secret(what, &cache_dir_listing(d));
        assert_cache_valid(d, what);
    }
    // One token for all cases, then one refresh for the 401 chain of each
    // of the two runs of the 401 case.
    assert_eq!(accounts.count("/oauth/v2/token"), 3);
    // No case made the client hammer the server: one request per run (the
    // 401 case: one retry after the refresh).
    for case in CASES {
        let n = api.count(&format!("/fault/{}", case.path));
        let runs = match case.expect {
            Expect::Error(..) => 2,
            Expect::Value(_) => 1,
        };
        let expected = if case.path == "unauthorized" {
            2 * runs
        } else {
            runs
        };
        assert_eq!(n, expected, "{}", case.path);
    }
}

#[test]
fn misbehaving_token_endpoint_answers_are_specific_diagnostics() {
    type Answer = Box<dyn Fn() -> Reply + Send + Sync>;
    let cases: Vec<(&str, Answer, &str, &str)> = vec![
        (
            "reset",
            Box::new(|| {
                Reply::RawThenReset(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n{\"access_tok".to_vec(),
                )
            }),
            "http::request",
            "token endpoint",
        ),
        (
            "invalid json",
            Box::new(|| json(200, r#"{"access_token":"#)),
            "oauth::error",
            "without an access_token",
        ),
        (
            "html 500",
            Box::new(|| {
                Reply::Raw(response(
                    500,
                    &[("Content-Type", "text/html")],
                    b"<html>oops</html>",
                ))
            }),
            "oauth::error",
            "HTTP 500",
        ),
        (
            "huge",
            Box::new(|| Reply::Stream {
                head: head_only(200, "application/json"),
                total: 3 * 1024 * 1024,
            }),
            "oauth::error",
            "more than 1024 KB",
        ),
        (
            "silent",
            Box::new(|| Reply::Hang(Duration::from_secs(5))),
            "http::timeout",
            "socket timeout error",
        ),
    ];
    for (what, reply, code, fragment) in cases {
        let accounts = FakeServer::start(move |_| reply());
        let api = sink();
        let dir = zoho_setup(&accounts.url(), &api.url(), "");
        let c = HttpClient::new(HttpOptions {
            connections_path: Some(dir.path().join("connections.toml")),
            cache_dir: Some(dir.path().join("cache")),
            timeout: Duration::from_secs(1),
            ..Default::default()
        })
        .unwrap();
        let started = std::time::Instant::now();
        let err = c.send(invoices()).unwrap_err();
        assert_eq!(err.code, code, "{what}: {err:?}");
        assert!(err.message.contains(fragment), "{what}: {}", err.message);
        assert!(started.elapsed() < Duration::from_secs(4), "{what}");
        assert_no_secret(what, &format!("{err:?}"));
        // The run does not ask again, and the API never saw a request.
        assert_eq!(c.send(invoices()).unwrap_err().code, code, "{what}");
        assert_eq!(accounts.requests().len(), 1, "{what}");
        assert!(api.requests().is_empty(), "{what}");
        assert_no_secret(what, &cache_dir_listing(dir.path()));
    }
}
