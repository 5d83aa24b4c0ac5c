//! Signature help: the parameters of the call the cursor is in, the one
//! being typed highlighted.

use lsp_types::{ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation};

use crate::builtins;

use super::completion::task_params;
use super::context::{Ctx, word_at};
use super::hover::{Target, doc_signature, target_at};

/// The unclosed `(` before `offset` and the number of top-level commas
/// between it and `offset`.
fn open_call(text: &str, offset: usize) -> Option<(usize, usize)> {
    use crate::syntax::scan::{Skip, skip_at};
    let bytes = text.as_bytes();
    // (position of `(`, commas so far) for every open bracket.
    let mut stack: Vec<(usize, usize, u8)> = Vec::new();
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        match skip_at(text, i) {
            Skip::Past(next) => {
                i = next;
                continue;
            }
            Skip::UnclosedComment => return None,
            Skip::Code => {}
        }
        match bytes[i] {
            b @ (b'(' | b'[' | b'{') => stack.push((i, 0, b)),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
            }
            // A statement ends: no call spans it.
            b';' => stack.clear(),
            _ => {}
        }
        i += 1;
    }
    let &(at, commas, b) = stack.last()?;
    (b == b'(').then_some((at, commas))
}

pub fn signature_help(ctx: &Ctx<'_>, offset: usize) -> Option<SignatureHelp> {
    let text = &ctx.doc.text;
    let (paren, active) = open_call(text, offset)?;
    let name_end = text[..paren].trim_end().len();
    word_at(text, name_end.checked_sub(1)?)?;
    let (label, params, doc) = match target_at(ctx, name_end - 1)?.1 {
        Target::Task(task) => {
            let (req, opt) = task_params(task.signature);
            (
                format!("{}{}", task.path, task.signature),
                req.into_iter().chain(opt).collect::<Vec<_>>(),
                String::new(),
            )
        }
        Target::Function(path) => {
            let defs = ctx.find_function(&path);
            let def = defs.first()?;
            (
                def.summary.signature(),
                def.summary
                    .params
                    .iter()
                    .map(|(t, n)| format!("{t} {n}").trim().to_string())
                    .collect(),
                def.summary.doc.clone(),
            )
        }
        Target::Builtin(name) => {
            let site =
                ctx.doc.calls.iter().find(|c| {
                    c.span.start <= paren && paren < c.span.end && c.name.ends_with(&name)
                });
            let recv = match site.map(|s| &s.kind) {
                Some(super::analysis::CallKind::Method(r)) => r.map(|r| r.ty),
                _ => None,
            };
            let doc = builtins::docs::method(recv.and_then(|t| t.recv()), &name)
                .filter(|_| {
                    site.is_none_or(|s| matches!(s.kind, super::analysis::CallKind::Method(_)))
                })
                .or_else(|| builtins::docs::function(&name))
                .or_else(|| builtins::docs::method(None, &name))?;
            (
                doc_signature(doc, recv),
                doc.params.iter().map(|p| p.name.to_string()).collect(),
                doc.summary.to_string(),
            )
        }
        Target::Service(_) | Target::Variable(_) => return None,
    };
    let parameters = params
        .iter()
        .map(|p| ParameterInformation {
            label: ParameterLabel::Simple(p.clone()),
            documentation: None,
        })
        .collect();
    let last = params.len().saturating_sub(1);
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation: (!doc.is_empty()).then_some(lsp_types::Documentation::String(doc)),
            parameters: Some(parameters),
            active_parameter: Some(active.min(last) as u32),
        }],
        active_signature: Some(0),
        active_parameter: Some(active.min(last) as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::analysis::Analysis;

    fn help_at_end(text: &str) -> Option<SignatureHelp> {
        let doc = Analysis::new(text.into());
        let ctx = Ctx::alone(&doc);
        signature_help(&ctx, text.len())
    }

    #[test]
    fn tasks_methods_and_functions() {
        let h = help_at_end("r = zoho.crm.getRecordById(\"Leads\", ").unwrap();
        assert!(h.signatures[0].label.starts_with("zoho.crm.getRecordById("));
        assert_eq!(h.active_parameter, Some(1));
        let h = help_at_end("m = Map();\nm.put(\"a\", ").unwrap();
        assert_eq!(h.signatures[0].label, "map.put(key, value) → void");
        assert_eq!(h.active_parameter, Some(1));
        let h = help_at_end("x = ifnull(").unwrap();
        assert_eq!(h.active_parameter, Some(0));
        assert!(help_at_end("x = (1 + ").is_none());
        assert!(help_at_end("info ifnull(1, 2);\nx = ").is_none());
    }
}
