//! The tree-walking interpreter. Synchronous: HTTP calls block on the
//! client's own runtime. Each user-function call gets a flat frame of slots.

mod calls;
mod compile;

mod expr;
use crate::builtins::ops;
mod stmt;
mod tasks;

use rustc_hash::FxHashMap;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use chrono::{NaiveDateTime, TimeZone};

pub use crate::error::{RtError, RtResult};
pub(crate) use calls::did_you_mean;
pub use ops::binary_op;
pub(crate) use tasks::body_value;
pub use tasks::{INVOKEURL_KEYS, response_value};

use crate::diag::SourceFile;
use crate::http::{HttpClient, HttpOptions};
use crate::syntax::ast::{Function, Program, Span, Stmt};
use crate::value::{DateTime, ErrorInfo, Value};

/// Zoho CRM's limit on executed statements per function.
pub const DEFAULT_MAX_STATEMENTS: u64 = 200_000;
/// Zoho's limit on nested/recursive function calls per execution.
pub const DEFAULT_MAX_DEPTH: usize = 75;

#[derive(Debug)]
pub struct Options {
    pub max_statements: u64,
    pub max_depth: usize,
    /// Time zone for `zoho.currenttime`, `toString(pattern)` and friends.
    pub tz: chrono_tz::Tz,
    /// Fixed "now" (tests), else the clock.
    pub now: Option<NaiveDateTime>,
    pub login_user: String,
    pub login_user_id: String,
    pub admin_user: String,
    pub admin_user_id: String,
    /// Where `standalone.fn(…)` and friends are looked up first: the
    /// script's folder and `--lib` paths (files or directories), in order.
    pub lib_dirs: Vec<PathBuf>,
    /// The project (`dlg.toml`), if one was found.
    pub project: Option<std::sync::Arc<crate::project::Project>>,
    /// Searched last for helpers: the project root, else (no `dlg.toml`)
    /// the git work tree or current directory holding the script.
    pub search_root: Option<PathBuf>,
    pub http: HttpOptions,
    /// Connection for integration tasks that name none (`--default-connection`).
    pub default_connection: Option<String>,
    /// Which execution engine runs function bodies.
    pub engine: Engine,
    /// Creator records: database, schema, `input.` submission.
    pub creator: crate::creator::CreatorOptions,
    /// Extra functions offered by the host (the test built-ins of `dlg
    /// test`), tried before the built-ins for plain `name(…)` calls.
    pub host_functions: Option<HostFunctions>,
    /// Plain `name(…)` calls reach functions of library and project files
    /// in every run now (see `project::lookup`); kept so callers that set
    /// it still compile.
    pub bare_library_calls: bool,
}

/// The execution engine. `Compiled` (the default) lowers each function body
/// once into closures specialised by node shape; `Walker` interprets the
/// syntax tree directly. `DLG_ENGINE=walker` selects the walker (the
/// differential test runs every golden case under both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Compiled,
    Walker,
}

impl Engine {
    pub fn from_env() -> Engine {
        match std::env::var("DLG_ENGINE") {
            Ok(v) if v.eq_ignore_ascii_case("walker") => Engine::Walker,
            _ => Engine::Compiled,
        }
    }
}

/// A host's extra functions: `Some(result)` when it knows `name`
/// (lower-case).
pub type HostFunctions = fn(&mut Interpreter, &str, &[Value]) -> Option<RtResult<Value>>;

impl Default for Options {
    fn default() -> Self {
        Options {
            max_statements: DEFAULT_MAX_STATEMENTS,
            max_depth: DEFAULT_MAX_DEPTH,
            tz: chrono_tz::UTC,
            now: None,
            login_user: "dlg".into(),
            login_user_id: "dlg@localhost".into(),
            admin_user: "dlg".into(),
            admin_user_id: "dlg@localhost".into(),
            lib_dirs: Vec::new(),
            project: None,
            search_root: None,
            http: HttpOptions::default(),
            default_connection: None,
            engine: Engine::from_env(),
            creator: Default::default(),
            host_functions: None,
            bare_library_calls: false,
        }
    }
}

/// How a statement list finished.
pub(crate) enum Flow {
    Next,
    Break,
    Continue,
    Return(Value),
}

/// Set by the REPL's Ctrl-C handler: the running evaluation stops with a
/// `deluge::limit` error (the process goes on) at its next user call or
/// loop iteration (the walker: at its next statement).
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub struct Interpreter {
    pub options: Options,
    out: Box<dyn Write>,
    statements: u64,
    depth: usize,
    /// Source of the function being run (errors point into it).
    source: SourceFile,
    /// User functions visible to bare calls, by lower-case name.
    functions: FxHashMap<String, (Rc<Function>, SourceFile)>,
    /// `standalone.fn` & co. looked up in library and project files.
    library: Option<crate::project::lookup::Library>,
    http: Option<HttpClient>,
    /// Compiled bodies by function identity. Entries are never removed while
    /// the interpreter lives: call sites keep raw pointers to them.
    compiled: FxHashMap<*const Function, Rc<compile::CompiledFn>>,
    /// Bumped whenever `functions` changes, so bound call sites re-resolve.
    fn_generation: u64,
    /// Creator store, submission and recorded client actions.
    pub(crate) creator: crate::creator::Session,
    /// Loaded `[[task]]` fixtures.
    pub(crate) natives: crate::natives::fixtures::State,
    /// Receives each `info` line instead of `out` (`dlg run --format json`).
    info_hook: Option<InfoHook>,
    /// Messages of `sendmail` tasks (never sent from a local run).
    pub mails: Vec<Value>,
}

/// A receiver for `info` lines (one call per line, without the newline).
pub type InfoHook = Box<dyn FnMut(&str) -> std::io::Result<()>>;

impl Interpreter {
    pub fn new(options: Options, out: Box<dyn Write>) -> Interpreter {
        Interpreter {
            options,
            out,
            statements: 0,
            depth: 0,
            source: SourceFile::new("<input>", ""),
            functions: FxHashMap::default(),
            library: None,
            http: None,
            compiled: FxHashMap::default(),
            fn_generation: 1,
            creator: Default::default(),
            natives: Default::default(),
            info_hook: None,
            mails: Vec::new(),
        }
    }

    /// Send `info` lines to `hook` instead of the output writer.
    pub fn set_info_hook(&mut self, hook: InfoHook) {
        self.info_hook = Some(hook);
    }

    /// Make a program's functions callable by name.
    pub fn register_program(&mut self, program: &Program, source: &SourceFile) {
        self.fn_generation += 1;
        for f in &program.functions {
            if program.is_script {
                continue;
            }
            // Exact spelling first: most calls match it, so no case folding.
            self.functions
                .insert(f.name.clone(), (f.clone(), source.clone()));
            self.functions
                .insert(f.name.to_ascii_lowercase(), (f.clone(), source.clone()));
            self.functions.insert(
                f.qualified_name.to_ascii_lowercase(),
                (f.clone(), source.clone()),
            );
        }
    }

    /// Run a bare script (the program's only function).
    pub fn run_script(&mut self, program: &Program, source: &SourceFile) -> RtResult<()> {
        self.run_script_with_args(program, source, Vec::new())
    }

    /// Run a bare script with values for its arguments (the names it reads
    /// but never assigns, `params` of its function), in that order; missing
    /// ones are null.
    pub fn run_script_with_args(
        &mut self,
        program: &Program,
        source: &SourceFile,
        args: Vec<Value>,
    ) -> RtResult<()> {
        self.register_program(program, source);
        let main = program.functions[0].clone();
        let mut frame = vec![Value::Null; main.slot_names.len()];
        for (p, v) in main.params.iter().zip(args) {
            frame[p.slot as usize] = v;
        }
        self.source = source.clone();
        if self.options.engine == Engine::Compiled {
            let compiled = self.compiled_fn(&main, source);
            compiled.run_body(self, &mut frame)?;
            return Ok(());
        }
        self.exec_body(&main.body, &mut frame)?;
        Ok(())
    }

    /// Call a function with already-evaluated arguments.
    pub fn call_function(
        &mut self,
        function: &Rc<Function>,
        source: &SourceFile,
        args: Vec<Value>,
        call_span: Option<Span>,
    ) -> RtResult<Value> {
        calls::call_user(self, function, source, args, call_span)
    }

    /// Run statements in a frame that persists between calls (the REPL).
    pub fn run_statements(
        &mut self,
        stmts: &[Stmt],
        frame: &mut Vec<Value>,
        slots: usize,
        source: &SourceFile,
    ) -> RtResult<()> {
        if frame.len() < slots {
            frame.resize(slots, Value::Null);
        }
        self.source = source.clone();
        self.statements = 0;
        if self.options.engine == Engine::Compiled {
            let block = compile::Block::new(stmts);
            block.run(self, frame)?;
            return Ok(());
        }
        match self.exec_block(stmts, frame)? {
            Flow::Return(_) | Flow::Next | Flow::Break | Flow::Continue => Ok(()),
        }
    }

    pub fn eval_expression(
        &mut self,
        e: &crate::syntax::ast::Expr,
        frame: &mut Vec<Value>,
        slots: usize,
        source: &SourceFile,
    ) -> RtResult<Value> {
        if frame.len() < slots {
            frame.resize(slots, Value::Null);
        }
        self.source = source.clone();
        self.statements = 0;
        self.eval(e, frame)
    }

    fn exec_body(&mut self, body: &[Stmt], frame: &mut [Value]) -> RtResult<Value> {
        match self.exec_block(body, frame)? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::Null),
        }
    }

    /// Write one `info` line.
    pub fn info(&mut self, text: &str) -> RtResult<()> {
        match &mut self.info_hook {
            Some(hook) => hook(text),
            None => writeln!(self.out, "{text}"),
        }
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                RtError::output_closed()
            } else {
                RtError::runtime(format!("cannot write output: {e}"))
            }
        })
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// The current instant in the configured time zone, as local wall time.
    pub fn now(&self) -> NaiveDateTime {
        if let Some(now) = self.options.now {
            return now;
        }
        let utc = chrono::Utc::now().naive_utc();
        self.options.tz.from_utc_datetime(&utc).naive_local()
    }

    pub fn today(&self) -> DateTime {
        DateTime {
            at: self.now().date().and_hms_opt(0, 0, 0).expect("midnight"),
            has_time: false,
        }
    }

    pub fn http(&mut self) -> RtResult<&HttpClient> {
        if self.http.is_none() {
            let client = HttpClient::new(self.options.http.clone()).map_err(RtError::from_diag)?;
            self.http = Some(client);
        }
        Ok(self.http.as_ref().expect("just created"))
    }

    /// The HTTP client, if the run has made (or tried) a request.
    pub fn http_client(&self) -> Option<&HttpClient> {
        self.http.as_ref()
    }

    /// Call a function by name as a script would: `fn`, `standalone.fn`.
    pub fn call_by_name(&mut self, name: &str, args: Vec<Value>) -> RtResult<Value> {
        let span = Span::default();
        if name.contains('.') {
            self.call_qualified(name, args, span)
        } else {
            self.call_named(name, args, span)
        }
    }

    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    pub fn statements_executed(&self) -> u64 {
        self.statements
    }

    fn count_statement(&mut self) -> RtResult<()> {
        self.statements += 1;
        if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
            INTERRUPTED.store(false, std::sync::atomic::Ordering::Relaxed);
            return Err(RtError::limit("interrupted (Ctrl-C)")
                .with_help("the REPL keeps its variables; the entry stopped here"));
        }
        if self.statements > self.options.max_statements {
            return Err(self.statement_limit_error());
        }
        Ok(())
    }

    /// Count one statement, failing at `span` past the limit (compiled
    /// engine). Ctrl-C is looked for where running code can repeat (each
    /// loop iteration, `tick_polling`, and each user call, `stop_requested`),
    /// not at every statement.
    #[inline(always)]
    pub(crate) fn tick(&mut self, span: Span) -> RtResult<()> {
        self.statements += 1;
        if self.statements > self.options.max_statements {
            return Err(self.stop_error().at(span, &self.source));
        }
        Ok(())
    }

    /// `tick`, and stop here if Ctrl-C was pressed.
    #[inline(always)]
    pub(crate) fn tick_polling(&mut self, span: Span) -> RtResult<()> {
        self.statements += 1;
        if self.statements > self.options.max_statements || Self::stop_requested() {
            return Err(self.stop_error().at(span, &self.source));
        }
        Ok(())
    }

    /// Whether Ctrl-C asked the running evaluation to stop (the REPL).
    #[inline(always)]
    pub(crate) fn stop_requested() -> bool {
        INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Why `tick` stops: Ctrl-C first (as `count_statement` checks), else
    /// the statement limit.
    #[cold]
    #[inline(never)]
    pub(crate) fn stop_error(&mut self) -> RtError {
        if INTERRUPTED.swap(false, std::sync::atomic::Ordering::Relaxed) {
            return RtError::limit("interrupted (Ctrl-C)")
                .with_help("the REPL keeps its variables; the entry stopped here");
        }
        self.statement_limit_error()
    }

    #[cold]
    #[inline(never)]
    fn statement_limit_error(&self) -> RtError {
        RtError::limit(format!(
            "Execution exceeded the limit of {} statements",
            self.options.max_statements
        ))
        .with_help(
            "the script may loop forever (e.g. a `for each` over a list that the body keeps growing); \
             raise the limit with --max-statements N if the work is genuine",
        )
    }

    pub(crate) fn error_value(err: &RtError) -> Value {
        Value::Error(Rc::new(ErrorInfo {
            message: err.message.clone(),
            line: err.line(),
        }))
    }
}

pub use crate::builtins::unknown_method;

impl crate::builtins::Host for Interpreter {
    fn tz(&self) -> chrono_tz::Tz {
        self.options.tz
    }
    fn now(&self) -> NaiveDateTime {
        Interpreter::now(self)
    }
    fn today(&self) -> DateTime {
        Interpreter::today(self)
    }
    fn send_http(&mut self, req: crate::http::HttpRequest) -> RtResult<crate::http::HttpResponse> {
        self.http()?.send(req).map_err(RtError::from_diag)
    }
}
