//! A small line diff for test failures (`-` expected, `+` actual).

/// Lines of `expected` and `actual` with `-`/`+`/` ` markers, from their
/// longest common subsequence. Very long inputs fall back to showing both.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        let mut out = String::new();
        for l in &a {
            out.push_str(&format!("- {l}\n"));
        }
        for l in &b {
            out.push_str(&format!("+ {l}\n"));
        }
        return out;
    }
    // lcs[i][j]: common length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the final newline differs)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_diff;

    #[test]
    fn marks_changed_lines_only() {
        let d = line_diff("a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(d, "  a\n- b\n+ B\n  c\n");
    }

    #[test]
    fn notes_a_missing_final_newline() {
        assert!(line_diff("a\n", "a").contains("final newline"));
    }
}
