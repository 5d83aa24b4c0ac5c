//! Reports of a test run: JUnit XML and GitHub workflow annotations.

use super::{Case, Outcome, Status};

/// Text safe inside XML attributes and elements (control characters that
/// XML 1.0 forbids are dropped).
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// A colour-free copy of a report (diagnostics may carry ANSI codes).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// JUnit XML: one `<testsuite>` per file, `<failure>` with the details,
/// `<skipped/>` for skipped cases.
pub fn junit(cases: &[Case], outcomes: &[Outcome]) -> String {
    let mut suites: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let suite = c.file.display().to_string();
        match suites.iter_mut().find(|(s, _)| *s == suite) {
            Some((_, v)) => v.push(i),
            None => suites.push((suite, vec![i])),
        }
    }
    let count = |st: Status| outcomes.iter().filter(|o| o.status == st).count();
    let total: f64 = outcomes.iter().map(|o| o.elapsed.as_secs_f64()).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"dlg test\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\" time=\"{total:.3}\">\n",
        cases.len(),
        count(Status::Failed),
        count(Status::Skipped)
    ));
    for (suite, idx) in &suites {
        let failures = idx
            .iter()
            .filter(|&&i| outcomes[i].status == Status::Failed)
            .count();
        let skipped = idx
            .iter()
            .filter(|&&i| outcomes[i].status == Status::Skipped)
            .count();
        let time: f64 = idx.iter().map(|&i| outcomes[i].elapsed.as_secs_f64()).sum();
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" time=\"{time:.3}\">\n",
            xml_escape(suite),
            idx.len()
        ));
        for &i in idx {
            let (c, o) = (&cases[i], &outcomes[i]);
            x.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\"",
                xml_escape(&c.name),
                xml_escape(suite),
                xml_escape(suite),
                o.line,
                o.elapsed.as_secs_f64()
            ));
            match o.status {
                Status::Passed => x.push_str("/>\n"),
                Status::Skipped => x.push_str(">\n      <skipped/>\n    </testcase>\n"),
                Status::Failed => {
                    let detail = strip_ansi(&o.detail);
                    let first = strip_ansi(&o.message);
                    x.push_str(&format!(
                        ">\n      <failure message=\"{}\" type=\"failure\">{}</failure>\n    </testcase>\n",
                        xml_escape(first.trim()),
                        xml_escape(&detail)
                    ));
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A GitHub Actions workflow command: `::error file=…,line=…,title=…::message`.
pub fn github_annotation(file: &str, line: usize, title: &str, message: &str) -> String {
    format!(
        "::error file={},line={line},title={}::{}",
        escape_property(file),
        escape_property(title),
        escape_data(strip_ansi(message).trim_end())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_covers_markup_and_control_characters() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn annotations_escape_newlines_and_separators() {
        let a = github_annotation("a,b.dg", 3, "t:1", "x\ny%");
        assert_eq!(a, "::error file=a%2Cb.dg,line=3,title=t%3A1::x%0Ay%25");
    }
}
