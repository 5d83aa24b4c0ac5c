//! Completion: what may follow the cursor — methods of the receiver's type
//! after `value.`, services and tasks after `zoho.`, the project's helpers
//! after `standalone.` / `thisapp.`, `invokeurl` keys and connection names
//! inside its `[ ]`, Creator forms and fields, and otherwise variables in
//! scope, functions, helpers and keywords.

use lsp_types::{CompletionItem, CompletionItemKind, InsertTextFormat};

use crate::builtins::{self, docs::Doc};

use super::analysis::{Inferred, Ty};
use super::context::{Ctx, is_ident, path_start};
use super::hover::{USER_NAMESPACES, doc_signature};

const KEYWORDS: &[&str] = &[
    "if",
    "else",
    "for each",
    "in",
    "return",
    "info",
    "try",
    "catch",
    "break",
    "continue",
    "true",
    "false",
    "null",
    "void",
    "invokeurl",
    "sendmail",
    "insert into",
    "delete from",
    "while",
];

/// Keys of a `sendmail [ … ]` block.
const SENDMAIL_KEYS: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "reply to",
    "subject",
    "message",
    "content type",
    "attachments",
];
const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// `zoho.<name>` system variables.
const ZOHO_VARIABLES: &[&str] = &[
    "currentdate",
    "currenttime",
    "loginuser",
    "loginuserid",
    "adminuser",
    "adminuserid",
    "appname",
    "appuri",
    "ipaddress",
];

pub struct Options {
    /// The client takes `${1:name}` snippets.
    pub snippets: bool,
}

/// The items for the cursor at `offset`.
pub fn complete(ctx: &Ctx<'_>, offset: usize, opts: &Options) -> Vec<CompletionItem> {
    let text = &ctx.doc.text;
    let offset = super::text::floor_boundary(text, offset);
    let bytes = text.as_bytes();
    let mut start = offset;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    if in_string_or_comment(text, start) {
        if let Some(items) = task_block_items(ctx, text, start) {
            return items;
        }
        return Vec::new();
    }
    // `receiver.` before the word being typed?
    let mut j = start;
    while j > 0 && bytes[j - 1] == b' ' {
        j -= 1;
    }
    if j > 0 && bytes[j - 1] == b'.' {
        return after_dot(ctx, text, j - 1, opts);
    }
    if let Some(items) = task_block_items(ctx, text, start) {
        return items;
    }
    if let Some(items) = form_field_items(ctx, text, start) {
        return items;
    }
    everything(ctx, offset, opts)
}

/// Completion after the `.` at `dot`.
fn after_dot(ctx: &Ctx<'_>, text: &str, dot: usize, opts: &Options) -> Vec<CompletionItem> {
    let bytes = text.as_bytes();
    let mut end = dot;
    while end > 0 && bytes[end - 1] == b' ' {
        end -= 1;
    }
    let mut s = end;
    while s > 0 && is_ident(bytes[s - 1]) {
        s -= 1;
    }
    if s == end {
        // `f(x).`, `"a,b".`: the type of what stands before the dot.
        let ty = expression_type_before(ctx, text, end);
        return methods(ty, opts);
    }
    let (ps, _) = path_start(text, s);
    let receiver: String = text[ps..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let lreceiver = receiver.to_ascii_lowercase();
    let is_variable = ctx
        .doc
        .variables_at(dot)
        .iter()
        .any(|v| v.eq_ignore_ascii_case(receiver.split('.').next().unwrap_or("")));
    if !is_variable {
        if lreceiver == "zoho" {
            return zoho_items();
        }
        if let Some(rest) = lreceiver.strip_prefix("zoho.") {
            return task_items(rest, opts);
        }
        if USER_NAMESPACES.contains(&lreceiver.as_str()) {
            return helper_items(ctx, &lreceiver, opts);
        }
        if lreceiver == "input" {
            return field_items(ctx.project.map(|p| p.forms()).unwrap_or_default().iter());
        }
    }
    if receiver.contains('.') {
        // `rec.Field.`: a field's value, of unknown type.
        return methods(None, opts);
    }
    methods(ctx.doc.type_of(dot, &receiver), opts)
}

/// The type of `f(…)`, `"text"`, `[…]` or `{…}` ending at `end`.
fn expression_type_before(ctx: &Ctx<'_>, text: &str, end: usize) -> Option<Inferred> {
    let bytes = text.as_bytes();
    let sure = |ty| Some(Inferred { ty, sure: true });
    match bytes.get(end.checked_sub(1)?)? {
        b'"' => sure(Ty::Text),
        b')' => {
            let open = matching_open(text, end - 1)?;
            let mut s = open;
            while s > 0 && is_ident(bytes[s - 1]) {
                s -= 1;
            }
            let name = &text[s..open];
            if name.is_empty() {
                return None;
            }
            let (ps, after_expr) = path_start(text, s);
            let path = &text[ps..open];
            if after_expr || path.contains('.') {
                let recv = if path.contains('.') && !after_expr {
                    let head = path.split('.').next().unwrap_or("");
                    ctx.doc.type_of(s, head)
                } else {
                    None
                };
                let doc = builtins::docs::method(recv.and_then(|r| r.ty.recv()), name)?;
                return Ty::from_doc(doc.returns).and_then(sure);
            }
            let doc =
                builtins::docs::function(name).or_else(|| builtins::docs::method(None, name))?;
            Ty::from_doc(doc.returns).and_then(sure)
        }
        _ => None,
    }
}

/// The `(` matching the `)` at `close`.
fn matching_open(text: &str, close: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = close + 1;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Is `offset` inside a text literal or a comment?
fn in_string_or_comment(text: &str, offset: usize) -> bool {
    use crate::syntax::scan::{Skip, skip_at};
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        match skip_at(text, i) {
            Skip::Past(next) => {
                if next > offset || (next == bytes.len() && next == offset) {
                    return true;
                }
                i = next;
            }
            Skip::UnclosedComment => return true,
            Skip::Code => i += 1,
        }
    }
    false
}

fn snippet_item(
    label: &str,
    kind: CompletionItemKind,
    detail: String,
    doc: &str,
    params: &[String],
    opts: &Options,
) -> CompletionItem {
    let (insert, format) = if opts.snippets {
        let args: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(i, p)| format!("${{{}:{}}}", i + 1, p))
            .collect();
        (
            format!("{label}({})", args.join(", ")),
            InsertTextFormat::SNIPPET,
        )
    } else {
        (format!("{label}("), InsertTextFormat::PLAIN_TEXT)
    };
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        documentation: (!doc.is_empty()).then(|| lsp_types::Documentation::String(doc.to_string())),
        insert_text: Some(insert),
        insert_text_format: Some(format),
        ..Default::default()
    }
}

fn required(doc: &Doc) -> Vec<String> {
    doc.params
        .iter()
        .filter(|p| !p.optional)
        .map(|p| p.name.to_string())
        .collect()
}

fn methods(recv: Option<Inferred>, opts: &Options) -> Vec<CompletionItem> {
    let ty = recv.map(|r| r.ty);
    let table = match ty {
        Some(Ty::Bool) => Some(builtins::Recv::Any),
        Some(t) => t.recv(),
        None => None,
    };
    builtins::methods_for_type(table)
        .into_iter()
        .map(|name| {
            let doc = builtins::docs::method(table, name);
            let (detail, summary, params) = match doc {
                Some(d) => (doc_signature(d, ty), d.summary, required(d)),
                None => (name.to_string(), "", Vec::new()),
            };
            snippet_item(
                name,
                CompletionItemKind::METHOD,
                detail,
                summary,
                &params,
                opts,
            )
        })
        .collect()
}

fn zoho_items() -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = crate::natives::SERVICES
        .iter()
        .map(|s| CompletionItem {
            label: s.name.to_string(),
            kind: Some(CompletionItemKind::MODULE),
            detail: Some(format!("{} ({} tasks)", s.title, s.tasks.len())),
            ..Default::default()
        })
        .collect();
    items.push(CompletionItem {
        label: "encryption".into(),
        kind: Some(CompletionItemKind::MODULE),
        detail: Some("hashes, HMAC, Base64 and URL encoding".into()),
        ..Default::default()
    });
    items.extend(ZOHO_VARIABLES.iter().map(|v| CompletionItem {
        label: v.to_string(),
        kind: Some(CompletionItemKind::VARIABLE),
        detail: Some("system variable".into()),
        ..Default::default()
    }));
    items
}

/// Parameter names of a task signature `(module, record_id[, query_map])`
/// that are not optional.
pub fn task_params(signature: &str) -> (Vec<String>, Vec<String>) {
    let inside = signature
        .strip_prefix('(')
        .and_then(|s| s.split_once(')'))
        .map(|(p, _)| p)
        .unwrap_or("");
    let (req, opt) = inside.split_once('[').unwrap_or((inside, ""));
    let clean = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|p| p.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace()))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    (clean(req), clean(opt))
}

fn task_items(rest: &str, opts: &Options) -> Vec<CompletionItem> {
    let service_name = rest.split('.').next().unwrap_or("");
    if service_name == "encryption" {
        return builtins::docs::all()
            .filter_map(|d| {
                let name = d.key.strip_prefix("zoho.encryption.")?;
                Some(snippet_item(
                    name,
                    CompletionItemKind::FUNCTION,
                    doc_signature(d, None),
                    d.summary,
                    &required(d),
                    opts,
                ))
            })
            .collect();
    }
    let Some(service) = crate::natives::service(service_name) else {
        return Vec::new();
    };
    service
        .tasks
        .iter()
        .map(|t| {
            let name = t.path.rsplit('.').next().unwrap_or(t.path);
            let (params, _) = task_params(t.signature);
            snippet_item(
                name,
                CompletionItemKind::FUNCTION,
                format!("{}{}", t.path, t.signature),
                service.title,
                &params,
                opts,
            )
        })
        .collect()
}

fn helper_items(ctx: &Ctx<'_>, namespace: &str, opts: &Options) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::new();
    for (_, a) in ctx.files.iter().chain(std::iter::once(&(
        ctx.path.unwrap_or(std::path::Path::new("")),
        ctx.doc,
    ))) {
        for f in a.functions.iter().filter(|f| !f.is_script) {
            // `standalone.x` files are offered after `standalone.`; plain
            // `x` definitions after any namespace.
            let qualified_elsewhere = f.qualified_name.contains('.')
                && !f
                    .qualified_name
                    .to_ascii_lowercase()
                    .starts_with(&format!("{namespace}."));
            if qualified_elsewhere || !seen.insert(f.name.to_ascii_lowercase()) {
                continue;
            }
            let params: Vec<String> = f.params.iter().map(|(_, n)| n.clone()).collect();
            items.push(snippet_item(
                &f.name,
                CompletionItemKind::FUNCTION,
                f.signature(),
                &f.doc,
                &params,
                opts,
            ));
        }
    }
    items
}

fn field_items<'f>(
    forms: impl Iterator<Item = &'f crate::creator::FormDef>,
) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::new();
    for form in forms {
        for field in form.field_names() {
            if seen.insert(field.to_string()) {
                items.push(CompletionItem {
                    label: field.to_string(),
                    kind: Some(CompletionItemKind::FIELD),
                    detail: Some(format!(
                        "{}.{field}: {}",
                        form.name,
                        form.type_of(field).map(|t| t.name()).unwrap_or_default()
                    )),
                    ..Default::default()
                });
            }
        }
    }
    items
}

/// Inside `invokeurl [ … ]` or `sendmail [ … ]`: the keys at the start of
/// an entry, HTTP methods after `type:`, connection names after
/// `connection:`.
fn task_block_items(ctx: &Ctx<'_>, text: &str, at: usize) -> Option<Vec<CompletionItem>> {
    let open = unclosed_bracket(text, at)?;
    let task = last_word(&text[..open]).to_ascii_lowercase();
    let keys = match task.as_str() {
        "invokeurl" => crate::repl::helper::TASK_KEYS,
        "sendmail" => SENDMAIL_KEYS,
        _ => return None,
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start.max(open + 1)..at];
    let Some((key, _)) = line.split_once(':') else {
        return Some(
            keys.iter()
                .map(|k| CompletionItem {
                    label: k.to_string(),
                    kind: Some(CompletionItemKind::PROPERTY),
                    insert_text: Some(format!("{k}: ")),
                    detail: Some(format!("{task} parameter")),
                    ..Default::default()
                })
                .collect(),
        );
    };
    let values: Vec<(String, &str)> = match key.trim().to_ascii_lowercase().as_str() {
        "type" => HTTP_METHODS
            .iter()
            .map(|m| (m.to_string(), "HTTP method"))
            .collect(),
        "connection" => ctx
            .project
            .map(|p| p.connection_names())
            .unwrap_or_default()
            .into_iter()
            .map(|n| (n, "connection"))
            .collect(),
        _ => return Some(Vec::new()),
    };
    let quoted = text[..at].trim_end().ends_with('"');
    Some(
        values
            .into_iter()
            .map(|(v, what)| CompletionItem {
                insert_text: Some(if what == "connection" && !quoted {
                    format!("\"{v}\"")
                } else {
                    v.clone()
                }),
                label: v,
                kind: Some(CompletionItemKind::VALUE),
                detail: Some(what.into()),
                ..Default::default()
            })
            .collect(),
    )
}

/// The name that `s` ends with (spaces after it ignored).
fn last_word(s: &str) -> &str {
    let s = s.trim_end();
    let start = s
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &s[start..]
}

/// The `[` still open at `at` (strings and comments skipped).
fn unclosed_bracket(text: &str, at: usize) -> Option<usize> {
    use crate::syntax::scan::{Skip, skip_at};
    let bytes = text.as_bytes();
    let mut stack: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < at.min(bytes.len()) {
        match skip_at(text, i) {
            Skip::Past(next) => {
                i = next;
                continue;
            }
            Skip::UnclosedComment => return None,
            Skip::Code => {}
        }
        match bytes[i] {
            b'[' => stack.push(i),
            b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack.pop()
}

/// Inside `Form[ … ]`: the form's fields.
fn form_field_items(ctx: &Ctx<'_>, text: &str, at: usize) -> Option<Vec<CompletionItem>> {
    let project = ctx.project?;
    let open = unclosed_bracket(text, at)?;
    let name = last_word(&text[..open]);
    let forms = project.forms();
    let form = forms.iter().find(|f| f.name.eq_ignore_ascii_case(name))?;
    Some(field_items(std::iter::once(form)))
}

fn everything(ctx: &Ctx<'_>, offset: usize, opts: &Options) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = Vec::new();
    for v in ctx.doc.variables_at(offset) {
        let detail = ctx.doc.type_of(offset, &v).map(|t| t.ty.name().to_string());
        items.push(CompletionItem {
            label: v,
            kind: Some(CompletionItemKind::VARIABLE),
            detail,
            ..Default::default()
        });
    }
    for f in ctx.doc.functions.iter().filter(|f| !f.is_script) {
        let params: Vec<String> = f.params.iter().map(|(_, n)| n.clone()).collect();
        items.push(snippet_item(
            &f.name,
            CompletionItemKind::FUNCTION,
            f.signature(),
            &f.doc,
            &params,
            opts,
        ));
    }
    for def in builtins::all_functions().filter(|f| !f.name.contains('.')) {
        let doc = builtins::docs::function(def.name);
        let (detail, summary, params) = match doc {
            Some(d) => (doc_signature(d, None), d.summary, required(d)),
            None => (def.name.to_string(), "", Vec::new()),
        };
        items.push(snippet_item(
            def.name,
            CompletionItemKind::FUNCTION,
            detail,
            summary,
            &params,
            opts,
        ));
    }
    for ns in ["zoho", "standalone", "thisapp", "input"] {
        items.push(CompletionItem {
            label: ns.into(),
            kind: Some(CompletionItemKind::MODULE),
            ..Default::default()
        });
    }
    for k in KEYWORDS {
        items.push(CompletionItem {
            label: k.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..Default::default()
        });
    }
    if let Some(p) = ctx.project {
        for form in p.forms() {
            items.push(CompletionItem {
                label: form.name.clone(),
                kind: Some(CompletionItemKind::CLASS),
                detail: Some(format!("Creator form ({} fields)", form.fields.len())),
                ..Default::default()
            });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::analysis::Analysis;

    fn labels_at_end(text: &str) -> Vec<String> {
        let doc = Analysis::new(text.into());
        let ctx = Ctx::alone(&doc);
        complete(&ctx, text.len(), &Options { snippets: true })
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn methods_by_receiver_type() {
        let l = labels_at_end("m = Map();\nm.");
        assert!(l.contains(&"put".to_string()) && l.contains(&"keys".to_string()));
        assert!(
            !l.contains(&"toUpperCase".to_string()),
            "text methods on a map: {l:?}"
        );
        let l = labels_at_end("m = Map();\nif (true)\n{\n\tm.pu");
        assert!(l.contains(&"put".to_string()));
        let l = labels_at_end("x = \"a,b\".");
        assert!(l.contains(&"toList".to_string()) && !l.contains(&"put".to_string()));
        let l = labels_at_end("m = Map();\nk = m.keys().");
        assert!(
            l.contains(&"sort".to_string()) && !l.contains(&"put".to_string()),
            "{l:?}"
        );
    }

    #[test]
    fn zoho_services_and_tasks() {
        assert!(labels_at_end("r = zoho.").contains(&"crm".to_string()));
        let l = labels_at_end("r = zoho.crm.");
        assert!(l.contains(&"getRecordById".to_string()), "{l:?}");
        assert!(labels_at_end("h = zoho.encryption.").contains(&"sha256".to_string()));
    }

    #[test]
    fn invokeurl_keys_and_methods() {
        let l = labels_at_end("r = invokeurl\n[\n\turl: \"https://x\"\n\t");
        assert!(l.contains(&"connection".to_string()) && l.contains(&"headers".to_string()));
        let l = labels_at_end("r = invokeurl\n[\n\ttype: ");
        assert_eq!(l, HTTP_METHODS);
    }

    #[test]
    fn nothing_inside_text_or_comments_and_everything_elsewhere() {
        assert!(labels_at_end("x = \"abc").is_empty());
        assert!(labels_at_end("// m.").is_empty());
        let l = labels_at_end("total = 1;\nt");
        assert!(l.contains(&"total".to_string()) && l.contains(&"ifnull".to_string()));
    }

    #[test]
    fn words_before_brackets_are_read_on_char_boundaries() {
        assert_eq!(last_word("r = invokeurl \n"), "invokeurl");
        assert_eq!(last_word("é"), "");
        assert_eq!(last_word("xé_Orders"), "_Orders");
        // A non-ASCII name before `[`: no task block, the usual items.
        assert!(labels_at_end("é[").contains(&"if".to_string()));
    }

    #[test]
    fn task_signatures_give_required_parameters() {
        let (req, opt) = task_params("(module, record_id[, query_map][, connection]) → map");
        assert_eq!(req, ["module", "record_id"]);
        assert_eq!(opt, ["query_map", "connection"]);
    }
}
