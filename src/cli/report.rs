//! Machine-readable diagnostics shared by every subcommand that takes
//! `--format`: one JSON object per diagnostic, and GitHub Actions workflow
//! commands (`::error file=…,line=…,col=…::message`).
//!
//! `dlg check`, `dlg run` and `dlg test` all print through these helpers so
//! that editors and CI see one shape.

use crate::diag::Diag;

pub use crate::runner::Format;

pub use crate::diag::line_col;

/// Where a diagnostic points: (file, line, column, end line, end column),
/// taken from its first label. `None` when it has no source or no label.
pub fn location(diag: &Diag) -> Option<(String, usize, usize, usize, usize)> {
    let source = diag.source.as_ref()?;
    let (_, range) = diag.labels.first()?;
    let (line, col) = line_col(&source.text, range.start);
    let (end_line, end_col) = line_col(&source.text, range.end.max(range.start));
    Some((source.name.to_string(), line, col, end_line, end_col))
}

fn severity_word(diag: &Diag) -> &'static str {
    match diag.severity {
        miette::Severity::Error => "error",
        miette::Severity::Warning => "warning",
        miette::Severity::Advice => "notice",
    }
}

/// A diagnostic as a JSON object: `file`, `line`, `column`, `end_line`,
/// `end_column` (null when the diagnostic has no position), `severity`,
/// `code`, `message`, `help`.
pub fn diag_json(diag: &Diag) -> serde_json::Value {
    let loc = location(diag);
    serde_json::json!({
        "type": "diagnostic",
        "file": loc.as_ref().map(|l| l.0.clone()).or_else(|| diag.source.as_ref().map(|s| s.name.to_string())),
        "line": loc.as_ref().map(|l| l.1),
        "column": loc.as_ref().map(|l| l.2),
        "end_line": loc.as_ref().map(|l| l.3),
        "end_column": loc.as_ref().map(|l| l.4),
        "severity": severity_word(diag),
        "code": diag.code,
        "message": diag.message,
        "help": diag.help,
    })
}

/// Escape the message part of a workflow command (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value of a workflow command (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One GitHub Actions annotation line (without the trailing newline).
/// `level` is `error`, `warning` or `notice`; `line`/`col` are 1-based.
pub fn annotation(
    level: &str,
    file: Option<&str>,
    line: Option<usize>,
    col: Option<usize>,
    title: Option<&str>,
    message: &str,
) -> String {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", escape_property(f)));
    }
    if let Some(l) = line {
        props.push(format!("line={l}"));
    }
    if let Some(c) = col {
        props.push(format!("col={c}"));
    }
    if let Some(t) = title {
        props.push(format!("title={}", escape_property(t)));
    }
    if props.is_empty() {
        format!("::{level}::{}", escape_data(message))
    } else {
        format!("::{level} {}::{}", props.join(","), escape_data(message))
    }
}

/// A diagnostic as a GitHub annotation; the help line follows the message
/// on a second line of the annotation.
pub fn diag_annotation(diag: &Diag) -> String {
    let loc = location(diag);
    let mut message = diag.message.clone();
    if let Some(help) = &diag.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    // GitHub attaches annotations to diffs by repository-relative path.
    let file = loc
        .as_ref()
        .map(|l| l.0.clone())
        .or_else(|| diag.source.as_ref().map(|s| s.name.to_string()))
        .map(|f| {
            if f.starts_with('<') {
                f
            } else {
                crate::project::files::repo_path(std::path::Path::new(&f))
            }
        });
    annotation(
        severity_word(diag),
        file.as_deref(),
        loc.as_ref().map(|l| l.1),
        loc.as_ref().map(|l| l.2),
        Some(diag.code.as_str()),
        &message,
    )
}

/// Print a diagnostic in the chosen format: text on stderr; JSON on
/// stdout; for GitHub the annotation on stdout and the text on stderr (the
/// log keeps the full report, the annotation marks the line).
pub fn print_diag(format: Format, diag: &Diag) {
    match format {
        Format::Text => crate::diag::eprint(diag),
        Format::Json => println!("{}", diag_json(diag)),
        Format::Github => {
            println!("{}", diag_annotation(diag));
            crate::diag::eprint(diag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::diag::SourceFile;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a\nbé = ;\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 2), (2, 1));
        // 'é' is two bytes; the `=` after it is column 4.
        assert_eq!(line_col(text, 6), (2, 4));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn annotations_escape_messages_and_properties() {
        let a = annotation(
            "error",
            Some("a,b:c.dg"),
            Some(3),
            Some(7),
            Some(Code::DelugeSyntax.as_str()),
            "50% done\nnext",
        );
        assert_eq!(
            a,
            "::error file=a%2Cb%3Ac.dg,line=3,col=7,title=deluge%3A%3Asyntax::50%25 done%0Anext"
        );
        assert_eq!(
            annotation("warning", None, None, None, None, "x"),
            "::warning::x"
        );
    }

    #[test]
    fn a_diagnostic_carries_its_position_in_json_and_annotations() {
        let source = SourceFile::new("s.dg", "info 1;\nx = ;\n");
        let d = Diag::new(Code::DelugeSyntax, "expected an expression")
            .with_help("write a value")
            .with_label("here", 12..13)
            .with_source(source);
        let j = diag_json(&d);
        assert_eq!(j["file"], "s.dg");
        assert_eq!(j["line"], 2);
        assert_eq!(j["column"], 5);
        assert_eq!(j["code"], Code::DelugeSyntax.as_str());
        assert_eq!(j["help"], "write a value");
        assert_eq!(j["severity"], "error");
        assert_eq!(
            diag_annotation(&d),
            "::error file=s.dg,line=2,col=5,title=deluge%3A%3Asyntax::expected an expression%0Ahelp: write a value"
        );
    }

    #[test]
    fn a_diagnostic_without_source_has_null_positions() {
        let d = Diag::new(Code::DlgUsage, "bad");
        let j = diag_json(&d);
        assert!(j["line"].is_null() && j["file"].is_null());
        assert_eq!(diag_annotation(&d), "::error title=dlg%3A%3Ausage::bad");
    }
}
