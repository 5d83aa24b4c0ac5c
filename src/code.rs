//! The one catalogue of diagnostic codes: every user-facing error and
//! warning carries one [`Code`]. Each code has its string form (what users
//! see and `--format json` prints), an optional default help line, and
//! whether a script's `try { … } catch` can handle it.
//!
//! A leaf module: no dependency on the rest of the crate. The table in
//! docs/diagnostics.md lists exactly these codes (a test checks it).

use std::fmt;

macro_rules! codes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $text:literal, catchable: $catchable:literal, help: $help:expr;
    )*) => {
        /// A diagnostic code such as `deluge::runtime`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The string form, e.g. `deluge::runtime`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $text, )*
                }
            }

            /// Whether `try { … } catch` in a script can handle the error.
            pub const fn catchable(self) -> bool {
                match self {
                    $( Code::$variant => $catchable, )*
                }
            }

            /// The help line shown when the error carries none of its own.
            pub const fn default_help(self) -> Option<&'static str> {
                match self {
                    $( Code::$variant => $help, )*
                }
            }
        }
    };
}

codes! {
    // Deluge scripts.
    /// The script does not parse.
    DelugeSyntax = "deluge::syntax", catchable: true, help: None;
    /// A runtime error Zoho would raise too.
    DelugeRuntime = "deluge::runtime", catchable: true,
        help: Some("wrap the statement in try { … } catch (e) { … } to handle the error");
    /// No built-in, task or function of that name.
    DelugeUnknownFunction = "deluge::unknown_function", catchable: true,
        help: Some("check the spelling; `dlg builtins` lists every supported function");
    /// A function name defined in more than one file of the project.
    DelugeAmbiguousFunction = "deluge::ambiguous_function", catchable: true, help: None;
    /// Works only inside Zoho.
    DelugeUnsupported = "deluge::unsupported", catchable: true,
        help: Some("this works only inside Zoho; run that part on the platform or mock it");
    /// A runaway-script limit (statements, depth, memory, time): the run stops.
    DelugeLimit = "deluge::limit", catchable: false,
        help: Some("raise the limit with --max-statements / --max-depth if the script is meant to run this long");
    /// A script file that cannot be read.
    DelugeIo = "deluge::io", catchable: true, help: None;
    /// A script file that is not UTF-8.
    DelugeEncoding = "deluge::encoding", catchable: true, help: None;

    // The dlg tool itself.
    /// Bad command-line usage (exit 2).
    DlgUsage = "dlg::usage", catchable: true, help: None;
    /// A failed `assert…` in a test: fails the test even inside try/catch.
    DlgAssert = "dlg::assert", catchable: false, help: None;
    /// The reader of stdout went away: the run stops quietly.
    DlgOutputClosed = "dlg::output_closed", catchable: false, help: None;
    /// The Creator database cannot be opened or written.
    DlgCreator = "dlg::creator", catchable: true, help: None;
    /// Invalid Creator form declarations.
    DlgConfig = "dlg::config", catchable: true, help: None;
    /// `dlg fmt` left a file as written.
    DlgFmt = "dlg::fmt", catchable: true, help: None;
    /// Warning: an `--arg` the script never reads.
    DlgUnusedArg = "dlg::unused_arg", catchable: true, help: None;
    /// `dlg test` found nothing to run.
    DlgNoTests = "dlg::no_tests", catchable: true, help: None;

    // Projects.
    /// An invalid `dlg.toml`.
    ProjectInvalid = "project::invalid", catchable: true, help: None;

    // HTTP.
    /// Connection failed, invalid URL or method, too many redirects.
    HttpRequest = "http::request", catchable: true, help: None;
    /// No response in time.
    HttpTimeout = "http::timeout", catchable: true, help: None;
    /// A connection check answered an HTTP error status.
    HttpStatus = "http::status", catchable: true, help: None;
    /// A response body over the cap.
    HttpResponseTooLarge = "http::response_too_large", catchable: true, help: None;
    /// `--mock`: no entry matches the request.
    HttpUnmocked = "http::unmocked", catchable: true, help: None;
    /// An invalid mock file.
    HttpMockFile = "http::mock_file", catchable: true, help: None;

    // Connections.
    /// Bad connections file or entry.
    ConnectionInvalid = "connection::invalid", catchable: true, help: None;
    /// No such connection.
    ConnectionUnknown = "connection::unknown", catchable: true, help: None;
    /// Warning: the token cache is unsafe or unwritable.
    ConnectionCache = "connection::cache", catchable: true, help: None;
    /// The token store cannot be written.
    ConnectionStore = "connection::store", catchable: true, help: None;
    /// A revoked refresh token is still configured.
    ConnectionRevoked = "connection::revoked", catchable: true, help: None;
    /// Warning: a refresh token in the file takes precedence over the stored one.
    ConnectionShadowed = "connection::shadowed", catchable: true, help: None;
    /// Warning: Zoho reports the account in another data center.
    ConnectionDatacenterMismatch = "connection::datacenter_mismatch", catchable: true, help: None;
    /// Warning: a cached `api_domain` outside the data center is ignored.
    ConnectionUntrustedApiDomain = "connection::untrusted_api_domain", catchable: true, help: None;

    // OAuth.
    /// Other OAuth errors.
    OauthError = "oauth::error", catchable: true, help: None;
    /// Refresh token revoked or expired; grant code used or expired.
    OauthInvalidCode = "oauth::invalid_code", catchable: true, help: None;
    /// Wrong client id or secret.
    OauthInvalidClient = "oauth::invalid_client", catchable: true, help: None;
    /// Bad scope.
    OauthInvalidScope = "oauth::invalid_scope", catchable: true, help: None;
    /// The user rejected consent.
    OauthAccessDenied = "oauth::access_denied", catchable: true, help: None;
    /// Too many token requests.
    OauthRateLimited = "oauth::rate_limited", catchable: true, help: None;
    /// The redirect URI is not the client's.
    OauthInvalidRedirectUri = "oauth::invalid_redirect_uri", catchable: true, help: None;
    /// A client_credentials grant without the org.
    OauthMissingOrgInfo = "oauth::missing_org_info", catchable: true, help: None;
    /// The token endpoint answered a redirect (never followed).
    OauthRedirect = "oauth::redirect", catchable: true, help: None;
    /// The local redirect listener failed.
    OauthListen = "oauth::listen", catchable: true, help: None;
    /// No browser redirect arrived in time.
    OauthTimeout = "oauth::timeout", catchable: true, help: None;
    /// The redirect carried another `state`.
    OauthStateMismatch = "oauth::state_mismatch", catchable: true, help: None;
    /// Revoking a token failed.
    OauthRevoke = "oauth::revoke", catchable: true, help: None;

    // Zoho API answers.
    /// Books `code: 57` after a retry.
    ZohoNotAuthorized = "zoho::not_authorized", catchable: true, help: None;
    /// Warning: the URL's Zoho host belongs to another data center.
    ZohoDatacenterMismatch = "zoho::datacenter_mismatch", catchable: true, help: None;
}

impl Code {
    /// The code with this string form.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// The part before `::` (`deluge`, `oauth`, `connection`, ...).
    pub fn family(self) -> &'static str {
        let s = self.as_str();
        &s[..s.find("::").unwrap_or(s.len())]
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {c}");
            assert_eq!(Code::parse(c.as_str()), Some(c));
            let (family, name) = c.as_str().split_once("::").unwrap();
            assert_eq!(c.family(), family);
            assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(Code::parse("deluge::nope"), None);
    }

    #[test]
    fn only_stopping_errors_are_uncatchable() {
        let stop: Vec<Code> = Code::ALL
            .iter()
            .copied()
            .filter(|c| !c.catchable())
            .collect();
        assert_eq!(
            stop,
            [Code::DelugeLimit, Code::DlgAssert, Code::DlgOutputClosed]
        );
        assert!(Code::DelugeRuntime.default_help().unwrap().contains("try"));
        assert_eq!(Code::HttpRequest.default_help(), None);
    }

    /// The table of docs/diagnostics.md lists exactly the catalogue, and
    /// marks exactly the uncatchable codes "no".
    #[test]
    fn documented_code_table_matches_the_catalogue() {
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md"))
                .unwrap();
        let mut rows = Vec::new();
        for line in page.lines() {
            let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
            if let Some(code) = cells[0]
                .strip_prefix("| `")
                .and_then(|c| c.strip_suffix('`'))
            {
                rows.push((code.to_string(), cells.get(1).copied().unwrap_or("")));
            }
        }
        let listed: Vec<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), listed.len(), "a code is listed twice");
        let unknown: Vec<&&str> = listed.iter().filter(|c| Code::parse(c).is_none()).collect();
        assert!(
            unknown.is_empty(),
            "docs/diagnostics.md lists unknown codes: {unknown:?}"
        );
        let missing: Vec<&str> = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !listed.contains(c))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/diagnostics.md misses: {missing:?}"
        );
        for (code, catchable) in &rows {
            let c = Code::parse(code).unwrap();
            assert_eq!(
                *catchable == "no",
                !c.catchable(),
                "{code}: the catchable column says {catchable:?}"
            );
        }
    }
}
