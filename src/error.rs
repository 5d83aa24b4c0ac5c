//! Runtime errors, raised by the built-ins and the interpreter (both sit
//! above this module). Each carries a diagnostic code, a Deluge-like
//! message, a help line and (once known) the span of the expression that
//! failed.

use crate::code::Code;
use crate::diag::{Diag, SourceFile};
use crate::syntax::ast::Span;

/// Boxed so `Result<Value, RtError>` stays small on the hot path.
#[derive(Clone, Debug)]
pub struct RtError(Box<RtErrorData>);

#[derive(Clone, Debug)]
pub struct RtErrorData {
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    pub span: Option<Span>,
    pub source: Option<SourceFile>,
    /// A fully formed diagnostic from another layer (HTTP, connections),
    /// shown as-is with the script location added.
    pub external: Option<Box<Diag>>,
}

impl From<crate::mem::Exceeded> for RtError {
    fn from(e: crate::mem::Exceeded) -> RtError {
        RtError::limit(e.message()).with_help(e.help())
    }
}

impl RtError {
    pub fn new(code: Code, message: impl Into<String>) -> RtError {
        RtError(Box::new(RtErrorData {
            code,
            message: message.into(),
            help: None,
            span: None,
            source: None,
            external: None,
        }))
    }

    /// A Deluge runtime error (catchable with try/catch).
    pub fn runtime(message: impl Into<String>) -> RtError {
        RtError::new(Code::DelugeRuntime, message)
    }

    pub fn limit(message: impl Into<String>) -> RtError {
        RtError::new(Code::DelugeLimit, message)
    }

    pub fn unsupported(message: impl Into<String>) -> RtError {
        RtError::new(Code::DelugeUnsupported, message)
    }

    pub fn from_diag(diag: Diag) -> RtError {
        RtError(Box::new(RtErrorData {
            code: diag.code,
            message: diag.message.clone(),
            help: diag.help.clone(),
            span: None,
            source: None,
            external: Some(Box::new(diag)),
        }))
    }

    pub fn with_help(mut self, help: impl Into<String>) -> RtError {
        self.help = Some(help.into());
        self
    }

    /// Attach a location unless a more precise one is already set.
    pub fn at(mut self, span: Span, source: &SourceFile) -> RtError {
        if self.span.is_none() {
            self.span = Some(span);
            self.source = Some(source.clone());
        }
        self
    }

    /// An error raised inside a `catch` block keeps the error it was
    /// handling as its cause (in the help line).
    pub fn while_handling(mut self, original: &RtError) -> RtError {
        let line = original.line();
        let note = if line > 0 {
            format!(
                "raised inside a catch block that was handling: {} (line {line})",
                original.message
            )
        } else {
            format!(
                "raised inside a catch block that was handling: {}",
                original.message
            )
        };
        let join = |h: Option<String>| match h {
            Some(h) => format!("{h}\n{note}"),
            None => note.clone(),
        };
        if let Some(ext) = &mut self.external {
            let h = ext.help.take();
            ext.help = Some(join(h));
        }
        let h = self.help.take();
        self.help = Some(join(h));
        self
    }

    /// The reader of stdout went away (`dlg run x | head -1`): the run
    /// stops, quietly, like `grep` does.
    pub fn output_closed() -> RtError {
        RtError::new(Code::DlgOutputClosed, "standard output was closed")
    }

    /// Limits (and a closed stdout) are not catchable: the script must stop.
    pub fn is_catchable(&self) -> bool {
        // Test assertions are not catchable either: a failed check fails
        // the test even inside the script's own try/catch.
        self.code.catchable()
    }

    pub fn line(&self) -> i64 {
        match (&self.span, &self.source) {
            (Some(span), Some(src)) => src.line_of(span.start as usize) as i64,
            _ => 0,
        }
    }

    pub fn to_diag(&self) -> Diag {
        if let Some(ext) = &self.external {
            let mut d = (**ext).clone();
            if d.source.is_none()
                && let (Some(span), Some(src)) = (self.span, &self.source)
            {
                d = d
                    .with_label("while running this", span.range())
                    .with_source(src.clone());
            }
            return d;
        }
        let mut d = Diag::new(self.code, self.message.clone());
        if let Some(h) = self
            .help
            .clone()
            .or_else(|| self.code.default_help().map(str::to_string))
        {
            d = d.with_help(h);
        }
        if let (Some(span), Some(src)) = (self.span, &self.source) {
            d = d.with_label("here", span.range()).with_source(src.clone());
        }
        d
    }
}

impl std::ops::Deref for RtError {
    type Target = RtErrorData;
    fn deref(&self) -> &RtErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for RtError {
    fn deref_mut(&mut self) -> &mut RtErrorData {
        &mut self.0
    }
}

impl std::fmt::Display for RtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type RtResult<T> = Result<T, RtError>;
