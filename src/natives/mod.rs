//! Zoho integration tasks (`zoho.crm.getRecordById(…)` and friends) as
//! data: one table per service, like the built-in tables. Each entry gives
//! the task's documented name, its argument count, where its connection
//! argument sits, and the function that runs it — as the REST call it
//! stands for (through the same named connections as `invokeurl`), or, for
//! services without a REST mapping, only from task-level fixtures
//! (`[[task]]` entries of the mock file, see [`fixtures`]).
//!
//! A call runs in this order: a matching `[[task]]` fixture answers first;
//! then the table entry; a task missing from its service's table, or an
//! unknown service, is `deluge::unsupported` naming the service.

mod books;
mod call;
mod creator;
mod crm;
pub mod fixtures;
mod other;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use call::TaskCall;

use crate::eval::{Interpreter, RtError, RtResult};
use crate::value::Value;

pub type TaskFn = fn(&mut Interpreter, &mut TaskCall) -> RtResult<Value>;

pub struct TaskDef {
    /// Documented spelling: `zoho.crm.getRecordById`.
    pub path: &'static str,
    pub min: usize,
    pub max: usize,
    /// Position (0-based) of the connection argument, if the task has one.
    pub conn_at: Option<usize>,
    /// Also callable as `zoho.<service>.v2.<task>` / `.v8.` (CRM).
    pub versioned: bool,
    pub run: TaskFn,
    /// Arguments and answer, for `dlg builtins --long` and diagnostics.
    pub signature: &'static str,
}

pub const fn task(
    path: &'static str,
    min: usize,
    max: usize,
    conn_at: Option<usize>,
    run: TaskFn,
    signature: &'static str,
) -> TaskDef {
    TaskDef {
        path,
        min,
        max,
        conn_at,
        versioned: false,
        run,
        signature,
    }
}

/// A CRM task also reachable as `zoho.crm.v2.x` and `zoho.crm.v8.x`.
pub const fn versioned(mut def: TaskDef) -> TaskDef {
    def.versioned = true;
    def
}

pub struct Service {
    /// `crm`, `books`, …
    pub name: &'static str,
    pub title: &'static str,
    /// False: tasks run only from `[[task]]` fixtures.
    pub rest: bool,
    pub tasks: &'static [TaskDef],
}

pub static SERVICES: &[&Service] = &[
    &crm::SERVICE,
    &books::SERVICE,
    &creator::SERVICE,
    &other::DESK,
    &other::PROJECTS,
    &other::PEOPLE,
    &other::RECRUIT,
    &other::WRITER,
    &other::INVENTORY,
    &other::SIGN,
    &other::CLIQ,
    &other::BIGIN,
    &other::CAMPAIGNS,
    &other::SHEET,
    &other::WORKDRIVE,
    &other::MAIL,
    &other::SUBSCRIPTIONS,
    &other::BILLING,
    &other::INVOICE,
    &other::EXPENSE,
    &other::SALESIQ,
    &other::SURVEY,
    &other::ANALYTICS,
];

struct Registry {
    /// Lower-case path (aliases included) → task.
    tasks: HashMap<String, &'static TaskDef>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut tasks = HashMap::new();
    for service in SERVICES {
        for def in service.tasks {
            let lpath = def.path.to_ascii_lowercase();
            if def.versioned {
                let rest = &lpath["zoho.".len() + service.name.len() + 1..];
                for v in ["v2", "v8"] {
                    tasks.insert(format!("zoho.{}.{v}.{rest}", service.name), def);
                }
            }
            tasks.insert(lpath, def);
        }
    }
    Registry { tasks }
});

/// The task a lower-case path names (`zoho.crm.v8.getrecords` included).
pub fn lookup(lpath: &str) -> Option<&'static TaskDef> {
    REGISTRY.tasks.get(lpath).copied()
}

pub fn service(name: &str) -> Option<&'static Service> {
    SERVICES
        .iter()
        .copied()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Every task path, documented spelling (`dlg builtins`, REPL completion).
pub fn names() -> impl Iterator<Item = String> {
    SERVICES.iter().flat_map(|s| {
        s.tasks.iter().flat_map(move |t| {
            let mut v = vec![t.path.to_string()];
            if t.versioned {
                let rest = &t.path["zoho.".len() + s.name.len() + 1..];
                v.push(format!("zoho.{}.v8.{rest}", s.name));
            }
            v
        })
    })
}

/// The service segment of `zoho.<service>.…`.
fn service_of(lpath: &str) -> &str {
    lpath.split('.').nth(1).unwrap_or("")
}

/// Run `zoho.<service>.<task>(args)`; `path` is the spelling of the call.
pub fn run(interp: &mut Interpreter, path: &str, lpath: &str, args: &[Value]) -> RtResult<Value> {
    let def = lookup(lpath);
    if let Some(def) = def {
        crate::builtins::check_arity(path, def.min, def.max, args.len())
            .map_err(|e| e.with_help(format!("{}{}", def.path, def.signature)))?;
    }
    fixtures::run_task(interp, path, lpath, args, |interp| {
        run_rest(interp, def, path, lpath, args)
    })
}

/// A task through its REST mapping (no fixture answered it).
fn run_rest(
    interp: &mut Interpreter,
    def: Option<&'static TaskDef>,
    path: &str,
    lpath: &str,
    args: &[Value],
) -> RtResult<Value> {
    let service_name = service_of(lpath);
    let Some(service) = service(service_name) else {
        let known: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
        let err = RtError::unsupported(format!(
            "`{path}`: `zoho.{service_name}` is not a Zoho service dlg knows"
        ));
        return Err(
            match crate::eval::did_you_mean(service_name, known.iter().copied()) {
                Some(h) => err.with_help(format!(
                    "did you mean `zoho.{h}`? Fake the call with a [[task]] fixture in the --mock file"
                )),
                None => err.with_help(format!(
                    "known services: {}; fake the call with a [[task]] entry (name = \"{path}\", returns = …) in the --mock file",
                    known.join(", ")
                )),
            },
        );
    };
    let Some(def) = def else {
        let candidates: Vec<String> = service
            .tasks
            .iter()
            .map(|t| t.path.rsplit('.').next().unwrap_or("").to_string())
            .collect();
        let last = lpath.rsplit('.').next().unwrap_or("");
        let err = RtError::unsupported(format!(
            "the {} task `{path}` is not supported",
            service.title
        ));
        return Err(match crate::eval::did_you_mean(last, candidates.iter().map(|s| s.as_str())) {
            Some(h) if !h.eq_ignore_ascii_case(last) => err.with_help(format!(
                "did you mean `zoho.{}.{h}`? Otherwise fake it with a [[task]] fixture (name = \"{path}\") in the --mock file",
                service.name
            )),
            _ => err.with_help(format!(
                "fake it with a [[task]] fixture (name = \"{path}\", returns = …) in the --mock file, or call the {} REST API with invokeurl",
                service.title
            )),
        });
    };
    let mut call = TaskCall::new(def, path, lpath, args);
    (def.run)(interp, &mut call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_unique_and_under_its_service() {
        let mut seen = std::collections::HashSet::new();
        for s in SERVICES {
            for t in s.tasks {
                assert!(
                    t.path.starts_with(&format!("zoho.{}.", s.name)),
                    "{} is not under zoho.{}",
                    t.path,
                    s.name
                );
                assert!(seen.insert(t.path.to_ascii_lowercase()), "{} twice", t.path);
                assert!(t.min <= t.max);
                if let Some(c) = t.conn_at {
                    assert!(c < t.max, "{}: connection beyond the arguments", t.path);
                }
            }
        }
    }

    #[test]
    fn versioned_aliases_resolve() {
        assert!(lookup("zoho.crm.v8.getrecordbyid").is_some());
        assert!(lookup("zoho.crm.v2.convertlead").is_some());
        assert!(lookup("zoho.crm.v8.getorgvariable").is_none());
        assert!(names().any(|n| n == "zoho.crm.v8.updateRelatedRecord"));
    }
}
