//! Test built-ins that run other code and look at Creator state:
//!
//! - `run(path, argumentMap[, fixtureFile])`: run a bare script or a
//!   function file (`path::name` picks one function of a file of several)
//!   with arguments by name (a Creator form script also reads them as its
//!   submission, `input.Field`), answered by `fixtureFile` (default: the test's
//!   own fixtures), as often as a test likes. Returns a map: `info` (the
//!   lines it printed), `result` (a function's return value), `requests`,
//!   `tasks`, `mails`, `actions` (client actions such as `alert`,
//!   `openUrl`), and `error` / `code` when it failed. The script shares the
//!   test's Creator records. A call its fixtures do not answer fails the
//!   test (even when the script catches it), and so does a fixture entry
//!   no `run` of the test used (checked when the test ends).
//! - `records(form[, criteria])`: the records of a Creator form matching a
//!   criteria text (`"Status == \"Open\" && Amount > 100"`), all without one.
//! - `actions()`: the client actions the test performed so far.
//!
//! Paths are relative to the test file's folder and stay inside the project.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::code::Code;
use crate::diag::SourceFile;
use crate::eval::{Interpreter, Options, RtError, RtResult};
use crate::http::mock::MockSet;
use crate::value::{Key, MapData, Value};

thread_local! {
    /// Fixture files of `run(…)` calls with a file of their own, during
    /// the current test (checked for unused entries when it ends).
    static RUN_FIXTURES: RefCell<Vec<Arc<MockSet>>> = const { RefCell::new(Vec::new()) };
}

/// Forget the fixtures of an earlier test on this thread.
pub fn reset() {
    RUN_FIXTURES.with(|f| f.borrow_mut().clear());
}

/// Entries of the `run(…)` fixture files of the test that just ran used a
/// wrong number of times (summed over its `run` calls).
pub fn usage_problems() -> Vec<String> {
    RUN_FIXTURES.with(|f| {
        let sets = std::mem::take(&mut *f.borrow_mut());
        let mut out = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        for m in &sets {
            if seen.contains(&m.path) {
                continue;
            }
            seen.push(m.path.clone());
            // Every run of one file shares one parsed set (see `fixtures`).
            out.extend(m.usage_problems());
        }
        out
    })
}

fn failure(message: String, help: &str) -> RtError {
    RtError::new(Code::DlgAssert, message).with_help(help.to_string())
}

/// A path given to a test built-in, relative to the calling file's folder.
fn resolve(interp: &Interpreter, name: &str, what: &str) -> RtResult<PathBuf> {
    let dir = Path::new(&*interp.source().name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    crate::http::mock::paths::confined(&dir, name).map_err(|why| {
        RtError::new(Code::DlgUsage, format!("{what} \"{name}\": {why}")).with_help(
            "paths are relative to the test file's folder and must stay inside the project",
        )
    })
}

/// The fixture set of a `run`: a fresh parse per file and test, shared by
/// the test's runs of that file so their use adds up.
fn run_fixtures(path: &Path) -> RtResult<Arc<MockSet>> {
    if let Some(m) = RUN_FIXTURES.with(|f| f.borrow().iter().find(|m| m.path == path).cloned()) {
        return Ok(m);
    }
    let m = Arc::new(MockSet::load(path).map_err(RtError::from_diag)?);
    RUN_FIXTURES.with(|f| f.borrow_mut().push(m.clone()));
    Ok(m)
}

/// Options for a nested run: the test's, with other fixtures if given.
fn child_options(parent: &Options, fixtures: Option<Arc<MockSet>>) -> Options {
    let mut http = parent.http.clone();
    if let Some(m) = fixtures {
        http = crate::http::HttpOptions {
            mock_path: Some(m.path.clone()),
            mock_loaded: crate::http::LoadedMocks::with(m),
            ..http
        };
    }
    Options {
        max_statements: parent.max_statements,
        max_depth: parent.max_depth,
        tz: parent.tz,
        now: parent.now,
        login_user: parent.login_user.clone(),
        login_user_id: parent.login_user_id.clone(),
        admin_user: parent.admin_user.clone(),
        admin_user_id: parent.admin_user_id.clone(),
        lib_dirs: parent.lib_dirs.clone(),
        project: parent.project.clone(),
        search_root: parent.search_root.clone(),
        http,
        default_connection: parent.default_connection.clone(),
        engine: parent.engine,
        creator: parent.creator.clone(),
        // No test built-ins inside (the code under test runs as in
        // `dlg run`), but mail stays quiet.
        host_functions: Some(super::builtins::none),
        bare_library_calls: true,
    }
}

fn text_list(lines: &[String]) -> Value {
    Value::new_list(lines.iter().map(|l| Value::text(l.clone())).collect())
}

/// An argument by name: exact spelling first, then ignoring case.
fn argument(map: Option<&MapData>, name: &str) -> Value {
    let Some(m) = map else {
        return Value::Null;
    };
    if let Some(v) = m.get(&Key::text(name)) {
        return v.clone();
    }
    m.iter()
        .find(|(k, _)| k.to_string().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null)
}

/// `run(path, args[, fixtures])`.
pub fn run(interp: &mut Interpreter, args: &[Value]) -> RtResult<Value> {
    let spec = args[0].to_display();
    let (file, function) = match spec.rsplit_once("::") {
        Some((f, name)) => (f.to_string(), Some(name.to_string())),
        None => (spec.clone(), None),
    };
    let path = resolve(interp, &file, "run")?;
    let arg_map = match args.get(1) {
        Some(Value::Map(m)) => Some(m.borrow().clone()),
        Some(Value::Null) | None => None,
        Some(other) => {
            return Err(failure(
                format!(
                    "run: the arguments must be a KEY-VALUE map, found {}",
                    other.type_tag().deluge_name()
                ),
                "pass the arguments by name: run(\"f.dg\", {\"id\": 1})",
            ));
        }
    };
    let fixtures = match args.get(2) {
        Some(Value::Null) | None => None,
        Some(f) => Some(run_fixtures(&resolve(
            interp,
            &f.to_display(),
            "run fixtures",
        )?)?),
    };
    // Listing what a failing test reaches (placeholders answer): the run's
    // own fixtures answer the same way.
    let listing = interp
        .options
        .http
        .mock_set()
        .ok()
        .flatten()
        .is_some_and(|m| m.placeholders());
    let text = std::fs::read(&path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| failure(format!("run: cannot read {}: {e}", path.display()), ""))?;
    let source = SourceFile::new(path.display().to_string(), text.as_str());
    let program = crate::syntax::parse_program(&text)
        .map_err(|e| RtError::from_diag(crate::syntax::syntax_diag(&e, &source)))?;
    let main = if program.is_script {
        program.functions[0].clone()
    } else {
        let found = match &function {
            Some(want) => program.functions.iter().find(|f| {
                f.name.eq_ignore_ascii_case(want) || f.qualified_name.eq_ignore_ascii_case(want)
            }),
            None => program.functions.first(),
        };
        found.cloned().ok_or_else(|| {
            failure(
                format!(
                    "run: {} defines no function {}",
                    path.display(),
                    function.as_deref().unwrap_or("")
                ),
                "name one of its functions: run(\"file.dg::name\", {…})",
            )
        })?
    };
    let child_set = match &fixtures {
        Some(m) => Some(m.clone()),
        None => interp.options.http.mock_set().ok().flatten(),
    };
    if listing && let Some(set) = &child_set {
        super::scaffold::Shapes::of(&program).answer_placeholders(set);
    }
    let call_args: Vec<Value> = main
        .params
        .iter()
        .map(|p| argument(arg_map.as_ref(), &p.name))
        .collect();

    let lines: Rc<RefCell<Vec<String>>> = Rc::default();
    let mut child = Interpreter::new(
        child_options(&interp.options, fixtures),
        Box::new(std::io::sink()),
    );
    let sink = lines.clone();
    child.set_info_hook(Box::new(move |line| {
        sink.borrow_mut().push(line.to_string());
        Ok(())
    }));
    // The script works on the test's Creator records; a form script reads
    // its arguments as the submission (`input.Field`).
    child.creator = std::mem::take(&mut interp.creator);
    let actions_before = child.creator.actions.len();
    let reads_input = !crate::creator::input_fields_read(&program).is_empty();
    let outer_input = reads_input.then(|| {
        child
            .creator
            .replace_input(Some(Value::new_map(arg_map.clone().unwrap_or_default())))
    });
    let outcome = if program.is_script {
        child
            .run_script_with_args(&program, &source, call_args)
            .map(|()| Value::Null)
    } else {
        child.register_program(&program, &source);
        child.call_function(&main, &source, call_args, None)
    };
    if let Some(previous) = outer_input {
        child.creator.replace_input(previous);
    }
    interp.creator = std::mem::take(&mut child.creator);

    let mut result = MapData::default();
    result.insert(Key::text("info"), text_list(&lines.borrow()));
    match &outcome {
        Ok(v) => {
            result.insert(Key::text("result"), v.clone());
        }
        Err(e) => {
            result.insert(Key::text("result"), Value::Null);
            result.insert(Key::text("error"), Value::text(e.message.clone()));
            result.insert(Key::text("code"), Value::text(e.code.as_str()));
        }
    }
    result.insert(Key::text("requests"), super::builtins::requests(&child));
    result.insert(Key::text("tasks"), super::builtins::tasks(&child));
    result.insert(Key::text("stubs"), super::builtins::stubs(&child));
    result.insert(Key::text("mails"), Value::new_list(child.mails.clone()));
    let actions: Vec<Value> = interp.creator.actions[actions_before..]
        .iter()
        .map(action_value)
        .collect();
    result.insert(Key::text("actions"), Value::new_list(actions));
    // Calls nothing answered fail the test, caught or not.
    let unmocked = super::unanswered_calls(&child);
    if !listing && !unmocked.is_empty() {
        return Err(failure(
            format!("run(\"{spec}\"): {}", unmocked.join("\n")),
            "add fixtures for these calls (dlg fixtures FILE writes a skeleton)",
        ));
    }
    Ok(Value::new_map(result))
}

fn action_value(a: &crate::creator::ClientAction) -> Value {
    let mut m = MapData::default();
    m.insert(Key::text("action"), Value::text(a.action.clone()));
    m.insert(Key::text("detail"), Value::text(a.detail.clone()));
    Value::new_map(m)
}

/// `actions()`: the client actions so far.
pub fn actions(interp: &mut Interpreter) -> Value {
    Value::new_list(interp.creator.actions.iter().map(action_value).collect())
}

/// `records(form[, criteria])`.
pub fn records(interp: &mut Interpreter, args: &[Value]) -> RtResult<Value> {
    let form_name = args[0].to_display();
    let criteria_text = match args.get(1) {
        Some(Value::Null) | None => String::new(),
        Some(c) => c.to_display(),
    };
    let criteria = crate::syntax::parse_criteria(&criteria_text).map_err(|e| {
        failure(
            format!("records: invalid criteria `{criteria_text}`: {}", e.message),
            "write it as in a fetch: Status == \"Open\" && Amount > 100",
        )
    })?;
    let name = crate::syntax::ast::Name {
        name: Rc::from(form_name.as_str()),
        span: Default::default(),
    };
    let Some(form) = interp.lookup_form(&name)? else {
        return Ok(Value::new_list(Vec::new()));
    };
    let rows = interp.creator_fetch(&form, &criteria, None)?;
    Ok(Value::new_list(rows))
}
