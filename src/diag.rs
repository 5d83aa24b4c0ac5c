//! One diagnostic type for every user-facing error: a code such as
//! `deluge::runtime`, a message, a help line, and labelled spans into a
//! named source (the script, or a config file).

use std::fmt;
use std::sync::Arc;

use crate::code::Code;
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

/// A named source file shared between diagnostics without copying its text
/// (one reference count per clone: the interpreter swaps it on every call).
#[derive(Clone, Debug)]
pub struct SourceFile(Arc<SourceText>);

#[derive(Debug)]
pub struct SourceText {
    pub name: Arc<str>,
    pub text: Arc<str>,
}

impl std::ops::Deref for SourceFile {
    type Target = SourceText;
    fn deref(&self) -> &SourceText {
        &self.0
    }
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        SourceFile(Arc::new(SourceText {
            name: name.into(),
            text: text.into(),
        }))
    }

    /// Whether both handles share one source (no atomic operations).
    pub fn ptr_eq(a: &SourceFile, b: &SourceFile) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        // Counting bytes needs no char boundary.
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }
}

#[derive(Clone, Debug)]
pub struct Diag {
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<(Option<String>, std::ops::Range<usize>)>,
    pub source: Option<SourceFile>,
    pub severity: miette::Severity,
}

impl Diag {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diag {
            code,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            source: None,
            severity: miette::Severity::Error,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>, span: std::ops::Range<usize>) -> Self {
        self.labels.push((Some(label.into()), span));
        self
    }

    pub fn with_source(mut self, source: SourceFile) -> Self {
        self.source = Some(source);
        self
    }

    pub fn warning(mut self) -> Self {
        self.severity = miette::Severity::Warning;
        self
    }

    /// The redaction policy ([`crate::redact`]) over the diagnostic:
    /// message, help, labels, and its source text.
    pub fn redacted(mut self) -> Self {
        use crate::redact::{line, mask};
        use std::borrow::Cow;
        if let Cow::Owned(m) = line(&self.message) {
            self.message = m;
        }
        if let Some(h) = &self.help
            && let Cow::Owned(h) = line(h)
        {
            self.help = Some(h);
        }
        for (l, _) in &mut self.labels {
            if let Some(t) = l
                && let Cow::Owned(n) = line(t)
            {
                *t = n;
            }
        }
        if let Some(src) = &self.source
            && let Cow::Owned(m) = mask(&src.text)
        {
            self.source = Some(SourceFile::new(src.name.clone(), m));
        }
        self
    }

    /// Render as miette's report (colours follow `--color`, NO_COLOR and terminal detection).
    pub fn render(&self) -> String {
        render_report(self)
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source
            .as_ref()
            .map(|s| &s.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.is_none() || self.labels.is_empty() {
            return None;
        }
        let text = self.source.as_ref().map(|s| &*s.text).unwrap_or("");
        Some(Box::new(self.labels.iter().map(move |(label, range)| {
            let r = char_span(text, range);
            LabeledSpan::new_with_span(label.clone(), SourceSpan::from(r))
        })))
    }
}

/// A 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// `range` clamped into `text` and widened to char boundaries, so any span
/// (from any producer) can slice the text safely.
pub fn char_span(text: &str, range: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let len = text.len();
    let mut start = range.start.min(len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, len);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Wraps a diagnostic so miette shows the file name above the snippet.
struct Named<'a>(&'a Diag, Option<NamedSource<Arc<str>>>);

impl fmt::Debug for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}
impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}
impl std::error::Error for Named<'_> {}
impl Diagnostic for Named<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.1.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.labels()
    }
}

/// Whether stderr gets colours: `--color`, then `NO_COLOR`,
/// `CLICOLOR_FORCE`/`FORCE_COLOR`, `CLICOLOR`, and terminal detection, all
/// decided by `anstream` (the `--color` flag sets its global choice).
pub fn stderr_color() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether stdout gets colours (same rules as [`stderr_color`]).
pub fn stdout_color() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// Render any diagnostic with miette's graphical handler (plain text when
/// colours are off, so tests and CI logs stay readable).
pub fn render_report(diag: &Diag) -> String {
    render_with(diag, stderr_color())
}

/// Render without colours (captured output: `dlg test`, files).
pub fn render_plain(diag: &Diag) -> String {
    render_with(diag, false)
}

fn render_with(diag: &Diag, color: bool) -> String {
    if let Some(short) = without_huge_snippet(diag) {
        return render_with(&short, color);
    }
    let named = Named(
        diag,
        diag.source
            .as_ref()
            .map(|s| NamedSource::new(&s.name, s.text.clone())),
    );
    let handler = if color {
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode())
    } else {
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
    };
    let mut out = String::new();
    let _ = handler.render_report(&mut out, &named);
    out
}

/// Print a diagnostic to stderr.
pub fn eprint(diag: &Diag) {
    eprint!("{}", render_report(diag));
}

/// Lines longer than this are not shown as a snippet (a one-line 100 KB
/// script would flood the terminal); the location goes in the message.
const MAX_SNIPPET_LINE: usize = 240;

fn without_huge_snippet(diag: &Diag) -> Option<Diag> {
    let src = diag.source.as_ref()?;
    let (_, range) = diag.labels.first()?;
    let start = char_span(&src.text, range).start;
    let line_start = src.text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src.text[start..]
        .find('\n')
        .map_or(src.text.len(), |i| start + i);
    if line_end - line_start <= MAX_SNIPPET_LINE {
        return None;
    }
    let column = src.text[line_start..start].chars().count() + 1;
    let mut short = diag.clone();
    short.message = format!(
        "{} (at {}:{}:{})",
        diag.message,
        src.name,
        src.line_of(start),
        column
    );
    short.source = None;
    short.labels.clear();
    Some(short)
}

/// The candidate closest to `name` (case-insensitive, Jaro-Winkler above
/// 0.85), for a did-you-mean help line.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let lname = name.to_ascii_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&lname, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}
