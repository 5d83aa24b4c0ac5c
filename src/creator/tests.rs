//! Creator records end to end: scripts run against an in-memory (or
//! temporary file) store.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use super::schema::{CreatorConfig, FieldDef, FieldType, FormDef};
use super::{CreatorOptions, DbLocation};
use crate::diag::SourceFile;
use crate::eval::{Interpreter, Options};
use crate::value::Value;

#[derive(Clone, Default)]
struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn form(name: &str, fields: &[(&str, FieldType)]) -> FormDef {
    FormDef {
        name: name.into(),
        fields: fields
            .iter()
            .map(|(n, t)| FieldDef {
                name: n.to_string(),
                ty: t.clone(),
            })
            .collect(),
        declared: true,
    }
}

fn orders_schema() -> CreatorConfig {
    CreatorConfig {
        forms: vec![
            form(
                "Customers",
                &[("Name", FieldType::Text), ("Tier", FieldType::Text)],
            ),
            form(
                "Orders",
                &[
                    ("Customer", FieldType::Lookup("Customers".into())),
                    ("Status", FieldType::Text),
                    ("Amount", FieldType::Decimal),
                    ("Quantity", FieldType::Number),
                    ("Limit_Amount", FieldType::Decimal),
                    ("Note", FieldType::Text),
                    ("Email", FieldType::Email),
                    ("Order_Date", FieldType::Date),
                    ("Shipped_At", FieldType::DateTime),
                    ("Paid", FieldType::Boolean),
                    ("Tags", FieldType::MultiSelect),
                    ("Lines", FieldType::Subform),
                ],
            ),
            form("Log", &[("Message", FieldType::Text)]),
        ],
        ..Default::default()
    }
}

struct Run {
    interp: Interpreter,
    out: Buf,
}

impl Run {
    fn new(opts: CreatorOptions) -> Run {
        let out = Buf::default();
        let options = Options {
            creator: opts,
            now: chrono::NaiveDateTime::parse_from_str("2026-11-30 10:00:00", "%Y-%m-%d %H:%M:%S")
                .ok(),
            ..Default::default()
        };
        Run {
            interp: Interpreter::new(options, Box::new(out.clone())),
            out,
        }
    }

    fn memory(config: Option<CreatorConfig>) -> Run {
        Run::new(CreatorOptions {
            config: Some(config.unwrap_or_default()),
            ..CreatorOptions::in_memory()
        })
    }

    /// Run a script; the printed lines, or the error message.
    fn run(&mut self, src: &str) -> Result<String, String> {
        self.out.0.borrow_mut().clear();
        let program = crate::syntax::parse_program(src).map_err(|e| e.message)?;
        let source = SourceFile::new("t.dg", src);
        let result = self.interp.run_script(&program, &source);
        let _ = self.interp.finish_creator(result.is_ok());
        let text = String::from_utf8_lossy(&self.out.0.borrow()).into_owned();
        match result {
            Ok(()) => Ok(text),
            Err(e) => Err(e.message.clone()),
        }
    }

    fn ok(&mut self, src: &str) -> String {
        match self.run(src) {
            Ok(t) => t,
            Err(e) => panic!("script failed: {e}\n{src}"),
        }
    }

    fn err(&mut self, src: &str) -> crate::eval::RtError {
        let program = crate::syntax::parse_program(src).expect("parses");
        let source = SourceFile::new("t.dg", src);
        match self.interp.run_script(&program, &source) {
            Ok(()) => panic!("script should fail:\n{src}"),
            Err(e) => e,
        }
    }
}

const SEED: &str = r#"
a = insert into Orders [ Status = "Open" Amount = 150 Quantity = 1 ];
b = insert into Orders [ Status = "Open" Amount = 90 Quantity = 2 ];
c = insert into Orders [ Status = "Done" Amount = 500 Quantity = 3 ];
d = insert into Orders [ Status = "Open" Amount = 300.5 Quantity = 4 ];
info a; info b; info c; info d;
"#;

fn seeded() -> (Run, Vec<String>) {
    let mut r = Run::memory(Some(orders_schema()));
    let ids: Vec<String> = r.ok(SEED).lines().map(|s| s.to_string()).collect();
    (r, ids)
}

#[test]
fn acceptance_open_orders_over_100_by_amount_desc() {
    let (mut r, ids) = seeded();
    let out = r.ok(
        "for each r in Orders[Status == \"Open\" && Amount > 100] sort by Amount desc { info r.ID; }",
    );
    assert_eq!(out, format!("{}\n{}\n", ids[3], ids[0]));
}

#[test]
fn ids_are_zoho_like_64_bit_numbers() {
    let (_, ids) = seeded();
    for id in &ids {
        assert_eq!(id.len(), 19, "{id}");
        assert!(id.parse::<i64>().is_ok());
    }
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn insert_then_count() {
    let mut r = Run::memory(Some(orders_schema()));
    assert_eq!(
        r.ok("insert into Log [ Message = \"x\" ];\ninfo Log[Message == \"x\"].count();"),
        "1\n"
    );
}

#[test]
fn record_updates_persist_across_runs_of_the_same_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let opts = || CreatorOptions {
        db: DbLocation::Path(db.clone()),
        config: Some(orders_schema()),
        ..Default::default()
    };
    let mut first = Run::new(opts());
    let id = first.ok("info insert into Orders [ Status = \"Open\" Amount = 5 ];");
    drop(first);
    let mut second = Run::new(opts());
    second.ok(&format!(
        "rec = Orders[ID == {}];\nrec.Status = \"Done\";",
        id.trim()
    ));
    drop(second);
    let mut third = Run::new(opts());
    assert_eq!(
        third.ok(&format!("info Orders[ID == {}].Status;", id.trim())),
        "Done\n"
    );
}

#[test]
fn criteria_built_from_user_text_cannot_inject_sql() {
    let (mut r, _) = seeded();
    for attack in [
        "x' OR '1'='1",
        "x\" OR \"1\"=\"1",
        "Open'; DROP TABLE \"form_Orders\"; --",
        "1) OR (1=1",
    ] {
        let src = format!(
            "t = {};\ninfo Orders[Status == t].count();\ninfo Orders[Status contains t || Status starts_with t].count();\ninfo Orders[Status in {{t}}].count();\ndelete from Orders[Status == t];",
            serde_json::to_string(attack).unwrap()
        );
        assert_eq!(r.ok(&src), "0\n0\n0\n", "{attack}");
    }
    // Every record is still there.
    assert_eq!(r.ok("info Orders[].count();"), "4\n");
}

#[test]
fn each_comparison_operator() {
    let (mut r, _) = seeded();
    let count = |r: &mut Run, crit: &str| r.ok(&format!("info Orders[{crit}].count();"));
    assert_eq!(count(&mut r, "Status == \"Open\""), "3\n");
    assert_eq!(count(&mut r, "Status = \"Open\""), "3\n");
    assert_eq!(count(&mut r, "Status != \"Open\""), "1\n");
    assert_eq!(count(&mut r, "Amount < 150"), "1\n");
    assert_eq!(count(&mut r, "Amount <= 150"), "2\n");
    assert_eq!(count(&mut r, "Amount > 150"), "2\n");
    assert_eq!(count(&mut r, "Amount >= 150"), "3\n");
    assert_eq!(count(&mut r, "Quantity in {1, 3}"), "2\n");
    assert_eq!(count(&mut r, "Quantity not in {1, 3}"), "2\n");
    assert_eq!(count(&mut r, "Status contains \"pe\""), "3\n");
    assert_eq!(count(&mut r, "Status not contains \"pe\""), "1\n");
    assert_eq!(count(&mut r, "Status starts_with \"Do\""), "1\n");
    assert_eq!(count(&mut r, "Status ends_with \"en\""), "3\n");
    assert_eq!(count(&mut r, "Note is null"), "4\n");
    assert_eq!(count(&mut r, "Note == null"), "4\n");
    assert_eq!(count(&mut r, "Note is not null"), "0\n");
    assert_eq!(count(&mut r, "Note != null"), "0\n");
    assert_eq!(count(&mut r, "Status == \"Done\" || Amount < 100"), "2\n");
    assert_eq!(count(&mut r, "!(Status == \"Done\")"), "3\n");
    assert_eq!(
        count(
            &mut r,
            "(Status == \"Done\" || Quantity == 1) && Amount > 200"
        ),
        "1\n"
    );
    assert_eq!(count(&mut r, "100 < Amount"), "3\n");
    // A number given as text still matches a number field.
    assert_eq!(count(&mut r, "Quantity == \"2\""), "1\n");
    // Field against field (in a function: in a bare script an unassigned
    // name on the right is one of the script's arguments).
    r.ok("for each o in Orders[] { o.Limit_Amount = 200; }");
    let src = "void f() { info Orders[Amount > Limit_Amount].count(); }";
    let program = crate::syntax::parse_program(src).unwrap();
    let source = SourceFile::new("f.dg", src);
    r.out.0.borrow_mut().clear();
    r.interp.register_program(&program, &source);
    r.interp
        .call_function(&program.functions[0], &source, Vec::new(), None)
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&r.out.0.borrow()), "2\n");
}

#[test]
fn in_a_bare_script_criteria_values_are_arguments_but_fields_are_not() {
    let p = crate::syntax::parse_program(
        "x = Orders[Status == wanted && recId == ID].sum(Amount);\nrec = Orders[ID == other];\nrec.Status = \"x\";",
    )
    .unwrap();
    let names: Vec<&str> = p.functions[0]
        .params
        .iter()
        .map(|p| p.name.as_ref())
        .collect();
    assert_eq!(names, ["wanted", "recId", "other"]);
    let (mut r, ids) = seeded();
    let program = crate::syntax::parse_program(
        "for each o in Orders[Status == wanted && Quantity > minimum] { info o.ID; }",
    )
    .unwrap();
    let source = SourceFile::new("t.dg", "");
    r.out.0.borrow_mut().clear();
    r.interp
        .run_script_with_args(&program, &source, vec![Value::text("Open"), Value::Int(1)])
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&r.out.0.borrow()),
        format!("{}\n{}\n", ids[1], ids[3])
    );
}

#[test]
fn sort_and_range() {
    let (mut r, _) = seeded();
    assert_eq!(
        r.ok("for each o in Orders[Amount > 0] sort by Amount { info o.Amount; }"),
        "90\n150\n300.5\n500\n"
    );
    assert_eq!(
        r.ok("for each o in Orders[Amount > 0] sort by Amount desc range from 2 to 3 { info o.Amount; }"),
        "300.5\n150\n"
    );
    assert_eq!(
        r.ok("x = Orders[Status == \"Open\"] sort by Quantity desc;\ninfo x.Quantity;"),
        "4\n"
    );
}

#[test]
fn collection_reads_and_aggregates() {
    let (mut r, _) = seeded();
    assert_eq!(
        r.ok("info Orders[Status == \"Open\"].Quantity.getAll();"),
        "1,2,4\n"
    );
    assert_eq!(
        r.ok(
            "x = Orders[ID != 0];\ninfo x.Status.getall();\ninfo Orders[ID != 0].Status.distinct();"
        ),
        "Open,Open,Done,Open\nOpen,Done\n"
    );
    assert_eq!(
        r.ok("info Orders[Status == \"Open\"].sum(Quantity);\ninfo Orders[ID != 0].maximum(Amount);\ninfo Orders[ID != 0].count(Note);"),
        "7\n500\n0\n"
    );
    // An empty fetch: no records, fields read as null.
    assert_eq!(
        r.ok(
            "x = Orders[Status == \"Nope\"];\ninfo x.count();\ninfo x.ID;\ninfo x.Status == null;"
        ),
        "0\nnull\ntrue\n"
    );
}

#[test]
fn every_field_type_round_trips() {
    let mut r = Run::memory(Some(orders_schema()));
    let out = r.ok(
        r#"c = insert into Customers [ Name = "Asha" Tier = "Gold" ];
id = insert into Orders
[
	Customer = c
	Status = "Open"
	Amount = 12.5
	Quantity = 3
	Email = "a@example.com"
	Order_Date = '2026-11-02'
	Shipped_At = '2026-11-03 14:05:00'
	Paid = true
	Tags = {"red", "blue"}
	Lines = {{"Product": "Desk", "Qty": 2}}
];
o = Orders[ID == id];
info o.Amount + 1;
info o.Quantity * 2;
info o.Email;
info o.Order_Date;
info o.Order_Date.addDay(1);
info o.Shipped_At;
info o.Paid;
info o.Tags;
info o.Tags.size();
info Customers[ID == o.Customer].Name;
for each l in o.Lines { info l.Product + " x" + l.Qty; info l.ID > 0; }
info Orders[Customer.Tier == "Gold"].count();
info Orders[Tags contains "red"].count() + " " + Orders[Tags contains "green"].count();
info Orders[Paid == true].count();
info Orders[Order_Date < '2026-11-05'].count();
"#,
    );
    assert_eq!(
        out,
        "13.5\n6\na@example.com\n02-Nov-2026\n03-Nov-2026\n03-Nov-2026 14:05:00\ntrue\nred,blue\n2\nAsha\nDesk x2\ntrue\n1\n1 0\n1\n1\n"
    );
}

#[test]
fn subform_row_updates_are_stored() {
    let mut r = Run::memory(Some(orders_schema()));
    let out = r.ok(
        r#"id = insert into Orders [ Lines = {{"Product": "Desk", "Qty": 2}, {"Product": "Lamp", "Qty": 1}} ];
for each l in Orders[ID == id].Lines { if (l.Product == "Lamp") { l.Qty = 5; } }
for each l in Orders[ID == id].Lines { info l.Product + " " + l.Qty; }
"#,
    );
    assert_eq!(out, "Desk 2\nLamp 5\n");
}

#[test]
fn delete_from_removes_matching_records() {
    let (mut r, _) = seeded();
    assert_eq!(
        r.ok("delete from Orders[Status == \"Open\" && Amount < 200];\ninfo Orders[].count();"),
        "2\n"
    );
}

#[test]
fn system_fields_are_maintained() {
    let mut r = Run::memory(Some(orders_schema()));
    let out = r.ok(
        "id = insert into Log [ Message = \"m\" ];\nx = Log[ID == id];\ninfo x.Added_User;\ninfo x.Added_Time;\ninfo x.Modified_Time;",
    );
    assert_eq!(out, "dlg\n30-Nov-2026 10:00:00\n30-Nov-2026 10:00:00\n");
}

#[test]
fn updating_a_fetch_updates_every_record_in_it() {
    let (mut r, _) = seeded();
    assert_eq!(
        r.ok("x = Orders[Status == \"Open\"];\nx.Status = \"Closed\";\ninfo Orders[Status == \"Closed\"].count();\nx = Orders[Status == \"Closed\"];\nx.Quantity += 10;\ninfo Orders[Quantity > 10].count();"),
        "3\n3\n"
    );
}

#[test]
fn without_a_schema_forms_and_fields_are_inferred() {
    let mut r = Run::memory(None);
    let out = r.ok(r#"info Unknown_Form[Name == "x"].count();
a = insert into Notes [ Title = "one" Score = 3 ];
b = insert into Notes [ Title = "two" Extra = true ];
info Notes[].count();
info Notes[Score >= 3].Title;
info Notes[Extra == true].Title;
n = Notes[ID == a];
info n.No_Such_Field;
n.Later = 'a';
info Notes[Later == "a"].count();
info Notes[Missing == null].count();
"#);
    assert_eq!(out, "0\n2\none\ntwo\nnull\n1\n2\n");
    let store = r.interp.creator().store_mut().unwrap();
    let notes = store.form("Notes").unwrap().clone();
    assert!(!notes.declared);
    let types: Vec<String> = notes
        .fields
        .iter()
        .map(|f| format!("{}:{}", f.name, f.ty.name()))
        .collect();
    assert_eq!(
        types,
        ["Title:text", "Score:number", "Extra:boolean", "Later:text"]
    );
}

#[test]
fn with_a_schema_unknown_forms_and_fields_are_errors_with_suggestions() {
    let (mut r, _) = seeded();
    let e = r.err("x = Order[ID == 1];");
    assert_eq!(e.message, "no form named Order");
    assert_eq!(e.help.as_deref(), Some("did you mean `Orders`?"));
    let span = e.span.expect("span");
    assert_eq!(span.start, 4);
    let e = r.err("x = Orders[Stauts == 1];");
    assert_eq!(e.message, "form Orders has no field named Stauts");
    assert_eq!(e.help.as_deref(), Some("did you mean `Status`?"));
    assert_eq!(e.span.map(|s| s.start), Some(11));
    let e = r.err("insert into Log [ Mesage = 1 ];");
    assert_eq!(e.help.as_deref(), Some("did you mean `Message`?"));
}

#[test]
fn a_bad_criterion_is_an_error_at_its_span() {
    let (mut r, _) = seeded();
    let src = "x = Orders[Amount + 1];";
    let e = r.err(src);
    assert!(
        e.message.starts_with("cannot read this criterion"),
        "{}",
        e.message
    );
    let span = e.span.expect("span");
    assert_eq!(&src[span.range()], "Amount + 1");
    let e = r.err("x = Orders[Status == \"a\" @ 1];");
    assert!(
        e.message.starts_with("cannot read this criterion"),
        "{}",
        e.message
    );
}

#[test]
fn transaction_rolls_back_a_failing_scripts_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let opts = |transaction| CreatorOptions {
        db: DbLocation::Path(db.clone()),
        config: Some(orders_schema()),
        transaction,
        ..Default::default()
    };
    let mut r = Run::new(opts(true));
    assert!(
        r.run("insert into Log [ Message = \"a\" ];\nx = 1 / 0;")
            .is_err()
    );
    drop(r);
    let mut r = Run::new(opts(true));
    assert_eq!(r.ok("info Log[].count();"), "0\n");
    drop(r);
    // Without --transaction the writes before the failure stay.
    let mut r = Run::new(opts(false));
    assert!(
        r.run("insert into Log [ Message = \"a\" ];\nx = 1 / 0;")
            .is_err()
    );
    drop(r);
    let mut r = Run::new(opts(true));
    assert_eq!(r.ok("info Log[].count();"), "1\n");
}

#[test]
fn input_is_the_submission_and_client_actions_are_recorded() {
    let input =
        crate::value::from_json(&serde_json::json!({"Email": "a@b.c", "Items": [{"Qty": 2}]}));
    let mut r = Run::new(CreatorOptions {
        input: Some(input),
        config: Some(CreatorConfig::default()),
        ..CreatorOptions::in_memory()
    });
    let out = r.ok(r##"info input.Email;
info input.Missing;
input.Total = 5;
info input.Total;
for each row in input.Items { row.Line = row.Qty * 10; }
info input.Items;
alert "Saved " + input.Email;
openUrl("#Page:Home", "same window");
hide Notes;
cancel submit;
input.City:ui.add({"Pune"});
"##);
    assert_eq!(out, "a@b.c\nnull\n5\n{\"Qty\":2,\"Line\":20}\n");
    let actions: Vec<String> = r
        .interp
        .creator()
        .actions()
        .iter()
        .map(|a| format!("{} {}", a.action, a.detail).trim().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "alert Saved a@b.c",
            "openUrl #Page:Home, same window",
            "hide Notes",
            "cancel submit",
            "input.City:ui.add Pune"
        ]
    );
}

#[test]
fn reading_input_fields_is_found_before_running() {
    let p = crate::syntax::parse_program(
        "input.Total = 1;\nif (input.Email != null) { x = Orders[ID == input.ID]; }\ninfo input.Email + input.Total;\nif (true) { input.Seen = input.Seen + 1; }",
    )
    .unwrap();
    // Fields the script sets itself are not asked for.
    assert_eq!(super::input_fields_read(&p), ["Email", "ID"]);
}

#[test]
fn seeds_and_declared_forms_come_from_the_project_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dlg.toml"),
        "[creator.forms.Tasks]\nTitle = \"text\"\nDue = \"date\"\nOwner = { type = \"lookup\", form = \"People\" }\n\n[creator.forms.People]\nName = \"text\"\n\n[creator.seed]\nTasks = \"tasks.json\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tasks.json"),
        r#"[{"Title": "a", "Due": "2026-12-01"}, {"Title": "b", "Due": "2026-12-05"}]"#,
    )
    .unwrap();
    let sub = dir.path().join("src");
    std::fs::create_dir(&sub).unwrap();
    let mut r = Run::new(CreatorOptions {
        db: DbLocation::Memory,
        start_dir: Some(sub),
        ..Default::default()
    });
    assert_eq!(
        r.ok("info Tasks[Due > '2026-12-02'].Title;\ninfo Tasks[].count();"),
        "b\n2\n"
    );
    let e = r.err("x = Task[ID == 1];");
    assert_eq!(e.help.as_deref(), Some("did you mean `Tasks`?"));
}

#[test]
fn fetched_records_read_like_maps() {
    let (mut r, _) = seeded();
    assert_eq!(
        r.ok("o = Orders[Quantity == 2];\ninfo o.get(0).get(\"Amount\");\ninfo o.Amount;\nm = o.get(0);\ninfo m.Status;"),
        "90\n90\nOpen\n"
    );
    let _ = Value::Null;
}
