//! Creator criteria → a parameterised SQL `WHERE` clause. Field names are
//! resolved against the form's schema (and quoted); every value is a bound
//! parameter, so text from users can never change the query.

use rusqlite::types::Value as Sql;

use super::schema::{FieldType, FormDef};
use super::store::{encode, quote};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::syntax::ast::{CritOp, Criteria, Expr, ExprKind, Name};
use crate::value::Value;

pub struct Compiled {
    pub sql: String,
    pub params: Vec<Sql>,
}

/// What the compiler needs to know about forms.
pub trait Forms {
    fn form(&self, name: &str) -> Option<FormDef>;
    /// Unknown fields are errors (a schema is declared) rather than null.
    fn strict(&self) -> bool;
}

pub fn compile(
    interp: &mut Interpreter,
    frame: &mut [Value],
    crit: &Criteria,
    form: &FormDef,
    forms: &dyn Forms,
) -> RtResult<Compiled> {
    let mut out = Compiled {
        sql: String::new(),
        params: Vec::new(),
    };
    walk(interp, frame, crit, form, forms, &mut out)?;
    if out.sql.is_empty() {
        out.sql.push('1');
    }
    Ok(out)
}

fn walk(
    interp: &mut Interpreter,
    frame: &mut [Value],
    crit: &Criteria,
    form: &FormDef,
    forms: &dyn Forms,
    out: &mut Compiled,
) -> RtResult<()> {
    match crit {
        Criteria::All => out.sql.push('1'),
        Criteria::And(a, b) | Criteria::Or(a, b) => {
            out.sql.push('(');
            walk(interp, frame, a, form, forms, out)?;
            out.sql.push_str(if matches!(crit, Criteria::And(..)) {
                " AND "
            } else {
                " OR "
            });
            walk(interp, frame, b, form, forms, out)?;
            out.sql.push(')');
        }
        Criteria::Not(a) => {
            out.sql.push_str("NOT (");
            walk(interp, frame, a, form, forms, out)?;
            out.sql.push(')');
        }
        Criteria::Unparsed { text, span } => {
            return Err(RtError::runtime(format!("cannot read this criterion: {text}"))
                .with_help(
                    "write criteria as Field == value joined by && or ||; operators: == != < <= > >= in, not in, contains, starts_with, ends_with, is null",
                )
                .at(*span, interp.source()));
        }
        Criteria::Compare {
            field, op, value, ..
        } => compare(interp, frame, field, *op, value.as_ref(), form, forms, out)?,
    }
    Ok(())
}

/// Resolve a field name of `form`: its column and type, or None for an
/// unknown field of an inferred form (compares as null).
fn column(
    interp: &Interpreter,
    name: &Name,
    form: &FormDef,
    forms: &dyn Forms,
) -> RtResult<Option<(String, FieldType)>> {
    match (form.canonical(&name.name), form.type_of(&name.name)) {
        (Some(c), Some(t)) => Ok(Some((quote(&c), t))),
        _ if forms.strict() || form.declared => Err(unknown_field(interp, name, form)),
        _ => Ok(None),
    }
}

pub fn unknown_field(interp: &Interpreter, name: &Name, form: &FormDef) -> RtError {
    let err = RtError::runtime(format!(
        "form {} has no field named {}",
        form.name, name.name
    ));
    match crate::eval::did_you_mean(&name.name, form.field_names()) {
        Some(h) => err.with_help(format!("did you mean `{h}`?")),
        None => err.with_help(format!(
            "fields of {}: {}",
            form.name,
            form.field_names().collect::<Vec<_>>().join(", ")
        )),
    }
    .at(name.span, interp.source())
}

#[allow(clippy::too_many_arguments)]
fn compare(
    interp: &mut Interpreter,
    frame: &mut [Value],
    field: &[Name],
    op: CritOp,
    value: Option<&Expr>,
    form: &FormDef,
    forms: &dyn Forms,
    out: &mut Compiled,
) -> RtResult<()> {
    // `Lookup.Field op v`: records whose lookup points at a matching record.
    if field.len() > 1 {
        let Some((col, ty)) = column(interp, &field[0], form, forms)? else {
            out.sql.push('0');
            return Ok(());
        };
        let FieldType::Lookup(target) = ty else {
            return Err(RtError::runtime(format!(
                "{} is not a lookup field, so `{}.{}` cannot be followed",
                field[0].name, field[0].name, field[1].name
            ))
            .with_help("only lookup fields lead to another form's fields")
            .at(field[0].span, interp.source()));
        };
        let Some(target_form) = forms.form(&target) else {
            out.sql.push('0');
            return Ok(());
        };
        out.sql.push_str(&format!(
            "{col} IN (SELECT ID FROM {} WHERE ",
            quote(&format!("form_{}", target_form.name))
        ));
        compare(
            interp,
            frame,
            &field[1..],
            op,
            value,
            &target_form,
            forms,
            out,
        )?;
        out.sql.push(')');
        return Ok(());
    }
    let col = column(interp, &field[0], form, forms)?;
    let (col_sql, ty) = match &col {
        Some((c, t)) => (c.clone(), t.clone()),
        None => ("NULL".to_string(), FieldType::Text),
    };
    // `Amount > Min_Amount`: a bare name that is a field of the form.
    if let Some(Expr {
        kind: ExprKind::Undefined(other),
        ..
    }) = value
        && let Some(other_col) = form.canonical(other)
        && matches!(
            op,
            CritOp::Eq | CritOp::Ne | CritOp::Lt | CritOp::Le | CritOp::Gt | CritOp::Ge
        )
    {
        out.sql.push_str(&format!(
            "({col_sql} {} {})",
            match op {
                CritOp::Eq => "=",
                CritOp::Ne => "<>",
                other => other.symbol(),
            },
            quote(&other_col)
        ));
        return Ok(());
    }
    let v = match value {
        Some(e) => interp.eval(e, frame)?,
        None => Value::Null,
    };
    let is_empty = |v: &Value| v.is_null() || matches!(v, Value::Text(t) if t.is_empty());
    let param = |out: &mut Compiled, v: &Value| {
        out.params.push(encode(&ty, v));
    };
    let null_check = format!("({col_sql} IS NULL OR {col_sql} = '' OR {col_sql} = '[]')");
    match op {
        CritOp::IsNull => out.sql.push_str(&null_check),
        CritOp::IsNotNull => out.sql.push_str(&format!("NOT {null_check}")),
        CritOp::Eq if is_empty(&v) => out.sql.push_str(&null_check),
        CritOp::Ne if is_empty(&v) => out.sql.push_str(&format!("NOT {null_check}")),
        CritOp::Eq => {
            out.sql.push_str(&format!("{col_sql} = ?"));
            param(out, &v);
        }
        // Records without a value count as "not equal".
        CritOp::Ne => {
            out.sql
                .push_str(&format!("({col_sql} IS NULL OR {col_sql} <> ?)"));
            param(out, &v);
        }
        CritOp::Lt | CritOp::Le | CritOp::Gt | CritOp::Ge => {
            if v.is_null() {
                out.sql.push('0');
            } else {
                out.sql.push_str(&format!("{col_sql} {} ?", op.symbol()));
                param(out, &v);
            }
        }
        CritOp::In | CritOp::NotIn => {
            let items: Vec<Value> = match &v {
                Value::List(l) => l.borrow().clone(),
                Value::Text(t) => t.split(',').map(|s| Value::text(s.trim())).collect(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            let negate = op == CritOp::NotIn;
            if ty == FieldType::MultiSelect {
                // Any chosen value among the items.
                let mut parts = Vec::new();
                for item in &items {
                    parts.push(format!(
                        "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid({col_sql}) THEN {col_sql} ELSE '[]' END) WHERE value = ?)"
                    ));
                    out.params.push(encode(&FieldType::Text, item));
                }
                let any = if parts.is_empty() {
                    "0".to_string()
                } else {
                    format!("({})", parts.join(" OR "))
                };
                out.sql
                    .push_str(&if negate { format!("NOT {any}") } else { any });
            } else if items.is_empty() {
                out.sql.push_str(if negate { "1" } else { "0" });
            } else {
                let marks = vec!["?"; items.len()].join(", ");
                if negate {
                    out.sql.push_str(&format!(
                        "({col_sql} IS NULL OR {col_sql} NOT IN ({marks}))"
                    ));
                } else {
                    out.sql.push_str(&format!("{col_sql} IN ({marks})"));
                }
                for item in &items {
                    param(out, item);
                }
            }
        }
        CritOp::Contains | CritOp::NotContains => {
            let hit = if ty == FieldType::MultiSelect {
                format!(
                    "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid({col_sql}) THEN {col_sql} ELSE '[]' END) WHERE value = ?)"
                )
            } else {
                format!("instr({col_sql}, ?) > 0")
            };
            out.params.push(encode(&FieldType::Text, &v));
            if op == CritOp::Contains {
                out.sql.push_str(&hit);
            } else {
                out.sql
                    .push_str(&format!("({col_sql} IS NULL OR NOT {hit})"));
            }
        }
        CritOp::StartsWith => {
            out.sql
                .push_str(&format!("substr({col_sql}, 1, length(?)) = ?"));
            let p = encode(&FieldType::Text, &v);
            out.params.push(p.clone());
            out.params.push(p);
        }
        CritOp::EndsWith => {
            out.sql.push_str(&format!(
                "(length(?) = 0 OR substr({col_sql}, -length(?)) = ?)"
            ));
            let p = encode(&FieldType::Text, &v);
            out.params.push(p.clone());
            out.params.push(p.clone());
            out.params.push(p);
        }
    }
    Ok(())
}
