//! Positions: byte offsets (what the parser's spans hold) to and from the
//! protocol's line and UTF-16 column, and applying incremental edits.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// Where each line starts, for one version of a text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The protocol position of a byte offset (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let character: usize = text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of a protocol position; a position past the end of
    /// its line (or of the text) is clamped there.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map(|&e| e - 1)
            .unwrap_or(text.len());
        let mut units = 0u32;
        for (i, c) in text[start..end].char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }

    pub fn range(&self, text: &str, span: std::ops::Range<usize>) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }
}

/// The largest char boundary at or before `i`.
pub fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Apply the edits of one `didChange` in order (a change without a range
/// replaces the whole text).
pub fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) {
    for change in changes {
        match change.range {
            None => *text = change.text,
            Some(range) => {
                let index = LineIndex::new(text);
                let start = index.offset(text, range.start);
                let end = index.offset(text, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a = \"é😀\";\nb";
        let idx = LineIndex::new(text);
        let semi = text.find(';').unwrap();
        // é is one unit, 😀 two.
        assert_eq!(idx.position(text, semi), Position::new(0, 9));
        assert_eq!(idx.offset(text, Position::new(0, 9)), semi);
        assert_eq!(idx.position(text, text.len()), Position::new(1, 1));
        // Past the end of a line or of the text: clamped.
        assert_eq!(
            idx.offset(text, Position::new(0, 99)),
            text.find('\n').unwrap()
        );
        assert_eq!(idx.offset(text, Position::new(9, 0)), text.len());
        // Inside a multi-byte character: its start.
        assert_eq!(idx.position(text, semi - 3), Position::new(0, 6));
        assert_eq!(idx.position(text, semi - 5), Position::new(0, 6));
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut text = "m = Map();\ninfo m;\n".to_string();
        let edit = |l1, c1, l2, c2, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: t.into(),
        };
        apply_changes(
            &mut text,
            vec![edit(1, 5, 1, 6, "m.keys()"), edit(0, 0, 0, 0, "// x\n")],
        );
        assert_eq!(text, "// x\nm = Map();\ninfo m.keys();\n");
        apply_changes(
            &mut text,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "info 1;".into(),
            }],
        );
        assert_eq!(text, "info 1;");
        // Reversed or out-of-range edits do not panic.
        apply_changes(&mut text, vec![edit(5, 3, 0, 0, "z")]);
        assert_eq!(text, "info 1;z");
    }
}
