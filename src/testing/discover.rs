//! Finding test cases: test files (`NAME.test.dg`, or any Deluge file shape
//! such as `NAME.test.ts`) and golden cases (a Deluge file with `NAME.out`
//! or `NAME.err` beside it), through the one file walk of
//! [`crate::project::files`].

use std::path::{Path, PathBuf};

use super::{Case, Kind};
use crate::diag::{SourceFile, render_plain};
use crate::project::files::{self, Selection, Shape};

/// What to look for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// File names of Deluge test files (`*` = any text); `None`: any
    /// Deluge file named `NAME.test` plus its extension.
    pub test_glob: Option<String>,
    /// Which files of the folders walked are looked at.
    pub selection: Selection,
}

/// The cases found, and the files skipped because they are not Deluge.
#[derive(Debug, Default)]
pub struct Discovered {
    pub cases: Vec<Case>,
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Whether `p` is named like a test file.
pub fn is_test_file(p: &Path, glob: Option<&str>) -> bool {
    match glob {
        Some(g) => p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| crate::http::mock::glob(g, n)),
        None => files::is_candidate_name(p) && files::deluge_stem(p).ends_with(".test"),
    }
}

/// Whether `p` has a golden expectation beside it.
fn has_expectation(p: &Path) -> bool {
    files::sidecar(p, "out").is_file() || files::sidecar(p, "err").is_file()
}

/// Whether the leading comment lines ask to skip the case.
fn wants_skip(text: &str) -> bool {
    text.lines()
        .take_while(|l| l.trim_start().starts_with("//") || l.trim().is_empty())
        .any(|l| {
            l.trim_start()
                .trim_start_matches('/')
                .trim()
                .eq_ignore_ascii_case("dlg-test: skip")
        })
}

/// Find the cases under `paths` (files or folders), in a stable order. A
/// file named directly is always a case (a test file when named like one,
/// else a golden case).
pub fn discover(paths: &[PathBuf], opts: &Options) -> Result<Discovered, String> {
    let glob = opts.test_glob.as_deref();
    let mut found = Discovered::default();
    for root in paths {
        if !root.exists() {
            return Err(format!("{}: no such file or directory", root.display()));
        }
        if !root.is_dir() {
            add_file(root, glob, &mut found.cases);
            continue;
        }
        for file in files::walk(root, &opts.selection)? {
            if !(is_test_file(&file, glob) || has_expectation(&file)) {
                continue;
            }
            match files::classify(&file) {
                Shape::Deluge => add_file(&file, glob, &mut found.cases),
                Shape::Other(why) => found.skipped.push((file, why)),
            }
        }
    }
    Ok(found)
}

fn add_file(file: &Path, glob: Option<&str>, cases: &mut Vec<Case>) {
    let name = files::display_path(file);
    let text = std::fs::read(file)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let skip = wants_skip(&text);
    let file = file.to_path_buf();
    if !is_test_file(&file, glob) {
        cases.push(Case {
            name,
            file,
            kind: Kind::Golden,
            line: 1,
            skip,
            tests_in_file: 1,
        });
        return;
    }
    match crate::syntax::parse_program(&text) {
        Err(e) => {
            let source = SourceFile::new(name.clone(), text.as_str());
            let line = source.line_of(e.span.start);
            cases.push(Case {
                name,
                file,
                kind: Kind::Broken(render_plain(&crate::syntax::syntax_diag(&e, &source))),
                line,
                skip: false,
                tests_in_file: 1,
            });
        }
        Ok(p) if p.is_script => cases.push(Case {
            name,
            file,
            kind: Kind::Script,
            line: 1,
            skip,
            tests_in_file: 1,
        }),
        Ok(p) => {
            let source = SourceFile::new("", text.as_str());
            let before = cases.len();
            for f in &p.functions {
                if f.params.is_empty() && f.name.to_ascii_lowercase().starts_with("test") {
                    cases.push(Case {
                        name: format!("{name}::{}", f.name),
                        file: file.clone(),
                        kind: Kind::Function(f.qualified_name.clone()),
                        line: source.line_of(f.span.start as usize),
                        skip,
                        tests_in_file: 0,
                    });
                }
            }
            let n = cases.len() - before;
            for c in &mut cases[before..] {
                c.tests_in_file = n;
            }
            if cases.len() == before {
                cases.push(Case {
                    name,
                    file,
                    kind: Kind::Broken(
                        "the test file defines no test functions (parameterless functions named test…)"
                            .into(),
                    ),
                    line: 1,
                    skip: false,
                    tests_in_file: 1,
                });
            }
        }
    }
}

/// A `PATH::TEST` selector as the runner prints test names: the file and
/// the test function's name, when `PATH` is an existing file and the whole
/// text is not.
pub fn split_selector(arg: &Path) -> Option<(PathBuf, String)> {
    if arg.exists() {
        return None;
    }
    let text = arg.to_str()?;
    let (file, test) = text.rsplit_once("::")?;
    let file = PathBuf::from(file);
    (file.is_file() && !test.is_empty()).then(|| (file, test.to_string()))
}

/// Keep the cases of `file` whose test function is `test`
/// (case-insensitively, with or without its `standalone.`-style prefix).
pub fn select(cases: Vec<Case>, file: &Path, test: &str) -> Vec<Case> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let want = canonical(file);
    let same_file = |c: &Case| canonical(&c.file) == want;
    cases
        .into_iter()
        .filter(|c| {
            same_file(c)
                && match &c.kind {
                    Kind::Function(f) => {
                        f.eq_ignore_ascii_case(test)
                            || f.rsplit('.')
                                .next()
                                .is_some_and(|n| n.eq_ignore_ascii_case(test))
                    }
                    _ => false,
                }
        })
        .collect()
}

/// Keep the cases whose name contains `pattern`.
pub fn filter(cases: Vec<Case>, pattern: &str) -> Vec<Case> {
    cases
        .into_iter()
        .filter(|c| c.name.contains(pattern))
        .collect()
}

/// The cases a change to `changed` files affects: a case whose own file
/// or sidecar (`.out`, `.err`, `.args`, `.input.json`, `.mock.toml`)
/// changed; for a changed Deluge file, the cases whose text mentions a
/// function it defines or its name; for anything else (dlg.toml,
/// connections, a fixture's body file …), every case.
pub fn affected_by(cases: &[Case], changed: &[PathBuf]) -> Vec<Case> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let mut hit = vec![false; cases.len()];
    let own_files: Vec<Vec<PathBuf>> = cases
        .iter()
        .map(|c| {
            let mut v = vec![canonical(&c.file)];
            for suffix in ["out", "err", "args", "input.json", "mock.toml"] {
                v.push(canonical(&files::sidecar(&c.file, suffix)));
            }
            let stem = files::deluge_stem(&c.file);
            if let Some(base) = stem.strip_suffix(".test") {
                v.push(canonical(
                    &c.file.with_file_name(format!("{base}.mock.toml")),
                ));
            }
            v
        })
        .collect();
    let mut texts: Vec<Option<String>> = vec![None; cases.len()];
    for path in changed {
        let path = canonical(path);
        let mut matched = false;
        for (i, own) in own_files.iter().enumerate() {
            if own.contains(&path) {
                hit[i] = true;
                matched = true;
            }
        }
        if matched {
            continue;
        }
        if !path.exists() || files::classify(&path) != Shape::Deluge {
            hit.iter_mut().for_each(|h| *h = true);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut names: Vec<String> = crate::syntax::parse_program(&text)
            .map(|p| {
                p.functions
                    .iter()
                    .map(|f| f.name.to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        names.push(files::deluge_stem(&path).to_ascii_lowercase());
        for (i, c) in cases.iter().enumerate() {
            let t = texts[i].get_or_insert_with(|| {
                std::fs::read_to_string(&c.file)
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            });
            if names
                .iter()
                .any(|n| !n.is_empty() && crate::project::lookup::mentions(t, n))
            {
                hit[i] = true;
            }
        }
    }
    cases
        .iter()
        .zip(hit)
        .filter(|(_, h)| *h)
        .map(|(c, _)| c.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::project::files::write_for_test as write;

    #[test]
    fn finds_tests_and_golden_cases_in_every_file_shape() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "Send Mail.txt", "info \"sent\";\n");
        write(d, "Send Mail.out", "sent\n");
        write(d, "On Submit", "info input.Name;\n");
        write(d, "On Submit.err", "dlg::usage\n");
        write(d, "deal.test.ts", "void testA()\n{\n\tassert(true);\n}\n");
        // A real TypeScript test is skipped, not failed.
        write(
            d,
            "web/app.test.ts",
            "import { x } from './x';\nexport const t = () => x;\n",
        );
        write(d, "helper.ts", "int helper() { return 1; }");
        let found = discover(&[d.to_path_buf()], &Options::default()).unwrap();
        let files: Vec<String> = found
            .cases
            .iter()
            .map(|c| {
                format!(
                    "{} {:?}",
                    c.file.file_name().unwrap().to_string_lossy(),
                    std::mem::discriminant(&c.kind)
                )
            })
            .collect();
        assert_eq!(found.cases.len(), 3, "{files:?}");
        assert!(
            found.cases[2].name.ends_with("deal.test.ts::testA"),
            "{}",
            found.cases[2].name
        );
        assert_eq!(found.skipped.len(), 1);
        assert!(found.skipped[0].0.ends_with("web/app.test.ts"));
    }

    #[test]
    fn selectors_split_only_on_existing_files() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("a.test.dg");
        std::fs::write(&f, "void testX() { }").unwrap();
        let arg = PathBuf::from(format!("{}::testX", f.display()));
        assert_eq!(split_selector(&arg), Some((f.clone(), "testX".into())));
        assert_eq!(split_selector(&f), None);
        assert_eq!(split_selector(Path::new("missing.dg::t")), None);
    }
}
