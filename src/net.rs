//! Transport: the one place that builds the HTTP runtime and client
//! (timeouts, no automatic redirects, user agent) and turns transport
//! failures into text and diagnostics. Both credentials (`connections`:
//! token requests) and script HTTP (`http`: `invokeurl`) sit on top of it.

use std::time::Duration;

use crate::code::Code;
use crate::diag::Diag;

/// Deluge's timeout error.
pub fn timeout_diag() -> Diag {
    Diag::new(Code::HttpTimeout, "socket timeout error")
        .with_help("the server did not answer in time (Deluge allows 40 seconds); check the URL and the server, or raise the timeout")
}

/// Display an error with its sources (reqwest hides the cause otherwise).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// A single-threaded runtime and an HTTP client with `timeout` for both
/// connecting and the whole request.
pub fn runtime_and_client(
    timeout: Duration,
) -> Result<(tokio::runtime::Runtime, reqwest::Client), Diag> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Diag::new(
                Code::HttpRequest,
                format!("cannot start the HTTP runtime: {e}"),
            )
        })?;
    let http = reqwest::Client::builder()
        .user_agent(concat!("dlg/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        // Never automatic: token, revoke and code-exchange requests
        // (client secret, refresh token in the body) must not follow a
        // redirect at all, and API requests follow them by hand in
        // `execute`, dropping credentials across origins.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            Diag::new(
                Code::HttpRequest,
                format!("cannot build the HTTP client: {}", error_chain(&e)),
            )
        })?;
    Ok((rt, http))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn error_chain_shows_each_new_cause_once() {
        let e = E(
            "request failed: connection refused",
            Some(Box::new(E(
                "connection refused",
                Some(Box::new(E("os error 111", None))),
            ))),
        );
        assert_eq!(
            error_chain(&e),
            "request failed: connection refused: os error 111"
        );
    }

    #[test]
    fn the_client_never_follows_redirects_on_its_own() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        let (rt, client) = runtime_and_client(Duration::from_secs(5)).unwrap();
        let status = rt
            .block_on(async { client.get(format!("http://{addr}/")).send().await })
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 302);
        assert_eq!(timeout_diag().code, Code::HttpTimeout);
    }
}
