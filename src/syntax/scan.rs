//! Byte-level scanning that steps over text literals and comments, shared by
//! the pre-parse nesting guard and by `dlg check`'s error recovery.

pub enum Skip {
    /// Byte `i` is code.
    Code,
    /// A literal or comment starts at `i`; scanning resumes at this index.
    Past(usize),
    /// A `/*` comment starting at `i` is never closed.
    UnclosedComment,
}

/// What starts at byte `i` of `src` (which must be in bounds).
pub fn skip_at(src: &str, i: usize) -> Skip {
    let bytes = src.as_bytes();
    match bytes[i] {
        b'"' => {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            Skip::Past((j + 1).min(bytes.len()))
        }
        b'/' if bytes.get(i + 1) == Some(&b'/') => {
            Skip::Past(src[i..].find('\n').map_or(bytes.len(), |o| i + o))
        }
        b'/' if bytes.get(i + 1) == Some(&b'*') => match src[i + 2..].find("*/") {
            Some(o) => Skip::Past(i + 2 + o + 2),
            None => Skip::UnclosedComment,
        },
        _ => Skip::Code,
    }
}
