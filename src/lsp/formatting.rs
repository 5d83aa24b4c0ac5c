//! Formatting through `dlg fmt`'s code: the whole document as one edit,
//! or, for a range, the changed lines inside it.

use std::ops::Range;

/// The text `dlg fmt` makes of `text`; `None` when it does not parse (or
/// the layout could not be verified) or nothing changes.
pub fn formatted(text: &str) -> Option<String> {
    let f = crate::format::format_source(text).ok()?;
    (!f.kept && f.text != text).then_some(f.text)
}

/// Edits (byte range of `text` → new text) for the whole document.
pub fn document(text: &str) -> Vec<(Range<usize>, String)> {
    match formatted(text) {
        Some(new) => vec![(0..text.len(), new)],
        None => Vec::new(),
    }
}

/// Edits for the lines `lines` (0-based, end inclusive): the formatter's
/// changes whose old lines meet that range.
pub fn range(text: &str, lines: Range<usize>) -> Vec<(Range<usize>, String)> {
    let Some(new) = formatted(text) else {
        return Vec::new();
    };
    let old_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_start = |l: usize| old_starts.get(l).copied().unwrap_or(text.len());
    let diff = similar::TextDiff::from_lines(text, &new);
    let new_lines: Vec<&str> = diff.new_slices().to_vec();
    let mut edits = Vec::new();
    // A change of as many lines as it replaces is taken line by line, so a
    // range takes only its own lines.
    let mut changes: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    for op in diff.ops() {
        if matches!(op.tag(), similar::DiffTag::Equal) {
            continue;
        }
        let (old, new) = (op.old_range(), op.new_range());
        if old.len() == new.len() {
            changes.extend((0..old.len()).map(|k| {
                (
                    old.start + k..old.start + k + 1,
                    new.start + k..new.start + k + 1,
                )
            }));
        } else {
            changes.push((old, new));
        }
    }
    for (old, new_range) in changes {
        // A pure insertion sits between lines: it meets the range when its
        // position does.
        let meets = if old.is_empty() {
            lines.start <= old.start && old.start <= lines.end + 1
        } else {
            old.start <= lines.end && lines.start < old.end
        };
        if !meets {
            continue;
        }
        let replacement: String = new_lines[new_range].concat();
        edits.push((line_start(old.start)..line_start(old.end), replacement));
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
        let mut out = text.to_string();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
        for (r, t) in edits {
            out.replace_range(r, &t);
        }
        out
    }

    #[test]
    fn the_whole_document_is_what_dlg_fmt_makes() {
        let text = "if(true){info 1;}\nx=1;\n";
        let want = crate::format::format_source(text).unwrap().text;
        assert_eq!(apply(text, document(text)), want);
        assert!(document(&want).is_empty(), "formatted text: no edits");
        assert!(document("x = ;").is_empty(), "a syntax error: no edits");
    }

    #[test]
    fn a_range_changes_only_its_lines() {
        let text = "a=1;\nb=2;\nc=3;\n";
        let out = apply(text, range(text, 1..1));
        assert_eq!(out, "a=1;\nb = 2;\nc=3;\n");
        let all = apply(text, range(text, 0..2));
        assert_eq!(all, crate::format::format_source(text).unwrap().text);
    }
}
