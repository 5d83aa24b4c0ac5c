//! Files a fixture names (`body_file`, `json_file`, `returns_file`, the
//! fixture file of a test's `run(…)`) stay inside the project: a fixture
//! comes with the code under review (a pull request from a fork), so it
//! must not hand the test `/proc/self/environ` or `~/.ssh/…` to print.
//!
//! A path is relative (no root, no drive), joined to the folder of the file
//! that names it, resolved with symlinks, and must then lie under the
//! project root: the nearest folder above the naming file holding a
//! `dlg.toml` or a `.git`, else the naming file's own folder. Only regular
//! files are read (a FIFO would block the run).

use std::path::{Component, Path, PathBuf};

/// Markers of a project root, nearest first.
const ROOT_MARKERS: &[&str] = &["dlg.toml", ".git"];

/// The folder fixture paths named in files of `dir` must stay inside.
pub fn project_root(dir: &Path) -> PathBuf {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut at = Some(dir.as_path());
    while let Some(d) = at {
        // `/` is never a project: a stray `/.git` must not open the disk.
        if d.parent().is_some() && ROOT_MARKERS.iter().any(|m| d.join(m).exists()) {
            return d.to_path_buf();
        }
        at = d.parent();
    }
    dir
}

/// Resolve `name`, written in a file of folder `dir`, to a regular file
/// inside the project holding `dir`. The error says why not, in a sentence
/// that fits after "`body_file = \"…\"`: ".
pub fn confined(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = Path::new(name);
    if name.is_empty() {
        return Err("the path is empty".into());
    }
    if path.is_absolute()
        || path
            .components()
            .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Err("absolute paths are not allowed; name a file inside the project, relative to this file's folder".into());
    }
    let root = project_root(dir);
    let joined = dir.join(path);
    let resolved = joined
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", joined.display()))?;
    if !resolved.starts_with(&root) {
        return Err(format!(
            "{} is outside the project {} (fixtures may only read files of the project; `..` and symlinks are followed before this check)",
            resolved.display(),
            root.display()
        ));
    }
    let meta = std::fs::metadata(&resolved)
        .map_err(|e| format!("cannot read {}: {e}", resolved.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", resolved.display()));
    }
    Ok(resolved)
}

/// [`confined`], then the file's text.
pub fn read_confined(dir: &Path, name: &str) -> Result<String, String> {
    let path = confined(dir, name)?;
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_project() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        std::fs::create_dir_all(root.join("tests/fx")).unwrap();
        std::fs::write(root.join("dlg.toml"), "").unwrap();
        std::fs::write(root.join("data.json"), "{}").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "s3cret").unwrap();
        let dir = root.join("tests/fx");
        // Inside, even through `..`.
        assert_eq!(read_confined(&dir, "../../data.json").unwrap(), "{}");
        // Absolute, escaping, special and missing files are refused.
        let abs = confined(&dir, "/proc/self/environ").unwrap_err();
        assert!(abs.contains("absolute paths are not allowed"), "{abs}");
        let up = confined(&dir, "../../../secret.txt").unwrap_err();
        assert!(up.contains("outside the project"), "{up}");
        assert!(
            confined(&dir, "..")
                .unwrap_err()
                .contains("not a regular file")
        );
        assert!(
            confined(&dir, "nope.json")
                .unwrap_err()
                .contains("cannot read")
        );
        assert!(confined(&dir, "").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_project_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("dlg.toml"), "").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "s3cret").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("link.json")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("host.txt")).unwrap();
        for name in ["link.json", "host.txt"] {
            let e = confined(&root, name).unwrap_err();
            assert!(
                e.contains("outside the project") || e.contains("cannot read"),
                "{name}: {e}"
            );
        }
    }

    #[test]
    fn without_markers_the_root_is_the_files_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(tmp.path().join("a/x.json"), "1").unwrap();
        // tempdir may sit inside a git work tree on some machines; only
        // check when it does not.
        if project_root(&dir) == dir.canonicalize().unwrap() {
            assert!(confined(&dir, "../x.json").is_err());
        }
    }
}
