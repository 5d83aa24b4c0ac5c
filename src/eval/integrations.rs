//! Zoho integration tasks (`zoho.crm.*`, `zoho.books.*`, `zoho.creator.*`)
//! run as the REST calls they stand for, through the same named connections
//! as `invokeurl` (and answered by `--mock` fixtures offline). Arguments are
//! positional, as in Deluge; the connection is the documented last one.

use super::{Interpreter, RtError, RtResult};
use crate::http::{HttpRequest, RequestBody};
use crate::value::{Key, KeyRef, MapData, Value, to_json};

/// Where each task's connection argument sits (0-based).
fn connection_index(task: &str) -> Option<usize> {
    Some(match task {
        "zoho.crm.getrecordbyid" => 3,
        "zoho.crm.getrecords" => 4,
        "zoho.crm.searchrecords" => 5,
        "zoho.crm.createrecord" | "zoho.crm.upsert" => 3,
        "zoho.crm.updaterecord" => 4,
        "zoho.crm.deleterecord" => 2,
        "zoho.crm.getrelatedrecords" => 6,
        "zoho.books.getrecords" => 3,
        "zoho.books.getrecordsbyid" => 3,
        "zoho.books.createrecord" => 3,
        "zoho.books.updaterecord" => 4,
        "zoho.creator.createrecord" => 5,
        "zoho.creator.getrecords" => 6,
        "zoho.creator.updaterecord" => 6,
        "zoho.creator.getrecordbyid" => 4,
        _ => return None,
    })
}

fn text_arg(args: &[Value], i: usize, task: &str, what: &str) -> RtResult<String> {
    match args.get(i) {
        Some(Value::Null) | None => Err(RtError::runtime(format!(
            "{task}: argument {} ({what}) is missing",
            i + 1
        ))),
        Some(v) => Ok(v.to_display()),
    }
}

fn opt_int(args: &[Value], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(Value::Int(n)) => Some(*n),
        Some(Value::Text(t)) => t.trim().parse().ok(),
        _ => None,
    }
}

fn query_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Map(m)) => crate::value::text_pairs(m),
        Some(Value::Text(t)) if !t.is_empty() => t
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn map_of(entries: Vec<(&str, Value)>) -> Value {
    let mut m = MapData::default();
    for (k, v) in entries {
        m.insert(Key::text(k), v);
    }
    Value::new_map(m)
}

fn get(v: &Value, key: &str) -> Value {
    match v {
        Value::Map(m) => m
            .borrow()
            .get(&KeyRef::Text(key))
            .cloned()
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn first(v: &Value) -> Value {
    match v {
        Value::List(l) => l.borrow().first().cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

impl Interpreter {
    /// Run `zoho.<service>.<task>(…)` when it is one of the supported tasks.
    pub(super) fn integration_task(
        &mut self,
        lpath: &str,
        args: &[Value],
    ) -> Option<RtResult<Value>> {
        let conn_at = connection_index(lpath)?;
        Some(self.run_integration(lpath, args, conn_at))
    }

    fn run_integration(&mut self, task: &str, args: &[Value], conn_at: usize) -> RtResult<Value> {
        let connection = match args.get(conn_at) {
            Some(Value::Text(c)) if !c.is_empty() => c.to_string(),
            // Inside Zoho the connection is optional; locally use
            // --default-connection, or the only Zoho connection there is.
            _ => match self.default_connection()? {
                Some(c) => c,
                None => {
                    return Err(RtError::runtime(format!(
                        "{task} needs a connection outside Zoho: pass its name as argument {}",
                        conn_at + 1
                    ))
                    .with_help(
                        "give every positional argument up to the connection, e.g. zoho.crm.getRecordById(\"Leads\", id, Map(), \"crm_connection\"), or run with --default-connection NAME (a connections file with a single Zoho connection is used automatically)",
                    ));
                }
            },
        };
        let domain = self.http()?.api_domain(&connection).ok_or_else(|| {
            RtError::runtime(format!(
                "connection '{connection}' is not a Zoho connection with a data center"
            ))
            .with_help("integration tasks need `datacenter = \"…\"` on the connection")
        })?;
        let domain = domain.trim_end_matches('/').to_string();
        let service = task.split('.').nth(1).unwrap_or("");
        let name = task.rsplit('.').next().unwrap_or("");
        match service {
            "crm" => self.crm_task(task, name, args, &domain, &connection),
            "books" => self.books_task(task, name, args, &domain, &connection),
            _ => self.creator_task(task, name, args, &domain, &connection),
        }
    }

    /// The connection used when a task names none.
    fn default_connection(&mut self) -> RtResult<Option<String>> {
        if let Some(name) = self.options.default_connection.clone() {
            return Ok(Some(name));
        }
        let zoho: Vec<String> = match self.http()?.describe_connections() {
            Ok(list) => list
                .into_iter()
                .filter(|c| c.kind == "zoho")
                .map(|c| c.name)
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(match zoho.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        })
    }

    fn send_json(
        &mut self,
        method: &str,
        url: String,
        query: Vec<(String, String)>,
        body: RequestBody,
        content_type: Option<&str>,
        connection: &str,
    ) -> RtResult<Value> {
        let req = HttpRequest {
            method: method.to_string(),
            url,
            headers: Vec::new(),
            body,
            query,
            content_type: content_type.map(str::to_string),
            connection: Some(connection.to_string()),
        };
        let resp = self.http()?.send(req).map_err(RtError::from_diag)?;
        if resp.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        Ok(super::tasks::body_value(&resp.body))
    }

    fn crm_task(
        &mut self,
        task: &str,
        name: &str,
        args: &[Value],
        domain: &str,
        conn: &str,
    ) -> RtResult<Value> {
        let base = format!("{domain}/crm/v2");
        let module = text_arg(args, 0, task, "module")?;
        match name {
            "getrecordbyid" => {
                let id = text_arg(args, 1, task, "record id")?;
                let resp = self.send_json(
                    "GET",
                    format!("{base}/{module}/{id}"),
                    query_pairs(args.get(2)),
                    RequestBody::None,
                    None,
                    conn,
                )?;
                let record = first(&get(&resp, "data"));
                Ok(if record.is_null() { resp } else { record })
            }
            "getrecords" | "searchrecords" | "getrelatedrecords" => {
                let (url, page_at, mut query) = match name {
                    "getrecords" => (format!("{base}/{module}"), 1, query_pairs(args.get(3))),
                    "searchrecords" => {
                        let criteria = text_arg(args, 1, task, "criteria")?;
                        (
                            format!("{base}/{module}/search"),
                            2,
                            vec![("criteria".to_string(), criteria)],
                        )
                    }
                    _ => {
                        // (relation, parentModule, id, page, perPage, query, conn)
                        let parent = text_arg(args, 1, task, "parent module")?;
                        let id = text_arg(args, 2, task, "record id")?;
                        (
                            format!("{base}/{parent}/{id}/{module}"),
                            3,
                            query_pairs(args.get(5)),
                        )
                    }
                };
                query.push((
                    "page".into(),
                    opt_int(args, page_at).unwrap_or(1).to_string(),
                ));
                query.push((
                    "per_page".into(),
                    opt_int(args, page_at + 1).unwrap_or(200).to_string(),
                ));
                let resp = self.send_json("GET", url, query, RequestBody::None, None, conn)?;
                Ok(match get(&resp, "data") {
                    list @ Value::List(_) => list,
                    // 204 No Content: no records.
                    _ if resp.is_null() => Value::new_list(Vec::new()),
                    _ => resp,
                })
            }
            "createrecord" | "updaterecord" | "upsert" => {
                let (method, url, data_at) = match name {
                    "createrecord" => ("POST", format!("{base}/{module}"), 1),
                    "upsert" => ("POST", format!("{base}/{module}/upsert"), 1),
                    _ => {
                        let id = text_arg(args, 1, task, "record id")?;
                        ("PUT", format!("{base}/{module}/{id}"), 2)
                    }
                };
                let data = args.get(data_at).cloned().unwrap_or_else(Value::empty_map);
                let mut entries = vec![("data", Value::new_list(vec![data]))];
                if let Some(trigger) = match args.get(data_at + 1) {
                    Some(opts @ Value::Map(_)) => {
                        Some(get(opts, "trigger")).filter(|t| !t.is_null())
                    }
                    _ => None,
                } {
                    entries.push(("trigger", trigger));
                }
                let body = to_json(&map_of(entries));
                let resp = self.send_json(
                    method,
                    url,
                    Vec::new(),
                    RequestBody::Text(body),
                    Some("application/json"),
                    conn,
                )?;
                let row = first(&get(&resp, "data"));
                let details = get(&row, "details");
                Ok(
                    if get(&row, "code").as_str() == Some("SUCCESS") && !details.is_null() {
                        details
                    } else if !row.is_null() {
                        row
                    } else {
                        resp
                    },
                )
            }
            "deleterecord" => {
                let id = text_arg(args, 1, task, "record id")?;
                let resp = self.send_json(
                    "DELETE",
                    format!("{base}/{module}/{id}"),
                    Vec::new(),
                    RequestBody::None,
                    None,
                    conn,
                )?;
                let row = first(&get(&resp, "data"));
                Ok(if row.is_null() { resp } else { row })
            }
            _ => Err(RtError::unsupported(format!(
                "the integration task `{task}` is not supported yet"
            ))),
        }
    }

    fn books_task(
        &mut self,
        task: &str,
        name: &str,
        args: &[Value],
        domain: &str,
        conn: &str,
    ) -> RtResult<Value> {
        let module = text_arg(args, 0, task, "module")?;
        let org = text_arg(args, 1, task, "organization id")?;
        let base = format!("{domain}/books/v3/{module}");
        let mut query = vec![("organization_id".to_string(), org)];
        match name {
            "getrecords" => {
                query.extend(query_pairs(args.get(2)));
                self.send_json("GET", base, query, RequestBody::None, None, conn)
            }
            "getrecordsbyid" => {
                let id = text_arg(args, 2, task, "record id")?;
                self.send_json(
                    "GET",
                    format!("{base}/{id}"),
                    query,
                    RequestBody::None,
                    None,
                    conn,
                )
            }
            "createrecord" | "updaterecord" => {
                let (method, url, data_at) = if name == "createrecord" {
                    ("POST", base, 2)
                } else {
                    let id = text_arg(args, 2, task, "record id")?;
                    ("PUT", format!("{base}/{id}"), 3)
                };
                let data = args.get(data_at).cloned().unwrap_or_else(Value::empty_map);
                // Books takes the record as a `JSONString` form field.
                let body = RequestBody::Form(vec![("JSONString".into(), to_json(&data))]);
                self.send_json(method, url, query, body, None, conn)
            }
            _ => Err(RtError::unsupported(format!(
                "the integration task `{task}` is not supported yet"
            ))),
        }
    }

    fn creator_task(
        &mut self,
        task: &str,
        name: &str,
        args: &[Value],
        domain: &str,
        conn: &str,
    ) -> RtResult<Value> {
        // Creator's API lives on creator.zoho.<tld>, not on zohoapis.
        let tld = domain
            .split("zohoapis.")
            .nth(1)
            .unwrap_or("com")
            .trim_end_matches('/');
        let scheme_host = if domain.starts_with("http://") {
            // A [hosts]-mapped or local domain: keep it as is.
            domain.to_string()
        } else {
            format!("https://creator.zoho.{tld}")
        };
        let owner = text_arg(args, 0, task, "owner")?;
        let app = text_arg(args, 1, task, "application")?;
        let target = text_arg(args, 2, task, "form or report")?;
        let base = format!("{scheme_host}/api/v2/{owner}/{app}");
        match name {
            "createrecord" => {
                let data = args.get(3).cloned().unwrap_or_else(Value::empty_map);
                let body = to_json(&map_of(vec![("data", data)]));
                self.send_json(
                    "POST",
                    format!("{base}/form/{target}"),
                    Vec::new(),
                    RequestBody::Text(body),
                    Some("application/json"),
                    conn,
                )
            }
            "getrecords" => {
                let mut query = Vec::new();
                if let Some(Value::Text(c)) = args.get(3)
                    && !c.is_empty()
                {
                    query.push(("criteria".to_string(), c.to_string()));
                }
                if let Some(from) = opt_int(args, 4) {
                    query.push(("from".into(), from.to_string()));
                }
                if let Some(limit) = opt_int(args, 5) {
                    query.push(("limit".into(), limit.to_string()));
                }
                self.send_json(
                    "GET",
                    format!("{base}/report/{target}"),
                    query,
                    RequestBody::None,
                    None,
                    conn,
                )
            }
            "updaterecord" => {
                let id = text_arg(args, 3, task, "record id")?;
                let data = args.get(4).cloned().unwrap_or_else(Value::empty_map);
                let body = to_json(&map_of(vec![("data", data)]));
                self.send_json(
                    "PATCH",
                    format!("{base}/report/{target}/{id}"),
                    Vec::new(),
                    RequestBody::Text(body),
                    Some("application/json"),
                    conn,
                )
            }
            "getrecordbyid" => {
                let id = text_arg(args, 3, task, "record id")?;
                self.send_json(
                    "GET",
                    format!("{base}/report/{target}/{id}"),
                    Vec::new(),
                    RequestBody::None,
                    None,
                    conn,
                )
            }
            _ => Err(RtError::unsupported(format!(
                "the integration task `{task}` is not supported yet"
            ))),
        }
    }
}
