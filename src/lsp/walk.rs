//! Visiting the syntax tree: every expression, every statement list.

use crate::syntax::ast::{CreatorExpr, CreatorStmt, Criteria, Expr, ExprKind, Stmt, StmtKind};

/// Call `f` on every expression under `stmts`, outer ones first.
pub fn exprs(stmts: &[Stmt], f: &mut dyn FnMut(&Expr)) {
    for s in stmts {
        stmt_exprs(s, f);
    }
}

fn stmt_exprs(s: &Stmt, f: &mut dyn FnMut(&Expr)) {
    match &s.kind {
        StmtKind::Assign { value, .. } => expr(value, f),
        StmtKind::FieldAssign { target, value, .. } => {
            expr(target, f);
            expr(value, f);
        }
        StmtKind::Expr(e) | StmtKind::Info(e) => expr(e, f),
        StmtKind::If {
            branches,
            otherwise,
        } => {
            for (cond, body) in branches {
                expr(cond, f);
                exprs(body, f);
            }
            if let Some(body) = otherwise {
                exprs(body, f);
            }
        }
        StmtKind::ForEach { iterable, body, .. } => {
            expr(iterable, f);
            exprs(body, f);
        }
        StmtKind::Return(value) => {
            if let Some(e) = value {
                expr(e, f);
            }
        }
        StmtKind::Try { body, handler, .. } => {
            exprs(body, f);
            exprs(handler, f);
        }
        StmtKind::Creator(c) => match c.as_ref() {
            CreatorStmt::Delete(q) => criteria(&q.criteria, f),
            CreatorStmt::Alert(e) => expr(e, f),
            CreatorStmt::Ui { args, .. } => args.iter().for_each(|a| expr(a, f)),
            CreatorStmt::Cancel(_) | CreatorStmt::FieldAction { .. } => {}
        },
        StmtKind::Break | StmtKind::Continue => {}
    }
}

/// `e` and everything under it.
pub fn expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::List(items) => items.iter().for_each(|x| expr(x, f)),
        ExprKind::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            expr(k, f);
            expr(v, f);
        }),
        ExprKind::Unary(_, x) => expr(x, f),
        ExprKind::Binary(_, a, b) => {
            expr(a, f);
            expr(b, f);
        }
        ExprKind::IfExpr(parts) => parts.iter().for_each(|x| expr(x, f)),
        ExprKind::Call { args, .. } | ExprKind::QualifiedCall { args, .. } => {
            args.iter().for_each(|x| expr(x, f))
        }
        ExprKind::Method { receiver, args, .. } => {
            expr(receiver, f);
            args.iter().for_each(|x| expr(x, f));
        }
        ExprKind::Field { receiver, .. } => expr(receiver, f),
        ExprKind::Task(task) => task
            .entries
            .iter()
            .for_each(|entry| entry.values.iter().for_each(|x| expr(x, f))),
        ExprKind::Creator(c) => match c.as_ref() {
            CreatorExpr::Query(q) => {
                criteria(&q.criteria, f);
                if let Some(range) = &q.range {
                    expr(&range.0, f);
                    expr(&range.1, f);
                }
            }
            CreatorExpr::Insert { fields, .. } => fields.iter().for_each(|(_, v)| expr(v, f)),
            CreatorExpr::FieldAll { query, .. } | CreatorExpr::Aggregate { query, .. } => {
                expr(query, f)
            }
            CreatorExpr::Attachment(_) => {}
        },
        ExprKind::Const(_) | ExprKind::Var { .. } | ExprKind::Undefined(_) | ExprKind::Sys(_) => {}
    }
}

fn criteria(c: &Criteria, f: &mut dyn FnMut(&Expr)) {
    match c {
        Criteria::And(a, b) | Criteria::Or(a, b) => {
            criteria(a, f);
            criteria(b, f);
        }
        Criteria::Not(a) => criteria(a, f),
        Criteria::Compare { value, .. } => {
            if let Some(v) = value {
                expr(v, f);
            }
        }
        Criteria::All | Criteria::Unparsed { .. } => {}
    }
}

/// Call `f` on `stmts` and on every statement list nested in it.
pub fn stmt_lists(stmts: &[Stmt], f: &mut dyn FnMut(&[Stmt])) {
    f(stmts);
    for s in stmts {
        match &s.kind {
            StmtKind::If {
                branches,
                otherwise,
            } => {
                for (_, body) in branches {
                    stmt_lists(body, f);
                }
                if let Some(body) = otherwise {
                    stmt_lists(body, f);
                }
            }
            StmtKind::ForEach { body, .. } => stmt_lists(body, f),
            StmtKind::Try { body, handler, .. } => {
                stmt_lists(body, f);
                stmt_lists(handler, f);
            }
            _ => {}
        }
    }
}

/// Every statement under `stmts` (nested ones included), in order.
pub fn stmts(list: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
    stmt_lists(list, &mut |l| l.iter().for_each(&mut *f));
}
