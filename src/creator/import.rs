//! Records from JSON (an array of objects) or CSV (a header row) files:
//! `dlg creator import` and the `[creator.seed]` table.

use std::path::Path;

use super::schema::{FieldType, FormDef};
use super::store::Store;
use crate::value::Value;

/// Rows of a JSON or CSV file as (field, value) lists.
pub fn read_rows(file: &Path) -> Result<Vec<Vec<(String, Value)>>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let is_csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{}: {e}", file.display()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| format!("{}: {e}", file.display()))?;
            let mut row = Vec::new();
            for (h, cell) in headers.iter().zip(rec.iter()) {
                row.push((h.clone(), csv_value(cell)));
            }
            rows.push(row);
        }
        return Ok(rows);
    }
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON: {e}", file.display()))?;
    let items = match json {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut o) if o.get("data").is_some_and(|d| d.is_array()) => {
            match o.remove("data") {
                Some(serde_json::Value::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        obj @ serde_json::Value::Object(_) => vec![obj],
        _ => {
            return Err(format!(
                "{}: expected a JSON array of objects",
                file.display()
            ));
        }
    };
    let mut rows = Vec::new();
    for item in items {
        let serde_json::Value::Object(o) = item else {
            return Err(format!(
                "{}: every record must be a JSON object",
                file.display()
            ));
        };
        rows.push(o.iter().map(|(k, v)| (k.clone(), json_field(v))).collect());
    }
    Ok(rows)
}

/// JSON field values; date-looking text becomes a date.
fn json_field(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::String(s) => text_value(s),
        other => crate::value::from_json(other),
    }
}

fn text_value(s: &str) -> Value {
    if s.len() >= 8
        && s.as_bytes()[0].is_ascii_digit()
        && let Some(d) = crate::value::date::parse_date_literal(s)
    {
        return Value::date(d);
    }
    Value::text(s)
}

/// A CSV cell: number, decimal, boolean, date, or text.
fn csv_value(cell: &str) -> Value {
    let t = cell.trim();
    if t.is_empty() {
        return Value::Null;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Value::Int(i);
    }
    if t.contains('.')
        && let Ok(d) = t.parse::<f64>()
    {
        return Value::Decimal(d);
    }
    match t.to_ascii_lowercase().as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if t.starts_with('[')
        && let Ok(j) = serde_json::from_str::<serde_json::Value>(t)
    {
        return crate::value::from_json(&j);
    }
    text_value(cell)
}

/// The clock for imported records' Added_Time (DLG_NOW when set).
pub fn now() -> chrono::NaiveDateTime {
    std::env::var("DLG_NOW")
        .ok()
        .and_then(|v| chrono::NaiveDateTime::parse_from_str(&v, "%Y-%m-%d %H:%M:%S").ok())
        .unwrap_or_else(|| chrono::Local::now().naive_local())
}

/// Insert rows into a form, creating it (inferred) and adding inferred
/// fields as needed; a declared form refuses unknown fields.
pub fn import_rows(
    store: &mut Store,
    form: &str,
    rows: Vec<Vec<(String, Value)>>,
    now: &chrono::NaiveDateTime,
) -> Result<usize, String> {
    if store.form(form).is_none() {
        store.ensure_form(&FormDef {
            name: form.to_string(),
            fields: Vec::new(),
            declared: false,
        })?;
    }
    let mut n = 0;
    for row in rows {
        let mut resolved = Vec::new();
        for (k, v) in row {
            let current = store
                .form(form)
                .cloned()
                .ok_or_else(|| format!("no form named {form}"))?;
            match current.canonical(&k) {
                Some(c) => resolved.push((c, v)),
                None if current.declared => {
                    let hint = crate::eval::did_you_mean(&k, current.field_names())
                        .map(|h| format!(" (did you mean `{h}`?)"))
                        .unwrap_or_default();
                    return Err(format!(
                        "form {} has no field named {k}{hint}",
                        current.name
                    ));
                }
                None => {
                    let ty = if v.is_null() {
                        FieldType::Text
                    } else {
                        FieldType::infer(&v)
                    };
                    store.ensure_field(&current.name, &k, &ty, false)?;
                    resolved.push((k, v));
                }
            }
        }
        store.insert(form, &resolved, now, "dlg")?;
        n += 1;
    }
    Ok(n)
}
