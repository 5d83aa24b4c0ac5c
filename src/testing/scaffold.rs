//! `dlg fixtures`: turn the calls a run made that no fixture answered into
//! fixture entries ready to fill in, each answer pre-shaped by what the
//! script reads from it.
//!
//! The shape is read from the script's syntax: a variable assigned from a
//! call (`lead = zoho.crm.getRecordById(…)`, `resp = invokeurl [ url: "…" ]`)
//! and the `.get("key")` chains and `for each` loops over it give the keys
//! and lists the answer needs (`{ data = [{ Amount = "" }] }`).

use std::collections::HashMap;

use serde_json::Value as J;

use crate::http::mock::calls::CallKind;
use crate::http::mock::{Unanswered, toml_inline, toml_key};
use crate::syntax::ast::{CreatorExpr, Expr, ExprKind, Program, Stmt, StmtKind, TaskKind};
use crate::value::Value;

#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Elem,
}

/// What the script reads from each call's answer, by call: a lower-case
/// task or function path, or `invokeurl:` and the URL's literal start.
#[derive(Default, Debug)]
pub struct Shapes {
    by_call: HashMap<String, J>,
    /// Creator forms the script reads (`Orders[…]`), in order.
    pub forms: Vec<String>,
}

impl Shapes {
    pub fn of(program: &Program) -> Shapes {
        let mut s = Shapes::default();
        for f in &program.functions {
            let mut origins: HashMap<u32, (String, Vec<Seg>)> = HashMap::new();
            s.block(&f.body, &mut origins);
        }
        s
    }

    fn note(&mut self, key: &str, path: &[Seg]) {
        let root = self
            .by_call
            .entry(key.to_string())
            .or_insert_with(|| J::Object(Default::default()));
        insert(root, path);
    }

    /// The call and path an expression's value comes from.
    fn origin(
        &self,
        e: &Expr,
        origins: &HashMap<u32, (String, Vec<Seg>)>,
    ) -> Option<(String, Vec<Seg>)> {
        match &e.kind {
            ExprKind::Var { slot } => origins.get(slot).cloned(),
            ExprKind::QualifiedCall { path, .. } => Some((path.to_ascii_lowercase(), Vec::new())),
            ExprKind::Call { name, .. }
                if crate::builtins::function(&name.to_ascii_lowercase()).is_none() =>
            {
                Some((name.to_ascii_lowercase(), Vec::new()))
            }
            ExprKind::Task(t) if t.kind == TaskKind::InvokeUrl => {
                let url = t
                    .entries
                    .iter()
                    .find(|en| en.key.as_str() == "url")
                    .and_then(|en| en.values.first())
                    .map(literal_start)
                    .unwrap_or_default();
                Some((format!("invokeurl:{url}"), Vec::new()))
            }
            ExprKind::Method {
                receiver,
                name,
                args,
                ..
            } => {
                let (call, mut path) = self.origin(receiver, origins)?;
                let lname = name.to_ascii_lowercase();
                match (lname.as_str(), args.first().map(|a| &a.kind)) {
                    ("get" | "getjson", Some(ExprKind::Const(Value::Text(k)))) => {
                        path.push(Seg::Key(k.to_string()))
                    }
                    ("get", Some(ExprKind::Const(Value::Int(_)))) => path.push(Seg::Elem),
                    ("tomap" | "tojsonlist" | "tolist" | "tostring", _) => {}
                    _ => return None,
                }
                Some((call, path))
            }
            _ => None,
        }
    }

    fn block(&mut self, stmts: &[Stmt], origins: &mut HashMap<u32, (String, Vec<Seg>)>) {
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { slot, op, value } => {
                    self.expr(value, origins);
                    match (op, self.origin(value, origins)) {
                        (None, Some(o)) => {
                            origins.insert(*slot, o);
                        }
                        (None, None) => {
                            origins.remove(slot);
                        }
                        _ => {}
                    }
                }
                StmtKind::FieldAssign { target, value, .. } => {
                    self.expr(target, origins);
                    self.expr(value, origins);
                }
                StmtKind::Expr(e) | StmtKind::Info(e) | StmtKind::Return(Some(e)) => {
                    self.expr(e, origins)
                }
                StmtKind::If {
                    branches,
                    otherwise,
                } => {
                    for (c, body) in branches {
                        self.expr(c, origins);
                        self.block(body, origins);
                    }
                    if let Some(b) = otherwise {
                        self.block(b, origins);
                    }
                }
                StmtKind::ForEach {
                    slot,
                    iterable,
                    body,
                    index,
                } => {
                    self.expr(iterable, origins);
                    if !index && let Some((call, mut path)) = self.origin(iterable, origins) {
                        path.push(Seg::Elem);
                        self.note(&call, &path);
                        origins.insert(*slot, (call, path));
                    }
                    self.block(body, origins);
                }
                StmtKind::Try { body, handler, .. } => {
                    self.block(body, origins);
                    self.block(handler, origins);
                }
                StmtKind::Return(None)
                | StmtKind::Break
                | StmtKind::Continue
                | StmtKind::Creator(_) => {}
            }
        }
    }

    /// Note every read of a call's answer inside `e`.
    fn expr(&mut self, e: &Expr, origins: &HashMap<u32, (String, Vec<Seg>)>) {
        if let ExprKind::Method { .. } = &e.kind
            && let Some((call, path)) = self.origin(e, origins)
            && !path.is_empty()
        {
            self.note(&call, &path);
        }
        match &e.kind {
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i, origins)),
            ExprKind::Map(pairs) => pairs.iter().for_each(|(k, v)| {
                self.expr(k, origins);
                self.expr(v, origins);
            }),
            ExprKind::Unary(_, a) => self.expr(a, origins),
            ExprKind::Binary(_, a, b) => {
                self.expr(a, origins);
                self.expr(b, origins);
            }
            ExprKind::IfExpr(parts) => parts.iter().for_each(|p| self.expr(p, origins)),
            ExprKind::Call { args, .. } | ExprKind::QualifiedCall { args, .. } => {
                args.iter().for_each(|a| self.expr(a, origins))
            }
            ExprKind::Method { receiver, args, .. } => {
                self.expr(receiver, origins);
                args.iter().for_each(|a| self.expr(a, origins));
            }
            ExprKind::Field { receiver, .. } => self.expr(receiver, origins),
            ExprKind::Task(t) => {
                for en in &t.entries {
                    en.values.iter().for_each(|v| self.expr(v, origins));
                }
            }
            ExprKind::Creator(c) => match &**c {
                CreatorExpr::Query(q) if !self.forms.iter().any(|f| **f == *q.form.name) => {
                    self.forms.push(q.form.name.to_string());
                }
                CreatorExpr::FieldAll { query, .. } | CreatorExpr::Aggregate { query, .. } => {
                    self.expr(query, origins)
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Answer every unanswered call of `set` with the shape the script
    /// reads (lists with one element), so the run goes on to later calls.
    pub fn answer_placeholders(self, set: &crate::http::mock::MockSet) {
        set.set_placeholder_answers(std::sync::Arc::new(move |c| self.shape_for(c)));
    }

    /// The shape of the answer the script reads for `call`.
    fn shape_for(&self, call: &Unanswered) -> J {
        let found = match call {
            Unanswered::Call { kind, name, .. } => {
                let lname = name.to_ascii_lowercase();
                let last = lname.rsplit('.').next().unwrap_or("").to_string();
                self.by_call.get(&lname).or_else(|| match kind {
                    CallKind::Function => self.by_call.get(&last),
                    CallKind::Task => None,
                })
            }
            Unanswered::Request { url, .. } => self
                .by_call
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("invokeurl:")?, v)))
                .filter(|(prefix, _)| url.starts_with(prefix))
                .max_by_key(|(prefix, _)| prefix.len())
                .map(|(_, v)| v),
            Unanswered::Connection { .. } => None,
        };
        found.cloned().unwrap_or(J::Object(Default::default()))
    }
}

/// The literal text an expression starts with (`"https://x/" + id` → the
/// URL's fixed start).
fn literal_start(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Const(Value::Text(t)) => t.to_string(),
        ExprKind::Binary(_, a, _) => literal_start(a),
        _ => String::new(),
    }
}

fn insert(node: &mut J, path: &[Seg]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match first {
        Seg::Key(k) => {
            if !node.is_object() {
                *node = J::Object(Default::default());
            }
            let obj = node.as_object_mut().expect("object");
            let child = obj
                .entry(k.clone())
                .or_insert_with(|| J::String(String::new()));
            insert(child, rest);
        }
        Seg::Elem => {
            if !node.is_array() {
                *node = J::Array(vec![J::String(String::new())]);
            }
            let arr = node.as_array_mut().expect("array");
            if arr.is_empty() {
                arr.push(J::String(String::new()));
            }
            insert(&mut arr[0], rest);
        }
    }
}

/// Comment lines for what a fixture file does not answer but a test sets
/// up: the Creator forms the script reads and the mail it sent.
pub fn notes(shapes: &Shapes, mails: &[Value]) -> String {
    let mut out = String::new();
    for form in &shapes.forms {
        out.push_str(&format!(
            "# The script reads Creator form {form}: seed it in the test (insert into {form} [ … ]),\n# or under [creator.seed] in dlg.toml; records(\"{form}\", criteria) checks it afterwards.\n"
        ));
    }
    for m in mails {
        let field = |k: &str| match m {
            Value::Map(map) => map
                .borrow()
                .get(&crate::value::Key::text(k))
                .map(|v| v.to_display())
                .unwrap_or_default(),
            _ => String::new(),
        };
        out.push_str(&format!(
            "# sendmail to {} \"{}\" (never sent; a test reads it with mails())\n",
            field("to"),
            field("subject")
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Fixture entries (TOML) for `calls`, shaped by `shapes`.
pub fn entries(calls: &[Unanswered], shapes: &Shapes) -> String {
    let mut out = String::new();
    for c in calls {
        if let Unanswered::Connection { name, datacenter } = c {
            out.push_str(&format!(
                "[connections.{}]\ndatacenter = \"{}\"\n\n",
                toml_key(name),
                datacenter.as_deref().unwrap_or("us")
            ));
        }
    }
    for c in calls {
        let shape = toml_inline(&shapes.shape_for(c));
        match c {
            Unanswered::Request {
                method,
                url,
                query,
                json,
            } => {
                out.push_str(&format!(
                    "[[request]]\nmethod = \"{method}\"\nurl = {}\n",
                    toml_inline(&J::String(url.clone()))
                ));
                if !query.is_empty() {
                    let q: serde_json::Map<String, J> = query
                        .iter()
                        .map(|(k, v)| (k.clone(), J::String(v.clone())))
                        .collect();
                    out.push_str(&format!("query = {}\n", toml_inline(&J::Object(q))));
                }
                if let Some(j) = json {
                    out.push_str(&format!("# request_json = {}\n", toml_inline(j)));
                }
                out.push_str(&format!("json = {shape}\n\n"));
            }
            Unanswered::Call { kind, name, args } => {
                let args: Vec<String> = args.iter().map(toml_inline).collect();
                out.push_str(&format!(
                    "{}\nname = {}\nargs = [{}]\nreturns = {shape}\n\n",
                    kind.table(),
                    toml_inline(&J::String(name.clone())),
                    args.join(", ")
                ));
            }
            Unanswered::Connection { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_gets_and_loops() {
        let p = crate::syntax::parse_program(
            r#"
resp = invokeurl [ url: "https://www.zohoapis.com/crm/v2/Deals/" + id type: GET connection: "crm" ];
for each d in resp.get("data") {
  info d.get("Amount");
  info d.get("Owner").get("name");
}
lead = zoho.crm.getRecordById("Leads", 5);
info lead.get("Last_Name");
"#,
        )
        .unwrap();
        let shapes = Shapes::of(&p);
        let calls = vec![
            Unanswered::Connection {
                name: "crm".into(),
                datacenter: Some("us".into()),
            },
            Unanswered::Request {
                method: "GET".into(),
                url: "https://www.zohoapis.com/crm/v2/Deals/7".into(),
                query: vec![],
                json: None,
            },
            Unanswered::Call {
                kind: CallKind::Task,
                name: "zoho.crm.getRecordById".into(),
                args: vec![J::from("Leads"), J::from(5)],
            },
        ];
        let text = entries(&calls, &shapes);
        assert!(
            text.contains("[connections.crm]\ndatacenter = \"us\""),
            "{text}"
        );
        assert!(
            text.contains(r#"json = { data = [{ Amount = "", Owner = { name = "" } }] }"#),
            "{text}"
        );
        assert!(
            text.contains("name = \"zoho.crm.getRecordById\"\nargs = [\"Leads\", 5]\nreturns = { Last_Name = \"\" }"),
            "{text}"
        );
        // What it writes is a valid fixture file.
        crate::http::mock::MockSet::parse(std::path::Path::new("x.toml"), &text).unwrap();
    }

    #[test]
    fn notes_name_forms_read_and_mail_sent() {
        let p = crate::syntax::parse_program(
            "for each o in Orders[Status == \"Open\"] { info o.Total; }\nn = Customers[ID == 1].count();\n",
        )
        .unwrap();
        let shapes = Shapes::of(&p);
        assert_eq!(shapes.forms, vec!["Orders", "Customers"]);
        let mut mail = crate::value::MapData::default();
        mail.insert(crate::value::Key::text("to"), Value::text("a@b.c"));
        mail.insert(crate::value::Key::text("subject"), Value::text("Hi"));
        let text = notes(&shapes, &[Value::new_map(mail)]);
        assert!(
            text.contains("# The script reads Creator form Orders"),
            "{text}"
        );
        assert!(text.contains("# sendmail to a@b.c \"Hi\""), "{text}");
    }
}
