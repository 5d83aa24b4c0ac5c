//! Folding ranges from the token stream (so they work while the text has
//! errors): brackets spanning lines, block comments, runs of line
//! comments, and Creator criteria written over several lines.

use lsp_types::{FoldingRange, FoldingRangeKind};

use crate::format::lex::{Kind, lex};

use super::analysis::Analysis;

pub fn folding_ranges(doc: &Analysis) -> Vec<FoldingRange> {
    let text = &doc.text;
    let line_of = |offset: usize| doc.index.position(text, offset).line;
    let base = text.as_ptr() as usize;
    let mut out = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    // First and last line of the current run of line comments.
    let mut comments: Option<(u32, u32)> = None;
    let mut push = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        if end > start {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind,
                ..Default::default()
            });
        }
    };
    for tok in lex(text) {
        let start = tok.text.as_ptr() as usize - base;
        let end = start + tok.text.len();
        let line = line_of(start);
        if tok.kind == Kind::LineComment {
            comments = match comments {
                Some((first, last)) if line == last + 1 => Some((first, line)),
                other => {
                    if let Some((first, last)) = other {
                        push(first, last, Some(FoldingRangeKind::Comment));
                    }
                    Some((line, line))
                }
            };
            continue;
        }
        match tok.kind {
            Kind::BlockComment => {
                push(line, line_of(end), Some(FoldingRangeKind::Comment));
            }
            Kind::Raw => push(line, line_of(end.saturating_sub(1)), None),
            Kind::Punct if matches!(tok.text, "{" | "[" | "(") => open.push(line),
            // The closing line stays visible.
            Kind::Punct if matches!(tok.text, "}" | "]" | ")") => {
                if let Some(first) = open.pop() {
                    push(first, line.saturating_sub(1), None);
                }
            }
            _ => {}
        }
    }
    if let Some((first, last)) = comments {
        push(first, last, Some(FoldingRangeKind::Comment));
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_comments_and_task_brackets_fold() {
        let text = "// a\n// b\nif (x)\n{\n\tinfo 1;\n\tinfo 2;\n}\nr = invokeurl\n[\n\turl :\"u\"\n\ttype :GET\n];\n/* c\nd */\n";
        let doc = Analysis::new(text.into());
        let folds: Vec<(u32, u32)> = folding_ranges(&doc)
            .into_iter()
            .map(|f| (f.start_line, f.end_line))
            .collect();
        assert_eq!(folds, vec![(0, 1), (3, 5), (8, 10), (12, 13)]);
    }
}
