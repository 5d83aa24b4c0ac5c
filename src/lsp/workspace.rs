//! The project around a document: its root (the `dlg.toml` folder, else
//! the git work tree, else the editor's workspace folder, else the file's
//! folder), its function files with their definitions and calls (open
//! documents win over the disk), its connection names and Creator forms.
//! Files are read lazily and again only when their modification time
//! changes; the listing is refreshed when the editor reports a change or
//! after a few seconds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::project::lookup::{Library, Place};
use crate::project::{Project, find_upwards, git_root};

use super::analysis::{Analysis, FunctionSummary};

/// A listing older than this is taken again on the next use.
const LISTING_TTL: Duration = Duration::from_secs(5);
/// Most files indexed per project: a folder such as a home directory
/// opened by mistake must not stall the server.
const MAX_INDEXED_FILES: usize = 5_000;
/// Files larger than this are not indexed.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Extensions that hold nothing but Deluge (others are indexed only when
/// they parse).
const DELUGE_EXTENSIONS: &[&str] = &["dg", "deluge", "ds"];

struct FileEntry {
    modified: Option<SystemTime>,
    analysis: Analysis,
}

/// One project: its settings and indexed files.
pub struct ProjectIndex {
    pub root: PathBuf,
    pub project: Option<Project>,
    listed_at: Option<Instant>,
    files: Vec<PathBuf>,
    entries: HashMap<PathBuf, FileEntry>,
    /// The listing was cut to [`MAX_INDEXED_FILES`] (said once).
    capped: bool,
}

/// A function defined somewhere in the project.
pub struct Definition<'a> {
    pub path: &'a Path,
    pub summary: &'a FunctionSummary,
}

impl ProjectIndex {
    fn new(root: PathBuf) -> ProjectIndex {
        let project = Project::load(&root.join(crate::project::FILE_NAME)).ok();
        ProjectIndex {
            root,
            project,
            listed_at: None,
            files: Vec::new(),
            entries: HashMap::new(),
            capped: false,
        }
    }

    /// Forget the listing (a file was created, deleted or saved).
    pub fn invalidate(&mut self) {
        self.listed_at = None;
    }

    /// List the files again when the listing is old, and read the ones
    /// that changed.
    pub fn refresh(&mut self) {
        if self.listed_at.is_some_and(|t| t.elapsed() < LISTING_TTL) {
            return;
        }
        let mut place = Place::new("project", self.root.clone());
        if let Some(p) = &self.project {
            place.include = p.functions.clone();
            place.exclude = p.exclude.clone();
        }
        self.files = Library::new(vec![place]).files();
        if self.files.len() > MAX_INDEXED_FILES {
            if !self.capped {
                self.capped = true;
                eprintln!(
                    "dlg lsp: {} has {} candidate files; indexing the first {MAX_INDEXED_FILES} (add a dlg.toml with `functions` globs to narrow it)",
                    self.root.display(),
                    self.files.len()
                );
            }
            self.files.truncate(MAX_INDEXED_FILES);
        }
        self.listed_at = Some(Instant::now());
        let files = &self.files;
        self.entries.retain(|p, _| files.contains(p));
        for path in self.files.clone() {
            let modified = std::fs::metadata(&path)
                .ok()
                .and_then(|m| m.modified().ok());
            let fresh = self
                .entries
                .get(&path)
                .is_some_and(|e| e.modified == modified && modified.is_some());
            if fresh {
                continue;
            }
            match read_deluge(&path) {
                Some(analysis) => {
                    self.entries.insert(path, FileEntry { modified, analysis });
                }
                None => {
                    self.entries.remove(&path);
                }
            }
        }
    }

    /// Every indexed file with its analysis; `open` (path → analysis of
    /// the editor's text) replaces the disk's version.
    pub fn files<'a>(
        &'a self,
        open: &'a HashMap<PathBuf, &'a Analysis>,
    ) -> Vec<(&'a Path, &'a Analysis)> {
        let mut out: Vec<(&Path, &Analysis)> = Vec::new();
        for (path, entry) in &self.entries {
            match open.get(path) {
                Some(a) => out.push((path.as_path(), *a)),
                None => out.push((path.as_path(), &entry.analysis)),
            }
        }
        for (path, a) in open {
            if path.starts_with(&self.root) && !self.entries.contains_key(path) {
                out.push((path.as_path(), *a));
            }
        }
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// The project's connection names (connections file nearest the root,
    /// else the usual places) and its default connections.
    pub fn connection_names(&self) -> Vec<String> {
        let explicit = find_upwards(&self.root, "connections.toml");
        let mut names = crate::connections::Connections::discover(explicit.as_deref())
            .map(|c| c.names())
            .unwrap_or_default();
        if let Some(p) = &self.project {
            names.extend(p.default_connections.values().cloned());
        }
        names.sort();
        names.dedup();
        names
    }

    /// Creator forms declared for the project (`[creator.forms.*]`).
    pub fn forms(&self) -> Vec<crate::creator::FormDef> {
        crate::creator::schema::find_project(&self.root)
            .and_then(|(_, file)| crate::creator::schema::load_config(&file).ok())
            .map(|c| c.forms)
            .unwrap_or_default()
    }
}

/// A file's analysis when it holds Deluge (`.dg`, `.deluge`, `.ds`; other
/// names as the shared classifier decides from the content, the way
/// `dlg check` and the helper lookup do).
fn read_deluge(path: &Path) -> Option<Analysis> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let deluge_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DELUGE_EXTENSIONS.iter().any(|d| d.eq_ignore_ascii_case(e)));
    if !deluge_ext
        && !matches!(
            crate::project::files::classify_text(&text),
            crate::project::files::Shape::Deluge
        )
    {
        return None;
    }
    Some(Analysis::new(text))
}

/// Every project the editor has touched, by root.
#[derive(Default)]
pub struct Workspace {
    /// The editor's workspace folders.
    pub folders: Vec<PathBuf>,
    projects: HashMap<PathBuf, ProjectIndex>,
}

impl Workspace {
    /// The root of the project holding `file`.
    pub fn root_of(&self, file: &Path) -> PathBuf {
        let dir = file.parent().unwrap_or(Path::new("/"));
        if let Some(toml) = find_upwards(dir, crate::project::FILE_NAME)
            && let Some(root) = toml.parent()
        {
            return root.to_path_buf();
        }
        if let Some(root) = git_root(dir) {
            return root;
        }
        self.folders
            .iter()
            .filter(|f| file.starts_with(f))
            .max_by_key(|f| f.as_os_str().len())
            .cloned()
            .unwrap_or_else(|| dir.to_path_buf())
    }

    pub fn project_for(&mut self, file: &Path) -> &mut ProjectIndex {
        let root = self.root_of(file);
        self.projects
            .entry(root.clone())
            .or_insert_with(|| ProjectIndex::new(root))
    }

    /// A file changed on disk (or was saved): its project lists again.
    pub fn file_changed(&mut self, file: &Path) {
        for p in self.projects.values_mut() {
            if file.starts_with(&p.root) {
                p.invalidate();
                if file
                    .file_name()
                    .is_some_and(|n| n == crate::project::FILE_NAME)
                {
                    p.project = Project::load(file).ok();
                }
            }
        }
    }
}

/// The definitions of helper `lname` (lower-case last segment) across
/// `files`, those in `near` (the caller's folder) first, as the run's
/// lookup orders them.
pub fn definitions<'a>(
    files: &[(&'a Path, &'a Analysis)],
    lpath: &str,
    fname: &str,
    near: Option<&Path>,
) -> Vec<Definition<'a>> {
    let mut exact = Vec::new();
    let mut loose = Vec::new();
    for (path, analysis) in files {
        for summary in &analysis.functions {
            if summary.is_script {
                continue;
            }
            let def = Definition { path, summary };
            if summary.qualified_name.eq_ignore_ascii_case(lpath) {
                exact.push(def);
            } else if summary.name.eq_ignore_ascii_case(fname) {
                loose.push(def);
            }
        }
    }
    let mut hits = if exact.is_empty() { loose } else { exact };
    hits.sort_by_key(|d| near.is_none_or(|n| d.path.parent() != Some(n)));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_function_files_and_skips_real_typescript() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("dlg.toml"), "[project]\nname = \"t\"\n").unwrap();
        std::fs::create_dir_all(root.join("Helper Functions")).unwrap();
        std::fs::write(
            root.join("Helper Functions/standalone.helper.ts"),
            "int standalone.helper(int n)\n{\n\treturn n + 1;\n}\n",
        )
        .unwrap();
        std::fs::write(root.join("app.ts"), "export const x: number = 1;\n").unwrap();
        std::fs::write(root.join("main.dg"), "info standalone.helper(1);\n").unwrap();
        let mut ws = Workspace::default();
        let main = root.join("main.dg");
        assert_eq!(ws.root_of(&main), root);
        let project = ws.project_for(&main);
        project.refresh();
        let open = HashMap::new();
        let files = project.files(&open);
        let names: Vec<String> = files
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["standalone.helper.ts", "main.dg"]);
        let defs = definitions(&files, "standalone.helper", "helper", None);
        assert_eq!(defs.len(), 1);
        assert!(
            defs[0]
                .path
                .ends_with("Helper Functions/standalone.helper.ts")
        );
        assert!(definitions(&files, "nope", "nope", None).is_empty());
    }
}
