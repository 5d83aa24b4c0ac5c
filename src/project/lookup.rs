//! Helper lookup: where `standalone.fn(…)`, `thisapp.fn(…)`,
//! `automation.fn(…)` and bare `fn(…)` calls find functions that are not
//! defined in the running file.
//!
//! Places are searched in order, each one only when the previous ones did
//! not define the name: every `--lib` path and the script's folder (in the
//! order given), then the project root. Nothing is read until a call
//! misses locally; then the files are listed once, and only files whose text
//! mentions the name are parsed (each at most once). Two files of the same
//! place defining the name is an error naming both.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::files::{Selection, walk};
use crate::diag::SourceFile;
use crate::syntax::ast::Function;

/// Files larger than this are not read (helpers are small).
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// A bound on the files listed per place, so a run started in `$HOME`
/// stays quick.
const MAX_FILES: usize = 20_000;

/// One place to search.
#[derive(Clone, Debug)]
pub struct Place {
    /// How diagnostics name it ("the script's folder", "project root …").
    pub label: String,
    /// A file or a directory.
    pub path: PathBuf,
    /// Globs relative to `base`; empty = default extensions.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// What globs are relative to (the project root); default `path`.
    pub base: Option<PathBuf>,
}

impl Place {
    pub fn new(label: impl Into<String>, path: impl Into<PathBuf>) -> Place {
        Place {
            label: label.into(),
            path: path.into(),
            include: Vec::new(),
            exclude: Vec::new(),
            base: None,
        }
    }
}

struct ParsedFile {
    functions: Vec<Rc<Function>>,
    source: SourceFile,
}

/// Why a file that looks like a helper does not define it.
enum FileState {
    Unread,
    Skipped,
    Text(String),
}

struct PlaceFiles {
    place: Place,
    files: Option<Vec<PathBuf>>,
}

/// Result of a lookup.
pub enum Found {
    Function(Rc<Function>, SourceFile),
    /// Defined in several files of the same place.
    Ambiguous(Vec<String>),
    NotFound,
}

pub struct Library {
    places: Vec<PlaceFiles>,
    /// Lower-cased text of files read so far.
    texts: FxHashMap<PathBuf, FileState>,
    parsed: FxHashMap<PathBuf, Option<Rc<ParsedFile>>>,
}

fn list_files(place: &Place) -> Vec<PathBuf> {
    if place.path.is_file() {
        return vec![place.path.clone()];
    }
    let sel = Selection {
        include: place.include.clone(),
        exclude: place.exclude.clone(),
        base: place.base.clone(),
        max_files: Some(MAX_FILES),
        ..Selection::default()
    };
    // A bad glob in dlg.toml leaves the place empty; `dlg check` reports it.
    walk(&place.path, &sel).unwrap_or_default()
}

/// Does the lower-cased text mention `name` as a word?
pub fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.match_indices(name).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + name.len()).copied();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

impl Library {
    pub fn new(places: Vec<Place>) -> Library {
        Library {
            places: places
                .into_iter()
                .map(|place| PlaceFiles { place, files: None })
                .collect(),
            texts: FxHashMap::default(),
            parsed: FxHashMap::default(),
        }
    }

    pub fn places(&self) -> impl Iterator<Item = &Place> {
        self.places.iter().map(|p| &p.place)
    }

    fn files_of(&mut self, i: usize) -> Vec<PathBuf> {
        let pf = &mut self.places[i];
        pf.files
            .get_or_insert_with(|| list_files(&pf.place))
            .clone()
    }

    fn text_of(&mut self, path: &Path) -> Option<&str> {
        let state = self
            .texts
            .entry(path.to_path_buf())
            .or_insert(FileState::Unread);
        if matches!(state, FileState::Unread) {
            let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_FILE_BYTES);
            *state = match small.then(|| std::fs::read(path).ok()).flatten() {
                // Function files are text; a NUL byte means binary.
                Some(bytes) if !bytes.contains(&0) => {
                    FileState::Text(String::from_utf8_lossy(&bytes).to_ascii_lowercase())
                }
                _ => FileState::Skipped,
            };
        }
        match state {
            FileState::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }

    fn parsed(&mut self, path: &Path) -> Option<Rc<ParsedFile>> {
        if let Some(p) = self.parsed.get(path) {
            return p.clone();
        }
        let result = std::fs::read(path).ok().and_then(|bytes| {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let program = crate::syntax::parse_program(&text).ok()?;
            if program.is_script {
                return None;
            }
            Some(Rc::new(ParsedFile {
                functions: program.functions.clone(),
                source: SourceFile::new(path.display().to_string(), text),
            }))
        });
        self.parsed.insert(path.to_path_buf(), result.clone());
        result
    }

    /// Find `lpath` (lower-case, e.g. `standalone.helper` or `helper`),
    /// whose last segment is `fname`.
    pub fn find(&mut self, lpath: &str, fname: &str) -> Found {
        for i in 0..self.places.len() {
            let mut exact = Vec::new();
            let mut loose = Vec::new();
            for path in self.files_of(i) {
                if !self.text_of(&path).is_some_and(|t| mentions(t, fname)) {
                    continue;
                }
                let Some(file) = self.parsed(&path) else {
                    continue;
                };
                for f in &file.functions {
                    if f.qualified_name.eq_ignore_ascii_case(lpath) {
                        exact.push((f.clone(), file.source.clone()));
                    } else if f.name.eq_ignore_ascii_case(fname) {
                        loose.push((f.clone(), file.source.clone()));
                    }
                }
            }
            let mut hits = if exact.is_empty() { loose } else { exact };
            if hits.is_empty() {
                continue;
            }
            let mut files: Vec<String> = hits.iter().map(|(_, s)| s.name.to_string()).collect();
            files.dedup();
            if files.len() > 1 {
                return Found::Ambiguous(files);
            }
            let (f, s) = hits.swap_remove(0);
            return Found::Function(f, s);
        }
        Found::NotFound
    }

    /// Every file the places hold (each listed once), for editors that
    /// index a whole project.
    pub fn files(&mut self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for i in 0..self.places.len() {
            out.extend(self.files_of(i));
        }
        out.sort();
        out.dedup();
        out
    }

    /// Every function name the places define (for did-you-mean; parses
    /// every candidate file, so only called on the error path).
    pub fn all_names(&mut self) -> Vec<String> {
        let mut names = Vec::new();
        for i in 0..self.places.len() {
            for path in self.files_of(i) {
                // Only files that look like function files are parsed.
                if !self
                    .text_of(&path)
                    .is_some_and(|t| t.contains('(') && t.contains('{'))
                {
                    continue;
                }
                if let Some(file) = self.parsed(&path) {
                    for f in &file.functions {
                        names.push(f.qualified_name.clone());
                        names.push(f.name.clone());
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Files named after `fname` (`standalone.fname.ts`, `fname.dg`) that do
    /// not define it, with the reason — the usual cause of a miss in real
    /// repositories (a bare body whose parameters live in Zoho's UI).
    pub fn near_misses(&mut self, fname: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for i in 0..self.places.len() {
            for path in self.files_of(i) {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let last = stem.rsplit('.').next().unwrap_or("");
                if last != fname {
                    continue;
                }
                let why = match std::fs::read(&path) {
                    Err(e) => format!("cannot be read: {e}"),
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes);
                        match crate::syntax::parse_program(&text) {
                            Err(e) => format!(
                                "has a syntax error (run `dlg check {}`): {}",
                                path.display(),
                                e.message
                            ),
                            Ok(p) if p.is_script => "is a bare script body, not a function definition: add a header such as `string standalone.NAME(int id) { … }` naming its parameters".to_string(),
                            Ok(_) => "defines other functions only".to_string(),
                        }
                    }
                };
                out.push((path.display().to_string(), why));
            }
        }
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::project::files::write_for_test as write;

    #[test]
    fn finds_in_sibling_folders_and_reports_ambiguity() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "b/standalone.helper.ts",
            "int standalone.helper(int n) { return n + 1; }",
        );
        write(root, "c/other.txt", "void other() { info 1; }");
        write(root, "c/dup1.dg", "void standalone.dup() { info 1; }");
        write(root, "d/dup2.deluge", "void automation.dup() { info 2; }");
        write(root, "target/x.dg", "void hidden() { }");
        write(root, ".git/y.dg", "void hidden() { }");
        write(
            root,
            "e/not_deluge.ts",
            "export function helper(): number { return 1 }",
        );
        let mut lib = Library::new(vec![Place::new("project", root)]);
        match lib.find("standalone.helper", "helper") {
            Found::Function(f, s) => {
                assert_eq!(f.qualified_name, "standalone.helper");
                assert!(s.name.ends_with("standalone.helper.ts"));
            }
            _ => panic!("helper not found"),
        }
        assert!(matches!(lib.find("helper", "helper"), Found::Function(..)));
        match lib.find("dup", "dup") {
            Found::Ambiguous(files) => assert_eq!(files.len(), 2),
            _ => panic!("expected ambiguity"),
        }
        // The qualified spelling picks the one file that uses it.
        assert!(matches!(
            lib.find("automation.dup", "dup"),
            Found::Function(..)
        ));
        assert!(matches!(lib.find("hidden", "hidden"), Found::NotFound));
        assert!(lib.all_names().contains(&"other".to_string()));
    }

    #[test]
    fn earlier_places_win_and_globs_filter() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "near/h.dg", "int h() { return 1; }");
        write(root, "far/h.dg", "int h() { return 2; }");
        write(root, "far/g.txt", "int g() { return 2; }");
        let mut lib = Library::new(vec![
            Place::new("near", root.join("near")),
            Place::new("root", root),
        ]);
        assert!(matches!(lib.find("h", "h"), Found::Function(_, s) if s.name.contains("near")));
        let mut place = Place::new("root", root);
        place.include = vec!["far/*.dg".into()];
        let mut lib = Library::new(vec![place]);
        assert!(matches!(lib.find("g", "g"), Found::NotFound));
        assert!(matches!(lib.find("h", "h"), Found::Function(..)));
    }

    #[test]
    fn explains_bare_bodies_named_like_the_helper() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "fns/standalone.setUp.ts", "x = 1;\ninfo x;");
        let mut lib = Library::new(vec![Place::new("root", tmp.path())]);
        assert!(matches!(
            lib.find("standalone.setup", "setup"),
            Found::NotFound
        ));
        let misses = lib.near_misses("setup");
        assert_eq!(misses.len(), 1);
        assert!(misses[0].1.contains("bare script"), "{:?}", misses);
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("x = standalone.helper(1);", "helper"));
        assert!(!mentions("x = helpers(1);", "helper"));
    }
}
