//! Calls: user functions in the same file, functions in library files
//! (`standalone.fn(…)`, `automation.fn(…)`, `thisapp.fn(…)`), builtins.

use crate::code::Code;
use std::rc::Rc;

use super::{Interpreter, RtError, RtResult};
use crate::builtins;
use crate::diag::SourceFile;
use crate::project::lookup::{Found, Library, Place};
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
        return Err(depth_error(interp));
    }
    // Parameters own the first slots, in order: the argument vector becomes
    // the frame.
    let mut frame = args;
    frame.resize(function.slot_names.len().max(frame.len()), Value::Null);
    if interp.options.engine == super::Engine::Compiled {
        let compiled = interp.compiled_fn(function, source);
        return compiled.invoke(interp, &mut frame);
    }
    interp.depth += 1;
    let saved = std::mem::replace(&mut interp.source, source.clone());
    let result = interp.exec_body(&function.body, &mut frame);
    interp.source = saved;
    interp.depth -= 1;
    result
}

#[cold]
#[inline(never)]
pub(super) fn depth_error(interp: &Interpreter) -> RtError {
    RtError::limit(format!(
        "Maximum function call depth of {} exceeded",
        interp.options.max_depth
    ))
    .with_help("the recursion probably never stops; Zoho allows 75 nested calls")
}

impl Interpreter {
    /// The user function a bare call `name(…)` reaches, if any: the exact
    /// spelling first, then case-insensitively. The compiled engine binds
    /// call sites with this, so it must agree with `call_named`.
    pub(super) fn resolve_user(&self, name: &str) -> Option<&(Rc<Function>, SourceFile)> {
        if let Some(found) = self.functions.get(name) {
            return Some(found);
        }
        self.functions.get(name.to_ascii_lowercase().as_str())
    }

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
        // A helper of another file of the project, called without namespace
        // (a `[[function]]` stub of the mock file answers first).
        let lname = lname.to_string();
        if let Some(v) = crate::natives::fixtures::function_stub(self, name, &lname, &args, false)?
        {
            return Ok(v);
        }
        if let Some((f, src)) = self.find_helper(name, &lname, &lname)? {
            return call_user(self, &f, &src, args, Some(span));
        }
        // A method called in free form on a value it does not apply to
        // (`toDateTime(null, fmt)`): say so rather than "not defined".
        if let Some((recv, rest)) = args.split_first()
            && let Some(id) = builtins::method_id(&lname)
        {
            return builtins::call_method(self, recv, name, Some(id), rest);
        }
        if let Some(v) = crate::natives::fixtures::function_stub(self, name, &lname, &args, true)? {
            return Ok(v);
        }
        Err(unknown_function(
            name,
            builtins::function_names().chain(builtins::method_names()),
        ))
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
        if let Some(result) = self.creator_local_task(&lpath, &args) {
            return result;
        }
        let head = lpath.split('.').next().unwrap_or("");
        if head == "zoho" {
            return self.zoho_task(path, &lpath, &args, span);
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
        if let Some(v) = crate::natives::fixtures::function_stub(self, path, &lpath, &args, false)?
        {
            return Ok(v);
        }
        if let Some((f, src)) = self.find_helper(path, &lpath, &fname)? {
            return call_user(self, &f, &src, args, Some(span));
        }
        if let Some(v) = crate::natives::fixtures::function_stub(self, path, &lpath, &args, true)? {
            return Ok(v);
        }
        if USER_NAMESPACES.contains(&head) {
            return Err(self.helper_not_found(path, &fname));
        }
        Err(RtError::unsupported(format!(
            "`{path}` calls a function of another Zoho application or service"
        ))
        .with_help(
            "define it in a function file of the project (or pass --lib PATH) to run it locally",
        ))
    }

    /// `zoho.<service>.<task>(…)`: an integration task (see `natives`).
    fn zoho_task(
        &mut self,
        path: &str,
        lpath: &str,
        args: &[Value],
        _span: Span,
    ) -> RtResult<Value> {
        crate::natives::run(self, path, lpath, args)
    }

    fn library(&mut self) -> &mut Library {
        if self.library.is_none() {
            let mut places: Vec<Place> = Vec::new();
            for dir in &self.options.lib_dirs {
                let mut place = Place::new(dir.display().to_string(), dir.clone());
                // Folders inside the project follow its globs.
                if let Some(project) = &self.options.project
                    && dir.starts_with(&project.root)
                {
                    place.include = project.functions.clone();
                    place.exclude = project.exclude.clone();
                    place.base = Some(project.root.clone());
                }
                places.push(place);
            }
            if let Some(project) = &self.options.project {
                let mut place = Place::new(
                    format!("the project {}", project.path.display()),
                    project.root.clone(),
                );
                place.include = project.functions.clone();
                place.exclude = project.exclude.clone();
                places.push(place);
            } else if let Some(root) = &self.options.search_root {
                places.push(Place::new(root.display().to_string(), root.clone()));
            }
            self.library = Some(Library::new(places));
        }
        self.library.as_mut().expect("library created")
    }

    /// A function defined in another file of the project (see
    /// `project::lookup`); an error when several files define it.
    pub(super) fn find_helper(
        &mut self,
        path: &str,
        lpath: &str,
        fname: &str,
    ) -> RtResult<Option<(Rc<Function>, SourceFile)>> {
        match self.library().find(lpath, fname) {
            Found::Function(f, src) => Ok(Some((f, src))),
            Found::NotFound => Ok(None),
            Found::Ambiguous(files) => Err(RtError::new(
                Code::DelugeAmbiguousFunction,
                format!(
                    "function `{path}` is defined in {} files: {}",
                    files.len(),
                    files.join(", ")
                ),
            )
            .with_help(
                "rename one of them, call it by its full name (standalone.x / automation.x) if they differ, or leave one out with `exclude` in dlg.toml",
            )),
        }
    }

    fn helper_not_found(&mut self, path: &str, fname: &str) -> RtError {
        let lib = self.library();
        let searched: Vec<String> = lib.places().map(|p| p.label.clone()).collect();
        let misses = lib.near_misses(fname);
        let err = RtError::new(
            Code::DelugeUnknownFunction,
            format!("function `{path}` was not found"),
        );
        if let Some((file, why)) = misses.first() {
            return err.with_help(format!("{file} {why}"));
        }
        let names = lib.all_names();
        let where_ = if searched.is_empty() {
            "no function files were searched".to_string()
        } else {
            format!("searched {}", searched.join(", "))
        };
        match did_you_mean(fname, names.iter().map(|s| s.as_str())) {
            Some(h) => err.with_help(format!("did you mean `{h}`? ({where_})")),
            None => err.with_help(format!(
                "{where_}; define it in a function file of the project (*.dg, *.deluge, *.ds, *.ts, *.txt), add a dlg.toml at the project root, or pass --lib PATH"
            )),
        }
    }
}

pub(crate) use crate::diag::did_you_mean;

pub(crate) fn unknown_function<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> RtError {
    let err = RtError::new(
        Code::DelugeUnknownFunction,
        format!("function '{name}' is not defined"),
    );
    match did_you_mean(name, candidates) {
        Some(h) => err.with_help(format!("did you mean `{h}`?")),
        None => err.with_help("`dlg builtins` lists every supported function"),
    }
}
