//! Hover: the signature and one-line doc of a built-in or `zoho.*` task,
//! a helper's signature and leading comment, a variable's type.

use std::path::Path;

use crate::builtins::{self, docs::Doc};

use super::analysis::{CallKind, Ty};
use super::context::{Ctx, Word, word_at};

/// Namespaces whose calls are helpers of the project.
pub const USER_NAMESPACES: &[&str] = &["standalone", "automation", "thisapp", "button", "workflow"];

/// What the cursor is on, for hover and definition.
pub enum Target {
    Builtin(String),
    Task(&'static crate::natives::TaskDef),
    Service(&'static crate::natives::Service),
    /// A helper or a function of this file, by path as written.
    Function(String),
    Variable(String),
}

/// The word at `offset` and what it names.
pub fn target_at(ctx: &Ctx<'_>, offset: usize) -> Option<(Word, Target)> {
    let text = &ctx.doc.text;
    let word = word_at(text, offset)?;
    let lpath = word.path.to_ascii_lowercase();
    let called = text[word.range.end..].trim_start().starts_with('(');
    let head = lpath.split('.').next().unwrap_or("");
    let dotted = lpath.contains('.');
    let head_is_variable = dotted
        && !word.after_expression
        && ctx
            .doc
            .variables_at(offset)
            .iter()
            .any(|v| v.eq_ignore_ascii_case(head));
    let target = if head == "zoho" && !head_is_variable {
        if let Some(task) = crate::natives::lookup(&lpath) {
            Target::Task(task)
        } else if builtins::function(&lpath).is_some() {
            Target::Builtin(lpath)
        } else if let Some(service) = lpath
            .split('.')
            .nth(1)
            .filter(|_| lpath.matches('.').count() == 1)
            .and_then(crate::natives::service)
        {
            Target::Service(service)
        } else {
            return None;
        }
    } else if dotted && (head_is_variable || word.after_expression) {
        if !called {
            return None;
        }
        Target::Builtin(word.word.clone())
    } else if dotted && USER_NAMESPACES.contains(&head) {
        Target::Function(word.path.clone())
    } else if dotted {
        Target::Builtin(word.word.clone())
    } else if called || ctx.doc.functions.iter().any(|f| f.name_span == word.range) {
        if !ctx.find_function(&word.word).is_empty() {
            Target::Function(word.word.clone())
        } else {
            Target::Builtin(word.word.clone())
        }
    } else {
        Target::Variable(word.word.clone())
    };
    Some((word, target))
}

/// Markdown for the hover at `offset`.
pub fn hover(ctx: &Ctx<'_>, offset: usize) -> Option<(String, std::ops::Range<usize>)> {
    let (word, target) = target_at(ctx, offset)?;
    let text = match target {
        Target::Task(task) => code_block(
            &format!("{}{}", task.path, task.signature),
            &format!(
                "Zoho integration task{}",
                if task.conn_at.is_some() {
                    "; the last argument names the connection (else the project's default)"
                } else {
                    ""
                }
            ),
        ),
        Target::Service(service) => format!(
            "**zoho.{}**: {} ({} tasks)",
            service.name,
            service.title,
            service.tasks.len()
        ),
        Target::Builtin(name) => builtin_hover(ctx, &word, &name)?,
        Target::Function(path) => {
            let defs = ctx.find_function(&path);
            let def = defs.first()?;
            let mut out = code_block(&def.summary.signature(), &def.summary.doc);
            if let Some(file) = def.path.file_name() {
                out.push_str(&format!("\n\n*{}*", Path::new(file).display()));
            }
            out
        }
        Target::Variable(name) => variable_hover(ctx, offset, &name)?,
    };
    Some((text, word.range))
}

fn code_block(signature: &str, doc: &str) -> String {
    let mut out = format!("```deluge\n{signature}\n```");
    if !doc.is_empty() {
        out.push_str("\n\n");
        out.push_str(doc);
    }
    out
}

/// `map.put(key, value) → void` with its doc line.
pub fn doc_signature(doc: &Doc, recv: Option<Ty>) -> String {
    let key = match recv {
        Some(t) if !doc.key.contains('.') => format!("{}.{}", t.name(), doc.key),
        _ => doc.key.to_string(),
    };
    format!("{key}{} → {}", doc.param_list(), doc.returns)
}

fn builtin_hover(ctx: &Ctx<'_>, word: &Word, name: &str) -> Option<String> {
    let site = ctx.doc.calls.iter().find(|c| c.name_span == word.range);
    let doc = match site.map(|s| &s.kind) {
        Some(CallKind::Method(recv)) => {
            let ty = recv.map(|r| r.ty);
            let doc = builtins::docs::method(ty.and_then(Ty::recv), name)
                .or_else(|| builtins::docs::method(None, name))?;
            return Some(code_block(&doc_signature(doc, ty), doc.summary));
        }
        _ => builtins::docs::function(name).or_else(|| builtins::docs::method(None, name))?,
    };
    Some(code_block(&doc_signature(doc, None), doc.summary))
}

fn variable_hover(ctx: &Ctx<'_>, offset: usize, name: &str) -> Option<String> {
    let doc = ctx.doc;
    let f = doc.function_at(offset).and_then(|i| doc.functions.get(i))?;
    let is_param = f.params.iter().any(|(_, n)| n == name);
    if !doc.variables_at(offset).iter().any(|v| v == name) {
        return None;
    }
    let ty = doc.type_of(offset, name);
    let mut line = match ty {
        Some(t) if t.sure => format!("{name}: {}", t.ty.name()),
        Some(t) => format!("{name}: {} (usually)", t.ty.name()),
        None => name.to_string(),
    };
    if f.is_script && is_param {
        line.push_str("\n```\n\nArgument of the script: read but never assigned (`dlg run` takes it as `--arg ");
        line.push_str(name);
        line.push_str("=VALUE`)");
        return Some(format!("```deluge\n{line}"));
    }
    if is_param {
        let (t, _) = f.params.iter().find(|(_, n)| n == name)?;
        return Some(code_block(&format!("{t} {name}"), "parameter"));
    }
    Some(code_block(&line, ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::analysis::Analysis;

    fn hover_at(text: &str, needle: &str) -> Option<String> {
        let doc = Analysis::new(text.into());
        let ctx = Ctx::alone(&doc);
        hover(&ctx, text.find(needle).unwrap() + 1).map(|h| h.0)
    }

    #[test]
    fn built_ins_tasks_helpers_and_variables() {
        let text = "// Adds one.\nint plus(int n)\n{\n\treturn n + 1;\n}\nvoid main()\n{\n\tl = \"a,b\".toList(\",\");\n\tm = Map();\n\tm.put(\"k\", plus(1));\n\tr = zoho.crm.getRecordById(\"Leads\", 1);\n}\n";
        let h = hover_at(text, "toList").unwrap();
        assert!(h.contains("text.toList(separator?) → list"), "{h}");
        let h = hover_at(text, "put(").unwrap();
        assert!(h.contains("map.put(key, value)"), "{h}");
        let h = hover_at(text, "getRecordById").unwrap();
        assert!(
            h.contains("zoho.crm.getRecordById(module, record_id"),
            "{h}"
        );
        let h = hover_at(text, "plus(1)").unwrap();
        assert!(
            h.contains("int plus(int n)") && h.contains("Adds one."),
            "{h}"
        );
        let h = hover_at(text, "m = Map").unwrap();
        assert!(h.contains("m: map"), "{h}");
        let h = hover_at(text, "r = zoho").unwrap();
        assert!(h.contains("r: map (usually)"), "{h}");
    }

    #[test]
    fn script_arguments_say_so() {
        let h = hover_at("info id + 1;", "id").unwrap();
        assert!(h.contains("Argument of the script"), "{h}");
        assert!(hover_at("info 1;", "info").is_none());
    }
}
