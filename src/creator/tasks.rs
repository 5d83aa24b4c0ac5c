//! `zoho.creator.*` tasks against the local store, when the project says
//! `[creator] local = true`: the same function runs locally or on Zoho.

use std::rc::Rc;

use super::FormDef;
use crate::eval::{Interpreter, RtError, RtResult};
use crate::syntax::ast::{Name, Span};
use crate::value::{Key, MapData, Value};

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = MapData::default();
    for (k, v) in entries {
        m.insert(Key::text(k), v);
    }
    Value::new_map(m)
}

fn arg_text(args: &[Value], i: usize) -> String {
    args.get(i).map(|v| v.to_display()).unwrap_or_default()
}

fn arg_id(args: &[Value], i: usize, task: &str) -> RtResult<i64> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Text(t)) => t.trim().parse().map_err(|_| {
            RtError::runtime(format!(
                "{task}: argument {} must be a record ID, got \"{t}\"",
                i + 1
            ))
        }),
        _ => Err(RtError::runtime(format!(
            "{task}: argument {} must be a record ID",
            i + 1
        ))),
    }
}

/// Fields of a data map as (name, value) pairs.
fn data_pairs(v: Option<&Value>) -> Vec<(String, Value)> {
    match v {
        Some(Value::Map(m)) => m
            .borrow()
            .iter()
            .map(|(k, v)| (k.as_text().into_owned(), v.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// A record as the REST API returns it: the ID as text.
fn api_record(rec: &Value) -> Value {
    let Value::Map(m) = rec else {
        return rec.clone();
    };
    let mut out = MapData::default();
    for (k, v) in m.borrow().iter() {
        let v = match (k.as_text().as_ref(), v) {
            ("ID", Value::Int(i)) => Value::text(i.to_string()),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::new_map(out)
}

impl Interpreter {
    /// Run a `zoho.creator.*` task locally, if the project asks for it.
    pub(crate) fn creator_local_task(
        &mut self,
        lpath: &str,
        args: &[Value],
    ) -> Option<RtResult<Value>> {
        let task = lpath.strip_prefix("zoho.creator.")?;
        match self.creator_config() {
            Ok(c) if c.local => {}
            Ok(_) => return None,
            Err(e) => return Some(Err(e)),
        }
        Some(match task {
            "createrecord" => self.local_create(args),
            "getrecords" => self.local_get(args),
            "getrecordbyid" => self.local_get_by_id(args),
            "updaterecord" => self.local_update(args),
            other => Err(RtError::unsupported(format!(
                "zoho.creator.{other} has no local version"
            ))
            .with_help("createRecord, getRecords, getRecordById and updateRecord run locally; set [creator] local = false to call Zoho")),
        })
    }

    /// A form by its name or a report's (`All_Orders` → `Orders`).
    fn local_form(&mut self, name: &str) -> RtResult<Option<FormDef>> {
        let mut candidates = vec![name.to_string()];
        if let Some(rest) = name.strip_prefix("All_") {
            candidates.push(rest.to_string());
        }
        for suffix in ["_Report", "_List", "_View"] {
            if let Some(rest) = name.strip_suffix(suffix) {
                candidates.push(rest.to_string());
            }
        }
        for c in candidates {
            let n = Name {
                name: Rc::from(c.as_str()),
                span: Span::default(),
            };
            if let Ok(Some(f)) = self.lookup_form(&n) {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    fn local_create(&mut self, args: &[Value]) -> RtResult<Value> {
        let form = arg_text(args, 2);
        let data = data_pairs(args.get(3));
        let id = self.creator_insert_values(&form, data)?;
        Ok(map(vec![
            ("code", Value::Int(3000)),
            ("data", map(vec![("ID", Value::text(id.to_string()))])),
            ("message", Value::text("Data Added Successfully!")),
        ]))
    }

    fn local_get(&mut self, args: &[Value]) -> RtResult<Value> {
        let report = arg_text(args, 2);
        let criteria = arg_text(args, 3);
        let page = match args.get(4) {
            Some(Value::Int(p)) if *p > 0 => *p,
            _ => 1,
        };
        let size = match args.get(5) {
            Some(Value::Int(p)) if *p > 0 => (*p).min(1000),
            _ => 200,
        };
        let Some(form) = self.local_form(&report)? else {
            return Ok(map(vec![
                ("code", Value::Int(2894)),
                ("message", Value::text(format!("No report named {report}"))),
            ]));
        };
        let crit = crate::syntax::parse_criteria(&criteria).map_err(|e| {
            RtError::runtime(format!(
                "zoho.creator.getRecords: criteria \"{criteria}\": {}",
                e.message
            ))
            .with_help("write criteria as Field == \"value\" joined by && or ||")
        })?;
        let records = self.creator_fetch(&form, &crit, Some(((page - 1) * size, size)))?;
        let data: Vec<Value> = records.iter().map(api_record).collect();
        if data.is_empty() {
            return Ok(map(vec![
                ("code", Value::Int(3100)),
                ("message", Value::text("No Data Available")),
                ("data", Value::new_list(Vec::new())),
            ]));
        }
        Ok(map(vec![
            ("code", Value::Int(3000)),
            ("data", Value::new_list(data)),
        ]))
    }

    fn local_get_by_id(&mut self, args: &[Value]) -> RtResult<Value> {
        let report = arg_text(args, 2);
        let id = arg_id(args, 3, "zoho.creator.getRecordById")?;
        let Some(form) = self.local_form(&report)? else {
            return Ok(map(vec![
                ("code", Value::Int(2894)),
                ("message", Value::text(format!("No report named {report}"))),
            ]));
        };
        match self.creator_record(&form, id)? {
            Some(rec) => Ok(map(vec![
                ("code", Value::Int(3000)),
                ("data", api_record(&rec)),
            ])),
            None => Ok(map(vec![
                ("code", Value::Int(3100)),
                ("message", Value::text("No Data Available")),
            ])),
        }
    }

    fn local_update(&mut self, args: &[Value]) -> RtResult<Value> {
        let report = arg_text(args, 2);
        let id = arg_id(args, 3, "zoho.creator.updateRecord")?;
        let data = data_pairs(args.get(4));
        let Some(form) = self.local_form(&report)? else {
            return Ok(map(vec![
                ("code", Value::Int(2894)),
                ("message", Value::text(format!("No report named {report}"))),
            ]));
        };
        let Some(rec) = self.creator_record(&form, id)? else {
            return Ok(map(vec![
                ("code", Value::Int(3100)),
                ("message", Value::text("No Data Available")),
            ]));
        };
        for (k, v) in data {
            self.creator_assign(&rec, &k, v, Span::default())?;
        }
        Ok(map(vec![
            ("code", Value::Int(3000)),
            ("data", map(vec![("ID", Value::text(id.to_string()))])),
            ("message", Value::text("Data Updated Successfully!")),
        ]))
    }
}
