//! Statement execution.

use std::rc::Rc;

use super::{Flow, Interpreter, RtError, RtResult};
use crate::syntax::ast::{BinOp, ExprKind, Stmt, StmtKind};
use crate::value::Value;

impl Interpreter {
    pub(crate) fn exec_block(&mut self, stmts: &[Stmt], frame: &mut [Value]) -> RtResult<Flow> {
        for stmt in stmts {
            match self.exec(stmt, frame)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn exec(&mut self, stmt: &Stmt, frame: &mut [Value]) -> RtResult<Flow> {
        self.count_statement()
            .map_err(|e| e.at(stmt.span, &self.source))?;
        match &stmt.kind {
            StmtKind::Assign { slot, op, value } => {
                let slot = *slot as usize;
                match op {
                    None => {
                        // `s = s + x`: append in place when `s` holds the only
                        // reference to its text (keeps string building linear).
                        if let ExprKind::Binary(BinOp::Add, lhs, rhs) = &value.kind
                            && matches!(lhs.kind, ExprKind::Var { slot: s } if s as usize == slot)
                            && matches!(frame[slot], Value::Text(_))
                        {
                            let rhs_val = self.eval(rhs, frame)?;
                            return self
                                .append_in_place(slot, BinOp::Add, rhs_val, frame)
                                .map(|_| Flow::Next)
                                .map_err(|e| e.at(value.span, &self.source));
                        }
                        let v = self.eval(value, frame)?;
                        frame[slot] = v;
                    }
                    Some(op) => {
                        let rhs_val = self.eval(value, frame)?;
                        self.append_in_place(slot, *op, rhs_val, frame)
                            .map_err(|e| e.at(stmt.span, &self.source))?;
                    }
                }
                Ok(Flow::Next)
            }
            StmtKind::FieldAssign {
                target,
                field,
                value,
                ..
            } => {
                let target = self.eval(target, frame)?;
                let v = self.eval(value, frame)?;
                self.creator_assign(&target, field, v, stmt.span)?;
                Ok(Flow::Next)
            }
            StmtKind::Expr(e) => {
                self.eval(e, frame)?;
                Ok(Flow::Next)
            }
            StmtKind::Info(e) => {
                let v = self.eval(e, frame)?;
                let text = v.to_display();
                self.info(&text)?;
                Ok(Flow::Next)
            }
            StmtKind::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    if self.condition(cond, frame)? {
                        return self.exec_block(body, frame);
                    }
                }
                match otherwise {
                    Some(body) => self.exec_block(body, frame),
                    None => Ok(Flow::Next),
                }
            }
            StmtKind::ForEach {
                slot,
                iterable,
                body,
                index,
            } => self.exec_for_each(*slot as usize, iterable, body, *index, frame),
            StmtKind::Break => Ok(Flow::Break),
            StmtKind::Continue => Ok(Flow::Continue),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e, frame)?,
                    None => Value::Null,
                };
                Ok(Flow::Return(v))
            }
            StmtKind::Try {
                body,
                slot,
                handler,
            } => match self.exec_block(body, frame) {
                Ok(flow) => Ok(flow),
                Err(err) if err.is_catchable() => {
                    frame[*slot as usize] = Interpreter::error_value(&err);
                    self.exec_block(handler, frame)
                        .map_err(|e| e.while_handling(&err))
                }
                Err(err) => Err(err),
            },
            StmtKind::Creator(cs) => {
                self.exec_creator(cs, stmt.span, frame)?;
                Ok(Flow::Next)
            }
        }
    }

    pub(crate) fn append_in_place(
        &mut self,
        slot: usize,
        op: BinOp,
        rhs: Value,
        frame: &mut [Value],
    ) -> RtResult<()> {
        let current = std::mem::take(&mut frame[slot]);
        match (current, op) {
            (Value::Text(mut s), BinOp::Add) => {
                let extra = match &rhs {
                    Value::Text(r) => r.len(),
                    _ => 20,
                };
                if let Err(e) = crate::mem::check_text(s.len() + extra) {
                    frame[slot] = Value::Text(s);
                    return Err(e.into());
                }
                match &rhs {
                    Value::Text(r) => Rc::make_mut(&mut s).push_str(r),
                    other => other.write_display(Rc::make_mut(&mut s)),
                }
                frame[slot] = Value::Text(s);
                Ok(())
            }
            (current, op) => match super::ops::binary_op(op, &current, &rhs) {
                Ok(v) => {
                    frame[slot] = v;
                    Ok(())
                }
                Err(e) => {
                    frame[slot] = current;
                    Err(e)
                }
            },
        }
    }

    pub(crate) fn condition(
        &mut self,
        cond: &crate::syntax::ast::Expr,
        frame: &mut [Value],
    ) -> RtResult<bool> {
        let v = self.eval(cond, frame)?;
        v.truthy()
            .ok_or_else(|| self.condition_error(&v, cond.span))
    }

    #[cold]
    pub(crate) fn condition_error(&self, v: &Value, span: crate::syntax::ast::Span) -> RtError {
        RtError::runtime(format!(
            "the condition is of type {}, not BOOLEAN",
            v.type_tag().deluge_name()
        ))
        .with_help("compare explicitly, e.g. `if (x != null)` or `if (x.isEmpty())`")
        .at(span, &self.source)
    }

    fn exec_for_each(
        &mut self,
        slot: usize,
        iterable: &crate::syntax::ast::Expr,
        body: &[Stmt],
        index: bool,
        frame: &mut [Value],
    ) -> RtResult<Flow> {
        let source_value = self.eval(iterable, frame)?;
        let list = self.iteration_list(&source_value, iterable.span)?;
        // Re-read the length every iteration: the body may grow the list,
        // which Deluge allows (the statement limit stops runaway loops).
        let mut i = 0usize;
        loop {
            let item = {
                let items = list.borrow();
                if i >= items.len() {
                    break;
                }
                if index {
                    Value::Int(i as i64)
                } else {
                    items[i].clone()
                }
            };
            if i > 0 {
                // The loop header counts as a statement on each iteration.
                self.count_statement()
                    .map_err(|e| e.at(iterable.span, &self.source))?;
            }
            frame[slot] = item;
            match self.exec_block(body, frame)? {
                Flow::Break => break,
                Flow::Return(v) => return Ok(Flow::Return(v)),
                Flow::Next | Flow::Continue => {}
            }
            i += 1;
        }
        Ok(Flow::Next)
    }

    /// The list a `for each` walks: lists as they are (shared, so growth
    /// is seen), text by its comma-separated parts, maps by their keys.
    pub(crate) fn iteration_list(
        &self,
        source_value: &Value,
        span: crate::syntax::ast::Span,
    ) -> RtResult<crate::value::List> {
        Ok(match source_value {
            Value::List(l) => l.clone(),
            // Text iterates over its comma-separated parts.
            Value::Text(t) => Rc::new(std::cell::RefCell::new(
                crate::builtins::text::split_literal(t, ",")
                    .into_iter()
                    .map(Value::text)
                    .collect(),
            )),
            Value::Map(m) => Rc::new(std::cell::RefCell::new(
                m.borrow().keys().map(|k| k.to_value()).collect(),
            )),
            Value::Null => {
                return Err(
                    RtError::runtime("cannot iterate over null: the value is null")
                        .with_help("check the value with isNull() before the loop")
                        .at(span, &self.source),
                );
            }
            other => {
                return Err(RtError::runtime(format!(
                    "for each needs a LIST, found {}",
                    other.type_tag().deluge_name()
                ))
                .at(span, &self.source));
            }
        })
    }
}
