//! Call-level fixtures: `[[task]]` entries of the mock file answer
//! `zoho.*` integration tasks at the level the script speaks, and
//! `[[function]]` stubs answer helper functions, without any HTTP or
//! connection. The entries are parsed with the rest of the mock file
//! (`http::mock`, see [`crate::http::mock::calls`] for argument matching).
//!
//! ```toml
//! [[task]]
//! name = "zoho.crm.getRecordById"   # case-insensitive; `*` = any text; a
//!                                   # fixture for zoho.crm.x also answers zoho.crm.v8.x
//! args = ["Leads", "*"]             # optional: positional; text patterns may use `*`,
//!                                   # tables match maps that contain them
//! returns = { id = "1", Last_Name = "Rao" }   # or returns_file = "lead.json" (next to the mock file)
//! # error = "INVALID_DATA"          # instead: the task fails with this message (catchable)
//! times = 1                         # optional use limit
//! expect = { times = 1 }            # dlg test: how often it must be used
//!
//! [[function]]
//! name = "standalone.getToken"      # or "getToken": answers either spelling
//! args = ["crm"]
//! returns = "tok-1"
//! ```
//!
//! The first entry that matches (and has uses left) answers. Every task
//! call is logged (`tasks()` in tests); in mock mode a task call no entry
//! answers is an `http::unmocked` error naming the closest entry, which
//! `dlg test` counts as a failure even when the script catches it.

use crate::code::Code;
use std::sync::Arc;

use crate::eval::{Interpreter, RtError, RtResult};
use crate::http::mock::calls::{CallAnswer, CallKind};
use crate::http::mock::{MockSet, Unanswered};
use crate::value::{Value, from_json, to_json};

/// One `zoho.*` task call of a run.
#[derive(Clone, Debug)]
pub struct TaskRecord {
    /// `crm`, `books`, …
    pub service: String,
    /// As the script spelled it.
    pub name: String,
    pub args: Vec<Value>,
    /// `fixture` ([[task]] entry), `api` (its REST call) or `none` (failed
    /// before answering).
    pub answered_by: &'static str,
    pub error: Option<String>,
    /// In mock mode, why no fixture answered (a test failure).
    pub unmocked: Option<String>,
    /// HTTP requests the call made (indexes into the client's exchanges).
    pub requests: std::ops::Range<usize>,
}

/// One call of a helper answered by a `[[function]]` stub.
#[derive(Clone, Debug)]
pub struct FunctionRecord {
    pub name: String,
    pub args: Vec<Value>,
}

/// Per-run log of calls answered at the call level.
#[derive(Default)]
pub struct State {
    pub tasks: Vec<TaskRecord>,
    pub functions: Vec<FunctionRecord>,
}

fn json_args(args: &[Value]) -> Vec<serde_json::Value> {
    args.iter()
        .map(|a| serde_json::from_str(&to_json(a)).unwrap_or(serde_json::Value::Null))
        .collect()
}

fn mocks(interp: &Interpreter) -> RtResult<Option<Arc<MockSet>>> {
    interp.options.http.mock_set().map_err(RtError::from_diag)
}

fn value_of(answer: CallAnswer, what: &str, path: &MockSet) -> RtResult<Value> {
    match answer {
        CallAnswer::Json(j) => Ok(from_json(&j)),
        CallAnswer::Text(t) => Ok(Value::text(t)),
        CallAnswer::Error(m) => Err(RtError::runtime(m).with_help(format!(
            "{what} failed as the fixture in {} says",
            path.path.display()
        ))),
    }
}

/// Note a call no entry answered; with placeholders on (`dlg fixtures`),
/// its placeholder answer.
fn unanswered(
    m: &MockSet,
    kind: CallKind,
    path: &str,
    args: Vec<serde_json::Value>,
) -> Option<Value> {
    let call = Unanswered::Call {
        kind,
        name: path.to_string(),
        args,
    };
    m.note_unanswered(call.clone());
    m.placeholders()
        .then(|| from_json(&m.placeholder_for(&call)))
}

fn exchange_count(interp: &Interpreter) -> usize {
    interp.http_client().map_or(0, |c| c.exchange_count())
}

/// Whether a failed task was answered by nothing: one of its requests had
/// no fixture, or it never got to a request for want of a connection or a
/// REST form. (An argument the task rejects is the script's error, not a
/// missing fixture.)
fn unanswered_failure(interp: &Interpreter, e: &RtError, range: &std::ops::Range<usize>) -> bool {
    let request_unmocked = interp.http_client().is_some_and(|c| {
        c.exchanges().get(range.clone()).is_some_and(|list| {
            list.iter().any(|x| {
                x.error
                    .as_ref()
                    .is_some_and(|(code, _)| code == Code::HttpUnmocked.as_str())
            })
        })
    });
    request_unmocked
        || e.code == Code::HttpUnmocked
        || e.code == Code::DelugeUnsupported
        || e.code.family() == "connection"
        || e.message.contains(super::call::NEEDS_CONNECTION)
}

/// A call shown as the script made it: `zoho.crm.getRecordById("Leads", 5)`.
fn call_text(path: &str, args: &[serde_json::Value]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|a| serde_json::to_string(a).unwrap_or_default())
        .collect();
    format!("{path}({})", shown.join(", "))
}

/// The TOML of an entry answering this call (a suggestion in help texts).
fn suggested_entry(kind: CallKind, path: &str, args: &[serde_json::Value]) -> String {
    let args: Vec<String> = args.iter().map(crate::http::mock::toml_inline).collect();
    format!(
        "{}\nname = \"{path}\"\nargs = [{}]\nreturns = {{}}",
        kind.table(),
        args.join(", ")
    )
}

/// Run `zoho.<service>.<task>(args)` with the fixtures in front: a
/// matching `[[task]]` entry answers, else `rest` runs (the task's REST
/// call, itself answered by `[[request]]` entries in mock mode).
pub fn run_task(
    interp: &mut Interpreter,
    path: &str,
    lpath: &str,
    args: &[Value],
    rest: impl FnOnce(&mut Interpreter) -> RtResult<Value>,
) -> RtResult<Value> {
    let mocks = mocks(interp)?;
    let json = json_args(args);
    let mut record = TaskRecord {
        service: lpath.split('.').nth(1).unwrap_or("").to_string(),
        name: path.to_string(),
        args: args.to_vec(),
        answered_by: "fixture",
        error: None,
        unmocked: None,
        requests: 0..0,
    };
    let found = mocks
        .as_ref()
        .and_then(|m| m.answer_call(CallKind::Task, lpath, &json));
    let result = match (found, &mocks) {
        (Some(answer), Some(m)) => value_of(answer, path, m),
        (_, Some(m)) if m.placeholders() => {
            Ok(unanswered(m, CallKind::Task, path, json.clone()).unwrap_or(Value::Null))
        }
        _ => {
            let before = exchange_count(interp);
            record.answered_by = "api";
            let r = rest(interp);
            record.requests = before..exchange_count(interp);
            match (r, &mocks) {
                (Err(e), Some(m)) if unanswered_failure(interp, &e, &record.requests) => {
                    record.answered_by = "none";
                    unanswered(m, CallKind::Task, path, json.clone());
                    let mut help = format!(
                        "add to {}:\n{}",
                        m.path.display(),
                        suggested_entry(CallKind::Task, path, &json)
                    );
                    let mut problem =
                        format!("no [[task]] fixture answers {}", call_text(path, &json));
                    if let Some(near) = m.near_call(CallKind::Task, lpath, &json) {
                        help.push('\n');
                        help.push_str(&near);
                        problem.push('\n');
                        problem.push_str(&near);
                    }
                    record.unmocked = Some(problem);
                    // With an entry of this name, the near miss is the news;
                    // otherwise the REST path's own error says more (a
                    // misspelt connection, a task without REST form).
                    let named = m
                        .call_entries()
                        .iter()
                        .any(|c| c.kind == CallKind::Task && c.names(lpath));
                    if !named {
                        return finish(interp, record, Err(e));
                    }
                    help.push_str(&format!("\n(without a fixture: {})", e.message));
                    Err(RtError::new(
                        Code::HttpUnmocked,
                        format!(
                            "no fixture for {} (mock mode never uses the network)",
                            call_text(path, &json)
                        ),
                    )
                    .with_help(help))
                }
                (r, _) => r,
            }
        }
    };
    finish(interp, record, result)
}

/// Log a task call with its outcome.
fn finish(
    interp: &mut Interpreter,
    mut record: TaskRecord,
    result: RtResult<Value>,
) -> RtResult<Value> {
    if let Err(e) = &result {
        record.error = Some(e.message.clone());
    }
    interp.natives.tasks.push(record);
    result
}

/// A `[[function]]` stub's answer to a helper call `path` (`lpath` lower
/// case), if one matches. With `missing`, the helper exists nowhere: in
/// `dlg fixtures` it gets a placeholder answer, otherwise it is noted as
/// unanswered (the caller reports it).
pub fn function_stub(
    interp: &mut Interpreter,
    path: &str,
    lpath: &str,
    args: &[Value],
    missing: bool,
) -> RtResult<Option<Value>> {
    let Some(m) = mocks(interp)? else {
        return Ok(None);
    };
    if !missing && !m.has_calls(CallKind::Function) {
        return Ok(None);
    }
    let json = json_args(args);
    if missing {
        return Ok(unanswered(&m, CallKind::Function, path, json));
    }
    let Some(answer) = m.answer_call(CallKind::Function, lpath, &json) else {
        return Ok(None);
    };
    interp.natives.functions.push(FunctionRecord {
        name: path.to_string(),
        args: args.to_vec(),
    });
    value_of(answer, path, &m).map(Some)
}

/// The task calls of a run, in order.
pub fn task_calls(interp: &Interpreter) -> &[TaskRecord] {
    &interp.natives.tasks
}

/// The helper calls stubs answered, in order.
pub fn stubbed_calls(interp: &Interpreter) -> &[FunctionRecord] {
    &interp.natives.functions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interp_with(mock: &str) -> (tempfile::TempDir, Interpreter) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.mock.toml");
        std::fs::write(&path, mock).unwrap();
        let mut options = crate::eval::Options::default();
        options.http.mock_path = Some(path);
        (dir, Interpreter::new(options, Box::new(std::io::sink())))
    }

    #[test]
    fn tasks_are_answered_counted_and_logged() {
        let (_d, mut i) = interp_with(
            r#"
[[task]]
name = "zoho.crm.getRecordById"
args = ["Leads", "12*"]
returns = { id = "123" }
times = 1
"#,
        );
        let args = [Value::text("Leads"), Value::Int(123)];
        let never = |_: &mut Interpreter| -> RtResult<Value> { panic!("no REST call") };
        let v = run_task(
            &mut i,
            "zoho.crm.v8.getRecordById",
            "zoho.crm.v8.getrecordbyid",
            &args,
            never,
        )
        .unwrap();
        assert_eq!(v.to_display(), "{\"id\":\"123\"}");
        // Used up: the REST call runs and its failure becomes a task-level
        // `http::unmocked` naming the entry and the differing argument.
        let other = [Value::text("Leads"), Value::Int(99)];
        let rest = |_: &mut Interpreter| -> RtResult<Value> {
            Err(RtError::new(Code::HttpUnmocked, "no mock for GET …"))
        };
        let e = run_task(
            &mut i,
            "zoho.crm.getRecordById",
            "zoho.crm.getrecordbyid",
            &other,
            rest,
        )
        .unwrap_err();
        assert_eq!(e.code, Code::HttpUnmocked);
        let help = e.help.clone().unwrap_or_default();
        assert!(
            help.contains("argument 2: entry \"12*\", call 99"),
            "{help}"
        );
        let log = task_calls(&i);
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].answered_by, "fixture");
        assert!(log[1].unmocked.as_deref().unwrap().contains("argument 2"));
    }

    #[test]
    fn a_fixture_error_fails_the_task_without_counting_as_unmocked() {
        let (_d, mut i) =
            interp_with("[[task]]\nname = \"zoho.crm.x\"\nerror = \"INVALID_DATA\"\n");
        let never = |_: &mut Interpreter| -> RtResult<Value> { panic!("no REST call") };
        let e = run_task(&mut i, "zoho.crm.x", "zoho.crm.x", &[], never).unwrap_err();
        assert_eq!(e.message, "INVALID_DATA");
        assert!(task_calls(&i)[0].unmocked.is_none());
    }

    #[test]
    fn an_argument_the_task_rejects_is_not_a_missing_fixture() {
        let (_d, mut i) =
            interp_with("[[task]]\nname = \"zoho.crm.getRecordById\"\nargs = [\"Leads\", 1]\n");
        let rejects = |_: &mut Interpreter| -> RtResult<Value> {
            Err(RtError::runtime(
                "argument 2 (record id) is missing or null",
            ))
        };
        let args = [Value::text("Leads"), Value::Null];
        let e = run_task(
            &mut i,
            "zoho.crm.getRecordById",
            "zoho.crm.getrecordbyid",
            &args,
            rejects,
        )
        .unwrap_err();
        assert!(e.message.contains("missing or null"), "{}", e.message);
        assert!(task_calls(&i)[0].unmocked.is_none());
        // No connection to run through: nothing answered it.
        let no_connection = |_: &mut Interpreter| -> RtResult<Value> {
            Err(RtError::runtime(format!(
                "zoho.crm.getRecordById {}: pass its name as argument 4",
                super::super::call::NEEDS_CONNECTION
            )))
        };
        let e = run_task(
            &mut i,
            "zoho.crm.getRecordById",
            "zoho.crm.getrecordbyid",
            &args,
            no_connection,
        )
        .unwrap_err();
        assert_eq!(e.code, Code::HttpUnmocked, "{}", e.message);
        assert!(task_calls(&i)[1].unmocked.is_some());
    }
}
