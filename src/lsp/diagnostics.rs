//! Diagnostics as you type: every syntax error (the codes and help of
//! `dlg check`), then checks that need no run — each predicting the error
//! `dlg run` would raise, with its code: an unknown function, method, task
//! or helper (`deluge::unknown_function`, `deluge::unsupported`), a wrong
//! argument count or a method on a value of the wrong type
//! (`deluge::runtime`), a name read but never assigned in a function;
//! plus hints: a bare script's arguments (the names it reads but never
//! assigns, as `dlg run` treats them) and code that can never run.

use std::ops::Range;

use lsp_types::{Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString};

use crate::builtins::{self, Recv};
use crate::code::Code;
use crate::syntax::ast::{ExprKind, Stmt, StmtKind};

use super::analysis::{CallKind, CallSite, Inferred};
use super::context::Ctx;
use super::walk;

/// Code of the hint for statements after `return`, `break` or `continue`.
pub const UNREACHABLE: &str = Code::LintUnreachable.as_str();
/// Code of the hint naming a bare script's arguments.
pub const SCRIPT_ARGUMENT: &str = Code::LintScriptArgument.as_str();

/// Namespaces whose calls are helpers of the project.
const USER_NAMESPACES: &[&str] = &["standalone", "automation", "thisapp", "button", "workflow"];
/// Creator client actions: recorded by `dlg run`, never unknown.
const CLIENT_ACTIONS: &[&str] = &["openurl", "alert", "sendsms", "pushnotify"];

/// One finding, in byte offsets.
#[derive(Clone, Debug)]
pub struct Finding {
    pub range: Range<usize>,
    pub severity: DiagnosticSeverity,
    pub code: String,
    pub message: String,
    pub help: String,
    /// The name a quick fix puts in `range` (did-you-mean).
    pub fix: Option<String>,
    pub unnecessary: bool,
}

impl Finding {
    fn new(range: Range<usize>, severity: DiagnosticSeverity, code: &str, message: String) -> Self {
        Finding {
            range,
            severity,
            code: code.to_string(),
            message,
            help: String::new(),
            fix: None,
            unnecessary: false,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// Offer `name` as the fix, and say so.
    fn did_you_mean(mut self, name: Option<String>) -> Self {
        if let Some(n) = name {
            self.help = format!("did you mean `{n}`?");
            self.fix = Some(n);
        }
        self
    }
}

/// Everything to report for the document of `ctx`.
pub fn findings(ctx: &Ctx<'_>) -> Vec<Finding> {
    let doc = ctx.doc;
    let mut out: Vec<Finding> = doc
        .errors
        .iter()
        .map(|e| {
            Finding::new(
                e.span.clone(),
                DiagnosticSeverity::ERROR,
                e.code.as_str(),
                e.message.clone(),
            )
            .help(e.help.clone())
        })
        .collect();
    for call in &doc.calls {
        if let Some(f) = check_call(ctx, call) {
            out.push(f);
        }
    }
    if let Some(program) = &doc.program {
        for f in &program.functions {
            if program.is_script {
                for p in &f.params {
                    out.push(
                        Finding::new(
                            p.span.range(),
                            DiagnosticSeverity::INFORMATION,
                            SCRIPT_ARGUMENT,
                            format!("`{}` is read but never assigned: an argument of the script", p.name),
                        )
                        .help(format!(
                            "Zoho passes it from the function's declaration; `dlg run` asks for it as --arg {}=VALUE",
                            p.name
                        )),
                    );
                }
            } else {
                walk::exprs(&f.body, &mut |e| {
                    if let ExprKind::Undefined(name) = &e.kind
                        && !name.eq_ignore_ascii_case("input")
                        && !ctx.is_test_file()
                    {
                        out.push(
                            Finding::new(
                                e.span.range(),
                                DiagnosticSeverity::WARNING,
                                Code::DelugeRuntime.as_str(),
                                format!("Variable '{name}' is not defined"),
                            )
                            .help("assign the variable before using it, or make it a parameter"),
                        );
                    }
                });
            }
            walk::stmt_lists(&f.body, &mut |list| {
                if let Some(f) = unreachable(list) {
                    out.push(f);
                }
            });
        }
    }
    out.sort_by_key(|f| (f.range.start, f.range.end));
    out
}

/// The statements after the first `return`, `break` or `continue` of a list.
fn unreachable(list: &[Stmt]) -> Option<Finding> {
    let stop = list.iter().position(|s| {
        matches!(
            s.kind,
            StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue
        )
    })?;
    let rest = &list[stop + 1..];
    let (first, last) = (rest.first()?, rest.last()?);
    let what = match list[stop].kind {
        StmtKind::Return(_) => "return",
        StmtKind::Break => "break",
        _ => "continue",
    };
    let mut f = Finding::new(
        first.span.start as usize..last.span.end as usize,
        DiagnosticSeverity::HINT,
        UNREACHABLE,
        format!("unreachable code: it follows `{what}`"),
    )
    .help("remove it, or move it before the statement that leaves the block");
    f.unnecessary = true;
    Some(f)
}

fn arity_text(min: usize, max: usize) -> String {
    if min == max {
        format!("{min}")
    } else if max == usize::MAX {
        format!("at least {min}")
    } else {
        format!("{min} to {max}")
    }
}

fn wrong_count(call: &CallSite, min: usize, max: usize, signature: String) -> Option<Finding> {
    if (min..=max).contains(&call.argc) {
        return None;
    }
    Some(
        Finding::new(
            call.span.clone(),
            DiagnosticSeverity::ERROR,
            Code::DelugeRuntime.as_str(),
            format!(
                "'{}' takes {} argument{}, but {} {} given",
                call.name,
                arity_text(min, max),
                if min == 1 && max == 1 { "" } else { "s" },
                call.argc,
                if call.argc == 1 { "was" } else { "were" }
            ),
        )
        .help(signature),
    )
}

fn check_call(ctx: &Ctx<'_>, call: &CallSite) -> Option<Finding> {
    match &call.kind {
        CallKind::Function => check_function(ctx, call),
        CallKind::Qualified => check_qualified(ctx, call),
        CallKind::Method(recv) => check_method(call, *recv),
    }
}

fn check_function(ctx: &Ctx<'_>, call: &CallSite) -> Option<Finding> {
    let lname = call.name.to_ascii_lowercase();
    if let Some(def) = ctx.find_function(&lname).first() {
        let n = def.summary.params.len();
        return wrong_count(
            call,
            n,
            n,
            format!("declared as {}", def.summary.signature()),
        );
    }
    if ctx.is_test_file()
        && crate::testing::builtins::NAMES
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&lname))
    {
        return None;
    }
    if let Some(def) = builtins::function(&lname) {
        let signature = builtins::docs::function(&lname)
            .map(|d| format!("{}{}", def.name, d.param_list()))
            .unwrap_or_default();
        return wrong_count(call, def.min, def.max, signature);
    }
    // Methods also work in free form (`subString(s, 1, 3)`).
    if builtins::method_id(&lname).is_some() || CLIENT_ACTIONS.contains(&lname.as_str()) {
        return None;
    }
    let names = ctx.function_names();
    let mut candidates: Vec<&str> = builtins::function_names()
        .chain(builtins::method_names())
        .collect();
    candidates.extend(names.iter().map(String::as_str));
    Some(
        Finding::new(
            call.name_span.clone(),
            DiagnosticSeverity::ERROR,
            Code::DelugeUnknownFunction.as_str(),
            format!("function '{}' is not defined", call.name),
        )
        .help("`dlg builtins` lists every supported function; helpers are looked up in the project's function files")
        .did_you_mean(crate::diag::did_you_mean(&call.name, candidates.into_iter())),
    )
}

fn check_qualified(ctx: &Ctx<'_>, call: &CallSite) -> Option<Finding> {
    let lpath = call.name.to_ascii_lowercase();
    if let Some(def) = builtins::function(&lpath) {
        return wrong_count(call, def.min, def.max, String::new());
    }
    let head = lpath.split('.').next().unwrap_or("");
    if head == "zoho" {
        return check_task(call, &lpath);
    }
    if !USER_NAMESPACES.contains(&head) {
        // A function of another Zoho application: nothing to check.
        return None;
    }
    if let Some(def) = ctx.find_function(&lpath).first() {
        let n = def.summary.params.len();
        return wrong_count(
            call,
            n,
            n,
            format!("declared as {}", def.summary.signature()),
        );
    }
    let names = ctx.function_names();
    let fname = lpath.rsplit('.').next().unwrap_or("");
    Some(
        Finding::new(
            call.name_span.clone(),
            DiagnosticSeverity::WARNING,
            Code::DelugeUnknownFunction.as_str(),
            format!("function `{}` was not found in the project", call.name),
        )
        .help("define it in a function file of the project (*.dg, *.deluge, *.ds, *.ts, *.txt) with a header such as `int standalone.NAME(int id)`")
        .did_you_mean(crate::diag::did_you_mean(
            fname,
            names.iter().filter(|n| !n.contains('.')).map(String::as_str),
        )),
    )
}

fn check_task(call: &CallSite, lpath: &str) -> Option<Finding> {
    if let Some(task) = crate::natives::lookup(lpath) {
        return wrong_count(
            call,
            task.min,
            task.max,
            format!("{}{}", task.path, task.signature),
        );
    }
    let service_name = lpath.split('.').nth(1).unwrap_or("");
    let Some(service) = crate::natives::service(service_name) else {
        let known: Vec<&str> = crate::natives::SERVICES.iter().map(|s| s.name).collect();
        let start = call.span.start + "zoho.".len();
        let range = start..start + service_name.len();
        return Some(
            Finding::new(
                range,
                DiagnosticSeverity::WARNING,
                Code::DelugeUnsupported.as_str(),
                format!("`zoho.{service_name}` is not a Zoho service dlg knows"),
            )
            .help(format!("known services: {}", known.join(", ")))
            .did_you_mean(crate::diag::did_you_mean(service_name, known.into_iter())),
        );
    };
    let last = lpath.rsplit('.').next().unwrap_or("");
    let tasks: Vec<&str> = service
        .tasks
        .iter()
        .map(|t| t.path.rsplit('.').next().unwrap_or(""))
        .collect();
    Some(
        Finding::new(
            call.name_span.clone(),
            DiagnosticSeverity::WARNING,
            Code::DelugeUnsupported.as_str(),
            format!(
                "the {} task `{}` is not supported by dlg",
                service.title, call.name
            ),
        )
        .help(
            "fake it with a [[task]] fixture in the mock file, or call the REST API with invokeurl",
        )
        .did_you_mean(
            crate::diag::did_you_mean(last, tasks.into_iter())
                .filter(|h| !h.eq_ignore_ascii_case(last)),
        ),
    )
}

fn check_method(call: &CallSite, recv: Option<Inferred>) -> Option<Finding> {
    let lname = call.name.to_ascii_lowercase();
    let defs: Vec<&builtins::MethodDef> = builtins::all_methods()
        .filter(|m| m.name.eq_ignore_ascii_case(&lname))
        .collect();
    if defs.is_empty() {
        let candidates =
            builtins::methods_for_type(recv.filter(|r| r.sure).and_then(|r| r.ty.recv()));
        return Some(
            Finding::new(
                call.name_span.clone(),
                DiagnosticSeverity::ERROR,
                Code::DelugeUnknownFunction.as_str(),
                format!("'{}' is not a known function", call.name),
            )
            .help("`dlg builtins` lists every supported function")
            .did_you_mean(crate::diag::did_you_mean(
                &call.name,
                candidates.into_iter(),
            )),
        );
    }
    let Some(r) = recv.filter(|r| r.sure) else {
        // Receiver unknown: only a count no receiver accepts is wrong.
        if defs.iter().any(|d| (d.min..=d.max).contains(&call.argc)) {
            return None;
        }
        let (min, max) = (
            defs.iter().map(|d| d.min).min().unwrap_or(0),
            defs.iter().map(|d| d.max).max().unwrap_or(0),
        );
        return wrong_count(call, min, max, method_signature(None, &call.name));
    };
    let def = defs
        .iter()
        .find(|d| Some(d.recv) == r.ty.recv())
        .or_else(|| defs.iter().find(|d| d.recv == Recv::Any));
    let Some(def) = def else {
        let offered = builtins::methods_for_type(r.ty.recv().or(Some(Recv::Any)));
        return Some(
            Finding::new(
                call.name_span.clone(),
                DiagnosticSeverity::ERROR,
                Code::DelugeRuntime.as_str(),
                format!(
                    "'{}' is not a function of a {} value",
                    call.name,
                    r.ty.name()
                ),
            )
            .help(format!(
                "{} values offer: {}",
                r.ty.name(),
                offered.join(", ")
            ))
            .did_you_mean(crate::diag::did_you_mean(
                &call.name,
                offered.iter().copied(),
            )),
        );
    };
    wrong_count(
        call,
        def.min,
        def.max,
        method_signature(r.ty.recv(), &call.name),
    )
}

fn method_signature(recv: Option<Recv>, name: &str) -> String {
    builtins::docs::method(recv, name)
        .map(|d| format!("{}{} → {}", d.key, d.param_list(), d.returns))
        .unwrap_or_default()
}

/// A finding as the protocol's diagnostic.
pub fn to_lsp(doc: &super::analysis::Analysis, f: &Finding) -> Diagnostic {
    let message = if f.help.is_empty() {
        f.message.clone()
    } else {
        format!("{}\nhelp: {}", f.message, f.help)
    };
    Diagnostic {
        range: doc.index.range(&doc.text, f.range.clone()),
        severity: Some(f.severity),
        code: Some(NumberOrString::String(f.code.clone())),
        source: Some("dlg".into()),
        message,
        tags: f.unnecessary.then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: f.fix.as_ref().map(|fix| serde_json::json!({ "fix": fix })),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::analysis::Analysis;

    fn check(text: &str) -> Vec<Finding> {
        let doc = Analysis::new(text.into());
        let ctx = Ctx::alone(&doc);
        findings(&ctx)
    }

    fn codes(text: &str) -> Vec<(String, String)> {
        check(text)
            .into_iter()
            .map(|f| (f.code, text[f.range].to_string()))
            .collect()
    }

    #[test]
    fn syntax_errors_carry_the_check_code() {
        let f = check("a = ;\ninfo 1;\nb = (;\n");
        assert_eq!(f.len(), 2);
        assert!(
            f.iter()
                .all(|f| f.code == "deluge::syntax" && !f.help.is_empty())
        );
    }

    #[test]
    fn unknown_functions_methods_and_tasks_are_found_with_fixes() {
        let text = "m = Map();\nm.putt(\"a\", 1);\nx = toLis(\"a\");\nr = zoho.crm.getRecordByld(\"Leads\", 1);\ns = zoho.crmm.getRecords(\"Leads\");\n";
        let f = check(text);
        let fixes: Vec<(&str, Option<&str>)> = f
            .iter()
            .map(|f| (&text[f.range.clone()], f.fix.as_deref()))
            .collect();
        assert!(fixes.contains(&("putt", Some("put"))), "{fixes:?}");
        assert!(fixes.contains(&("toLis", Some("toList"))), "{fixes:?}");
        assert!(
            fixes.contains(&("getRecordByld", Some("getRecordById"))),
            "{fixes:?}"
        );
        assert!(fixes.contains(&("crmm", Some("crm"))), "{fixes:?}");
    }

    #[test]
    fn argument_counts_and_receiver_types_are_checked() {
        let text = "m = Map();\nm.put(\"a\");\nt = \"x\";\nt.put(1, 2);\nl = List();\nl.add(1);\nr = zoho.crm.getRecordById(\"Leads\");\ninfo ifnull(1);\n";
        let found = codes(text);
        assert!(
            found.contains(&("deluge::runtime".into(), "m.put(\"a\")".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("deluge::runtime".into(), "put".into())),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(_, t)| t.starts_with("zoho.crm.getRecordById")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(_, t)| t.starts_with("ifnull")),
            "{found:?}"
        );
        assert!(!found.iter().any(|(_, t)| t.contains("add")), "{found:?}");
    }

    #[test]
    fn clean_scripts_have_no_findings_but_their_arguments() {
        let text = "m = Map();\nm.put(\"a\", id);\nl = m.keys();\ninfo l.size();\ninfo m.get(\"a\").toString();\nresp = invokeurl\n[\n\turl :\"https://x\"\n\ttype :GET\n];\ninfo resp.get(\"a\");\n";
        let found = codes(text);
        assert_eq!(found, vec![(SCRIPT_ARGUMENT.to_string(), "id".to_string())]);
    }

    #[test]
    fn code_after_return_is_unreachable_and_undefined_names_are_reported() {
        let text =
            "int f(int a)\n{\n\tif (a > 1)\n\t{\n\t\treturn 1;\n\t\tinfo a;\n\t}\n\treturn b;\n}\n";
        let found = codes(text);
        assert!(
            found.contains(&(UNREACHABLE.into(), "info a;".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("deluge::runtime".into(), "b".into())),
            "{found:?}"
        );
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn helpers_are_looked_up_and_counted() {
        let text = "int helper(int n)\n{\n\treturn n;\n}\nint main()\n{\n\tx = helper(1, 2);\n\ty = standalone.nothere(1);\n\treturn helper(1);\n}\n";
        let found = codes(text);
        assert!(
            found
                .iter()
                .any(|(c, t)| c == "deluge::runtime" && t == "helper(1, 2)"),
            "{found:?}"
        );
        assert!(
            found.contains(&("deluge::unknown_function".into(), "nothere".into())),
            "{found:?}"
        );
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
