//! Interactive console (`dlg repl`).
//!
//! [`Session`] holds everything that persists between entries (interpreter,
//! variable scope and frame) and can be driven without a terminal, which is
//! how the unit tests and piped stdin use it. [`run_interactive`] adds
//! rustyline on top: prompts, completion, hints, highlighting and history.

pub mod commands;
pub mod helper;
pub mod history;

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;

use crate::diag::{Diag, SourceFile};
use crate::eval::{Interpreter, Options};
use crate::syntax::{ReplInput, SyntaxError, parse_repl_input};
use crate::value::Value;

/// Cloneable handle to a shared writer: the interpreter's `info` output and
/// the session's own output (values, `:vars`) stay in order.
#[derive(Clone)]
pub struct Output(Rc<RefCell<Box<dyn Write>>>);

impl Output {
    pub fn new(w: impl Write + 'static) -> Output {
        Output(Rc::new(RefCell::new(Box::new(w))))
    }

    /// An output that collects into memory (tests); read it with [`Capture::take`].
    pub fn capture() -> (Output, Capture) {
        let buf = Capture::default();
        (Output::new(buf.clone()), buf)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// In-memory sink used by [`Output::capture`].
#[derive(Clone, Default)]
pub struct Capture(Rc<RefCell<Vec<u8>>>);

impl Capture {
    /// Everything written so far, as text; clears the buffer.
    pub fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.borrow_mut())).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the completer needs to know about the session, refreshed after
/// every entry.
#[derive(Default)]
pub struct Shared {
    /// Variables in scope with their current values (for type-aware `.` completion).
    pub vars: Vec<(String, Value)>,
    pub connections: Vec<String>,
    /// User functions loaded with `:load`.
    pub functions: Vec<String>,
    /// Lines of an unfinished entry typed so far (the completer sees only
    /// the current line; `invokeurl [` may be on an earlier one).
    pub pending: String,
}

/// Whether an entry can run yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// Ends inside a block, bracket, text literal or comment: read another line.
    Incomplete,
    /// A syntax error before the end: run it anyway to show the diagnostic.
    Invalid,
}

/// Classify an entry with the real parser (not by counting brackets).
pub fn completeness(src: &str) -> Completeness {
    let trimmed = src.trim();
    if trimmed.is_empty() || trimmed.starts_with(':') {
        return Completeness::Complete;
    }
    if ends_inside_literal(src) {
        return Completeness::Incomplete;
    }
    let mut scope = Default::default();
    match parse_repl_input(src, &mut scope) {
        Ok(_) => Completeness::Complete,
        Err(e) if e.at_end => match with_semicolon(src) {
            Some(fixed) if parse_repl_input(&fixed, &mut Default::default()).is_ok() => {
                Completeness::Complete
            }
            _ => Completeness::Incomplete,
        },
        Err(_) => Completeness::Invalid,
    }
}

/// True when the text ends inside a `"…"` or `'…'` literal or a `/* */`
/// comment (the parser reports those at their start, not at the end).
fn ends_inside_literal(src: &str) -> bool {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return true,
                        Some(b'\\') => i += 2,
                        Some(&c) if c == q => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => match src[i + 2..].find("*/") {
                Some(off) => i += 2 + off + 1,
                None => return true,
            },
            _ => {}
        }
        i += 1;
    }
    false
}

/// `x = 5` typed without its `;`: the entry with `;` appended, unless the
/// last line opens a block header (`if (…)`, `for each …`) whose body follows.
fn with_semicolon(src: &str) -> Option<String> {
    let trimmed = src.trim_end();
    if trimmed.ends_with(';') || trimmed.ends_with('{') {
        return None;
    }
    let last = trimmed.lines().last().unwrap_or("").trim_start();
    let first_word: String = last
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase();
    if matches!(
        first_word.as_str(),
        "if" | "else" | "for" | "try" | "catch" | "while"
    ) {
        return None;
    }
    // `resp = invokeurl` with its `[ … ]` on the following lines.
    let last_word = trimmed
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(last_word.as_str(), "invokeurl" | "sendmail" | "invokeapi") {
        return None;
    }
    Some(format!("{trimmed};"))
}

/// Continue after this entry, or leave the REPL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Quit,
}

pub type OptionsFactory = Box<dyn Fn() -> Options>;

/// REPL state that persists across entries.
pub struct Session {
    make_options: OptionsFactory,
    pub(crate) interp: Interpreter,
    pub(crate) scope: crate::syntax::Scope,
    pub(crate) frame: Vec<Value>,
    pub(crate) out: Output,
    pub(crate) err: Output,
    entries: usize,
    /// Interactive sessions print `value  (Type)`; piped ones just the value.
    pub show_types: bool,
    pub(crate) shared: Rc<RefCell<Shared>>,
    pub(crate) functions: Vec<String>,
    /// Errors reported so far (piped mode exits 1 if any).
    pub errors: usize,
    /// Entries that ran without error, as script text (`:save`);
    /// expressions become `info EXPR;`.
    pub(crate) saved: Vec<String>,
}

impl Session {
    pub fn new(make_options: OptionsFactory, out: Output, err: Output) -> Session {
        let interp = Interpreter::new(make_options(), Box::new(out.clone()));
        Session {
            make_options,
            interp,
            scope: Default::default(),
            frame: Vec::new(),
            out,
            err,
            entries: 0,
            show_types: false,
            shared: Rc::new(RefCell::new(Shared::default())),
            functions: Vec::new(),
            errors: 0,
            saved: Vec::new(),
        }
    }

    /// Completion data shared with the line editor.
    pub fn shared(&self) -> Rc<RefCell<Shared>> {
        self.shared.clone()
    }

    /// Run one entry (statements, an expression, or a `:` command).
    pub fn entry(&mut self, src: &str) -> Outcome {
        let trimmed = src.trim();
        if trimmed.is_empty() {
            return Outcome::Continue;
        }
        let outcome = if trimmed.starts_with(':') {
            commands::run(self, trimmed)
        } else {
            self.entries += 1;
            let name = format!("<repl:{}>", self.entries);
            self.eval_source(src, &name);
            Outcome::Continue
        };
        self.interp.flush();
        let _ = self.out.flush();
        let _ = self.err.flush();
        self.refresh_shared();
        outcome
    }

    /// Parse and run text in the session; returns false after an error
    /// (already reported).
    pub(crate) fn eval_source(&mut self, src: &str, name: &str) -> bool {
        let parsed = match parse_repl_input(src, &mut self.scope) {
            Ok(p) => Ok((p, src.to_string())),
            Err(e) if e.at_end => match with_semicolon(src) {
                Some(fixed) => match parse_repl_input(&fixed, &mut self.scope) {
                    Ok(p) => Ok((p, fixed)),
                    Err(_) => Err(e),
                },
                None => Err(e),
            },
            Err(e) => Err(e),
        };
        let (input, text) = match parsed {
            Ok(p) => p,
            Err(e) => {
                let source = SourceFile::new(name.to_string(), src.to_string());
                self.report_syntax(&e, &source);
                return false;
            }
        };
        let source = SourceFile::new(name.to_string(), text.clone());
        let slots = self.scope.slot_names.len();
        match input {
            ReplInput::Statements(stmts) => {
                match self
                    .interp
                    .run_statements(&stmts, &mut self.frame, slots, &source)
                {
                    Ok(()) => {
                        self.saved.push(text.trim().to_string());
                        true
                    }
                    Err(e) => {
                        self.interp.flush();
                        self.report(&e.to_diag());
                        false
                    }
                }
            }
            ReplInput::Expression(expr) => {
                match self
                    .interp
                    .eval_expression(&expr, &mut self.frame, slots, &source)
                {
                    Ok(v) => {
                        self.print_value(&v);
                        // `_` holds the last expression's value.
                        let slot = self.scope.define("_") as usize;
                        if self.frame.len() <= slot {
                            self.frame.resize(slot + 1, Value::Null);
                        }
                        self.frame[slot] = v;
                        self.saved
                            .push(format!("info {};", text.trim().trim_end_matches(';')));
                        true
                    }
                    Err(e) => {
                        self.interp.flush();
                        self.report(&e.to_diag());
                        false
                    }
                }
            }
        }
    }

    fn print_value(&mut self, v: &Value) {
        self.interp.flush();
        let shown = v.to_display();
        if self.show_types {
            let ty = type_label(v);
            if helper::color_enabled() {
                let _ = writeln!(self.out, "{shown}  \x1b[2m({ty})\x1b[0m");
            } else {
                let _ = writeln!(self.out, "{shown}  ({ty})");
            }
        } else {
            let _ = writeln!(self.out, "{shown}");
        }
    }

    pub(crate) fn report_syntax(&mut self, e: &SyntaxError, source: &SourceFile) {
        self.report(&crate::syntax::syntax_diag(e, source));
    }

    pub(crate) fn report(&mut self, d: &Diag) {
        self.errors += 1;
        let _ = self.out.flush();
        let _ = write!(self.err, "{}", d.render());
        let _ = self.err.flush();
    }

    /// A plain error line on the error stream.
    pub(crate) fn complain(&mut self, msg: impl std::fmt::Display) {
        self.errors += 1;
        let _ = self.out.flush();
        let _ = writeln!(self.err, "error: {msg}");
        let _ = self.err.flush();
    }

    /// Forget every variable and loaded function.
    pub fn reset(&mut self) {
        self.interp.flush();
        self.interp = Interpreter::new((self.make_options)(), Box::new(self.out.clone()));
        self.scope = Default::default();
        self.frame.clear();
        self.functions.clear();
        self.saved.clear();
        self.refresh_shared();
    }

    /// Names of the configured connections (empty when none or unreadable).
    pub fn connection_names(&mut self) -> Result<Vec<String>, Diag> {
        match self.interp.http() {
            Ok(client) => Ok(client.connection_names()),
            Err(e) => {
                // `http()` consumed the HTTP options; restore them so a later
                // call retries with the same settings (and reports the error there).
                self.interp.options.http = (self.make_options)().http;
                Err(e.to_diag())
            }
        }
    }

    /// Load connection names for completion (errors are left for first use).
    pub fn load_connections(&mut self) {
        if let Ok(names) = self.connection_names() {
            self.shared.borrow_mut().connections = names;
        }
    }

    /// Variables assigned so far, in order of first appearance, with values.
    pub fn variables(&self) -> Vec<(String, Value)> {
        self.scope
            .slot_names
            .iter()
            .enumerate()
            // `_` (the last value) is not a variable the user made.
            .filter(|(_, n)| self.scope.is_assigned(n) && n.as_ref() != "_")
            .map(|(i, n)| {
                (
                    n.to_string(),
                    self.frame.get(i).cloned().unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    fn refresh_shared(&mut self) {
        let vars = self.variables();
        let mut shared = self.shared.borrow_mut();
        shared.vars = vars;
        shared.functions = self.functions.clone();
    }
}

/// `Text`, `Number`, `Map` … as shown after a value.
pub fn type_label(v: &Value) -> String {
    let short = v.type_tag().short_name();
    let mut chars = short.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Read entries from a non-terminal stdin: no prompts, no colours. Lines
/// accumulate until the parser says the entry is complete; a following line
/// starting with `else` joins the `if` before it. Blank lines inside an
/// incomplete entry are kept (scripts have them).
///
/// A line that is not UTF-8 is reported (`deluge::encoding`, with its line
/// number) and skipped together with the entry it belongs to; the session
/// goes on and exits 1 at the end.
pub fn run_piped(session: &mut Session, input: impl BufRead) -> i32 {
    let mut lines = PipedLines::new(input).peekable();
    let mut pending = PendingEntry::default();
    // The entry being gathered holds a line that was not UTF-8: it is read
    // to its end (so the lines after it are not taken for new entries) and
    // then dropped.
    let mut poisoned = false;
    while let Some(line) = lines.next() {
        let line = match line {
            Ok(l) => l,
            Err((lossy, d)) => {
                session.report(&d);
                poisoned = true;
                lossy
            }
        };
        pending.push(&line);
        if !pending.is_complete() {
            continue;
        }
        if poisoned {
            pending.clear();
            poisoned = false;
            continue;
        }
        if let Some(Ok(next) | Err((next, _))) = lines.peek()
            && starts_with_word(next, "else")
        {
            continue;
        }
        if session.entry(&pending.take()) == Outcome::Quit {
            return i32::from(session.errors > 0);
        }
    }
    if !pending.is_empty() && !poisoned {
        session.entry(&pending.take());
    }
    i32::from(session.errors > 0)
}

/// The lines of piped input (without `\n` / `\r\n`); a line that is not
/// UTF-8 comes with a diagnostic (and its lossy text), a read error is a
/// diagnostic that ends the input.
struct PipedLines<R> {
    input: R,
    line_no: usize,
    done: bool,
}

impl<R: BufRead> PipedLines<R> {
    fn new(input: R) -> Self {
        PipedLines {
            input,
            line_no: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for PipedLines<R> {
    type Item = Result<String, (String, Diag)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buf = Vec::new();
        match self.input.read_until(b'\n', &mut buf) {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                self.done = true;
                return Some(Err((
                    String::new(),
                    Diag::new(
                        crate::code::Code::DelugeIo,
                        format!("cannot read standard input: {e}"),
                    ),
                )));
            }
        }
        self.line_no += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        Some(String::from_utf8(buf).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let col = String::from_utf8_lossy(&e.as_bytes()[..at]).chars().count() + 1;
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let d = Diag::new(
                crate::code::Code::DelugeEncoding,
                format!(
                    "line {} of the input is not UTF-8 text: invalid byte 0x{:02X} at column {col}; the entry was skipped",
                    self.line_no,
                    e.as_bytes()[at]
                ),
            )
            .with_help("Deluge source is UTF-8: convert the input first (e.g. `iconv -f latin1 -t utf-8`)");
            (lossy, d)
        }))
    }
}

/// Lines gathered into one entry until the parser says it is complete.
#[derive(Default)]
struct PendingEntry(String);

impl PendingEntry {
    /// Add a line; an entry that is only blank lines is dropped.
    fn push(&mut self, line: &str) {
        if !self.0.is_empty() {
            self.0.push('\n');
        }
        self.0.push_str(line);
        if self.0.trim().is_empty() {
            self.0.clear();
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn is_complete(&self) -> bool {
        !self.0.is_empty() && completeness(&self.0) != Completeness::Incomplete
    }

    fn take(&mut self) -> String {
        std::mem::take(&mut self.0)
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

fn starts_with_word(line: &str, word: &str) -> bool {
    let t = line.trim_start();
    t.len() >= word.len()
        && t[..word.len()].eq_ignore_ascii_case(word)
        && !t[word.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The interactive loop: prompts `dlg> ` and `...> `, rustyline editing,
/// completion, hints, highlighting and persistent history.
pub fn run_interactive(session: &mut Session, history_path: Option<std::path::PathBuf>) -> i32 {
    use rustyline::error::ReadlineError;
    use rustyline::{CompletionType, Config, Editor};

    session.show_types = true;
    session.load_connections();
    // Ctrl-C while an entry runs stops that entry, not the REPL (while
    // typing, the line editor reads Ctrl-C as a key).
    let _ = ctrlc::set_handler(|| {
        crate::eval::INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .history_ignore_space(true)
        .max_history_size(history::MAX_ENTRIES)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<helper::DlgHelper, rustyline::history::FileHistory> =
        match Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("dlg repl: cannot start the line editor: {e}");
                return 2;
            }
        };
    editor.set_helper(Some(helper::DlgHelper::new(session.shared())));
    if let Some(path) = &history_path {
        let _ = editor.load_history(path);
    }
    println!(
        "dlg {} REPL: type :help for commands, Ctrl-D to quit",
        env!("CARGO_PKG_VERSION")
    );
    let mut pending = PendingEntry::default();
    loop {
        let prompt = if pending.is_empty() { "dlg> " } else { "...> " };
        match editor.readline(prompt) {
            Ok(line) => {
                let ends_blank = line
                    .rsplit('\n')
                    .next()
                    .is_some_and(|l| l.trim().is_empty());
                if ends_blank
                    && (!pending.is_empty() || line.contains('\n'))
                    && completeness(&format!("{}\n{line}", pending.0)) == Completeness::Incomplete
                {
                    // A blank line abandons an incomplete entry.
                    pending.clear();
                    session.shared().borrow_mut().pending.clear();
                    continue;
                }
                pending.push(&line);
                if !pending.is_complete() {
                    session.shared().borrow_mut().pending = pending.0.clone();
                    continue;
                }
                session.shared().borrow_mut().pending.clear();
                let entry = pending.take();
                if let Some(path) = &history_path
                    && history::should_save(&entry)
                {
                    let _ = editor.add_history_entry(entry.as_str());
                    let _ = history::append(&mut editor, path);
                }
                crate::eval::INTERRUPTED.store(false, std::sync::atomic::Ordering::Relaxed);
                if session.entry(&entry) == Outcome::Quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C clears the line or abandons an incomplete entry.
                pending.clear();
                session.shared().borrow_mut().pending.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("dlg repl: {e}");
                return 1;
            }
        }
    }
    0
}
