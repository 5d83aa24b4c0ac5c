//! What a request about one document can see: the document's analysis,
//! the project's files (open documents' text over the disk's), and what
//! the cursor is on.

use std::ops::Range;
use std::path::Path;

use super::analysis::Analysis;
use super::workspace::{Definition, ProjectIndex, definitions};

pub struct Ctx<'a> {
    pub path: Option<&'a Path>,
    pub doc: &'a Analysis,
    /// Every Deluge file of the project, this document included.
    pub files: Vec<(&'a Path, &'a Analysis)>,
    pub project: Option<&'a ProjectIndex>,
}

impl<'a> Ctx<'a> {
    /// A document outside any project (tests, untitled buffers).
    #[cfg(test)]
    pub fn alone(doc: &'a Analysis) -> Ctx<'a> {
        Ctx {
            path: None,
            doc,
            files: Vec::new(),
            project: None,
        }
    }

    /// Functions named `lpath` (`standalone.helper`, `helper`): this
    /// file's first, then the project's.
    pub fn find_function(&self, lpath: &str) -> Vec<Definition<'a>> {
        let lpath = lpath.to_ascii_lowercase();
        let fname = lpath.rsplit('.').next().unwrap_or(&lpath).to_string();
        let own: Vec<Definition<'a>> = self
            .doc
            .functions
            .iter()
            .filter(|f| {
                !f.is_script
                    && (f.qualified_name.eq_ignore_ascii_case(&lpath)
                        || f.name.eq_ignore_ascii_case(&fname))
            })
            .map(|summary| Definition {
                path: self.path.unwrap_or(Path::new("")),
                summary,
            })
            .collect();
        if !own.is_empty() {
            return own;
        }
        let others: Vec<(&'a Path, &'a Analysis)> = self
            .files
            .iter()
            .filter(|(p, _)| Some(*p) != self.path)
            .copied()
            .collect();
        definitions(&others, &lpath, &fname, self.path.and_then(Path::parent))
    }

    /// Every function name the project defines (both spellings).
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .files
            .iter()
            .flat_map(|(_, a)| a.functions.iter())
            .chain(self.doc.functions.iter())
            .filter(|f| !f.is_script)
            .flat_map(|f| [f.qualified_name.clone(), f.name.clone()])
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Is this document a Deluge test (`*.test.dg`, or the project's test
    /// globs)? Test files may call the test built-ins.
    pub fn is_test_file(&self) -> bool {
        let Some(path) = self.path else {
            return false;
        };
        let globs: Vec<String> = self
            .project
            .and_then(|p| p.project.as_ref())
            .map(|p| p.test.globs.clone())
            .unwrap_or_default();
        if globs.is_empty() {
            return crate::testing::discover::is_test_file(path, None);
        }
        globs.iter().any(|g| {
            let last = g.rsplit('/').next().unwrap_or(g);
            crate::testing::discover::is_test_file(path, Some(last))
        })
    }
}

/// The identifier (with its dotted prefix) around `offset`: for
/// `zoho.crm.getRecordById` with the cursor on `crm`, the whole path and
/// the range of `crm`.
pub struct Word {
    /// Dotted path up to and including the word: `zoho.crm`.
    pub path: String,
    /// The word itself.
    pub word: String,
    pub range: Range<usize>,
    /// The text before the word's dotted path ends with `.` after a
    /// non-name (`x.get("a").keys`): a method on an expression.
    pub after_expression: bool,
}

pub fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The word under (or just before) `offset`.
pub fn word_at(text: &str, offset: usize) -> Option<Word> {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let mut start = offset;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < bytes.len() && is_ident(bytes[end]) {
        end += 1;
    }
    if start == end {
        return None;
    }
    let (path_start, after_expression) = path_start(text, start);
    Some(Word {
        path: text[path_start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        word: text[start..end].to_string(),
        range: start..end,
        after_expression,
    })
}

/// Where the dotted path ending with the word at `start` begins, and
/// whether a non-name expression stands before its first dot.
pub fn path_start(text: &str, start: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut s = start;
    loop {
        let mut j = s;
        while j > 0 && bytes[j - 1] == b' ' {
            j -= 1;
        }
        if j == 0 || bytes[j - 1] != b'.' {
            return (s, false);
        }
        j -= 1;
        while j > 0 && bytes[j - 1] == b' ' {
            j -= 1;
        }
        if j == 0 || !is_ident(bytes[j - 1]) {
            return (
                s,
                j > 0 && matches!(bytes[j - 1], b')' | b']' | b'"' | b'}'),
            );
        }
        while j > 0 && is_ident(bytes[j - 1]) {
            j -= 1;
        }
        s = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_know_their_dotted_path() {
        let text = "r = zoho.crm.getRecordById(\"Leads\", id);";
        let w = word_at(text, text.find("crm").unwrap() + 1).unwrap();
        assert_eq!(w.path, "zoho.crm");
        assert_eq!(w.word, "crm");
        let w = word_at(text, text.find("Record").unwrap()).unwrap();
        assert_eq!(w.path, "zoho.crm.getRecordById");
        let text = "x = m.get(\"a\").keys();";
        let w = word_at(text, text.find("keys").unwrap()).unwrap();
        assert_eq!(w.path, "keys");
        assert!(w.after_expression);
        assert!(word_at("a + ", 3).is_none());
    }
}
