//! Where REPL history lives and which entries are kept out of it.

use std::path::{Path, PathBuf};

/// History is trimmed to this many entries.
pub const MAX_ENTRIES: usize = 1000;

/// `$DLG_HISTORY` if set (empty disables history), else
/// `$XDG_STATE_HOME/dlg/history`, else `~/.local/state/dlg/history`
/// (the platform's local data directory outside Unix).
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DLG_HISTORY") {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    if let Some(state) = std::env::var_os("XDG_STATE_HOME") {
        let state = PathBuf::from(state);
        if state.is_absolute() {
            return Some(state.join("dlg").join("history"));
        }
    }
    if cfg!(unix) {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        return Some(PathBuf::from(home).join(".local/state/dlg/history"));
    }
    directories::BaseDirs::new().map(|d| d.data_local_dir().join("dlg").join("history"))
}

/// Markers of credentials: entries containing one are never written.
const SECRET_MARKERS: &[&str] = &[
    "client_secret",
    "refresh_token",
    "access_token",
    "zoho-oauthtoken",
    "bearer ",
    "authorization",
    "password",
    "api_key",
    "apikey",
];

/// True when an entry may go to the history file: not blank, not starting
/// with a space (a deliberate "don't record this"), and not carrying a secret.
pub fn should_save(entry: &str) -> bool {
    if entry.trim().is_empty() || entry.starts_with(' ') {
        return false;
    }
    !looks_secret(entry)
}

pub fn looks_secret(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|m| lower.contains(m)) || has_zoho_token(entry)
}

/// A bare Zoho access or refresh token: `1000.` then two dot-separated runs
/// of hex (client ids, `1000.XXXX`, have only one part and are not secret).
fn has_zoho_token(entry: &str) -> bool {
    static TOKEN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b1000\.[0-9A-Za-z]{16,}\.[0-9A-Za-z]{16,}").expect("valid regex")
    });
    TOKEN.is_match(entry)
}

/// Append the editor's new entries to the file, creating its directory
/// (0700 on Unix: history may hold customer data).
pub fn append<H: rustyline::Helper>(
    editor: &mut rustyline::Editor<H, rustyline::history::FileHistory>,
    path: &Path,
) -> rustyline::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.exists()
    {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    editor.append_history(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_saved() {
        assert!(should_save("x = 1;"));
        assert!(!should_save(" x = 1;"));
        assert!(!should_save(
            "h = {\"Authorization\": \"Zoho-oauthtoken 1000.abc\"};"
        ));
        assert!(!should_save("m.put(\"refresh_token\", t);"));
        assert!(!should_save("hdr = \"Bearer abc\";"));
        assert!(!should_save("p = {\"client_secret\": s};"));
        // A bare token, with no keyword near it.
        assert!(!should_save(
            "t = \"1000.8f2a9c1e0b3d4f5a6b7c8d9e0f1a2b3c.0a1b2c3d4e5f60718293a4b5c6d7e8f9\";"
        ));
        // A client id is not a secret.
        assert!(should_save("id = \"1000.ABCDEF1234567890XYZ\";"));
    }
}
