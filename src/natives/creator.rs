//! `zoho.creator.*`: another Creator application through the Creator REST
//! API v2 (creator.zoho.<tld>/api/v2/<owner>/<app>/…).

use super::call::map_of;
use super::{Service, TaskCall, task};
use crate::eval::{Interpreter, RtResult};
use crate::http::RequestBody;
use crate::value::Value;

pub static SERVICE: Service = Service {
    name: "creator",
    title: "Zoho Creator",
    rest: true,
    tasks: &[
        task(
            "zoho.creator.createRecord",
            4,
            6,
            Some(5),
            create_record,
            "(owner, app, form, record_map[, other_params_map][, connection]) → the response map (code 3000 on success)",
        ),
        task(
            "zoho.creator.getRecords",
            3,
            7,
            Some(6),
            get_records,
            "(owner, app, report[, criteria][, from][, limit][, connection]) → the response map (data: list)",
        ),
        task(
            "zoho.creator.updateRecord",
            5,
            7,
            Some(6),
            update_record,
            "(owner, app, report, record_id, record_map[, other_params_map][, connection]) → the response map",
        ),
        task(
            "zoho.creator.getRecordById",
            4,
            5,
            Some(4),
            get_record_by_id,
            "(owner, app, report, record_id[, connection]) → the response map (data: the record)",
        ),
    ],
};

fn base(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<(String, String)> {
    let domain = call.api_domain(interp)?;
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
    let owner = call.text(0, "owner")?;
    let app = call.text(1, "application")?;
    let target = call.text(2, "form or report")?;
    Ok((format!("{scheme_host}/api/v2/{owner}/{app}"), target))
}

fn create_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (base, form) = base(interp, call)?;
    let body = map_of(vec![("data", call.map(3))]);
    call.send_json(
        interp,
        "POST",
        format!("{base}/form/{form}"),
        Vec::new(),
        &body,
    )
}

fn get_records(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (base, report) = base(interp, call)?;
    let mut query = Vec::new();
    if let Some(Value::Text(c)) = call.arg(3)
        && !c.is_empty()
    {
        query.push(("criteria".to_string(), c.to_string()));
    }
    if let Some(from) = call.int(4) {
        query.push(("from".into(), from.to_string()));
    }
    if let Some(limit) = call.int(5) {
        query.push(("limit".into(), limit.to_string()));
    }
    call.send(
        interp,
        "GET",
        format!("{base}/report/{report}"),
        query,
        RequestBody::None,
        None,
    )
}

fn update_record(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (base, report) = base(interp, call)?;
    let id = call.text(3, "record id")?;
    let body = map_of(vec![("data", call.map(4))]);
    call.send_json(
        interp,
        "PATCH",
        format!("{base}/report/{report}/{id}"),
        Vec::new(),
        &body,
    )
}

fn get_record_by_id(interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    let (base, report) = base(interp, call)?;
    let id = call.text(3, "record id")?;
    call.send(
        interp,
        "GET",
        format!("{base}/report/{report}/{id}"),
        Vec::new(),
        RequestBody::None,
        None,
    )
}
