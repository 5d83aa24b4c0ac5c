//! pest pairs → typed AST, resolving variables to frame slots.

use crate::code::Code;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use pest::Parser;
use pest::iterators::Pair;

use super::ast::*;
use super::errors::{SyntaxError, check_nesting, from_pest};
use super::parser::{CRIT_PRATT, DelugeParser, PRATT, Rule};
use crate::value::Value;

/// Most operators allowed in one expression (evaluation recurses per
/// operator, so this bounds the native stack).
const MAX_OPERATORS: usize = 10_000;

/// Names → slots for one function (or the REPL session).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    names: HashMap<Rc<str>, Slot>,
    pub slot_names: Vec<Rc<str>>,
    /// Names assigned somewhere in the function; reading any other name is
    /// an undefined-variable error (or a system variable / Creator name).
    assigned: HashSet<String>,
}

impl Scope {
    pub fn slot(&mut self, name: &str) -> Slot {
        if let Some(s) = self.names.get(name) {
            return *s;
        }
        let rc: Rc<str> = Rc::from(name);
        let slot = self.slot_names.len() as Slot;
        self.names.insert(rc.clone(), slot);
        self.slot_names.push(rc);
        slot
    }

    /// Mark a name as assigned and return its slot (the REPL's `_`).
    pub fn define(&mut self, name: &str) -> Slot {
        self.assigned.insert(name.to_string());
        self.slot(name)
    }

    pub fn lookup(&self, name: &str) -> Option<Slot> {
        self.names.get(name).copied()
    }

    pub fn is_assigned(&self, name: &str) -> bool {
        self.assigned.contains(name)
    }
}

struct Lowerer<'s> {
    src: &'s str,
    scope: RefCell<Scope>,
    /// Bare scripts only: names read but never assigned are the function's
    /// arguments (declared in Zoho's UI). Each gets a slot; first read kept.
    script_args: Option<RefCell<Vec<Param>>>,
}

/// Names that are never a script argument even when never assigned: Creator
/// form input, system-variable heads and call namespaces.
const NOT_ARGUMENTS: &[&str] = &[
    "input",
    "zoho",
    "thisapp",
    "standalone",
    "automation",
    "button",
    "workflow",
];

/// Heads of `head.fn(…)` that name functions, never a variable.
const CALL_NAMESPACES: &[&str] = &[
    "zoho",
    "thisapp",
    "standalone",
    "automation",
    "button",
    "workflow",
    "invokeurl",
];

/// Task parameters whose bare words are constants (`type: GET`).
const WORD_TASK_KEYS: &[&str] = &["type", "content-type", "response-format"];

fn span_of(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

fn err_at(span: Span, message: impl Into<String>, help: impl Into<String>) -> SyntaxError {
    SyntaxError {
        code: Code::DelugeSyntax,
        message: message.into(),
        help: help.into(),
        span: span.range(),
        at_end: false,
    }
}

/// Rule calls pest may make per byte of input before giving up. Real
/// scripts need a few hundred; the cap turns any pathological backtracking
/// into a prompt `deluge::limit` error instead of a hang.
const PARSE_CALLS_PER_BYTE: usize = 5_000;

fn parse_rule(rule: Rule, src: &str) -> Result<Pair<'_, Rule>, SyntaxError> {
    check_nesting(src)?;
    let budget = src
        .len()
        .saturating_mul(PARSE_CALLS_PER_BYTE)
        .max(1_000_000);
    pest::set_call_limit(std::num::NonZeroUsize::new(budget));
    let parsed = DelugeParser::parse(rule, src);
    let mut pairs = parsed.map_err(|e| {
        if matches!(&e.variant, pest::error::ErrorVariant::CustomError { message } if message.contains("call limit")) {
            return SyntaxError {
                code: Code::DelugeLimit,
                message: "the script is too complex to parse (parser step limit reached)".into(),
                help: "look for deeply nested or unclosed brackets near the reported position".into(),
                span: match e.location {
                    pest::error::InputLocation::Pos(p) => p..p,
                    pest::error::InputLocation::Span((a, b)) => a..b,
                },
                at_end: false,
            };
        }
        from_pest(e, rule, src)
    })?;
    Ok(pairs.next().expect("pest returns the top rule"))
}

/// Parse a criteria string (as `zoho.creator.getRecords` takes it). Names
/// that are not fields read as undefined variables.
pub fn parse_criteria(src: &str) -> Result<Criteria, SyntaxError> {
    let top = parse_rule(Rule::criteria_input, src)?;
    let lw = Lowerer {
        src,
        scope: RefCell::new(Scope::default()),
        script_args: None,
    };
    match top.into_inner().find(|p| p.as_rule() == Rule::criteria) {
        None => Ok(Criteria::All),
        Some(c) => Ok(lw.crit_node(c)?.into_criteria()),
    }
}

/// Parse a whole file: either function definitions or a bare script.
pub fn parse_program(src: &str) -> Result<Program, SyntaxError> {
    let file = parse_rule(Rule::file, src)?;
    let inner = file.into_inner().next().expect("file has a body");
    match inner.as_rule() {
        Rule::functions => {
            let mut functions = Vec::new();
            for def in inner.into_inner() {
                functions.push(Rc::new(lower_function(src, def)?));
            }
            Ok(Program {
                functions,
                is_script: false,
            })
        }
        _ => {
            let span = Span::new(0, src.len());
            let mut scope = Scope::default();
            collect_assigned(&inner, &mut scope.assigned);
            let lw = Lowerer {
                src,
                scope: RefCell::new(scope),
                script_args: Some(RefCell::new(Vec::new())),
            };
            let body = lw.statements(inner)?;
            let params = lw.script_args.map(|a| a.into_inner()).unwrap_or_default();
            let scope = lw.scope.into_inner();
            Ok(Program {
                functions: vec![Rc::new(Function {
                    qualified_name: "<script>".into(),
                    name: "<script>".into(),
                    return_type: "void".into(),
                    params,
                    body,
                    slot_names: scope.slot_names,
                    span,
                })],
                is_script: true,
            })
        }
    }
}

/// One REPL entry: statements, or a bare expression to print.
pub enum ReplInput {
    Statements(Vec<Stmt>),
    Expression(Expr),
}

/// Parse a REPL entry against the session's scope (new names get new slots).
pub fn parse_repl_input(src: &str, scope: &mut Scope) -> Result<ReplInput, SyntaxError> {
    let top = parse_rule(Rule::repl_input, src)?;
    let inner = top.into_inner().next().expect("repl input has a body");
    let mut working = scope.clone();
    collect_assigned(&inner, &mut working.assigned);
    let lw = Lowerer {
        src,
        scope: RefCell::new(working),
        script_args: None,
    };
    let result = match inner.as_rule() {
        Rule::statements => ReplInput::Statements(lw.statements(inner)?),
        _ => ReplInput::Expression(lw.expression(inner)?),
    };
    *scope = lw.scope.into_inner();
    Ok(result)
}

fn lower_function(src: &str, def: Pair<Rule>) -> Result<Function, SyntaxError> {
    let span = span_of(&def);
    let mut parts = def.into_inner();
    let return_type = parts.next().expect("type").as_str().to_string();
    let qualified_name = parts.next().expect("name").as_str().to_string();
    let name = qualified_name
        .rsplit('.')
        .next()
        .unwrap_or(&qualified_name)
        .to_string();
    let mut scope = Scope::default();
    let mut params = Vec::new();
    let mut body_pair = None;
    for p in parts {
        match p.as_rule() {
            Rule::param_list => {
                for param in p.into_inner() {
                    let pspan = span_of(&param);
                    let mut it = param.into_inner();
                    let type_name = it.next().expect("param type").as_str().to_string();
                    let pname = it.next().expect("param name").as_str();
                    if scope.lookup(pname).is_some() {
                        return Err(err_at(
                            pspan,
                            format!("parameter '{pname}' is declared twice"),
                            "give each parameter its own name",
                        ));
                    }
                    let slot = scope.slot(pname);
                    scope.assigned.insert(pname.to_string());
                    params.push(Param {
                        type_name,
                        name: Rc::from(pname),
                        slot,
                        span: pspan,
                    });
                }
            }
            Rule::block => body_pair = Some(p),
            _ => {}
        }
    }
    let body_pair = body_pair.expect("function body");
    collect_assigned(&body_pair, &mut scope.assigned);
    let lw = Lowerer {
        src,
        scope: RefCell::new(scope),
        script_args: None,
    };
    let body = lw.block(body_pair)?;
    let scope = lw.scope.into_inner();
    Ok(Function {
        qualified_name,
        name,
        return_type,
        params,
        body,
        slot_names: scope.slot_names,
        span,
    })
}

/// Every name the function assigns anywhere (assignment, loop variable,
/// catch variable). Deluge has no block scope.
fn collect_assigned(pair: &Pair<Rule>, out: &mut HashSet<String>) {
    match pair.as_rule() {
        Rule::assignment => {
            let lvalue = pair.clone().into_inner().next().expect("lvalue");
            let mut names = lvalue.into_inner();
            let first = names.next().expect("name");
            if names.next().is_none() {
                out.insert(first.as_str().to_string());
            }
        }
        Rule::for_each | Rule::for_each_index => {
            for p in pair.clone().into_inner() {
                if p.as_rule() == Rule::identifier {
                    out.insert(p.as_str().to_string());
                    break;
                }
            }
        }
        Rule::try_statement => {
            for p in pair.clone().into_inner() {
                if p.as_rule() == Rule::identifier {
                    out.insert(p.as_str().to_string());
                }
            }
        }
        _ => {}
    }
    for child in pair.clone().into_inner() {
        if matches!(
            child.as_rule(),
            Rule::expression | Rule::string | Rule::quoted | Rule::raw_brackets
        ) {
            continue;
        }
        collect_assigned(&child, out);
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('\\') => out.push('\\'),
            // Unknown escapes keep the backslash (regex patterns like "\d").
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

impl<'s> Lowerer<'s> {
    fn slot(&self, name: &str) -> Slot {
        self.scope.borrow_mut().slot(name)
    }

    fn statements(&self, pair: Pair<Rule>) -> Result<Vec<Stmt>, SyntaxError> {
        let mut out = Vec::new();
        for p in pair.into_inner() {
            if let Some(s) = self.statement(p)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn block(&self, pair: Pair<Rule>) -> Result<Vec<Stmt>, SyntaxError> {
        if pair.as_rule() != Rule::block {
            // A single statement used as a body (`if (x) info x;`).
            return Ok(self.statement(pair)?.into_iter().collect());
        }
        self.statements(pair)
    }

    fn statement(&self, pair: Pair<Rule>) -> Result<Option<Stmt>, SyntaxError> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::empty_statement | Rule::EOI => return Ok(None),
            Rule::info_statement => {
                let e = pair.into_inner().nth(1).expect("info expr");
                StmtKind::Info(self.expression(e)?)
            }
            Rule::expression_statement => {
                StmtKind::Expr(self.expression(pair.into_inner().next().expect("expr"))?)
            }
            Rule::task_statement => {
                let task = pair.into_inner().next().expect("task");
                let tspan = span_of(&task);
                StmtKind::Expr(Expr::new(ExprKind::Task(Box::new(self.task(task)?)), tspan))
            }
            Rule::assignment => self.assignment(pair)?,
            Rule::if_statement => {
                let mut branches = Vec::new();
                let mut otherwise = None;
                let mut it = pair.into_inner();
                it.next(); // if
                let cond = it.next().expect("condition");
                let body = it.next().expect("body");
                branches.push((self.condition(cond)?, self.block(body)?));
                for clause in it {
                    match clause.as_rule() {
                        Rule::else_if_clause => {
                            let mut c = clause.into_inner();
                            c.next();
                            c.next();
                            let cond = c.next().expect("condition");
                            let body = c.next().expect("body");
                            branches.push((self.condition(cond)?, self.block(body)?));
                        }
                        Rule::else_clause => {
                            let body = clause.into_inner().nth(1).expect("else body");
                            otherwise = Some(self.block(body)?);
                        }
                        _ => {}
                    }
                }
                StmtKind::If {
                    branches,
                    otherwise,
                }
            }
            Rule::for_each | Rule::for_each_index => {
                let index = pair.as_rule() == Rule::for_each_index;
                let mut name = None;
                let mut iterable = None;
                let mut body = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::identifier if name.is_none() => name = Some(p.as_str().to_string()),
                        Rule::expression if iterable.is_none() => {
                            iterable = Some(self.expression(p)?)
                        }
                        Rule::kw_for | Rule::kw_each | Rule::kw_index | Rule::kw_in => {}
                        _ => body = Some(self.block(p)?),
                    }
                }
                StmtKind::ForEach {
                    slot: self.slot(&name.expect("loop variable")),
                    iterable: iterable.expect("iterable"),
                    body: body.unwrap_or_default(),
                    index,
                }
            }
            Rule::try_statement => {
                let mut blocks = Vec::new();
                let mut var = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::block => blocks.push(p),
                        Rule::identifier => var = Some(p.as_str().to_string()),
                        _ => {}
                    }
                }
                let handler = blocks.pop().expect("catch block");
                let body = blocks.pop().expect("try block");
                StmtKind::Try {
                    body: self.block(body)?,
                    slot: self.slot(&var.expect("catch variable")),
                    handler: self.block(handler)?,
                }
            }
            Rule::return_statement => {
                let e = pair.into_inner().nth(1);
                StmtKind::Return(match e {
                    Some(e) => Some(self.expression(e)?),
                    None => None,
                })
            }
            Rule::break_statement => StmtKind::Break,
            Rule::continue_statement => StmtKind::Continue,
            Rule::creator_statement => StmtKind::Creator(Box::new(self.creator_statement(pair)?)),
            Rule::block => {
                // A nested bare block: flatten (no block scope).
                let stmts = self.statements(pair)?;
                return Ok(Some(Stmt {
                    kind: StmtKind::If {
                        branches: vec![(
                            Expr::new(ExprKind::Const(Value::Bool(true)), span),
                            stmts,
                        )],
                        otherwise: None,
                    },
                    span,
                }));
            }
            other => {
                return Err(err_at(
                    span,
                    format!("unexpected {other:?}"),
                    "this construct is not a statement",
                ));
            }
        };
        Ok(Some(Stmt { kind, span }))
    }

    fn condition(&self, pair: Pair<Rule>) -> Result<Expr, SyntaxError> {
        self.expression(pair.into_inner().next().expect("condition expr"))
    }

    fn assignment(&self, pair: Pair<Rule>) -> Result<StmtKind, SyntaxError> {
        let mut it = pair.into_inner();
        let lvalue = it.next().expect("lvalue");
        let op_pair = it.next().expect("op");
        let value = self.expression(it.next().expect("value"))?;
        let op = match op_pair.as_str() {
            "=" => None,
            "+=" => Some(BinOp::Add),
            "-=" => Some(BinOp::Sub),
            "*=" => Some(BinOp::Mul),
            "/=" => Some(BinOp::Div),
            _ => Some(BinOp::Rem),
        };
        let parts: Vec<Pair<Rule>> = lvalue.into_inner().collect();
        if parts.len() == 1 {
            return Ok(StmtKind::Assign {
                slot: self.slot(parts[0].as_str()),
                op,
                value,
            });
        }
        let path = parts
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let (last, init) = parts.split_last().expect("two or more names");
        let target = self.name_path(init);
        // `rec.F += 1` reads the field, then writes the sum.
        let value = match op {
            None => value,
            Some(op) => {
                let span = value.span;
                let current = Expr::new(
                    ExprKind::Field {
                        receiver: Box::new(self.name_path(init)),
                        name: Rc::from(last.as_str()),
                    },
                    span,
                );
                Expr::new(
                    ExprKind::Binary(op, Box::new(current), Box::new(value)),
                    span,
                )
            }
        };
        Ok(StmtKind::FieldAssign {
            path,
            target,
            field: Rc::from(last.as_str()),
            value,
        })
    }

    /// `a.b.c` (names only) as a variable read followed by field reads.
    fn name_path(&self, parts: &[Pair<Rule>]) -> Expr {
        let head = &parts[0];
        let name = head.as_str();
        let kind = if self.scope.borrow().is_assigned(name) {
            ExprKind::Var {
                slot: self.slot(name),
            }
        } else if let Some(slot) = self.script_arg(name, span_of(head)) {
            ExprKind::Var { slot }
        } else {
            ExprKind::Undefined(Rc::from(name))
        };
        let mut expr = Expr::new(kind, span_of(head));
        for p in &parts[1..] {
            let span = expr.span.to(span_of(p));
            expr = Expr::new(
                ExprKind::Field {
                    receiver: Box::new(expr),
                    name: Rc::from(p.as_str()),
                },
                span,
            );
        }
        expr
    }

    fn creator_statement(&self, pair: Pair<Rule>) -> Result<CreatorStmt, SyntaxError> {
        let span = span_of(&pair);
        let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let first = parts.first().expect("creator statement");
        Ok(match first.as_rule() {
            Rule::kw_alert => CreatorStmt::Alert(self.expression(parts[1].clone())?),
            Rule::kw_cancel => CreatorStmt::Cancel(parts[1].as_str().to_ascii_lowercase()),
            Rule::kw_delete => {
                let form = name_of(&parts[2]);
                CreatorStmt::Delete(FormQuery {
                    criteria: self.criteria_of(parts[3].clone())?,
                    form,
                    sort: None,
                    range: None,
                    span,
                })
            }
            Rule::creator_field_action => CreatorStmt::FieldAction {
                action: first.as_str().to_ascii_lowercase(),
                target: parts[1].as_str().split_whitespace().collect(),
            },
            _ => {
                // `input.Field:ui.add(list);`
                let target: String = first.as_str().split_whitespace().collect();
                let action = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::identifier)
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                let args = self.args(
                    parts
                        .iter()
                        .find(|p| p.as_rule() == Rule::call_args)
                        .cloned(),
                )?;
                CreatorStmt::Ui {
                    target,
                    action,
                    args,
                }
            }
        })
    }

    /// `Form[criteria] sort by F desc range from a to b`.
    fn form_query(&self, pair: Pair<Rule>) -> Result<FormQuery, SyntaxError> {
        let span = span_of(&pair);
        let mut it = pair.into_inner();
        let form = name_of(&it.next().expect("form name"));
        let criteria = self.criteria_of(it.next().expect("criteria"))?;
        let mut sort = None;
        let mut range = None;
        for m in it {
            let mut parts = m.into_inner();
            let kw = parts.next().expect("modifier keyword");
            if kw.as_rule() == Rule::kw_sort {
                parts.next(); // by
                let field = name_of(&parts.next().expect("sort field"));
                let desc = parts.next().is_some_and(|p| p.as_rule() == Rule::kw_desc);
                sort = Some((field, desc));
            } else {
                parts.next(); // from
                let from = self.expression(parts.next().expect("range start"))?;
                parts.next(); // to
                let to = self.expression(parts.next().expect("range end"))?;
                range = Some(Box::new((from, to)));
            }
        }
        Ok(FormQuery {
            form,
            criteria,
            sort,
            range,
            span,
        })
    }

    fn criteria_of(&self, pair: Pair<Rule>) -> Result<Criteria, SyntaxError> {
        let span = span_of(&pair);
        if pair.as_rule() == Rule::raw_brackets {
            return Ok(Criteria::Unparsed {
                text: pair.as_str().to_string(),
                span,
            });
        }
        match pair.into_inner().next() {
            None => Ok(Criteria::All),
            Some(c) => Ok(self.crit_node(c)?.into_criteria()),
        }
    }

    /// Lower a `criteria` pair (also a parenthesised group inside one).
    fn crit_node<'i>(&self, c: Pair<'i, Rule>) -> Result<CritNode<'i>, SyntaxError> {
        {
            {
                let node = CRIT_PRATT
                    .map_primary(|p| {
                        if p.as_rule() == Rule::crit_group {
                            self.crit_node(p.into_inner().next().expect("group criteria"))
                        } else {
                            self.crit_operand(p)
                        }
                    })
                    .map_prefix(|op, rhs| {
                        let rhs = rhs?;
                        let ospan = span_of(&op);
                        Ok(match (op.as_rule(), rhs) {
                            (
                                Rule::not_op,
                                CritNode::Operand {
                                    name: Some(field),
                                    span,
                                    ..
                                },
                            ) => CritNode::Crit(Criteria::Compare {
                                field,
                                op: CritOp::Eq,
                                value: Some(Expr::new(ExprKind::Const(Value::Bool(false)), span)),
                                span: ospan.to(span),
                            }),
                            (Rule::not_op, CritNode::Crit(c)) => {
                                CritNode::Crit(Criteria::Not(Box::new(c)))
                            }
                            (
                                rule,
                                CritNode::Operand {
                                    expr, span, pair, ..
                                },
                            ) => {
                                let op = match rule {
                                    Rule::not_op => UnOp::Not,
                                    Rule::neg_op => UnOp::Neg,
                                    _ => UnOp::Plus,
                                };
                                let span = ospan.to(span);
                                let expr = self.crit_value(expr, pair)?;
                                CritNode::Operand {
                                    expr: Expr::new(ExprKind::Unary(op, Box::new(expr)), span),
                                    name: None,
                                    span,
                                    pair: None,
                                }
                            }
                            (_, CritNode::Crit(_)) => CritNode::Crit(Criteria::Unparsed {
                                text: "a sign before a condition".into(),
                                span: ospan,
                            }),
                        })
                    })
                    .map_postfix(|lhs, op| {
                        let lhs = lhs?;
                        let negated = op.as_str().to_ascii_lowercase().contains("not");
                        let op_span = span_of(&op);
                        Ok(match lhs {
                            CritNode::Operand {
                                name: Some(field),
                                span,
                                ..
                            } => CritNode::Crit(Criteria::Compare {
                                field,
                                op: if negated {
                                    CritOp::IsNotNull
                                } else {
                                    CritOp::IsNull
                                },
                                value: None,
                                span: span.to(op_span),
                            }),
                            _ => CritNode::Crit(Criteria::Unparsed {
                                text: "`is null` after something that is not a field name".into(),
                                span: op_span,
                            }),
                        })
                    })
                    .map_infix(|lhs, op, rhs| self.crit_infix(lhs?, op, rhs?))
                    .parse(c.into_inner())?;
                Ok(node)
            }
        }
    }

    /// An operand used as a value: a name that is not a variable is
    /// lowered as a read now (so a bare script's arguments are found).
    fn crit_value(&self, expr: Expr, pair: Option<Pair<Rule>>) -> Result<Expr, SyntaxError> {
        match pair {
            Some(p) => self.postfix_expr(p),
            None => Ok(expr),
        }
    }

    fn crit_operand<'i>(&self, pair: Pair<'i, Rule>) -> Result<CritNode<'i>, SyntaxError> {
        let span = span_of(&pair);
        // A field name is an identifier, optionally followed by `.Field`
        // (a lookup's field), never by a call.
        let mut inner = pair.clone().into_inner();
        let head = inner.next().expect("primary");
        let mut name = None;
        if head.as_rule() == Rule::identifier {
            let mut names = vec![name_of(&head)];
            let mut plain = true;
            for m in inner {
                let mut mp = m.into_inner();
                let n = mp.next().expect("member name");
                if mp.next().is_some() {
                    plain = false;
                    break;
                }
                names.push(name_of(&n));
            }
            if plain {
                name = Some(names);
            }
        }
        if let Some(names) = &name
            && !self.scope.borrow().is_assigned(&names[0].name)
        {
            // Maybe a field: no script argument yet.
            let mut expr = Expr::new(ExprKind::Undefined(names[0].name.clone()), names[0].span);
            for n in &names[1..] {
                let span = expr.span.to(n.span);
                expr = Expr::new(
                    ExprKind::Field {
                        receiver: Box::new(expr),
                        name: n.name.clone(),
                    },
                    span,
                );
            }
            return Ok(CritNode::Operand {
                expr,
                name,
                span,
                pair: Some(pair),
            });
        }
        Ok(CritNode::Operand {
            expr: self.postfix_expr(pair)?,
            name,
            span,
            pair: None,
        })
    }

    fn crit_infix<'i>(
        &self,
        lhs: CritNode<'i>,
        op: Pair<'i, Rule>,
        rhs: CritNode<'i>,
    ) -> Result<CritNode<'i>, SyntaxError> {
        let op_span = span_of(&op);
        let rule = op.as_rule();
        if matches!(rule, Rule::and_op | Rule::or_op) {
            let (a, b) = (lhs.into_criteria(), rhs.into_criteria());
            return Ok(CritNode::Crit(if rule == Rule::and_op {
                Criteria::And(Box::new(a), Box::new(b))
            } else {
                Criteria::Or(Box::new(a), Box::new(b))
            }));
        }
        let arith = match rule {
            Rule::add_op => Some(BinOp::Add),
            Rule::sub_op => Some(BinOp::Sub),
            Rule::mul_op => Some(BinOp::Mul),
            Rule::div_op => Some(BinOp::Div),
            Rule::rem_op => Some(BinOp::Rem),
            _ => None,
        };
        let (lhs, rhs) = match (lhs, rhs) {
            (
                CritNode::Operand {
                    expr: a,
                    name: an,
                    span: asp,
                    pair: ap,
                },
                CritNode::Operand {
                    expr: b,
                    name: bn,
                    span: bsp,
                    pair: bp,
                },
            ) => ((a, an, asp, ap), (b, bn, bsp, bp)),
            _ => {
                return Ok(CritNode::Crit(Criteria::Unparsed {
                    text: format!("`{}` between conditions", op.as_str().trim()),
                    span: op_span,
                }));
            }
        };
        if let Some(bop) = arith {
            let span = lhs.2.to(rhs.2);
            let a = self.crit_value(lhs.0, lhs.3)?;
            let b = self.crit_value(rhs.0, rhs.3)?;
            return Ok(CritNode::Operand {
                expr: Expr::new(ExprKind::Binary(bop, Box::new(a), Box::new(b)), span),
                name: None,
                span,
                pair: None,
            });
        }
        let op = match rule {
            Rule::eq_op => CritOp::Eq,
            Rule::ne_op => CritOp::Ne,
            Rule::lt_op => CritOp::Lt,
            Rule::le_op => CritOp::Le,
            Rule::gt_op => CritOp::Gt,
            Rule::ge_op => CritOp::Ge,
            Rule::in_op => CritOp::In,
            Rule::not_in_op => CritOp::NotIn,
            Rule::contains_op => CritOp::Contains,
            Rule::not_contains_op => CritOp::NotContains,
            Rule::starts_op => CritOp::StartsWith,
            _ => CritOp::EndsWith,
        };
        let span = lhs.2.to(rhs.2);
        // A name on the left is the field, unless it is a variable and the
        // right side is a name that is not (`x == ID`).
        // Also `recId == ID`: a system field on the right.
        let system = |n: &Option<Vec<Name>>| {
            n.as_ref().is_some_and(|n| {
                n.len() == 1
                    && ["ID", "Added_Time", "Modified_Time", "Added_User"]
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(&n[0].name))
            })
        };
        let rhs_is_name = matches!(rhs.0.kind, ExprKind::Undefined(_));
        let lhs_is_field = lhs.1.is_some()
            && !(matches!(lhs.0.kind, ExprKind::Var { .. }) && rhs_is_name)
            && !(rhs_is_name && system(&rhs.1) && !system(&lhs.1));
        if lhs_is_field {
            let value = self.crit_value(rhs.0, rhs.3)?;
            return Ok(CritNode::Crit(Criteria::Compare {
                field: lhs.1.expect("field name"),
                op,
                value: Some(value),
                span,
            }));
        }
        // `5 < Amount`: the field is on the right.
        let flipped = match op {
            CritOp::Eq | CritOp::Ne => Some(op),
            CritOp::Lt => Some(CritOp::Gt),
            CritOp::Le => Some(CritOp::Ge),
            CritOp::Gt => Some(CritOp::Lt),
            CritOp::Ge => Some(CritOp::Le),
            _ => None,
        };
        Ok(match (rhs.1, flipped) {
            (Some(field), Some(op)) => {
                let value = self.crit_value(lhs.0, lhs.3)?;
                CritNode::Crit(Criteria::Compare {
                    field,
                    op,
                    value: Some(value),
                    span,
                })
            }
            _ => CritNode::Crit(Criteria::Unparsed {
                text: format!("the left side of `{}` is not a field name", op.symbol()),
                span: lhs.2,
            }),
        })
    }

    fn record_fields(&self, pair: Pair<Rule>) -> Result<Vec<(Name, Expr)>, SyntaxError> {
        let mut out = Vec::new();
        for f in pair.into_inner() {
            let mut it = f.into_inner();
            let name = name_of(&it.next().expect("field name"));
            let value = self.expression(it.next().expect("field value"))?;
            out.push((name, value));
        }
        Ok(out)
    }

    /// The slot of a script argument read as `name`, registering it on
    /// first read. `None` outside bare scripts and for names that are not
    /// variables (`input`, `zoho`, namespaces).
    fn script_arg(&self, name: &str, span: Span) -> Option<Slot> {
        let args = self.script_args.as_ref()?;
        if NOT_ARGUMENTS.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return None;
        }
        if let Some(p) = args.borrow().iter().find(|p| p.name.as_ref() == name) {
            return Some(p.slot);
        }
        let slot = self.slot(name);
        args.borrow_mut().push(Param {
            type_name: String::new(),
            name: Rc::from(name),
            slot,
            span,
        });
        Some(slot)
    }

    /// `id.toLong()` where `id` is never assigned: a method of a builtin
    /// type called on a variable (an argument, or undefined), not a
    /// function of another application.
    fn is_method_on_variable(&self, primary: &Pair<Rule>, members: &[Pair<Rule>]) -> bool {
        if primary.as_rule() != Rule::identifier {
            return false;
        }
        let head = primary.as_str();
        if CALL_NAMESPACES.iter().any(|n| n.eq_ignore_ascii_case(head))
            || NOT_ARGUMENTS.iter().any(|n| n.eq_ignore_ascii_case(head))
        {
            return false;
        }
        let Some(first) = members.first() else {
            return false;
        };
        let mut parts = first.clone().into_inner();
        let name = parts.next().map(|p| p.as_str().to_ascii_lowercase());
        parts.next().is_some()
            && name.is_some_and(|n| crate::syntax::names::method_id(&n).is_some())
    }

    fn task(&self, pair: Pair<Rule>) -> Result<Task, SyntaxError> {
        let mut it = pair.into_inner();
        let kind = match it
            .next()
            .expect("task kind")
            .as_str()
            .to_ascii_lowercase()
            .as_str()
        {
            "invokeurl" => TaskKind::InvokeUrl,
            "sendmail" => TaskKind::SendMail,
            _ => TaskKind::InvokeApi,
        };
        let mut entries = Vec::new();
        for entry in it {
            let mut e = entry.into_inner();
            let key_pair = e.next().expect("key");
            let key_span = span_of(&key_pair);
            let key = key_pair
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-")
                .to_ascii_lowercase();
            let mut values = Vec::new();
            if let Some(v) = e.next() {
                let items: Vec<Pair<Rule>> = v.into_inner().collect();
                let word_key = WORD_TASK_KEYS.contains(&key.as_str());
                for x in items {
                    let text = x.as_str().trim();
                    let is_word = !text.is_empty()
                        && text.chars().all(|c| c.is_alphanumeric() || c == '_')
                        && !self.scope.borrow().is_assigned(text);
                    if word_key && is_word {
                        // `type: GET`: a constant word, not an argument.
                        values.push(Expr::new(ExprKind::Undefined(Rc::from(text)), span_of(&x)));
                    } else {
                        values.push(self.task_item(x)?);
                    }
                }
            }
            entries.push(TaskEntry {
                key,
                key_span,
                values,
            });
        }
        Ok(Task { kind, entries })
    }

    /// One value of a task parameter: an expression, or a `sendmail`
    /// attachment (`file:expr` is the file value; `template:…`/`view:…`
    /// render Creator records and lower to a Creator construct).
    fn task_item(&self, pair: Pair<Rule>) -> Result<Expr, SyntaxError> {
        if pair.as_rule() != Rule::attachment {
            return self.expression(pair);
        }
        let span = span_of(&pair);
        let text = pair
            .as_str()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut it = pair.into_inner();
        let kind = it.next().expect("attachment kind");
        if kind.as_rule() == Rule::attach_file {
            return self.expression(it.next().expect("attachment file"));
        }
        for p in it {
            if p.as_rule() == Rule::expression {
                // Lower it so undefined names and nesting are still checked.
                self.expression(p)?;
            }
        }
        Ok(Expr::new(
            ExprKind::Creator(Box::new(CreatorExpr::Attachment(format!(
                "attachments :{text}"
            )))),
            span,
        ))
    }

    fn expression(&self, pair: Pair<Rule>) -> Result<Expr, SyntaxError> {
        let operators = pair
            .clone()
            .into_inner()
            .filter(|p| p.as_rule() != Rule::postfix_expr)
            .count();
        if operators > MAX_OPERATORS {
            return Err(SyntaxError {
                code: Code::DelugeLimit,
                message: format!("expression has more than {MAX_OPERATORS} operators"),
                help: "split the expression into smaller statements using variables".into(),
                span: span_of(&pair).range(),
                at_end: false,
            });
        }
        // 9223372036854775808 only exists as the operand of a unary minus
        // (i64::MIN); anywhere else it is out of range.
        let mut prev = None;
        for p in pair.clone().into_inner() {
            if p.as_rule() == Rule::postfix_expr
                && p.as_str() == "9223372036854775808"
                && prev != Some(Rule::neg_op)
            {
                return Err(err_at(
                    span_of(&p),
                    "number 9223372036854775808 is out of range for a 64-bit Number",
                    "Numbers range from -9223372036854775808 to 9223372036854775807; use a decimal or text for larger values",
                ));
            }
            prev = Some(p.as_rule());
        }
        PRATT
            .map_primary(|p| self.postfix_expr(p))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let span = span_of(&op).to(rhs.span);
                let op = match op.as_rule() {
                    Rule::not_op => UnOp::Not,
                    Rule::neg_op => UnOp::Neg,
                    _ => UnOp::Plus,
                };
                // Fold negative literals so `-9223372036854775808` stays exact.
                if op == UnOp::Neg {
                    let text = &self.src[rhs.span.range()];
                    if text == "9223372036854775808" {
                        return Ok(Expr::new(ExprKind::Const(Value::Int(i64::MIN)), span));
                    }
                    if let ExprKind::Const(Value::Decimal(d)) = rhs.kind {
                        return Ok(Expr::new(ExprKind::Const(Value::Decimal(-d)), span));
                    }
                    if let ExprKind::Const(Value::Int(i)) = rhs.kind {
                        return Ok(Expr::new(ExprKind::Const(Value::Int(-i)), span));
                    }
                }
                Ok(Expr::new(ExprKind::Unary(op, Box::new(rhs)), span))
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let span = lhs.span.to(rhs.span);
                let op = match op.as_rule() {
                    Rule::or_op => BinOp::Or,
                    Rule::and_op => BinOp::And,
                    Rule::eq_op => BinOp::Eq,
                    Rule::ne_op => BinOp::Ne,
                    Rule::lt_op => BinOp::Lt,
                    Rule::le_op => BinOp::Le,
                    Rule::gt_op => BinOp::Gt,
                    Rule::ge_op => BinOp::Ge,
                    Rule::add_op => BinOp::Add,
                    Rule::sub_op => BinOp::Sub,
                    Rule::mul_op => BinOp::Mul,
                    Rule::div_op => BinOp::Div,
                    _ => BinOp::Rem,
                };
                Ok(Expr::new(
                    ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                    span,
                ))
            })
            .parse(pair.into_inner())
    }

    fn args(&self, pair: Option<Pair<Rule>>) -> Result<Vec<Expr>, SyntaxError> {
        match pair {
            None => Ok(Vec::new()),
            Some(p) => {
                let mut out = Vec::new();
                let mut pairs: Vec<(Expr, Expr)> = Vec::new();
                let mut pair_span: Option<Span> = None;
                for arg in p.into_inner() {
                    let aspan = span_of(&arg);
                    let mut it = arg.into_inner();
                    let first = self.expression(it.next().expect("arg"))?;
                    match it.next() {
                        Some(v) => {
                            pairs.push((first, self.expression(v)?));
                            pair_span = Some(pair_span.map_or(aspan, |s| s.to(aspan)));
                        }
                        None => out.push(first),
                    }
                }
                // `insert("k": v, "k2": v2)` passes one map.
                if let Some(span) = pair_span {
                    out.push(Expr::new(ExprKind::Map(pairs), span));
                }
                Ok(out)
            }
        }
    }

    fn postfix_expr(&self, pair: Pair<Rule>) -> Result<Expr, SyntaxError> {
        let mut it = pair.into_inner().peekable();
        let primary = it.next().expect("primary");
        let members: Vec<Pair<Rule>> = it.collect();
        let mut idx = 0;

        // `input.Field.method()`, `today.addDay(1)`, `now.toString(…)`: a
        // value followed by members, never a qualified function name.
        let value_head = ["input", "today", "now"]
            .iter()
            .any(|h| primary.as_str().eq_ignore_ascii_case(h))
            || self.is_method_on_variable(&primary, &members);
        let mut expr = if primary.as_rule() == Rule::identifier
            && !self.scope.borrow().is_assigned(primary.as_str())
            && !members.is_empty()
            && !value_head
        {
            // A dotted name that is not a variable: a system variable
            // (`zoho.currenttime`), a qualified call (`standalone.fn(…)`,
            // `zoho.crm.getRecordById(…)`), or a Creator field (`input.Name`).
            let head = primary.as_str();
            let head_span = span_of(&primary);
            let first_member_name = members[0].clone().into_inner().next().expect("name");
            let first_has_args = members[0].clone().into_inner().nth(1).is_some();
            let sys = if head.eq_ignore_ascii_case("zoho") && !first_has_args {
                SysVar::from_name(first_member_name.as_str())
                    .filter(|_| !first_member_name.as_str().eq_ignore_ascii_case("today"))
                    .filter(|_| !first_member_name.as_str().eq_ignore_ascii_case("now"))
            } else {
                None
            };
            if let Some(sys) = sys {
                idx = 1;
                Expr::new(ExprKind::Sys(sys), head_span.to(span_of(&members[0])))
            } else if let Some(call_at) = members
                .iter()
                .position(|m| m.clone().into_inner().nth(1).is_some())
            {
                let mut path = head.to_string();
                for m in &members[..=call_at] {
                    path.push('.');
                    path.push_str(m.clone().into_inner().next().expect("name").as_str());
                }
                let args = self.args(members[call_at].clone().into_inner().nth(1))?;
                idx = call_at + 1;
                Expr::new(
                    ExprKind::QualifiedCall {
                        path: Rc::from(path.as_str()),
                        args,
                    },
                    head_span.to(span_of(&members[call_at])),
                )
            } else {
                self.primary(primary)?
            }
        } else {
            self.primary(primary)?
        };

        for m in &members[idx..] {
            let mspan = span_of(m);
            let mut parts = m.clone().into_inner();
            let name = parts.next().expect("member name").as_str();
            let span = expr.span.to(mspan);
            expr = match parts.next() {
                Some(args) => {
                    let lname = name.to_ascii_lowercase();
                    // `coll.sum(Amount)`: a bare field name, never a
                    // script argument.
                    let bare_field = AGGREGATES
                        .contains(&lname.as_str())
                        .then(|| {
                            let mut it = args.clone().into_inner();
                            let only = it.next()?;
                            let text = only.as_str().trim();
                            (it.next().is_none()
                                && is_plain_name(text)
                                && !self.scope.borrow().is_assigned(text))
                            .then(|| Expr::new(ExprKind::Undefined(Rc::from(text)), span_of(&only)))
                        })
                        .flatten();
                    let args = match bare_field {
                        Some(field) => vec![field],
                        None => self.args(Some(args))?,
                    };
                    creator_member(expr, name, &lname, args, span)
                }
                None => Expr::new(
                    ExprKind::Field {
                        receiver: Box::new(expr),
                        name: Rc::from(name),
                    },
                    span,
                ),
            };
        }
        Ok(expr)
    }

    fn primary(&self, pair: Pair<Rule>) -> Result<Expr, SyntaxError> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::expression => return self.expression(pair),
            Rule::integer => match pair.as_str().parse::<i64>() {
                Ok(i) => ExprKind::Const(Value::Int(i)),
                Err(_) => {
                    // -9223372036854775808 arrives here without its sign.
                    let negated = self.src[..pair.as_span().start()].trim_end().ends_with('-');
                    if negated && pair.as_str() == "9223372036854775808" {
                        // Only valid negated; the prefix fold turns it into i64::MIN.
                        ExprKind::Const(Value::Decimal(9_223_372_036_854_775_808.0))
                    } else {
                        return Err(SyntaxError {
                            code: Code::DelugeSyntax,
                            message: format!(
                                "number {} is out of range for a 64-bit Number",
                                pair.as_str()
                            ),
                            help: "Numbers range from -9223372036854775808 to 9223372036854775807; use a decimal or text for larger values".into(),
                            span: span.range(),
                            at_end: false,
                        });
                    }
                }
            },
            Rule::decimal => ExprKind::Const(Value::Decimal(
                pair.as_str().parse::<f64>().unwrap_or(f64::NAN),
            )),
            Rule::boolean => {
                ExprKind::Const(Value::Bool(pair.as_str().eq_ignore_ascii_case("true")))
            }
            Rule::null => ExprKind::Const(Value::Null),
            Rule::string => {
                let inner = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
                ExprKind::Const(Value::text(unescape(inner)))
            }
            Rule::quoted => {
                let inner = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
                let text = inner.replace("\\'", "'");
                match crate::value::date::parse_date_literal(&text) {
                    Some(d) => ExprKind::Const(Value::date(d)),
                    None => ExprKind::Const(Value::text(text)),
                }
            }
            Rule::identifier => {
                let name = pair.as_str();
                if self.scope.borrow().is_assigned(name) {
                    ExprKind::Var {
                        slot: self.slot(name),
                    }
                } else if name.eq_ignore_ascii_case("today") {
                    ExprKind::Sys(SysVar::CurrentDate)
                } else if name.eq_ignore_ascii_case("now") {
                    ExprKind::Sys(SysVar::CurrentTime)
                } else if let Some(slot) = self.script_arg(name, span) {
                    ExprKind::Var { slot }
                } else {
                    ExprKind::Undefined(Rc::from(name))
                }
            }
            Rule::call => {
                let mut it = pair.into_inner();
                let first = it.clone().next().expect("call body");
                if first.as_rule() == Rule::typed_list {
                    // `List:String()`: element types are not enforced.
                    let mut t = first.into_inner();
                    t.next();
                    t.next();
                    return Ok(Expr::new(
                        ExprKind::Call {
                            name: Rc::from("List"),
                            args: self.args(t.next())?,
                        },
                        span,
                    ));
                }
                let name = it.next().expect("name").as_str();
                ExprKind::Call {
                    name: Rc::from(name),
                    args: self.args(it.next())?,
                }
            }
            Rule::legacy_invoke => {
                let mut it = pair.into_inner();
                it.next();
                ExprKind::Call {
                    name: Rc::from("invokeUrl"),
                    args: self.args(it.next())?,
                }
            }
            Rule::if_expression => {
                let mut it = pair.into_inner();
                it.next();
                let c = self.expression(it.next().expect("cond"))?;
                let a = self.expression(it.next().expect("then"))?;
                let b = self.expression(it.next().expect("else"))?;
                ExprKind::IfExpr(Box::new([c, a, b]))
            }
            Rule::collection_literal => {
                let inner = pair.into_inner().next().expect("collection");
                if inner.as_rule() == Rule::list_bracket {
                    ExprKind::List(
                        inner
                            .into_inner()
                            .map(|e| self.expression(e))
                            .collect::<Result<_, _>>()?,
                    )
                } else {
                    // `{}` is an empty map; otherwise every item must agree.
                    let mut list = Vec::new();
                    let mut map = Vec::new();
                    for item in inner.into_inner() {
                        let item_span = span_of(&item);
                        let mut parts = item.into_inner();
                        let first = self.expression(parts.next().expect("item"))?;
                        match parts.next() {
                            Some(v) => map.push((first, self.expression(v)?)),
                            None => list.push(first),
                        }
                        if !list.is_empty() && !map.is_empty() {
                            return Err(err_at(
                                item_span,
                                "a `{ }` literal mixes list elements and `key: value` map entries",
                                "write a list as {a, b} or a map as {\"k\": v}",
                            ));
                        }
                    }
                    if list.is_empty() {
                        ExprKind::Map(map)
                    } else {
                        ExprKind::List(list)
                    }
                }
            }
            Rule::task => ExprKind::Task(Box::new(self.task(pair)?)),
            Rule::form_query => {
                ExprKind::Creator(Box::new(CreatorExpr::Query(self.form_query(pair)?)))
            }
            Rule::insert_into => {
                let mut it = pair.into_inner();
                it.next(); // insert
                it.next(); // into
                let form = name_of(&it.next().expect("form"));
                let body = it.next().expect("record body");
                let (fields, unparsed) = if body.as_rule() == Rule::record_brackets {
                    (self.record_fields(body)?, None)
                } else {
                    (Vec::new(), Some(body.as_str().to_string()))
                };
                ExprKind::Creator(Box::new(CreatorExpr::Insert {
                    form,
                    fields,
                    unparsed,
                }))
            }
            other => {
                return Err(err_at(
                    span,
                    format!("unexpected {other:?}"),
                    "this construct is not an expression",
                ));
            }
        };
        Ok(Expr::new(kind, span))
    }
}

/// Part of a Creator criterion while it is being lowered.
enum CritNode<'i> {
    /// A value (or a field name, when `name` is set). A name that is not a
    /// variable keeps its pair: lowered again (as a possible script
    /// argument) only when it turns out to be a value.
    Operand {
        expr: Expr,
        name: Option<Vec<Name>>,
        span: Span,
        pair: Option<Pair<'i, Rule>>,
    },
    Crit(Criteria),
}

impl CritNode<'_> {
    fn into_criteria(self) -> Criteria {
        match self {
            CritNode::Crit(c) => c,
            // `Form[Active]`: a boolean field on its own.
            CritNode::Operand {
                name: Some(field),
                span,
                ..
            } => Criteria::Compare {
                field,
                op: CritOp::Eq,
                value: Some(Expr::new(ExprKind::Const(Value::Bool(true)), span)),
                span,
            },
            CritNode::Operand { span, .. } => Criteria::Unparsed {
                text: "a value where a condition (Field == value) was expected".into(),
                span,
            },
        }
    }
}

fn name_of(p: &Pair<Rule>) -> Name {
    Name {
        name: Rc::from(p.as_str()),
        span: span_of(p),
    }
}

const AGGREGATES: [&str; 9] = [
    "sum", "avg", "average", "count", "distinct", "maximum", "minimum", "max", "min",
];

/// A method call, or the Creator forms written like one:
/// `coll.Field.getAll()` (every record's value) and `coll.sum(Field)`
/// (an aggregate over a field named bare).
fn creator_member(receiver: Expr, name: &str, lname: &str, args: Vec<Expr>, span: Span) -> Expr {
    if args.is_empty()
        && matches!(lname, "getall" | "distinct")
        && let ExprKind::Field {
            receiver: inner,
            name: field,
        } = &receiver.kind
        && is_record_source(inner)
    {
        let field_span = Span::new(
            (receiver.span.end as usize).saturating_sub(field.len()),
            receiver.span.end as usize,
        );
        let ExprKind::Field {
            receiver: inner,
            name: field,
        } = receiver.kind
        else {
            unreachable!("matched above")
        };
        return Expr::new(
            ExprKind::Creator(Box::new(CreatorExpr::FieldAll {
                query: inner,
                field: Name {
                    name: field,
                    span: field_span,
                },
                distinct: lname == "distinct",
            })),
            span,
        );
    }
    if args.len() == 1
        && AGGREGATES.contains(&lname)
        && let ExprKind::Undefined(field) = &args[0].kind
    {
        let field = Name {
            name: field.clone(),
            span: args[0].span,
        };
        return Expr::new(
            ExprKind::Creator(Box::new(CreatorExpr::Aggregate {
                query: Box::new(receiver),
                func: Rc::from(lname),
                field,
            })),
            span,
        );
    }
    method_expr(receiver, name, lname, args, span)
}

/// `getAll()` applies to record collections: a fetch, or a variable (which
/// may hold one). `input.F.getAll()` and friends stay ordinary calls.
fn is_record_source(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Creator(c) => matches!(**c, CreatorExpr::Query(_)),
        ExprKind::Var { .. } | ExprKind::Field { .. } => true,
        _ => false,
    }
}

fn method_expr(receiver: Expr, name: &str, lname: &str, args: Vec<Expr>, span: Span) -> Expr {
    Expr::new(
        ExprKind::Method {
            receiver: Box::new(receiver),
            method: crate::syntax::names::method_id(lname),
            name: Rc::from(name),
            args,
        },
        span,
    )
}

/// A bare identifier (`Amount`), as a field name is written.
fn is_plain_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
