//! HTTP execution for `invokeurl`, `getUrl` and `postUrl`: real client and offline mocks.
//! (Interface stub; the implementation lands from the `http` branch.)

use crate::diag::Diag;

#[derive(Debug)]
pub struct HttpOptions {
    pub connections_path: Option<std::path::PathBuf>,
    pub mock_path: Option<std::path::PathBuf>,
    pub verbose: bool,
    pub timeout: std::time::Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connections_path: None,
            mock_path: None,
            verbose: false,
            timeout: std::time::Duration::from_secs(40),
        }
    }
}

pub enum RequestBody {
    None,
    Text(String),
    Form(Vec<(String, String)>),
}

pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub connection: Option<String>,
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub struct HttpClient {}

impl HttpClient {
    pub fn new(_opts: HttpOptions) -> Result<HttpClient, Diag> {
        Ok(HttpClient {})
    }
    pub fn send(&self, req: HttpRequest) -> Result<HttpResponse, Diag> {
        Err(Diag::new(
            "http::unmocked",
            format!("no HTTP client yet for {} {}", req.method, req.url),
        ))
    }
    pub fn connection_names(&self) -> Vec<String> {
        Vec::new()
    }
}
