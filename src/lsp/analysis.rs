//! What one version of one text says: its syntax errors, the tree of what
//! parses, its functions and their calls, and the types of its variables
//! where a literal, a constructor, a declared parameter or a built-in's
//! documented result tells them. Built once per version, read by every
//! feature.

use std::collections::HashMap;
use std::ops::Range;

use crate::builtins::Recv;
use crate::syntax::SyntaxError;
use crate::syntax::ast::{
    BinOp, Expr, ExprKind, Function, Program, StmtKind, SysVar, TaskKind, UnOp,
};
use crate::value::Value;

use super::text::LineIndex;
use super::walk;

/// A value type the editor can know statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    Number,
    Bool,
    List,
    Map,
    Date,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Number => "number",
            Ty::Bool => "boolean",
            Ty::List => "list",
            Ty::Map => "map",
            Ty::Date => "date",
        }
    }

    /// The built-in table its methods are in (`None`: only `any`'s).
    pub fn recv(self) -> Option<Recv> {
        Some(match self {
            Ty::Text => Recv::Text,
            Ty::Number => Recv::Number,
            Ty::List => Recv::List,
            Ty::Map => Recv::Map,
            Ty::Date => Recv::Date,
            Ty::Bool => return None,
        })
    }

    /// A documented result type (`docs.txt`).
    pub fn from_doc(name: &str) -> Option<Ty> {
        Some(match name {
            "text" => Ty::Text,
            "number" | "decimal" => Ty::Number,
            "bool" => Ty::Bool,
            "list" => Ty::List,
            "map" => Ty::Map,
            "date" => Ty::Date,
            _ => return None,
        })
    }

    /// A declared parameter or return type (`string`, `int`, `map`, …).
    pub fn from_declared(name: &str) -> Option<Ty> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" | "text" => Ty::Text,
            "int" | "long" | "bigint" | "number" | "decimal" | "float" | "double" => Ty::Number,
            "bool" | "boolean" => Ty::Bool,
            "list" | "collection" => Ty::List,
            "map" | "key-value" => Ty::Map,
            "date" | "datetime" | "timestamp" => Ty::Date,
            _ => return None,
        })
    }

    fn of_value(v: &Value) -> Option<Ty> {
        Some(match v {
            Value::Text(_) => Ty::Text,
            Value::Int(_) | Value::Decimal(_) => Ty::Number,
            Value::Bool(_) => Ty::Bool,
            Value::List(_) => Ty::List,
            Value::Map(_) => Ty::Map,
            Value::Date(_) => Ty::Date,
            _ => return None,
        })
    }
}

/// A type and how sure it is: `sure` types come from the script itself
/// (diagnostics may rely on them); others from what a Zoho task usually
/// answers (completion only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inferred {
    pub ty: Ty,
    pub sure: bool,
}

/// How a call names what it calls.
#[derive(Clone, Debug, PartialEq)]
pub enum CallKind {
    /// `name(…)`.
    Function,
    /// `a.b.c(…)` where `a` is not a variable (`zoho.crm.x`, `standalone.f`).
    Qualified,
    /// `value.name(…)`, with the receiver's type when known.
    Method(Option<Inferred>),
}

#[derive(Clone, Debug)]
pub struct CallSite {
    pub kind: CallKind,
    /// As written: `toList`, `standalone.helper`, `zoho.crm.getRecordById`.
    pub name: String,
    /// The last segment of the name.
    pub name_span: Range<usize>,
    /// The whole call.
    pub span: Range<usize>,
    pub argc: usize,
}

/// A function definition's header, for hover, symbols and navigation.
#[derive(Clone, Debug)]
pub struct FunctionSummary {
    pub qualified_name: String,
    pub name: String,
    pub return_type: String,
    /// `(type, name)`; a bare script's are its arguments (type empty).
    pub params: Vec<(String, String)>,
    pub span: Range<usize>,
    pub name_span: Range<usize>,
    /// The comment just above the definition, without its markers.
    pub doc: String,
    pub is_script: bool,
}

impl FunctionSummary {
    /// `int standalone.helper(int n)`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(t, n)| format!("{t} {n}").trim().to_string())
            .collect();
        format!(
            "{} {}({})",
            self.return_type,
            self.qualified_name,
            params.join(", ")
        )
    }
}

pub struct Analysis {
    pub text: String,
    pub index: LineIndex,
    pub errors: Vec<SyntaxError>,
    pub program: Option<Program>,
    pub functions: Vec<FunctionSummary>,
    pub calls: Vec<CallSite>,
    /// Per function: variable name → type.
    pub types: Vec<HashMap<String, Inferred>>,
}

impl Analysis {
    pub fn new(text: String) -> Analysis {
        let recovered = crate::syntax::parse_recovering(&text);
        let index = LineIndex::new(&text);
        let mut analysis = Analysis {
            index,
            errors: recovered.errors,
            program: None,
            functions: Vec::new(),
            calls: Vec::new(),
            types: Vec::new(),
            text,
        };
        if let Some(program) = recovered.program {
            for f in &program.functions {
                let summary = summarize(&analysis.text, f, program.is_script);
                analysis.functions.push(summary);
                let types = infer_types(f, &program);
                collect_calls(&analysis.text, f, &types, &mut analysis.calls);
                analysis.types.push(
                    types
                        .into_iter()
                        .filter_map(|(slot, t)| {
                            Some((f.slot_names.get(slot as usize)?.to_string(), t?))
                        })
                        .collect(),
                );
            }
            analysis.program = Some(program);
        }
        analysis
    }

    /// A text without its analysis (no errors, no tree): what the server
    /// keeps should the analysis fail.
    pub fn unanalysed(text: String) -> Analysis {
        Analysis {
            index: LineIndex::new(&text),
            errors: Vec::new(),
            program: None,
            functions: Vec::new(),
            calls: Vec::new(),
            types: Vec::new(),
            text,
        }
    }

    /// Index of the function whose definition holds `offset` (a bare
    /// script's one function holds everything).
    pub fn function_at(&self, offset: usize) -> Option<usize> {
        self.functions
            .iter()
            .position(|f| f.is_script || f.span.contains(&offset))
    }

    /// The type of variable `name` at `offset`.
    pub fn type_of(&self, offset: usize, name: &str) -> Option<Inferred> {
        let i = self.function_at(offset)?;
        self.types.get(i)?.get(name).copied()
    }

    /// Variables (and parameters) of the function at `offset`.
    pub fn variables_at(&self, offset: usize) -> Vec<String> {
        let Some(program) = &self.program else {
            return Vec::new();
        };
        let Some(f) = self
            .function_at(offset)
            .and_then(|i| program.functions.get(i))
        else {
            return Vec::new();
        };
        let mut names: Vec<String> = f.slot_names.iter().map(|n| n.to_string()).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Slice `text` without panicking on spans past its end (closers added by
/// recovery) or inside a character.
pub fn slice(text: &str, range: Range<usize>) -> &str {
    let start = super::text::floor_boundary(text, range.start);
    let end = super::text::floor_boundary(text, range.end.max(start));
    &text[start..end]
}

fn summarize(text: &str, f: &Function, is_script: bool) -> FunctionSummary {
    let span = f.span.range();
    let span = span.start.min(text.len())..span.end.min(text.len());
    let name_span = if is_script {
        0..0
    } else {
        slice(text, span.clone())
            .find(&f.qualified_name)
            .map(|i| span.start + i..span.start + i + f.qualified_name.len())
            .unwrap_or(span.start..span.start)
    };
    let doc = if is_script {
        leading_comment(text, first_code(text))
    } else {
        leading_comment(text, span.start)
    };
    FunctionSummary {
        qualified_name: f.qualified_name.clone(),
        name: f.name.clone(),
        return_type: f.return_type.clone(),
        params: f
            .params
            .iter()
            .map(|p| (p.type_name.clone(), p.name.to_string()))
            .collect(),
        span,
        name_span,
        doc,
        is_script,
    }
}

/// Offset of the first character that is not whitespace or comment.
fn first_code(text: &str) -> usize {
    let mut i = 0;
    loop {
        let rest = &text[i..];
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            i += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            match trimmed.find("*/") {
                Some(e) => i += e + 2,
                None => return text.len(),
            }
        } else {
            return i;
        }
    }
}

/// The comment lines (or block comment) right above `offset`.
pub fn leading_comment(text: &str, offset: usize) -> String {
    let before = slice(text, 0..offset).trim_end();
    if let Some(stripped) = before.strip_suffix("*/")
        && let Some(open) = stripped.rfind("/*")
    {
        return stripped[open + 2..]
            .lines()
            .map(|l| l.trim().trim_start_matches('*').trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
    }
    let mut lines: Vec<&str> = Vec::new();
    for line in before.lines().rev() {
        let t = line.trim();
        match t.strip_prefix("//") {
            Some(c) => lines.push(c.trim()),
            None => break,
        }
    }
    lines.reverse();
    // The `// dlg: …` header of tests is not documentation.
    lines.retain(|l| !l.starts_with("dlg:") && !l.starts_with("dlg-test:"));
    lines.join("\n")
}

/// Types of a function's slots, from its assignments (flow-insensitive:
/// a slot assigned two different types has none). `None` = conflicting.
fn infer_types(f: &Function, program: &Program) -> HashMap<u32, Option<Inferred>> {
    let mut types: HashMap<u32, Option<Inferred>> = HashMap::new();
    for p in &f.params {
        if let Some(ty) = Ty::from_declared(&p.type_name) {
            types.insert(p.slot, Some(Inferred { ty, sure: true }));
        }
    }
    // Twice, so a variable assigned from one assigned later is known.
    for _ in 0..2 {
        let mut seen: HashMap<u32, Option<Inferred>> = HashMap::new();
        for p in &f.params {
            if let Some(t) = types.get(&p.slot) {
                seen.insert(p.slot, *t);
            }
        }
        walk::stmts(&f.body, &mut |s| {
            let (slot, t) = match &s.kind {
                StmtKind::Assign {
                    slot,
                    op: None,
                    value,
                } => (*slot, type_of(value, &types, program)),
                StmtKind::Assign {
                    slot,
                    op: Some(op),
                    value,
                } => {
                    let current = types.get(slot).copied().flatten();
                    let rhs = type_of(value, &types, program);
                    (*slot, binary_type(*op, current, rhs))
                }
                StmtKind::ForEach { slot, .. } | StmtKind::Try { slot, .. } => (*slot, None),
                _ => return,
            };
            let merged = match seen.get(&slot) {
                None => t,
                Some(prev) => match (prev, t) {
                    (Some(a), Some(b)) if a.ty == b.ty => Some(Inferred {
                        ty: a.ty,
                        sure: a.sure && b.sure,
                    }),
                    _ => None,
                },
            };
            seen.insert(slot, merged);
        });
        types = seen;
    }
    types
}

fn sure(ty: Ty) -> Option<Inferred> {
    Some(Inferred { ty, sure: true })
}

fn binary_type(op: BinOp, a: Option<Inferred>, b: Option<Inferred>) -> Option<Inferred> {
    match op {
        BinOp::Eq
        | BinOp::Ne
        | BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
        | BinOp::And
        | BinOp::Or => sure(Ty::Bool),
        BinOp::Add => match (a, b) {
            (Some(x), _) | (_, Some(x)) if x.ty == Ty::Text && x.sure => sure(Ty::Text),
            (Some(x), Some(y)) if x.ty == Ty::Number && y.ty == Ty::Number => Some(Inferred {
                ty: Ty::Number,
                sure: x.sure && y.sure,
            }),
            _ => None,
        },
        _ => match (a, b) {
            (Some(x), Some(y)) if x.ty == Ty::Number && y.ty == Ty::Number => Some(Inferred {
                ty: Ty::Number,
                sure: x.sure && y.sure,
            }),
            _ => None,
        },
    }
}

/// The type of an expression, when the script shows it.
pub fn type_of(
    e: &Expr,
    vars: &HashMap<u32, Option<Inferred>>,
    program: &Program,
) -> Option<Inferred> {
    match &e.kind {
        ExprKind::Const(v) => Ty::of_value(v).and_then(sure),
        ExprKind::List(_) => sure(Ty::List),
        ExprKind::Map(_) => sure(Ty::Map),
        ExprKind::Var { slot } => vars.get(slot).copied().flatten(),
        ExprKind::Sys(SysVar::CurrentDate | SysVar::CurrentTime) => sure(Ty::Date),
        ExprKind::Sys(_) => sure(Ty::Text),
        ExprKind::Unary(UnOp::Not, _) => sure(Ty::Bool),
        ExprKind::Unary(_, x) => type_of(x, vars, program).filter(|t| t.ty == Ty::Number),
        ExprKind::Binary(op, a, b) => {
            binary_type(*op, type_of(a, vars, program), type_of(b, vars, program))
        }
        ExprKind::IfExpr(parts) => {
            let (a, b) = (
                type_of(&parts[1], vars, program),
                type_of(&parts[2], vars, program),
            );
            (a == b).then_some(a).flatten()
        }
        ExprKind::Call { name, .. } => {
            if let Some(f) = program
                .functions
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
            {
                return Ty::from_declared(&f.return_type).and_then(sure);
            }
            if name.eq_ignore_ascii_case("Collection") {
                return None;
            }
            crate::builtins::docs::function(name)
                .or_else(|| crate::builtins::docs::method(None, name))
                .and_then(|d| Ty::from_doc(d.returns))
                .and_then(sure)
        }
        ExprKind::Method { receiver, name, .. } => {
            let recv = type_of(receiver, vars, program);
            let doc = crate::builtins::docs::method(recv.and_then(|r| r.ty.recv()), name)?;
            let ty = Ty::from_doc(doc.returns)?;
            Some(Inferred {
                ty,
                sure: recv.is_some_and(|r| r.sure),
            })
        }
        ExprKind::QualifiedCall { path, .. } => {
            let lpath = path.to_ascii_lowercase();
            if let Some(d) = crate::builtins::docs::function(&lpath) {
                return Ty::from_doc(d.returns).and_then(sure);
            }
            let task = crate::natives::lookup(&lpath)?;
            let answer = task.signature.rsplit('→').next().unwrap_or("");
            let ty = if answer.contains("list") {
                Ty::List
            } else if answer.contains("map") || answer.contains("record") {
                Ty::Map
            } else {
                return None;
            };
            Some(Inferred { ty, sure: false })
        }
        ExprKind::Task(t) if t.kind == TaskKind::InvokeUrl => Some(Inferred {
            ty: Ty::Map,
            sure: false,
        }),
        _ => None,
    }
}

/// Every call in `f`, with the span of its name.
fn collect_calls(
    text: &str,
    f: &Function,
    types: &HashMap<u32, Option<Inferred>>,
    out: &mut Vec<CallSite>,
) {
    // Type lookups need the program only for same-file helpers' return
    // types; receivers use the slot types already inferred.
    let empty = Program {
        functions: Vec::new(),
        is_script: false,
    };
    walk::exprs(&f.body, &mut |e| {
        let span = e.span.range();
        let site = match &e.kind {
            ExprKind::Call { name, args } => {
                let start = span.start;
                CallSite {
                    kind: CallKind::Function,
                    name: name.to_string(),
                    name_span: word_at(text, start, name).unwrap_or(start..start),
                    span,
                    argc: args.len(),
                }
            }
            ExprKind::QualifiedCall { path, args } => {
                let last = path.rsplit('.').next().unwrap_or(path);
                let head_end = slice(text, span.clone())
                    .find('(')
                    .map_or(span.end, |i| span.start + i);
                let name_span = slice(text, span.start..head_end)
                    .trim_end()
                    .rfind(last)
                    .map(|i| span.start + i..span.start + i + last.len())
                    .unwrap_or(span.start..span.start);
                CallSite {
                    kind: CallKind::Qualified,
                    name: path.to_string(),
                    name_span,
                    span,
                    argc: args.len(),
                }
            }
            ExprKind::Method {
                receiver,
                name,
                args,
                ..
            } => {
                let from = (receiver.span.end as usize).min(span.end);
                let name_span = slice(text, from..span.end)
                    .find(name.as_ref())
                    .map(|i| from + i..from + i + name.len())
                    .unwrap_or(from..from);
                CallSite {
                    kind: CallKind::Method(type_of(receiver, types, &empty)),
                    name: name.to_string(),
                    name_span,
                    span,
                    argc: args.len(),
                }
            }
            _ => return,
        };
        out.push(site);
    });
}

/// `name` written at `at`, as a range.
fn word_at(text: &str, at: usize, name: &str) -> Option<Range<usize>> {
    let found = slice(text, at..at + name.len());
    found
        .eq_ignore_ascii_case(name)
        .then_some(at..at + name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_literals_constructors_and_docs() {
        let a = Analysis::new(
            "m = Map();\nl = m.keys();\ns = \"a\" + 1;\nd = today;\nx = 1;\nx = \"t\";\nr = zoho.crm.getRecordById(\"Leads\", 1);\n"
                .into(),
        );
        let t = |n: &str| a.type_of(0, n).map(|t| (t.ty, t.sure));
        assert_eq!(t("m"), Some((Ty::Map, true)));
        assert_eq!(t("l"), Some((Ty::List, true)));
        assert_eq!(t("s"), Some((Ty::Text, true)));
        assert_eq!(t("d"), Some((Ty::Date, true)));
        assert_eq!(t("x"), None, "two types: unknown");
        assert_eq!(t("r"), Some((Ty::Map, false)));
    }

    #[test]
    fn calls_know_their_name_spans_and_receivers() {
        let text = "m = {\"a\": 1};\nv = m.get(\"a\");\nr = standalone.helper(1, 2);\ninfo toList(\"x\");\n";
        let a = Analysis::new(text.into());
        let names: Vec<(&str, &str)> = a
            .calls
            .iter()
            .map(|c| (c.name.as_str(), &text[c.name_span.clone()]))
            .collect();
        assert!(names.contains(&("get", "get")), "{names:?}");
        assert!(names.contains(&("standalone.helper", "helper")));
        assert!(names.contains(&("toList", "toList")));
        let get = a.calls.iter().find(|c| c.name == "get").unwrap();
        assert_eq!(
            get.kind,
            CallKind::Method(Some(Inferred {
                ty: Ty::Map,
                sure: true
            }))
        );
        assert_eq!(
            a.calls
                .iter()
                .find(|c| c.name == "standalone.helper")
                .unwrap()
                .argc,
            2
        );
    }

    #[test]
    fn functions_have_signatures_and_leading_comments() {
        let text =
            "// Adds one.\n// Really.\nint standalone.helper(int n)\n{\n\treturn n + 1;\n}\n";
        let a = Analysis::new(text.into());
        let f = &a.functions[0];
        assert_eq!(f.signature(), "int standalone.helper(int n)");
        assert_eq!(f.doc, "Adds one.\nReally.");
        assert_eq!(&text[f.name_span.clone()], "standalone.helper");
        assert_eq!(a.type_of(50, "n").unwrap().ty, Ty::Number);
    }

    #[test]
    fn a_broken_text_still_has_the_types_of_what_parses() {
        let a = Analysis::new("m = Map();\nm.".into());
        assert_eq!(a.errors.len(), 1);
        assert_eq!(a.type_of(0, "m").unwrap().ty, Ty::Map);
    }
}
