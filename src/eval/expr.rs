//! Expression evaluation.

use super::{Interpreter, RtError, RtResult};
use crate::builtins;
use crate::syntax::ast::{BinOp, Expr, ExprKind, SysVar, UnOp};
use crate::value::{DateTime, Key, Value};

impl Interpreter {
    /// Evaluate an expression. The hot cases (constants, variables,
    /// arithmetic) stay in this small function; the rest live in
    /// `eval_other`, whose larger stack frame is paid only when needed.
    #[inline]
    pub(crate) fn eval(&mut self, e: &Expr, frame: &mut [Value]) -> RtResult<Value> {
        match &e.kind {
            ExprKind::Const(v) => Ok(v.clone()),
            ExprKind::Var { slot } => Ok(frame[*slot as usize].clone()),
            ExprKind::Binary(op, lhs, rhs) if !matches!(op, BinOp::And | BinOp::Or) => {
                self.eval_binary(*op, lhs, rhs, e, frame)
            }
            _ => self.eval_other(e, frame),
        }
    }

    fn eval_binary(
        &mut self,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        e: &Expr,
        frame: &mut [Value],
    ) -> RtResult<Value> {
        let a = match &lhs.kind {
            ExprKind::Var { slot } => frame[*slot as usize].clone(),
            ExprKind::Const(v) => v.clone(),
            _ => self.eval(lhs, frame)?,
        };
        let b = match &rhs.kind {
            ExprKind::Const(v) => v.clone(),
            ExprKind::Var { slot } => frame[*slot as usize].clone(),
            _ => self.eval(rhs, frame)?,
        };
        // Fast path for Number-with-Number: matching by value means no drop
        // glue runs for the two integers.
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => {
                let fast = match op {
                    BinOp::Add => x.checked_add(y).map(Value::Int),
                    BinOp::Sub => x.checked_sub(y).map(Value::Int),
                    BinOp::Mul => x.checked_mul(y).map(Value::Int),
                    BinOp::Div if y != 0 => x.checked_div(y).map(Value::Int),
                    BinOp::Rem if y != 0 => x.checked_rem(y).map(Value::Int),
                    BinOp::Lt => Some(Value::Bool(x < y)),
                    BinOp::Le => Some(Value::Bool(x <= y)),
                    BinOp::Gt => Some(Value::Bool(x > y)),
                    BinOp::Ge => Some(Value::Bool(x >= y)),
                    BinOp::Eq => Some(Value::Bool(x == y)),
                    BinOp::Ne => Some(Value::Bool(x != y)),
                    _ => None,
                };
                match fast {
                    Some(v) => Ok(v),
                    None => super::ops::binary_op(op, &Value::Int(x), &Value::Int(y))
                        .map_err(|err| err.at(e.span, &self.source)),
                }
            }
            (a, b) => super::ops::binary_op(op, &a, &b).map_err(|err| err.at(e.span, &self.source)),
        }
    }

    #[inline(never)]
    fn eval_other(&mut self, e: &Expr, frame: &mut [Value]) -> RtResult<Value> {
        match &e.kind {
            ExprKind::Const(v) => Ok(v.clone()),
            ExprKind::Var { slot } => Ok(frame[*slot as usize].clone()),
            ExprKind::Binary(op, lhs, rhs) if !matches!(op, BinOp::And | BinOp::Or) => {
                self.eval_binary(*op, lhs, rhs, e, frame)
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let a = self.eval(lhs, frame)?;
                let left = a.truthy().ok_or_else(|| {
                    RtError::runtime(format!(
                        "operator {} needs BOOLEAN operands, found {}",
                        op.symbol(),
                        a.type_tag().deluge_name()
                    ))
                    .at(lhs.span, &self.source)
                })?;
                // Short-circuit, as Java-based Deluge does.
                if (*op == BinOp::And && !left) || (*op == BinOp::Or && left) {
                    return Ok(Value::Bool(left));
                }
                let b = self.eval(rhs, frame)?;
                b.truthy().map(Value::Bool).ok_or_else(|| {
                    RtError::runtime(format!(
                        "operator {} needs BOOLEAN operands, found {}",
                        op.symbol(),
                        b.type_tag().deluge_name()
                    ))
                    .at(rhs.span, &self.source)
                })
            }
            ExprKind::Method {
                receiver,
                name,
                method,
                args,
            } => {
                let recv = match &receiver.kind {
                    ExprKind::Var { slot } => frame[*slot as usize].clone(),
                    _ => self.eval(receiver, frame)?,
                };
                // Method calls rarely take more than four arguments: keep
                // them on the stack.
                let mut argv: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::new();
                for a in args {
                    argv.push(match &a.kind {
                        ExprKind::Const(v) => v.clone(),
                        ExprKind::Var { slot } => frame[*slot as usize].clone(),
                        _ => self.eval(a, frame)?,
                    });
                }
                builtins::call_method(self, &recv, name, *method, &argv)
                    .map_err(|err| err.at(e.span, &self.source))
            }
            ExprKind::Call { name, args } => {
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.eval(a, frame)?);
                }
                self.call_named(name, argv, e.span)
                    .map_err(|err| err.at(e.span, &self.source))
            }
            ExprKind::QualifiedCall { path, args } => {
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.eval(a, frame)?);
                }
                self.call_qualified(path, argv, e.span)
                    .map_err(|err| err.at(e.span, &self.source))
            }
            ExprKind::Undefined(name) if name.as_ref() == "input" => Ok(self.creator_input()),
            ExprKind::Undefined(name) => Err(RtError::runtime(format!(
                "Variable '{name}' is not defined"
            ))
            .with_help("assign the variable before using it")
            .at(e.span, &self.source)),
            ExprKind::Sys(sys) => Ok(self.system_variable(*sys)),
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item, frame)?);
                }
                Ok(Value::new_list(out))
            }
            ExprKind::Map(entries) => {
                let mut map = crate::value::MapData::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = self.eval(k, frame)?;
                    let value = self.eval(v, frame)?;
                    map.insert(Key::from_value(&key), value);
                }
                Ok(Value::new_map(map))
            }
            ExprKind::Unary(op, inner) => {
                let v = self.eval(inner, frame)?;
                match (op, &v) {
                    (UnOp::Not, _) => match v.truthy() {
                        Some(b) => Ok(Value::Bool(!b)),
                        None => Err(RtError::runtime(format!(
                            "operator ! needs a BOOLEAN, found {}",
                            v.type_tag().deluge_name()
                        ))
                        .at(e.span, &self.source)),
                    },
                    (UnOp::Neg, Value::Int(i)) => {
                        i.checked_neg().map(Value::Int).ok_or_else(|| {
                            RtError::runtime("Number overflow in negation").at(e.span, &self.source)
                        })
                    }
                    (UnOp::Neg, Value::Decimal(d)) => Ok(Value::Decimal(-d)),
                    (UnOp::Plus, Value::Int(_) | Value::Decimal(_)) => Ok(v),
                    _ => Err(RtError::runtime(format!(
                        "unary operator {} is not valid for type {}",
                        if *op == UnOp::Neg { "-" } else { "+" },
                        v.type_tag().deluge_name()
                    ))
                    .at(e.span, &self.source)),
                }
            }
            ExprKind::IfExpr(parts) => {
                let [cond, then, otherwise] = parts.as_ref();
                if self.condition(cond, frame)? {
                    self.eval(then, frame)
                } else {
                    self.eval(otherwise, frame)
                }
            }
            ExprKind::Field { receiver, name } => {
                let recv = self.eval(receiver, frame)?;
                self.field(&recv, name)
                    .map_err(|err| err.at(e.span, &self.source))
            }
            ExprKind::Task(task) => self.run_task(task, frame, e.span),
            ExprKind::Creator(ce) => self.eval_creator(ce, e.span, frame),
        }
    }

    fn field(&mut self, recv: &Value, name: &str) -> RtResult<Value> {
        match recv {
            Value::Error(info) => match name.to_ascii_lowercase().as_str() {
                "message" => Ok(Value::text(info.message.clone())),
                "lineno" | "line" => Ok(Value::Int(info.line)),
                _ => Err(RtError::runtime(format!(
                    "an error has no field '{name}'; use .message or .lineNo"
                ))),
            },
            Value::Null => Err(RtError::runtime(format!(
                "cannot read field '{name}' of null"
            ))),
            other => match self.creator_field(other, name) {
                Some(v) => Ok(v),
                None => Err(RtError::unsupported(format!(
                    "field access `.{name}` on a {} reads a Creator record field; use .get(\"{name}\") on maps",
                    other.type_tag().deluge_name()
                ))),
            },
        }
    }

    fn system_variable(&self, sys: SysVar) -> Value {
        match sys {
            SysVar::CurrentDate => Value::date(self.today()),
            SysVar::CurrentTime => {
                let now = self.now();
                Value::date(DateTime {
                    at: now.with_nanosecond_zero(),
                    has_time: true,
                })
            }
            SysVar::LoginUser => Value::text(self.options.login_user.clone()),
            SysVar::LoginUserId => Value::text(self.options.login_user_id.clone()),
            SysVar::AdminUser => Value::text(self.options.admin_user.clone()),
            SysVar::AdminUserId => Value::text(self.options.admin_user_id.clone()),
            SysVar::AppName => Value::text("dlg"),
            SysVar::AppUri => Value::text("/dlg"),
            SysVar::IpAddress => Value::text("127.0.0.1"),
        }
    }
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl NoNanos for chrono::NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}
