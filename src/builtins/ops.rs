//! Operators: checked 64-bit Number arithmetic, Decimal promotion, text
//! concatenation, comparisons. Type errors use Deluge's wording.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::error::{RtError, RtResult};
use crate::syntax::ast::BinOp;
use crate::value::{Value, compare_values, values_equal};

fn type_error(op: BinOp, a: &Value, b: &Value) -> RtError {
    RtError::runtime(format!(
        "Left expression is of type {} and right expression is of type {} and operator {} is not valid",
        a.type_tag().deluge_name(),
        b.type_tag().deluge_name(),
        op.symbol()
    ))
}

fn overflow(op: BinOp) -> RtError {
    RtError::runtime(format!(
        "Number overflow: the result of {} is outside the 64-bit range",
        op.symbol()
    ))
    .with_help("use toDecimal() on an operand for very large values")
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

/// Evaluate a binary operator on two values (not `&&`/`||`, which
/// short-circuit in the evaluator).
pub fn binary_op(op: BinOp, a: &Value, b: &Value) -> RtResult<Value> {
    match op {
        BinOp::Add => add(a, b),
        BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => arith(op, a, b),
        BinOp::Eq => Ok(Value::Bool(values_equal(a, b))),
        BinOp::Ne => Ok(Value::Bool(!values_equal(a, b))),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = compare_values(a, b).ok_or_else(|| type_error(op, a, b))?;
            Ok(Value::Bool(match op {
                BinOp::Lt => ord == Ordering::Less,
                BinOp::Le => ord != Ordering::Greater,
                BinOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        BinOp::And | BinOp::Or => {
            let (x, y) = (a.truthy(), b.truthy());
            match (x, y) {
                (Some(x), Some(y)) => {
                    Ok(Value::Bool(if op == BinOp::And { x && y } else { x || y }))
                }
                _ => Err(type_error(op, a, b)),
            }
        }
    }
}

/// `a + b` where `a` is an owned temporary: text that nobody else holds is
/// appended to in place (`"k" + a + b + c` allocates once, not per step).
/// Everything else goes through `binary_op`.
pub fn add_owned(a: Value, b: &Value) -> RtResult<Value> {
    match a {
        Value::Text(mut x) => {
            if let Some(s) = Rc::get_mut(&mut x) {
                match b {
                    Value::Text(y) => s.push_str(y),
                    other => other.write_display(s),
                }
                return Ok(Value::Text(x));
            }
            add(&Value::Text(x), b)
        }
        a => binary_op(BinOp::Add, &a, b),
    }
}

fn add(a: &Value, b: &Value) -> RtResult<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x
            .checked_add(*y)
            .map(Value::Int)
            .ok_or_else(|| overflow(BinOp::Add)),
        (Value::Text(x), Value::Text(y)) => {
            crate::mem::check_text(x.len() + y.len())?;
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::Text(Rc::new(s)))
        }
        (Value::Text(x), other) => {
            crate::mem::check_text(x.len() + 20)?;
            let mut s = String::with_capacity(x.len() + 20);
            s.push_str(x);
            other.write_display(&mut s);
            crate::mem::check_text(s.len())?;
            Ok(Value::Text(Rc::new(s)))
        }
        (other, Value::Text(y)) => {
            let mut s = other.to_display();
            crate::mem::check_text(s.len() + y.len())?;
            s.push_str(y);
            Ok(Value::Text(Rc::new(s)))
        }
        _ => arith(BinOp::Add, a, b),
    }
}

fn arith(op: BinOp, a: &Value, b: &Value) -> RtResult<Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        return match op {
            BinOp::Add => x.checked_add(y).map(Value::Int).ok_or_else(|| overflow(op)),
            BinOp::Sub => x.checked_sub(y).map(Value::Int).ok_or_else(|| overflow(op)),
            BinOp::Mul => x.checked_mul(y).map(Value::Int).ok_or_else(|| overflow(op)),
            BinOp::Div => {
                if y == 0 {
                    Err(RtError::runtime("Division by zero"))
                } else {
                    x.checked_div(y).map(Value::Int).ok_or_else(|| overflow(op))
                }
            }
            _ => {
                if y == 0 {
                    Err(RtError::runtime("Division by zero"))
                } else {
                    x.checked_rem(y).map(Value::Int).ok_or_else(|| overflow(op))
                }
            }
        };
    }
    match (as_f64(a), as_f64(b)) {
        (Some(x), Some(y)) => {
            let r = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => {
                    if y == 0.0 {
                        return Err(RtError::runtime("Division by zero"));
                    }
                    x / y
                }
                _ => {
                    if y == 0.0 {
                        return Err(RtError::runtime("Division by zero"));
                    }
                    x % y
                }
            };
            Ok(Value::Decimal(r))
        }
        _ => Err(type_error(op, a, b)),
    }
}
