//! Calls: user functions in the same file, functions in library files
//! (`standalone.fn(…)`, `automation.fn(…)`, `thisapp.fn(…)`), builtins.

use rustc_hash::FxHashMap;
use std::path::Path;
use std::rc::Rc;

use super::{Interpreter, RtError, RtResult};
use crate::builtins;
use crate::diag::SourceFile;
use crate::syntax::ast::{Function, Span};
use crate::value::Value;

/// Namespaces whose calls resolve to user functions in library files.
const USER_NAMESPACES: &[&str] = &["standalone", "automation", "thisapp", "button", "workflow"];

pub(super) fn call_user(
    interp: &mut Interpreter,
    function: &Rc<Function>,
    source: &SourceFile,
    args: Vec<Value>,
    _call_span: Option<Span>,
) -> RtResult<Value> {
    if args.len() != function.params.len() {
        return Err(RtError::runtime(format!(
            "function '{}' takes {} argument{} but {} {} given",
            function.qualified_name,
            function.params.len(),
            if function.params.len() == 1 { "" } else { "s" },
            args.len(),
            if args.len() == 1 { "was" } else { "were" },
        ))
        .with_help(format!(
            "the function is declared as {} {}({})",
            function.return_type,
            function.qualified_name,
            function
                .params
                .iter()
                .map(|p| format!("{} {}", p.type_name, p.name))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if interp.depth >= interp.options.max_depth {
        return Err(RtError::limit(format!(
            "Maximum function call depth of {} exceeded",
            interp.options.max_depth
        ))
        .with_help("the recursion probably never stops; Zoho allows 75 nested calls"));
    }
    // Parameters own the first slots, in order: the argument vector becomes
    // the frame.
    let mut frame = args;
    frame.resize(function.slot_names.len().max(frame.len()), Value::Null);
    interp.depth += 1;
    let saved = std::mem::replace(&mut interp.source, source.clone());
    let result = interp.exec_body(&function.body, &mut frame);
    interp.source = saved;
    interp.depth -= 1;
    result
}

impl Interpreter {
    /// `name(args)`: a function of this file, else a builtin.
    pub(super) fn call_named(
        &mut self,
        name: &str,
        args: Vec<Value>,
        span: Span,
    ) -> RtResult<Value> {
        if let Some((f, src)) = self.functions.get(name) {
            let (f, src) = (f.clone(), src.clone());
            return call_user(self, &f, &src, args, Some(span));
        }
        let mut buf = [0u8; 64];
        let lname_owned;
        let lname: &str = if name.len() <= buf.len() && name.is_ascii() {
            buf[..name.len()].copy_from_slice(name.as_bytes());
            buf[..name.len()].make_ascii_lowercase();
            std::str::from_utf8(&buf[..name.len()]).unwrap_or(name)
        } else {
            lname_owned = name.to_ascii_lowercase();
            &lname_owned
        };
        if let Some((f, src)) = self.functions.get(lname).cloned() {
            return call_user(self, &f, &src, args, Some(span));
        }
        if let Some(host) = self.options.host_functions
            && let Some(result) = host(self, lname, &args)
        {
            return result;
        }
        if let Some(def) = builtins::function(lname) {
            builtins::check_arity(name, def.min, def.max, args.len())?;
            return (def.f)(self, &args);
        }
        // Most functions also work in free form: `subString(s, 1, 3)`.
        if let Some((recv, rest)) = args.split_first()
            && let Some(id) = builtins::method_id(lname)
            && builtins::method_for(recv, id).is_some()
        {
            return builtins::call_method(self, recv, name, Some(id), rest);
        }
        if self.options.bare_library_calls {
            let lname = lname.to_string();
            self.load_library();
            let found = self.library.as_ref().and_then(|l| l.get(&lname)).cloned();
            if let Some((f, src)) = found {
                return call_user(self, &f, &src, args, Some(span));
            }
        }
        if matches!(lname, "openurl" | "alert" | "sendsms" | "pushnotify") {
            // Creator client actions: recorded, never performed.
            let action = match lname {
                "openurl" => "openUrl",
                "sendsms" => "sendSms",
                "pushnotify" => "pushNotify",
                _ => "alert",
            };
            let detail: Vec<String> = args.iter().map(|a| a.to_display()).collect();
            self.client_action(action, detail.join(", "));
            return Ok(Value::Null);
        }
        Err(unknown_function(name, builtins::function_names()))
    }

    /// `a.b.c(args)` where `a` is not a variable.
    pub(super) fn call_qualified(
        &mut self,
        path: &str,
        args: Vec<Value>,
        span: Span,
    ) -> RtResult<Value> {
        let lpath = path.to_ascii_lowercase();
        if let Some(def) = builtins::function(&lpath) {
            builtins::check_arity(path, def.min, def.max, args.len())?;
            return (def.f)(self, &args);
        }
        let mut segments = lpath.split('.');
        let head = segments.next().unwrap_or("");
        if let Some(result) = self.creator_local_task(&lpath, &args) {
            return result;
        }
        if let Some(result) = self.integration_task(&lpath, &args) {
            return result;
        }
        if head == "zoho" {
            return Err(RtError::unsupported(format!(
                "the integration task `{path}` is not supported yet"
            ))
            .with_help(
                "call the service's REST API with invokeurl and a connection instead, or mock it",
            ));
        }
        let fname = lpath.rsplit('.').next().unwrap_or("").to_string();
        // A function of this file called with its namespace.
        if let Some((f, src)) = self
            .functions
            .get(&lpath)
            .or_else(|| self.functions.get(&fname))
            .cloned()
        {
            return call_user(self, &f, &src, args, Some(span));
        }
        self.load_library();
        let library = self.library.as_ref().expect("library loaded");
        if let Some((f, src)) = library.get(&lpath).or_else(|| library.get(&fname)).cloned() {
            return call_user(self, &f, &src, args, Some(span));
        }
        let known: Vec<String> = library.keys().cloned().collect();
        if USER_NAMESPACES.contains(&head) {
            let mut err = RtError::new(
                "deluge::unknown_function",
                format!("function `{path}` was not found"),
            );
            let hint = did_you_mean(&fname, known.iter().map(|s| s.as_str()));
            err = err.with_help(match hint {
                Some(h) => format!(
                    "did you mean `{h}`? Functions are looked up in *.dg files next to the script and in --lib directories"
                ),
                None => "put a file defining it next to the script, or pass --lib DIR".to_string(),
            });
            return Err(err);
        }
        Err(RtError::unsupported(format!(
            "`{path}` calls a function of another Zoho application or service"
        ))
        .with_help(
            "define it in a *.dg file next to the script (or in --lib DIR) to run it locally",
        ))
    }

    fn load_library(&mut self) {
        if self.library.is_some() {
            return;
        }
        let mut lib = FxHashMap::default();
        let dirs = self.options.lib_dirs.clone();
        for dir in dirs {
            let mut files = Vec::new();
            crate::cli::collect_script_files(Path::new(&dir), &mut files);
            for path in files {
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let Ok(program) = crate::syntax::parse_program(&text) else {
                    continue;
                };
                if program.is_script {
                    continue;
                }
                let source = SourceFile::new(path.display().to_string(), text);
                for f in &program.functions {
                    lib.entry(f.qualified_name.to_ascii_lowercase())
                        .or_insert_with(|| (f.clone(), source.clone()));
                    lib.entry(f.name.to_ascii_lowercase())
                        .or_insert_with(|| (f.clone(), source.clone()));
                }
            }
        }
        self.library = Some(lib);
    }
}

pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let lname = name.to_ascii_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&lname, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

pub(crate) fn unknown_function<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> RtError {
    let err = RtError::new(
        "deluge::unknown_function",
        format!("function '{name}' is not defined"),
    );
    match did_you_mean(name, candidates) {
        Some(h) => err.with_help(format!("did you mean `{h}`?")),
        None => err.with_help("`dlg builtins` lists every supported function"),
    }
}
