//! The refresh-token store: where `dlg auth NAME` keeps the refresh token of
//! a connection, so it never lands in a file the user may commit.
//!
//! One JSON file per connection, `<store dir>/<name>.json`, mode 0600 in a
//! 0700 directory, written atomically (temp file + rename, which replaces a
//! symbolic link instead of following it) and read without following links.
//! The store dir is `DLG_STORE_DIR`, else `$XDG_DATA_HOME/dlg/store`, else
//! `~/.local/share/dlg/store` (data, not cache: deleting `~/.cache` must not
//! log the user out).
//!
//! `connections.toml` refers to an entry by the connection's name: a Zoho or
//! OAuth 2.0 connection without `refresh_token` in the file (or whose
//! `${VAR}` reference is unset) uses the stored one.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One stored refresh token (or the record that it was revoked).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredToken {
    pub connection: String,
    /// `zoho:<dc>` or `oauth2:<token_url>`: who issued it.
    pub issuer: String,
    pub client_id: String,
    /// `None` once revoked with `dlg auth revoke` (the token is forgotten,
    /// the fact is kept so later runs can say why they fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("connection", &self.connection)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// `DLG_STORE_DIR`, else `$XDG_DATA_HOME/dlg/store`, else
/// `~/.local/share/dlg/store`.
pub fn default_store_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("DLG_STORE_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".local").join("share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("dlg")
        .join("store")
}

/// The store directory.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: PathBuf) -> Self {
        Store { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// File of a connection: `<name>.json`, or `<safe>-<hash>.json` when the
    /// name has characters unsafe in a file name.
    pub fn file_for(&self, name: &str) -> PathBuf {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let stem = if safe == name && !safe.is_empty() {
            safe
        } else {
            let h = hex::encode(Sha256::digest(name.as_bytes()));
            format!("{safe}-{}", &h[..12])
        };
        self.dir.join(format!("{stem}.json"))
    }

    /// The entry of a connection; `Ok(None)` when there is none.
    pub fn load(&self, name: &str) -> std::io::Result<Option<StoredToken>> {
        let file = self.file_for(name);
        let text = match read_no_follow(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let t: StoredToken = serde_json::from_str(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a dlg token store file: {e}", file.display()),
            )
        })?;
        Ok((t.connection == name).then_some(t))
    }

    /// Write an entry (atomic, 0600).
    pub fn save(&self, t: &StoredToken) -> std::io::Result<PathBuf> {
        let file = self.file_for(&t.connection);
        write_private(&file, serde_json::to_string_pretty(t)?.as_bytes())?;
        Ok(file)
    }

    /// Delete an entry; `true` when there was one.
    pub fn remove(&self, name: &str) -> std::io::Result<bool> {
        match std::fs::remove_file(self.file_for(name)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Create `dir` (and parents) with mode 0700; refuse a symbolic link.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if let Ok(m) = std::fs::symlink_metadata(dir) {
        if m.file_type().is_symlink() {
            return Err(std::io::Error::other(format!(
                "{} is a symbolic link; dlg keeps tokens only in a real directory",
                dir.display()
            )));
        }
        if m.is_dir() {
            return Ok(());
        }
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Atomic private write: temp file (0600) in the same directory, fsync,
/// rename over `file` (a link at `file` is replaced, never followed).
pub fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_private_as(file, bytes, ".store")
}

/// [`write_private`] with the temp file's name prefix (the token cache's
/// `.tok` temp files are recognised and cleaned up by that prefix).
pub(crate) fn write_private_as(file: &Path, bytes: &[u8], prefix: &str) -> std::io::Result<()> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// Read a file, refusing to follow a symbolic link at its path.
pub fn read_no_follow(file: &Path) -> std::io::Result<String> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(file)?.file_type().is_symlink() {
        return Err(std::io::Error::other("refusing to follow a symbolic link"));
    }
    let mut f = o.open(file).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::other(format!(
                "{} is a symbolic link; dlg does not follow links in its token store",
                file.display()
            ));
        }
        e
    })?;
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> StoredToken {
        StoredToken {
            connection: name.into(),
            issuer: "zoho:in".into(),
            client_id: "1000.C".into(),
            refresh_token: Some("1000.r.secret".into()),
            created_at: 1,
            revoked_at: None,
            api_domain: None,
            scopes: vec![],
        }
    }

    #[test]
    fn round_trip_private_and_no_links() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::new(d.path().join("store"));
        assert!(s.load("books").unwrap().is_none());
        let f = s.save(&entry("books")).unwrap();
        assert_eq!(s.load("books").unwrap(), Some(entry("books")));
        assert!(!format!("{:?}", entry("books")).contains("secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let mode = std::fs::metadata(s.dir()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
            // A link planted at the entry's path is not followed on read,
            // and replaced (not written through) on save.
            let target = d.path().join("elsewhere.json");
            std::fs::write(&target, "{}").unwrap();
            let link = s.file_for("linked");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert!(s.load("linked").is_err());
            s.save(&entry("linked")).unwrap();
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}");
            assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
            // A store dir that is a link is refused.
            let real = d.path().join("real");
            std::fs::create_dir(&real).unwrap();
            std::os::unix::fs::symlink(&real, d.path().join("ln")).unwrap();
            assert!(Store::new(d.path().join("ln")).save(&entry("x")).is_err());
        }
        assert!(s.remove("books").unwrap());
        assert!(!s.remove("books").unwrap());
    }

    #[test]
    fn unsafe_names_get_distinct_files() {
        let s = Store::new(PathBuf::from("/x"));
        assert_eq!(s.file_for("books"), PathBuf::from("/x/books.json"));
        assert_ne!(s.file_for("a/b"), s.file_for("a_b"));
        assert_ne!(s.file_for("a.b"), s.file_for("a:b"));
        assert!(!s.file_for("../etc").to_string_lossy().contains(".."));
    }
}
