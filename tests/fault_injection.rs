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
