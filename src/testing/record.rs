//! Record: turn the requests a real run made into a mock file that replays
//! them offline (`dlg run --record FILE`).
//!
//! Only what a replay needs is written: method, URL, query, status, the
//! response's `Content-Type`/`Location` and body, and the data center of the
//! Zoho connections used. Request headers (where `Authorization` lives),
//! cookies, volatile headers (date, request ids, rate-limit counters) and
//! every known secret are left out; query values whose names look secret are
//! replaced by `*`.

use crate::http::Exchange;

/// Response headers kept in a recording (lower-case names).
const KEPT_HEADERS: &[&str] = &["content-type", "location"];

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "password",
        "apikey",
        "api_key",
        "key",
        "auth",
        "code",
        "signature",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// The mock file for what a run's client sent, declaring the Zoho
/// connections it used (name and data center, never credentials).
pub fn recording(client: Option<&crate::http::HttpClient>, exchanges: &[Exchange]) -> String {
    let mut conns: Vec<(String, String)> = Vec::new();
    if let Some(Ok(infos)) = client.map(|c| c.describe_connections()) {
        for ex in exchanges {
            let Some(name) = &ex.connection else { continue };
            if let Some(dc) = infos
                .iter()
                .find(|i| i.name == *name)
                .and_then(|i| i.datacenter)
                && !conns.iter().any(|(n, _)| n == name)
            {
                conns.push((name.clone(), dc.to_string()));
            }
        }
    }
    fixture_toml(exchanges, &conns)
}

/// The mock file for `exchanges`; `connections` are (name, data center) of
/// the Zoho connections to declare.
pub fn fixture_toml(exchanges: &[Exchange], connections: &[(String, String)]) -> String {
    use toml::{Table, Value};
    let mut root = Table::new();
    if !connections.is_empty() {
        let mut conns = Table::new();
        for (name, dc) in connections {
            let mut c = Table::new();
            c.insert("datacenter".into(), Value::String(dc.clone()));
            conns.insert(name.clone(), Value::Table(c));
        }
        root.insert("connections".into(), Value::Table(conns));
    }
    let mut requests = Vec::new();
    for ex in exchanges {
        let Some(status) = ex.status else {
            continue;
        };
        let mut t = Table::new();
        t.insert("method".into(), Value::String(ex.method.clone()));
        let (url, query) = match reqwest::Url::parse(&ex.url) {
            Ok(mut u) => {
                let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
                u.set_query(None);
                u.set_fragment(None);
                (u.to_string(), q)
            }
            Err(_) => (ex.url.clone(), Vec::new()),
        };
        t.insert("url".into(), Value::String(url));
        if !query.is_empty() {
            let mut q = Table::new();
            for (k, v) in query {
                let v = if secret_name(&k) { "*".to_string() } else { v };
                q.insert(k, Value::String(v));
            }
            t.insert("query".into(), Value::Table(q));
        }
        t.insert("status".into(), Value::Integer(status as i64));
        let mut headers = Table::new();
        for (k, v) in &ex.response_headers {
            let k = k.to_ascii_lowercase();
            if KEPT_HEADERS.contains(&k.as_str()) {
                headers.insert(k, Value::String(v.clone()));
            }
        }
        if !headers.is_empty() {
            t.insert("headers".into(), Value::Table(headers));
        }
        t.insert(
            "body".into(),
            Value::String(ex.response_body.clone().unwrap_or_default()),
        );
        requests.push(Value::Table(t));
    }
    root.insert("request".into(), Value::Array(requests));
    let mut text = String::from(
        "# Recorded by `dlg run --record`: replay offline with `--mock` (or as a\n# sidecar NAME.mock.toml for `dlg test`). No credentials are recorded.\n\n",
    );
    text.push_str(&toml::to_string(&root).unwrap_or_default());
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_keep_answers_and_drop_credentials() {
        let ex = Exchange {
            method: "GET".into(),
            url: "https://www.zohoapis.com/crm/v2/Deals/1?fields=Amount&access_token=abc".into(),
            headers: vec![("Authorization".into(), "<redacted>".into())],
            body: None,
            connection: Some("crm".into()),
            status: Some(200),
            response_headers: vec![
                ("content-type".into(), "application/json".into()),
                ("set-cookie".into(), "session=1".into()),
                ("date".into(), "Mon".into()),
            ],
            response_body: Some("{\"data\":[{\"Amount\":5,\"Closing\":null}]}".into()),
            error: None,
        };
        let text = fixture_toml(&[ex], &[("crm".into(), "com".into())]);
        assert!(text.contains("datacenter = \"com\""), "{text}");
        assert!(
            text.contains("url = \"https://www.zohoapis.com/crm/v2/Deals/1\""),
            "{text}"
        );
        assert!(text.contains("fields = \"Amount\""), "{text}");
        assert!(text.contains("access_token = \"*\""), "{text}");
        assert!(!text.contains("abc") && !text.contains("session") && !text.contains("Mon"));
        assert!(!text.contains("Authorization"), "{text}");
        let parsed = crate::http::mock::MockSet::parse(std::path::Path::new("r.toml"), &text);
        assert!(parsed.is_ok(), "{text}");
    }
}
