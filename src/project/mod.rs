//! The project file `dlg.toml`: where a project's root is, which files hold
//! its helper functions, and the non-secret settings a run needs (time zone,
//! users, default connection per service, org variables, test globs).
//!
//! Found like `connections.toml`: `--project PATH`, else `$DLG_PROJECT`,
//! else the nearest `dlg.toml` in the script's directory or an ancestor,
//! else in the current directory or an ancestor. Unknown top-level tables
//! are kept (other subsystems read their own, e.g. `[creator]`); known
//! tables reject unknown keys so typos are caught.

pub mod files;
pub mod lookup;

use crate::code::Code;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diag, SourceFile};

pub const FILE_NAME: &str = "dlg.toml";

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RawProjectTable {
    name: Option<String>,
    functions: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RawRun {
    timezone: Option<String>,
    login_user: Option<String>,
    login_user_id: Option<String>,
    admin_user: Option<String>,
    admin_user_id: Option<String>,
    mock: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RawTest {
    globs: Option<Vec<String>>,
    mock: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
struct RawFile {
    #[serde(default)]
    project: RawProjectTable,
    #[serde(default)]
    run: RawRun,
    #[serde(default)]
    default_connections: BTreeMap<String, String>,
    #[serde(default)]
    org_variables: BTreeMap<String, toml::Value>,
    #[serde(default)]
    test: RawTest,
    /// Every other top-level key, kept for the subsystems that own them.
    #[serde(flatten)]
    rest: BTreeMap<String, toml::Value>,
}

/// Test settings for `dlg test`.
#[derive(Clone, Debug, Default)]
pub struct TestConfig {
    /// Globs relative to the project root; empty = the runner's default.
    pub globs: Vec<String>,
    /// Mock file for test runs, resolved against the project root.
    pub mock: Option<PathBuf>,
}

/// A loaded `dlg.toml`.
#[derive(Clone, Debug)]
pub struct Project {
    /// The `dlg.toml` file.
    pub path: PathBuf,
    /// Its directory: the project root.
    pub root: PathBuf,
    pub name: Option<String>,
    /// Globs (relative to the root) of files that may define functions;
    /// empty = every Deluge file ([`files`]).
    pub functions: Vec<String>,
    /// Globs of files and directories left out of the function lookup.
    pub exclude: Vec<String>,
    pub timezone: Option<String>,
    pub login_user: Option<String>,
    pub login_user_id: Option<String>,
    pub admin_user: Option<String>,
    pub admin_user_id: Option<String>,
    /// Mock file used by `dlg run` when `--mock` is not given.
    pub mock: Option<PathBuf>,
    /// Service (`crm`, `books`, …, or `default`) → connection name.
    pub default_connections: BTreeMap<String, String>,
    /// `zoho.crm.getOrgVariable("name")` answers, as JSON values.
    pub org_variables: BTreeMap<String, serde_json::Value>,
    pub test: TestConfig,
    /// Other top-level tables (`[creator]`, …), untouched.
    pub extra: BTreeMap<String, toml::Value>,
}

/// Keys that hold secrets; they belong in connections.toml, never here.
const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "refresh_token",
    "access_token",
    "password",
    "token",
    "secret",
    "api_key",
];

fn find_secret_key(v: &toml::Value, path: &str) -> Option<String> {
    match v {
        toml::Value::Table(t) => t.iter().find_map(|(k, v)| {
            // [creator.forms.*] describes form fields, which may well be
            // called `password`; it never holds credentials.
            if path.is_empty() && k == "creator" {
                return None;
            }
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                return Some(here);
            }
            find_secret_key(v, &here)
        }),
        toml::Value::Array(a) => a.iter().find_map(|v| find_secret_key(v, path)),
        _ => None,
    }
}

fn project_error(
    source: &SourceFile,
    message: String,
    span: Option<std::ops::Range<usize>>,
) -> Diag {
    let mut d = Diag::new(
        Code::ProjectInvalid,
        format!("invalid project file {}: {message}", source.name),
    )
    .with_help("`dlg init` writes a commented dlg.toml showing every setting")
    .with_source(source.clone());
    if let Some(span) = span {
        d = d.with_label(message, span);
    }
    d
}

impl Project {
    /// Parse a `dlg.toml` whose directory is the project root.
    pub fn parse(path: &Path, text: &str) -> Result<Project, Diag> {
        let source = SourceFile::new(
            path.display().to_string(),
            crate::connections::redact_secret_keys(text),
        );
        let value: toml::Value = toml::from_str(text)
            .map_err(|e| project_error(&source, e.message().trim().to_string(), e.span()))?;
        if let Some(key) = find_secret_key(&value, "") {
            let span = text.find(key.rsplit('.').next().unwrap_or(&key));
            return Err(Diag::new(
                Code::ProjectInvalid,
                format!("{} must not hold secrets, found `{key}`", source.name),
            )
            .with_help("dlg.toml is meant to be committed: keep client secrets, refresh tokens and passwords in connections.toml (outside the repository, or as ${ENV_VAR} references)")
            .with_source(source.clone())
            .with_label("secret key", span.map(|s| s..s + key.len()).unwrap_or(0..0)));
        }
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| project_error(&source, e.message().trim().to_string(), e.span()))?;
        let root = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let resolve = |p: &str| root.join(p);
        let org_variables = raw
            .org_variables
            .into_iter()
            .map(|(k, v)| (k, serde_json::to_value(v).unwrap_or_default()))
            .collect();
        Ok(Project {
            path: path.to_path_buf(),
            name: raw.project.name,
            functions: raw.project.functions.unwrap_or_default(),
            exclude: raw.project.exclude.unwrap_or_default(),
            timezone: raw.run.timezone,
            login_user: raw.run.login_user,
            login_user_id: raw.run.login_user_id,
            admin_user: raw.run.admin_user,
            admin_user_id: raw.run.admin_user_id,
            mock: raw.run.mock.as_deref().map(resolve),
            default_connections: raw
                .default_connections
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            org_variables,
            test: TestConfig {
                globs: raw.test.globs.unwrap_or_default(),
                mock: raw.test.mock.as_deref().map(resolve),
            },
            extra: raw.rest,
            root,
        })
    }

    pub fn load(path: &Path) -> Result<Project, Diag> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diag::new(
                Code::ProjectInvalid,
                format!("cannot read project file {}: {e}", path.display()),
            )
            .with_help("pass an existing dlg.toml (or its directory) to --project")
        })?;
        Project::parse(path, &text)
    }

    /// Find the project file (see the module docs). `explicit` may name the
    /// file or its directory.
    pub fn discover(
        explicit: Option<&Path>,
        script_dir: Option<&Path>,
    ) -> Result<Option<Project>, Diag> {
        if let Some(p) = explicit {
            let file = if p.is_dir() {
                p.join(FILE_NAME)
            } else {
                p.to_path_buf()
            };
            return Project::load(&file).map(Some);
        }
        if let Some(p) = std::env::var_os("DLG_PROJECT").filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            let file = if p.is_dir() { p.join(FILE_NAME) } else { p };
            return Project::load(&file).map(Some);
        }
        let cwd = std::env::current_dir().ok();
        for start in [script_dir, cwd.as_deref()].into_iter().flatten() {
            if let Some(file) = find_upwards(start, FILE_NAME) {
                return Project::load(&file).map(Some);
            }
        }
        Ok(None)
    }

    /// Connection for a task of `service` (`crm`, `books`, …) that names none.
    pub fn default_connection(&self, service: &str) -> Option<&str> {
        self.default_connections
            .get(service)
            .or_else(|| self.default_connections.get("default"))
            .map(String::as_str)
    }
}

/// The nearest `name` in `start` or one of its ancestors.
pub fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    let mut dir = start.to_path_buf();
    loop {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// The root of the git work tree holding `start` (a directory with `.git`).
pub fn git_root(start: &Path) -> Option<PathBuf> {
    let mut dir = start.to_path_buf();
    loop {
        if dir.join(".git").exists() {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// The commented `dlg.toml` that `dlg init` writes.
pub const TEMPLATE: &str = r#"# dlg.toml — the project file of dlg (https://… run Zoho Deluge locally).
# Its directory is the project root. Commit it: it never holds secrets
# (client secrets and refresh tokens live in connections.toml).

[project]
# name = "my-zoho-functions"
# Files that may define Deluge functions, as globs relative to this file.
# Every function defined in them is callable as `standalone.name(…)`,
# `thisapp.name(…)`, `automation.name(…)` or `name(…)` from any script of the
# project. `dlg check` and `dlg fmt` walk these files (and [test] globs) too.
# Default: *.dg *.deluge *.ds files, and *.ts *.js *.txt and extension-less
# files whose content is Deluge; hidden and .gitignored entries, target and
# node_modules are skipped. A glob without `/` matches file names anywhere.
# functions = ["functions/**/*.dg", "Helper Functions/*.txt"]
# exclude = ["archive/**"]

[run]
# Time zone of zoho.currenttime, toString(pattern) … (flag --tz wins).
# timezone = "Asia/Kolkata"
# What zoho.loginuser / zoho.loginuserid / zoho.adminuser / zoho.adminuserid return.
# login_user = "Jane Doe"
# login_user_id = "jane@example.com"
# admin_user = "Admin"
# admin_user_id = "admin@example.com"
# Fixture file used when `--mock` is not given (HTTP and [[task]] fixtures).
# mock = "fixtures/offline.mock.toml"

[default_connections]
# Connection used by zoho.<service>.* tasks that name none (as inside Zoho).
# Flag --default-connection wins; `default` covers every other service.
# crm = "crm_connection"
# books = "books_connection"
# default = "zoho_oauth"

[org_variables]
# What zoho.crm.getOrgVariable("name") returns (before asking the CRM API).
# api_base_url = "https://example.com/api"

[test]
# Files `dlg test` looks at (test files and golden cases), relative to this
# file; default: every Deluge file under the folders given.
# globs = ["tests/**/*.dg"]
# mock = "tests/fixtures.mock.toml"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_table_and_keeps_unknown_ones() {
        let text = r#"
[project]
name = "p"
functions = ["fns/**/*.ts"]
[run]
timezone = "Asia/Kolkata"
login_user_id = "a@b.c"
[default_connections]
CRM = "crm_conn"
default = "any"
[org_variables]
x = "1"
n = 5
[test]
globs = ["tests/*.dg"]
[creator]
app = "inventory"
[creator.forms.Orders]
Name = "text"
"#;
        let p = Project::parse(Path::new("/tmp/x/dlg.toml"), text).unwrap();
        assert_eq!(p.root, Path::new("/tmp/x"));
        assert_eq!(p.functions, vec!["fns/**/*.ts"]);
        assert_eq!(p.timezone.as_deref(), Some("Asia/Kolkata"));
        assert_eq!(p.default_connection("crm"), Some("crm_conn"));
        assert_eq!(p.default_connection("books"), Some("any"));
        assert_eq!(p.org_variables["n"], serde_json::json!(5));
        assert_eq!(p.test.globs, vec!["tests/*.dg"]);
        assert!(p.extra.contains_key("creator"));
    }

    #[test]
    fn rejects_typos_and_secrets() {
        let e = Project::parse(Path::new("dlg.toml"), "[run]\ntimezon = \"UTC\"\n").unwrap_err();
        assert_eq!(e.code, Code::ProjectInvalid);
        assert!(e.message.contains("timezon"), "{}", e.message);
        let e = Project::parse(
            Path::new("dlg.toml"),
            "[run]\nlogin_user = \"a\"\n[connections.crm]\nclient_secret = \"abc123\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("must not hold secrets"), "{}", e.message);
        assert!(!e.render().contains("abc123"));
    }

    #[test]
    fn template_parses() {
        Project::parse(Path::new("dlg.toml"), TEMPLATE).unwrap();
    }
}
