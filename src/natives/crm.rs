//! `zoho.crm.*`: CRM REST API v2 (`zoho.crm.v8.*` uses v8). Argument
//! orders follow Zoho's Deluge help pages (deluge/help/crm/*.html).

use super::call::{first, get, map_of, query_pairs};
use super::{Service, TaskCall, task, versioned};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::http::RequestBody;
use crate::value::Value;

pub static SERVICE: Service = Service {
    name: "crm",
    title: "Zoho CRM",
    rest: true,
    tasks: &[
        versioned(task(
            "zoho.crm.getRecordById",
            2,
            4,
            Some(3),
            get_record_by_id,
            "(module, record_id[, query_map][, connection]) → the record (map)",
        )),
        versioned(task(
            "zoho.crm.getRecords",
            1,
            5,
            Some(4),
            get_records,
            "(module[, page][, per_page][, query_map][, connection]) → list of records",
        )),
        versioned(task(
            "zoho.crm.searchRecords",
            2,
            6,
            Some(5),
            search_records,
            "(module, criteria[, page][, per_page][, query_map][, connection]) → list of records",
        )),
        versioned(task(
            "zoho.crm.getRelatedRecords",
            3,
            7,
            Some(6),
            get_related_records,
            "(relation, parent_module, parent_id[, page][, per_page][, query_map][, connection]) → list of records",
        )),
        versioned(task(
            "zoho.crm.createRecord",
            2,
            4,
            Some(3),
            create_record,
            "(module, record_map[, options_map][, connection]) → details of the new record (id, Created_Time, …) or the error row",
        )),
        versioned(task(
            "zoho.crm.updateRecord",
            3,
            5,
            Some(4),
            update_record,
            "(module, record_id, record_map[, options_map][, connection]) → details of the record or the error row",
        )),
        versioned(task(
            "zoho.crm.upsert",
            2,
            4,
            Some(3),
            upsert,
            "(module, record_map[, options_map][, connection]) → details of the record or the error row",
        )),
        versioned(task(
            "zoho.crm.deleteRecord",
            2,
            3,
            Some(2),
            delete_record,
            "(module, record_id[, connection]) → the response row",
        )),
        versioned(task(
            "zoho.crm.bulkCreate",
            2,
            4,
            Some(3),
            bulk_create,
            "(module, list_of_records[, options_map][, connection]) → the response (data: one row per record)",
        )),
        versioned(task(
            "zoho.crm.bulkUpdate",
            2,
            4,
            Some(3),
            bulk_update,
            "(module, list_of_records[, options_map][, connection]) → the response (data: one row per record)",
        )),
        versioned(task(
            "zoho.crm.updateRelatedRecord",
            5,
            6,
            Some(5),
            update_related_record,
            "(relation, related_record_id, parent_module, parent_record_id, values_map[, connection]) → details of the related record",
        )),
        versioned(task(
            "zoho.crm.convertLead",
            2,
            3,
            Some(2),
            convert_lead,
            "(lead_id, values_map[, connection]) → ids of the new records by module ({\"Contacts\": …, \"Deals\": …, \"Accounts\": …})",
        )),
        versioned(task(
            "zoho.crm.attachFile",
            3,
            4,
            Some(3),
            attach_file,
            "(module, record_id, file[, connection]) → details of the attachment",
        )),
        task(
            "zoho.crm.getOrgVariable",
            1,
            2,
            Some(1),
            get_org_variable,
            "(variable_api_name[, connection]) → its value ([org_variables] of dlg.toml, else the CRM Variables API)",
        ),
        task(
            "zoho.crm.invokeConnector",
            2,
            2,
            None,
            invoke_connector,
            "(connector_api, params_map) → the connector's response map (task-level fixtures only)",
        ),
        task(
            "zoho.crm.create",
            2,
            3,
            None,
            legacy_create,
            "(module, record_map[, trigger_workflow]) → details of the new record (legacy form of createRecord)",
        ),
        task(
            "zoho.crm.update",
            3,
            4,
            None,
            legacy_update,
            "(module, record_id, record_map[, trigger_workflow]) → details of the record (legacy form of updateRecord)",
        ),
    ],
};

fn base(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<String> {
    let domain = call.api_domain(interp)?;
    Ok(format!("{domain}/crm/{}", call.crm_version()))
}

fn get_record_by_id(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let id = call.text(1, "record id")?;
    let url = format!("{}/{module}/{id}", base(interp, call)?);
    let query = query_pairs(call.arg(2));
    let resp = call.send(interp, "GET", url, query, RequestBody::None, None)?;
    let record = first(&get(&resp, "data"));
    Ok(if record.is_null() { resp } else { record })
}

fn list_of_records(resp: Value) -> Value {
    match get(&resp, "data") {
        list @ Value::List(_) => list,
        // 204 No Content: no records.
        _ if resp.is_null() => Value::new_list(Vec::new()),
        _ => resp,
    }
}

fn paged(
    call: &TaskCall,
    page_at: usize,
    mut query: Vec<(String, String)>,
) -> Vec<(String, String)> {
    query.push(("page".into(), call.int(page_at).unwrap_or(1).to_string()));
    query.push((
        "per_page".into(),
        call.int(page_at + 1).unwrap_or(200).to_string(),
    ));
    query
}

fn get_records(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let url = format!("{}/{module}", base(interp, call)?);
    let query = paged(call, 1, query_pairs(call.arg(3)));
    let resp = call.send(interp, "GET", url, query, RequestBody::None, None)?;
    Ok(list_of_records(resp))
}

fn search_records(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let criteria = call.text(1, "criteria")?;
    let url = format!("{}/{module}/search", base(interp, call)?);
    let mut query = vec![("criteria".to_string(), criteria)];
    query.extend(query_pairs(call.arg(4)));
    let query = paged(call, 2, query);
    let resp = call.send(interp, "GET", url, query, RequestBody::None, None)?;
    Ok(list_of_records(resp))
}

fn get_related_records(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let relation = call.text(0, "relation name")?;
    let parent = call.text(1, "parent module")?;
    let id = call.text(2, "parent record id")?;
    let url = format!("{}/{parent}/{id}/{relation}", base(interp, call)?);
    let query = paged(call, 3, query_pairs(call.arg(5)));
    let resp = call.send(interp, "GET", url, query, RequestBody::None, None)?;
    Ok(list_of_records(resp))
}

/// `{"data": [record], "trigger": …}` as the write APIs take it.
fn write_body(records: Value, options: Option<&Value>) -> Value {
    let mut entries = vec![("data", records)];
    if let Some(opts @ Value::Map(_)) = options {
        let trigger = get(opts, "trigger");
        if !trigger.is_null() {
            entries.push(("trigger", trigger));
        }
    }
    map_of(entries)
}

/// A write's answer: the `details` of a SUCCESS row, else the row, else
/// the whole response (what the Deluge task returns).
fn write_result(resp: Value) -> Value {
    let row = first(&get(&resp, "data"));
    let details = get(&row, "details");
    if get(&row, "code").as_str() == Some("SUCCESS") && !details.is_null() {
        details
    } else if !row.is_null() {
        row
    } else {
        resp
    }
}

fn one(v: Value) -> Value {
    Value::new_list(vec![v])
}

fn create_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let url = format!("{}/{module}", base(interp, call)?);
    let body = write_body(one(call.map(1)), call.arg(2));
    Ok(write_result(call.send_json(
        interp,
        "POST",
        url,
        Vec::new(),
        &body,
    )?))
}

fn update_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let id = call.text(1, "record id")?;
    let url = format!("{}/{module}/{id}", base(interp, call)?);
    let body = write_body(one(call.map(2)), call.arg(3));
    Ok(write_result(call.send_json(
        interp,
        "PUT",
        url,
        Vec::new(),
        &body,
    )?))
}

fn upsert(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let url = format!("{}/{module}/upsert", base(interp, call)?);
    let mut body = write_body(one(call.map(1)), call.arg(2));
    if let Some(opts @ Value::Map(_)) = call.arg(2) {
        let check = get(opts, "duplicate_check_fields");
        if !check.is_null()
            && let Value::Map(m) = &mut body
        {
            m.borrow_mut()
                .insert(crate::value::Key::text("duplicate_check_fields"), check);
        }
    }
    Ok(write_result(call.send_json(
        interp,
        "POST",
        url,
        Vec::new(),
        &body,
    )?))
}

fn delete_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let id = call.text(1, "record id")?;
    let url = format!("{}/{module}/{id}", base(interp, call)?);
    let resp = call.send(interp, "DELETE", url, Vec::new(), RequestBody::None, None)?;
    let row = first(&get(&resp, "data"));
    Ok(if row.is_null() { resp } else { row })
}

fn records_list(call: &TaskCall, i: usize) -> RtResult<Value> {
    match call.arg(i) {
        Some(l @ Value::List(_)) => Ok(l.clone()),
        Some(m @ Value::Map(_)) => Ok(one(m.clone())),
        other => Err(RtError::runtime(format!(
            "{}: argument {} must be a list of record maps, found {}",
            call.path,
            i + 1,
            other.map_or("null", |v| v.type_tag().deluge_name())
        ))),
    }
}

fn bulk_create(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let records = records_list(call, 1)?;
    let url = format!("{}/{module}", base(interp, call)?);
    let body = write_body(records, call.arg(2));
    call.send_json(interp, "POST", url, Vec::new(), &body)
}

fn bulk_update(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let records = records_list(call, 1)?;
    let url = format!("{}/{module}", base(interp, call)?);
    let body = write_body(records, call.arg(2));
    call.send_json(interp, "PUT", url, Vec::new(), &body)
}

fn update_related_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let relation = call.text(0, "relation name")?;
    let related_id = call.text(1, "related record id")?;
    let parent = call.text(2, "parent module")?;
    let parent_id = call.text(3, "parent record id")?;
    let url = format!(
        "{}/{parent}/{parent_id}/{relation}/{related_id}",
        base(interp, call)?
    );
    let body = write_body(one(call.map(4)), None);
    Ok(write_result(call.send_json(
        interp,
        "PUT",
        url,
        Vec::new(),
        &body,
    )?))
}

fn convert_lead(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let id = call.text(0, "lead id")?;
    let url = format!("{}/Leads/{id}/actions/convert", base(interp, call)?);
    let body = write_body(one(call.map(1)), None);
    let resp = call.send_json(interp, "POST", url, Vec::new(), &body)?;
    let row = first(&get(&resp, "data"));
    Ok(if row.is_null() { resp } else { row })
}

/// A file value's bytes: text is sent as is.
fn multipart(field: &str, file_name: &str, content: &str) -> (String, String) {
    let boundary = "----dlg-boundary-7MA4YWxkTrZu0gW";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    (body, format!("multipart/form-data; boundary={boundary}"))
}

pub(super) fn file_parts(call: &TaskCall, i: usize) -> RtResult<(String, String)> {
    let content = call.text(i, "file")?;
    Ok(("file.txt".to_string(), content))
}

fn attach_file(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let id = call.text(1, "record id")?;
    let (name, content) = file_parts(call, 2)?;
    let url = format!("{}/{module}/{id}/Attachments", base(interp, call)?);
    let (body, ctype) = multipart("file", &name, &content);
    let resp = call.send(
        interp,
        "POST",
        url,
        Vec::new(),
        RequestBody::Text(body),
        Some(ctype.as_str()),
    )?;
    Ok(write_result(resp))
}

pub(super) fn multipart_body(field: &str, name: &str, content: &str) -> (String, String) {
    multipart(field, name, content)
}

fn get_org_variable(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let name = call.text(0, "variable name")?;
    if let Some(v) = interp
        .options
        .project
        .as_ref()
        .and_then(|p| p.org_variables.get(&name))
    {
        return Ok(crate::value::from_json(v));
    }
    // GET /settings/variables lists every variable with its api_name.
    let url = format!("{}/settings/variables", base(interp, call)?);
    let resp = call.send(interp, "GET", url, Vec::new(), RequestBody::None, None)?;
    if let Value::List(list) = get(&resp, "variables") {
        for v in list.borrow().iter() {
            let api = get(v, "api_name");
            if api.as_str().is_some_and(|a| a.eq_ignore_ascii_case(&name))
                || get(v, "name").as_str() == Some(name.as_str())
            {
                return Ok(get(v, "value"));
            }
        }
    }
    Ok(Value::Null)
}

fn invoke_connector(_interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    Err(RtError::unsupported(format!(
        "{} calls a connector of a CRM extension, which has no REST form",
        call.path
    ))
    .with_help(format!(
        "fake it with a task-level fixture in the --mock file:\n[[task]]\nname = \"{}\"\nargs = [\"{}\"]\nreturns = {{ status_code = 200, response = \"…\" }}",
        call.def.path,
        call.args.first().map(|v| v.to_display()).unwrap_or_default()
    )))
}

fn legacy_create(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let url = format!("{}/{module}", base(interp, call)?);
    let body = write_body(one(call.map(1)), None);
    Ok(write_result(call.send_json(
        interp,
        "POST",
        url,
        Vec::new(),
        &body,
    )?))
}

fn legacy_update(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let module = call.text(0, "module")?;
    let id = call.text(1, "record id")?;
    let url = format!("{}/{module}/{id}", base(interp, call)?);
    let body = write_body(one(call.map(2)), None);
    Ok(write_result(call.send_json(
        interp,
        "PUT",
        url,
        Vec::new(),
        &body,
    )?))
}
