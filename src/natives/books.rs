//! `zoho.books.*`: Books REST API v3. Argument orders follow Zoho's Deluge
//! help pages (deluge/help/books/*.html). Module names are lower-cased
//! into the URL (`"Invoices"` → `/books/v3/invoices`), as the API spells
//! its paths; the organization id goes in the query.

use super::call::query_pairs;
use super::crm::{file_parts, multipart_body};
use super::{Service, TaskCall, task};
use crate::eval::{Interpreter, RtResult};
use crate::http::RequestBody;
use crate::value::{Value, to_json};

pub static SERVICE: Service = Service {
    name: "books",
    title: "Zoho Books",
    rest: true,
    tasks: &[
        task(
            "zoho.books.getRecords",
            2,
            4,
            Some(3),
            get_records,
            "(module, org_id[, search_map_or_text][, connection]) → the response map (code, message, <module>: list)",
        ),
        task(
            "zoho.books.getRecordsByID",
            3,
            4,
            Some(3),
            get_record_by_id,
            "(module, org_id, record_id[, connection]) → the response map",
        ),
        task(
            "zoho.books.createRecord",
            3,
            4,
            Some(3),
            create_record,
            "(module, org_id, record_map[, connection]) → the response map",
        ),
        task(
            "zoho.books.updateRecord",
            4,
            5,
            Some(4),
            update_record,
            "(module, org_id, record_id, record_map[, connection]) → the response map",
        ),
        task(
            "zoho.books.markStatus",
            4,
            5,
            Some(4),
            mark_status,
            "(module, org_id, record_id, status[, connection]) → the response map (Estimates: accepted/declined/sent; Invoices: void/sent)",
        ),
        task(
            "zoho.books.getTemplates",
            2,
            3,
            Some(2),
            get_templates,
            "(module, org_id[, connection]) → the response map (templates: list)",
        ),
        task(
            "zoho.books.getOrganizations",
            0,
            1,
            Some(0),
            get_organizations,
            "([connection]) → the response map (organizations: list)",
        ),
        task(
            "zoho.books.attachFile",
            4,
            5,
            Some(4),
            attach_file,
            "(module, org_id, record_id, file[, connection]) → the response map",
        ),
    ],
};

fn base(
    interp: &mut Interpreter,
    call: &mut TaskCall,
) -> RtResult<(String, Vec<(String, String)>)> {
    let module = call.text(0, "module")?.to_ascii_lowercase();
    let org = call.text(1, "organization id")?;
    let domain = call.api_domain(interp)?;
    Ok((
        format!("{domain}/books/v3/{module}"),
        vec![("organization_id".to_string(), org)],
    ))
}

fn get_records(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (url, mut query) = base(interp, call)?;
    query.extend(query_pairs(call.arg(2)));
    call.send(interp, "GET", url, query, RequestBody::None, None)
}

fn get_record_by_id(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let id = call.text(2, "record id")?;
    let (url, query) = base(interp, call)?;
    call.send(
        interp,
        "GET",
        format!("{url}/{id}"),
        query,
        RequestBody::None,
        None,
    )
}

/// Books takes the record as a `JSONString` form field.
fn json_string(record: &Value) -> RequestBody {
    RequestBody::Form(vec![("JSONString".into(), to_json(record))])
}

fn create_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (url, query) = base(interp, call)?;
    let body = json_string(&call.map(2));
    call.send(interp, "POST", url, query, body, None)
}

fn update_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let id = call.text(2, "record id")?;
    let (url, query) = base(interp, call)?;
    let body = json_string(&call.map(3));
    call.send(interp, "PUT", format!("{url}/{id}"), query, body, None)
}

fn mark_status(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let id = call.text(2, "record id")?;
    let status = call.text(3, "status")?.to_ascii_lowercase();
    let (url, query) = base(interp, call)?;
    call.send(
        interp,
        "POST",
        format!("{url}/{id}/status/{status}"),
        query,
        RequestBody::None,
        None,
    )
}

fn get_templates(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (url, query) = base(interp, call)?;
    call.send(
        interp,
        "GET",
        format!("{url}/templates"),
        query,
        RequestBody::None,
        None,
    )
}

fn get_organizations(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let domain = call.api_domain(interp)?;
    call.send(
        interp,
        "GET",
        format!("{domain}/books/v3/organizations"),
        Vec::new(),
        RequestBody::None,
        None,
    )
}

fn attach_file(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let id = call.text(2, "record id")?;
    let (name, content) = file_parts(call, 3)?;
    let (url, query) = base(interp, call)?;
    let (body, ctype) = multipart_body("attachment", &name, &content);
    call.send(
        interp,
        "POST",
        format!("{url}/{id}/attachment"),
        query,
        RequestBody::Text(body),
        Some(ctype.as_str()),
    )
}
