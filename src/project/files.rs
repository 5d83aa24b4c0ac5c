//! Which files hold Deluge, for every command that walks folders (`check`,
//! `fmt`, `test`, helper lookup): the one file classifier and the one walk.
//!
//! Real repositories keep Deluge in `.ts`, `.js` and `.txt` files (for
//! GitHub's highlighting) and in files without an extension, often with
//! spaces in their names; `.dg`, `.deluge` and `.ds` are always Deluge. The
//! others are Deluge when their content says so ([`classify`]); real
//! TypeScript, JavaScript or prose is skipped, and the commands count what
//! they skipped. `dlg.toml` globs (`[project] functions`/`exclude`,
//! `[test] globs`) and the `--glob`/`--ext` flags narrow the walk
//! ([`Selection`]).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::bytes::{RegexSet, RegexSetBuilder};

/// Extensions that are always Deluge.
pub const DELUGE_EXTENSIONS: &[&str] = &["dg", "deluge", "ds"];

/// Extensions that hold Deluge when the content says so (files without an
/// extension too).
pub const CONTENT_EXTENSIONS: &[&str] = &["ts", "js", "txt"];

/// Folders never walked (besides hidden ones).
const SKIP_DIRS: &[&str] = &["target", "node_modules", "__pycache__", "venv"];

/// A content-classified file larger than this is not Deluge (minified
/// bundles); real functions are a few kilobytes.
const MAX_CLASSIFIED_BYTES: u64 = 1024 * 1024;

/// A text without Deluge's marks is parsed to decide only up to this size.
const MAX_PARSED_BYTES: usize = 64 * 1024;

/// Deepest folder walked.
const MAX_DEPTH: usize = 32;

/// What a file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Deluge,
    /// Not Deluge; the text says why ("TypeScript or JavaScript", …).
    Other(&'static str),
}

/// The extension of `path` as a file type: `None` for names without one,
/// and for names whose last dot does not start a file type (`Deal v1.2`,
/// `On Submit. Old`): those are extension-less Deluge candidates.
pub fn file_type_ext(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?;
    let plausible = !ext.is_empty()
        && ext.len() <= 10
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && !ext.chars().all(|c| c.is_ascii_digit());
    plausible.then(|| ext.to_ascii_lowercase())
}

fn is_deluge_ext(ext: Option<&str>) -> bool {
    ext.is_some_and(|e| DELUGE_EXTENSIONS.contains(&e))
}

/// Whether a file's name makes it a Deluge candidate by default: a Deluge
/// extension, a content extension, or none.
pub fn is_candidate_name(path: &Path) -> bool {
    match file_type_ext(path) {
        None => true,
        Some(e) => {
            DELUGE_EXTENSIONS.contains(&e.as_str()) || CONTENT_EXTENSIONS.contains(&e.as_str())
        }
    }
}

/// The name of a file without its Deluge-candidate extension:
/// `deal.test.dg` → `deal.test`, `On Submit` → `On Submit`,
/// `notes.md` → `notes.md`.
pub fn deluge_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match file_type_ext(path) {
        Some(e)
            if DELUGE_EXTENSIONS.contains(&e.as_str())
                || CONTENT_EXTENSIONS.contains(&e.as_str()) =>
        {
            name[..name.len() - e.len() - 1].to_string()
        }
        _ => name,
    }
}

/// A file next to `path` named after its [`deluge_stem`]: `sidecar(p,
/// "mock.toml")` is `NAME.mock.toml` for `NAME.ts`, `NAME.dg` or `NAME`.
pub fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    path.with_file_name(format!("{}.{suffix}", deluge_stem(path)))
}

fn deluge_signals() -> &'static RegexSet {
    static SET: OnceLock<RegexSet> = OnceLock::new();
    SET.get_or_init(|| {
        // ASCII classes: Unicode word boundaries would make the search
        // slow on non-ASCII text.
        RegexSetBuilder::new([
            r"(?m)(^|[;{})]\s*)info\s",
            r"(?i)\binvokeurl\b",
            r"(?i)\bsendmail\s*\[",
            r"(?i)\bfor\s+each\s+\w+\s+in\b",
            r"\b(Map|List)\(\)|\bCollection\(",
            r"(?i)\bzoho\.[a-z]+\.[a-z0-9]+\.?\w*\(",
            r"(?i)\bzoho\.(currentdate|currenttime|loginuser|loginuserid|adminuser|adminuserid|appname|appuri|ipaddress)\b",
            r"(?i)\b(standalone|thisapp|automation)\.\w+\s*\(",
            r"\binput\.\w+",
            r"\.(getJSON|toMap|toList|toLong|toDecimal|toText|getPrefix|getSuffix|containKey|containsKey|addDay|addHour|toDate|toDateTime|isNull|executeXPath)\(",
            r"(?i)\bifnull\s*\(",
            r"(?i)\binsert\s+into\s+\w+",
            r"(?mi)^\s*(void|string|int|map|list|bool|boolean|decimal|date|datetime|float|long|number)\s+[\w.]+\s*\([^)]*\)\s*(\{|$)",
        ])
        .unicode(false)
        .build()
        .expect("valid Deluge signals")
    })
}

fn script_signals() -> &'static RegexSet {
    static SET: OnceLock<RegexSet> = OnceLock::new();
    SET.get_or_init(|| {
        RegexSetBuilder::new([
            r"(?m)^\s*(import|export)\s",
            r"\b(const|let|var)\s+[\w${\[]",
            r"=>",
            r"\bfunction\b",
            r"\bconsole\.\w+",
            r"\brequire\s*\(",
            r"===|!==",
            r"(?m)^\s*(export\s+)?(interface|type|class|enum|namespace|declare)\s+\w+",
            r"\b(async|await|undefined|typeof|instanceof)\b",
            r"\bthis\.",
            r"\bnew\s+[A-Z]\w*",
            r"\bmodule\.exports\b",
            r"\b(window|document|exports|Object|JSON|Math|Promise|Array|Symbol|Reflect)\.\w+",
            r#"^\s*['"]use strict['"]"#,
        ])
        .unicode(false)
        .build()
        .expect("valid script signals")
    })
}

/// Whether a text holds Deluge, for files whose name does not say (`.ts`,
/// `.js`, `.txt`, none). A text is Deluge (perhaps with syntax errors to
/// report) when it shows Deluge's marks (`info`, `invokeurl`,
/// `zoho.crm.…(`, `Map()`, a typed function header …) more than a script
/// language's (`const`, `=>`, `import` …); else when it parses as Deluge
/// and shows a Deluge mark and no more script marks than Deluge ones.
pub fn classify_text(text: &str) -> Shape {
    if text.contains('\0') {
        return Shape::Other("binary");
    }
    if text.trim().is_empty() {
        return Shape::Other("empty");
    }
    let deluge = deluge_signals()
        .matches(text.as_bytes())
        .into_iter()
        .count();
    let script = script_signals()
        .matches(text.as_bytes())
        .into_iter()
        .count();
    let statement_lines = text.lines().any(|l| l.trim_end().ends_with(';'));
    let marked =
        (deluge >= 2 && deluge > script) || (deluge >= 1 && script == 0 && statement_lines);
    // Parsing decides the close calls; it is skipped when the marks decide
    // (parsing a large text that fails late is slow). A text without any
    // Deluge mark is not Deluge even when it parses: `window.X = {…};`.
    let is_deluge = marked
        || (script <= deluge
            && deluge > 0
            && text.len() <= MAX_PARSED_BYTES
            && crate::syntax::parse_program(text).is_ok());
    if is_deluge {
        Shape::Deluge
    } else if script > 0 {
        Shape::Other("TypeScript or JavaScript")
    } else {
        Shape::Other("no Deluge found in it")
    }
}

/// Classify a file: Deluge extensions are Deluge whatever they hold;
/// others are read (up to 1 MB) and classified by content.
pub fn classify(path: &Path) -> Shape {
    if is_deluge_ext(file_type_ext(path).as_deref()) {
        return Shape::Deluge;
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Shape::Other("not a regular file"),
        Ok(m) if m.len() > MAX_CLASSIFIED_BYTES => return Shape::Other("larger than 1 MB"),
        Ok(_) => {}
        Err(_) => return Shape::Other("unreadable"),
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => classify_text(&text),
            Err(_) => Shape::Other("not UTF-8 text"),
        },
        Err(_) => Shape::Other("unreadable"),
    }
}

fn globset(globs: &[String]) -> Result<Option<globset::GlobSet>, String> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{g}`: {e}"))?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

/// Which files a walk takes.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Globs relative to `base` (or matching the file name alone when they
    /// have no `/`); empty = every candidate name ([`is_candidate_name`]).
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// What globs are relative to (the project root); default: the folder
    /// walked.
    pub base: Option<PathBuf>,
    /// `--ext`: only these extensions (lower-case, no dot).
    pub extensions: Vec<String>,
    /// Stop after this many files (helper lookup started in a huge folder).
    pub max_files: Option<usize>,
    /// A folder below the walked one with its own dlg.toml follows that
    /// project's globs (as this scope reads them) instead of these.
    pub nested_projects: Option<Scope>,
}

/// Which globs of a dlg.toml a walk follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `[project] functions` and `[test] globs` (check, fmt).
    Sources,
    /// `[test] globs` (test).
    Tests,
}

impl Selection {
    /// The files of a project that hold Deluge, as `dlg check`/`fmt` see
    /// them: `[project] functions` and `[test] globs` (when either is set),
    /// minus `exclude`.
    pub fn project_sources(project: &super::Project) -> Selection {
        let mut include = Vec::new();
        if !project.functions.is_empty() || !project.test.globs.is_empty() {
            include.extend(project.functions.iter().cloned());
            include.extend(project.test.globs.iter().cloned());
        }
        Selection {
            include,
            exclude: project.exclude.clone(),
            base: Some(project.root.clone()),
            nested_projects: Some(Scope::Sources),
            ..Selection::default()
        }
    }

    /// The files `dlg test` looks at in a project: `[test] globs` (when
    /// set), minus `exclude`.
    pub fn project_tests(project: &super::Project) -> Selection {
        Selection {
            include: project.test.globs.clone(),
            exclude: project.exclude.clone(),
            base: Some(project.root.clone()),
            nested_projects: Some(Scope::Tests),
            ..Selection::default()
        }
    }

    /// The selection of a project for `scope`.
    pub fn of_project(project: &super::Project, scope: Scope) -> Selection {
        match scope {
            Scope::Sources => Selection::project_sources(project),
            Scope::Tests => Selection::project_tests(project),
        }
    }
}

/// A compiled [`Selection`] for one walk.
struct Matcher {
    cwd: PathBuf,
    include: Option<globset::GlobSet>,
    /// Include globs without a `/`, matched against the file name.
    include_names: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
    base: PathBuf,
    extensions: Vec<String>,
}

impl Matcher {
    fn new(sel: &Selection, walked: &Path) -> Result<Matcher, String> {
        let (names, paths): (Vec<String>, Vec<String>) =
            sel.include.iter().cloned().partition(|g| !g.contains('/'));
        Ok(Matcher {
            cwd: std::env::current_dir().unwrap_or_default(),
            include: globset(&paths)?,
            include_names: globset(&names)?,
            exclude: globset(&sel.exclude)?,
            base: sel.base.clone().unwrap_or_else(|| walked.to_path_buf()),
            extensions: sel.extensions.clone(),
        })
    }

    /// `p` relative to the glob base (both made absolute first).
    fn rel(&self, p: &Path) -> PathBuf {
        let abs = |q: &Path| {
            if q.is_absolute() {
                normalize(q)
            } else {
                normalize(&self.cwd.join(q))
            }
        };
        let (p, base) = (abs(p), abs(&self.base));
        p.strip_prefix(&base).map(Path::to_path_buf).unwrap_or(p)
    }

    fn excluded(&self, p: &Path) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|x| x.is_match(self.rel(p)))
    }

    fn wanted(&self, p: &Path) -> bool {
        // The name first: `--ext`, else a Deluge-candidate name (globs
        // such as `Workflows/*` never take `NAME.out` or `NAME.args`).
        if self.extensions.is_empty() {
            if !is_candidate_name(p) {
                return false;
            }
        } else {
            let ext = file_type_ext(p).unwrap_or_default();
            if !self.extensions.contains(&ext) {
                return false;
            }
        }
        if self.include.is_none() && self.include_names.is_none() {
            return true;
        }
        let by_path = self
            .include
            .as_ref()
            .is_some_and(|g| g.is_match(self.rel(p)));
        let by_name = self
            .include_names
            .as_ref()
            .is_some_and(|g| p.file_name().is_some_and(|n| g.is_match(Path::new(n))));
        by_path || by_name
    }
}

/// The files under `dir` the selection takes, sorted: hidden entries,
/// `.gitignore`d ones and [`SKIP_DIRS`] are left out, symbolic links
/// followed (loops skipped), and only regular files listed.
pub fn walk(dir: &Path, sel: &Selection) -> Result<Vec<PathBuf>, String> {
    let matcher = Matcher::new(sel, dir)?;
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .follow_links(true)
        .require_git(false)
        .max_depth(Some(MAX_DEPTH))
        .sort_by_file_path(|a, b| a.cmp(b))
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIP_DIRS.contains(&n)))
        })
        .build();
    for entry in walker.flatten() {
        let p = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if matcher.excluded(p) || !matcher.wanted(p) {
            continue;
        }
        out.push(p.to_path_buf());
        if sel.max_files.is_some_and(|m| out.len() >= m) {
            break;
        }
    }
    if let Some(scope) = sel.nested_projects {
        out = follow_nested_projects(out, dir, scope);
    }
    Ok(out)
}

/// Keep each file only if the nearest dlg.toml between it and the walked
/// folder (if any) takes it.
fn follow_nested_projects(files: Vec<PathBuf>, walked: &Path, scope: Scope) -> Vec<PathBuf> {
    let mut matchers: std::collections::HashMap<PathBuf, Option<Matcher>> = Default::default();
    let mut nearest: std::collections::HashMap<PathBuf, Option<PathBuf>> = Default::default();
    files
        .into_iter()
        .filter(|f| {
            let Some(dir) = f.parent() else {
                return true;
            };
            let project_dir = nearest
                .entry(dir.to_path_buf())
                .or_insert_with(|| {
                    let mut d = dir.to_path_buf();
                    while d != walked && d.starts_with(walked) {
                        if d.join(super::FILE_NAME).is_file() {
                            return Some(d);
                        }
                        if !d.pop() {
                            break;
                        }
                    }
                    None
                })
                .clone();
            let Some(project_dir) = project_dir else {
                return true;
            };
            let matcher = matchers.entry(project_dir.clone()).or_insert_with(|| {
                let project = super::Project::load(&project_dir.join(super::FILE_NAME)).ok()?;
                Matcher::new(&Selection::of_project(&project, scope), &project_dir).ok()
            });
            matcher
                .as_ref()
                .is_none_or(|m| !m.excluded(f) && m.wanted(f))
        })
        .collect()
}

/// Deluge files found under some paths, and the candidates skipped.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    /// Candidates that are not Deluge, with the reason.
    pub skipped: Vec<(PathBuf, &'static str)>,
}

impl Found {
    /// `N skipped (not Deluge)`, or nothing.
    pub fn skipped_note(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let n = self.skipped.len();
        Some(format!(
            "{n} {} skipped (not Deluge)",
            if n == 1 { "file" } else { "files" }
        ))
    }
}

/// The Deluge files under `paths`: a file named directly is always taken;
/// folders are walked with `sel` and each candidate classified.
pub fn find_deluge(paths: &[PathBuf], sel: &Selection) -> Result<Found, String> {
    let mut found = Found::default();
    for p in paths {
        if !p.is_dir() {
            found.files.push(p.clone());
            continue;
        }
        for f in walk(p, sel)? {
            match classify(&f) {
                Shape::Deluge => found.files.push(f),
                Shape::Other(why) => found.skipped.push((f, why)),
            }
        }
    }
    Ok(found)
}

/// How a path is shown: relative to the current directory when it lies
/// under it (no `./`), else as given.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            let abs = if path.is_absolute() {
                path.to_path_buf()
            } else {
                cwd.join(path)
            };
            let abs = normalize(&abs);
            abs.strip_prefix(&cwd).ok().map(Path::to_path_buf)
        })
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf());
    let s = shown.display().to_string().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A path as GitHub annotations need it: relative to the root of the git
/// work tree holding it (no `./`), else as [`display_path`] shows it.
pub fn repo_path(path: &Path) -> String {
    let abs = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => normalize(&cwd.join(path)),
        _ => normalize(path),
    };
    abs.parent()
        .and_then(super::git_root)
        .and_then(|root| abs.strip_prefix(root).ok().map(Path::to_path_buf))
        .map(|rel| rel.display().to_string().replace('\\', "/"))
        .unwrap_or_else(|| display_path(path))
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Write `text` to `dir/rel`, creating its folders (unit tests).
#[cfg(test)]
pub(crate) fn write_for_test(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("a file in a folder")).expect("folder created");
    std::fs::write(p, text).expect("file written");
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::write_for_test as write;

    #[test]
    fn deluge_in_any_file_shape_is_recognised() {
        for text in [
            "info \"hi\";",
            "resp = invokeurl\n[\n\turl :\"https://x\"\n\ttype :GET\n];\ninfo resp;",
            "void automation.update(int id)\n{\n\trec = zoho.crm.getRecordById(\"Deals\", id);\n}",
            "m = Map();\nm.put(\"a\", 1);",
            // Broken Deluge is still Deluge (check reports the error).
            "rec = zoho.crm.getRecordById(\"Deals\", id)\ninfo rec.get(\"Name\");\nfor each x in list {",
            "// comment only, then\nid = input.ID;\nx = ifnull(id, 0)\n",
        ] {
            assert_eq!(classify_text(text), Shape::Deluge, "{text}");
        }
    }

    #[test]
    fn typescript_javascript_and_prose_are_not_deluge() {
        for text in [
            "export function helper(): number { return 1 }\n",
            "import { x } from './x';\nconst y: string = x;\nconsole.log(y);\n",
            "const m = new Map();\nm.put = (k, v) => m.set(k, v);\nmodule.exports = m;\n",
            "function go() {\n  var info = 1;\n  if (info === 1) { return this.x; }\n}\n",
            "These are notes about the CRM.\nSee the wiki for info.\n",
            "",
            "   \n",
        ] {
            assert_ne!(classify_text(text), Shape::Deluge, "{text}");
        }
        assert_eq!(
            classify_text("export const a = 1;\n"),
            Shape::Other("TypeScript or JavaScript")
        );
    }

    #[test]
    fn extensions_stems_and_sidecars() {
        assert_eq!(file_type_ext(Path::new("a/b.TS")).as_deref(), Some("ts"));
        assert_eq!(file_type_ext(Path::new("Deal v1.2")), None);
        assert_eq!(file_type_ext(Path::new("On Submit")), None);
        assert!(is_candidate_name(Path::new("Create Deal")));
        assert!(!is_candidate_name(Path::new("x.mock.toml")));
        assert!(!is_candidate_name(Path::new("x.out")));
        assert_eq!(deluge_stem(Path::new("d/deal.test.dg")), "deal.test");
        assert_eq!(deluge_stem(Path::new("On Submit")), "On Submit");
        assert_eq!(
            sidecar(Path::new("f/Send Mail.txt"), "out"),
            Path::new("f/Send Mail.out")
        );
        assert_eq!(
            sidecar(Path::new("f/On Submit"), "mock.toml"),
            Path::new("f/On Submit.mock.toml")
        );
    }

    #[test]
    fn find_walks_classifies_and_honours_globs() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "a.dg", "info 1;");
        write(
            d,
            "Helper Functions/send mail.ts",
            "sendmail [ from: zoho.adminuserid to: \"a@b.c\" subject: \"s\" message: \"m\" ];",
        );
        write(d, "web/app.ts", "export const a = 1;\n");
        write(d, "On Submit", "info input.Name;\n");
        write(d, "notes.md", "info 1;");
        write(d, "node_modules/x.dg", "info 1;");
        write(d, ".hidden/y.dg", "info 1;");
        write(d, "ignored/z.dg", "info 1;");
        write(d, ".ignore", "ignored/\n");
        let found = find_deluge(&[d.to_path_buf()], &Selection::default()).unwrap();
        let names: Vec<String> = found
            .files
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            vec!["Helper Functions/send mail.ts", "On Submit", "a.dg"]
        );
        assert_eq!(found.skipped.len(), 1);
        assert!(found.skipped[0].0.ends_with("web/app.ts"));
        assert_eq!(found.skipped_note().unwrap(), "1 file skipped (not Deluge)");

        let sel = Selection {
            include: vec!["Helper Functions/*".into()],
            base: Some(d.to_path_buf()),
            ..Selection::default()
        };
        let found = find_deluge(&[d.to_path_buf()], &sel).unwrap();
        assert_eq!(found.files.len(), 1, "{:?}", found.files);
        let sel = Selection {
            extensions: vec!["dg".into()],
            ..Selection::default()
        };
        assert_eq!(walk(d, &sel).unwrap().len(), 1);
        let sel = Selection {
            include: vec!["*.dg".into()],
            exclude: vec!["a.dg".into()],
            ..Selection::default()
        };
        assert!(walk(d, &sel).unwrap().is_empty());
    }

    #[test]
    fn a_nested_dlg_toml_rules_its_own_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "a.dg", "info 1;");
        write(d, "sub/dlg.toml", "[project]\nexclude = [\"draft*\"]\n");
        write(d, "sub/draft.dg", "info 1;");
        write(d, "sub/kept.dg", "info 1;");
        let names = |sel: &Selection| -> Vec<String> {
            walk(d, sel)
                .unwrap()
                .iter()
                .map(|p| p.strip_prefix(d).unwrap().display().to_string())
                .collect()
        };
        let nested = Selection {
            nested_projects: Some(Scope::Sources),
            ..Selection::default()
        };
        assert_eq!(names(&nested), vec!["a.dg", "sub/kept.dg"]);
        assert_eq!(
            names(&Selection::default()),
            vec!["a.dg", "sub/draft.dg", "sub/kept.dg"]
        );
    }

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), Path::new("/a/c"));
    }
}
