//! `dlg run` with Creator records, `--input`, `--transaction`, and the
//! `dlg creator import|export|reset|forms` commands.

use std::path::Path;
use std::process::Command;

fn dlg(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("DLG_NOW", "2026-11-30 10:00:00")
        .env_remove("DLG_CREATOR_DB")
        .env_remove("DLG_CONNECTIONS")
        .output()
        .expect("dlg runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SCHEMA: &str = r#"
[creator.forms.Orders]
Status = "text"
Amount = "decimal"
"#;

#[test]
fn the_order_intake_example_runs_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = dlg(
        root,
        &[
            "run",
            "scripts/order_intake/order_intake.dg",
            "--input",
            "scripts/order_intake/input.json",
            "--creator-db",
            ":memory:",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "new order for Asha Rao: 300\nMonitor 300\nDesk 250\nLamp 60\nopen: 3, products: Desk,Chair,Monitor\nlog entries: 1\n"
    );
    // Nothing was written next to the example.
    assert!(!root.join("scripts/order_intake/.dlg").exists());
}

#[test]
fn reading_input_without_a_submission_is_a_usage_error_naming_the_fields() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("v.dg"),
        "input.Seen = true;\nif (input.Email == null) { alert \"no\"; }\ninfo input.Name;\n",
    )
    .unwrap();
    let (code, stdout, stderr) = dlg(dir.path(), &["run", "v.dg"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "reads the form submission (input.Email, input.Name) but no --input was given"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--input FILE.json"), "{stderr}");
    std::fs::write(
        dir.path().join("in.json"),
        r#"{"Email": "a@b.c", "Name": "Asha"}"#,
    )
    .unwrap();
    let (code, stdout, stderr) = dlg(
        dir.path(),
        &["run", "v.dg", "--input", "in.json", "--verbose"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Asha\n");
    // A bad submission file is a usage error too.
    std::fs::write(dir.path().join("bad.json"), "[1]").unwrap();
    let (code, _, stderr) = dlg(dir.path(), &["run", "v.dg", "--input", "bad.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("must be a JSON object"), "{stderr}");
}

#[test]
fn client_actions_show_with_verbose_and_never_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.dg"),
        "alert \"Saved\";\nopenUrl(\"#Page:Home\", \"same window\");\ncancel submit;\nhide Notes;\ninfo \"done\";\n",
    )
    .unwrap();
    let (code, stdout, stderr) = dlg(dir.path(), &["run", "a.dg", "--verbose"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "done\n");
    for line in [
        "creator: alert Saved",
        "creator: openUrl #Page:Home, same window",
        "creator: cancel submit",
        "creator: hide Notes",
    ] {
        assert!(stderr.contains(line), "missing {line}: {stderr}");
    }
    let (code, _, stderr) = dlg(dir.path(), &["run", "a.dg"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("creator:"), "{stderr}");
    // No database is created for a script that touches no records, nor
    // for one that only reads from forms that do not exist yet.
    assert!(!dir.path().join(".dlg").exists());
    std::fs::write(
        dir.path().join("r.dg"),
        "info Orders[ID == 1].count();\ndelete from Orders[ID == 1];\n",
    )
    .unwrap();
    let (code, stdout, stderr) = dlg(dir.path(), &["run", "r.dg"]);
    assert_eq!((code, stdout.as_str()), (0, "0\n"), "{stderr}");
    assert!(
        stderr.contains("form Orders has no records yet"),
        "{stderr}"
    );
    assert!(!dir.path().join(".dlg").exists());
}

#[test]
fn records_persist_in_the_project_database_and_transaction_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dlg.toml"), SCHEMA).unwrap();
    std::fs::create_dir(dir.path().join("flows")).unwrap();
    std::fs::write(
        dir.path().join("flows/add.dg"),
        "id = insert into Orders [ Status = \"Open\" Amount = 120 ];\ninfo Orders[Status == \"Open\"].count();\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("flows/close.dg"),
        "for each o in Orders[Status == \"Open\"] { o.Status = \"Done\"; }\ninfo Orders[Status == \"Done\"].count();\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("flows/fail.dg"),
        "insert into Orders [ Status = \"Open\" Amount = 1 ];\nx = 1 / 0;\n",
    )
    .unwrap();
    assert_eq!(dlg(dir.path(), &["run", "flows/add.dg"]).1, "1\n");
    assert_eq!(dlg(dir.path(), &["run", "flows/add.dg"]).1, "2\n");
    // The database sits next to dlg.toml, wherever dlg runs from.
    assert!(dir.path().join(".dlg/creator.db").is_file());
    assert_eq!(dlg(dir.path(), &["run", "flows/close.dg"]).1, "2\n");
    let (code, _, _) = dlg(dir.path(), &["run", "flows/fail.dg", "--transaction"]);
    assert_eq!(code, 1);
    let (_, out, _) = dlg(dir.path(), &["creator", "export", "Orders"]);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{out}");
    let (code, _, _) = dlg(dir.path(), &["run", "flows/fail.dg"]);
    assert_eq!(code, 1);
    let (_, out, _) = dlg(dir.path(), &["creator", "export", "Orders"]);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3, "{out}");
    assert_eq!(rows[0]["Status"], "Done");
    assert_eq!(rows[0]["Amount"], 120.0);
}

#[test]
fn import_export_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dlg.toml"), SCHEMA).unwrap();
    std::fs::write(
        dir.path().join("orders.csv"),
        "Status,Amount\nOpen,150\nDone,20.5\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("more.json"),
        r#"[{"Status": "Open", "Amount": 99}]"#,
    )
    .unwrap();
    let (code, out, err) = dlg(dir.path(), &["creator", "import", "Orders", "orders.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "imported 2 records into Orders\n");
    let (code, out, _) = dlg(dir.path(), &["creator", "import", "Orders", "more.json"]);
    assert_eq!((code, out.as_str()), (0, "imported 1 record into Orders\n"));
    let (code, out, _) = dlg(dir.path(), &["creator", "export", "Orders"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let amounts: Vec<f64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Amount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, [150.0, 20.5, 99.0]);
    // Unknown form or field of a declared schema: did-you-mean.
    let (code, _, err) = dlg(dir.path(), &["creator", "import", "Order", "more.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `Orders`?"), "{err}");
    std::fs::write(dir.path().join("typo.json"), r#"[{"Stauts": "Open"}]"#).unwrap();
    let (code, _, err) = dlg(dir.path(), &["creator", "import", "Orders", "typo.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `Status`?"), "{err}");
    let (code, out, _) = dlg(dir.path(), &["creator", "forms"]);
    assert_eq!(code, 0);
    assert_eq!(out, "Orders Status:text Amount:decimal\n");
    let (code, out, _) = dlg(dir.path(), &["creator", "reset"]);
    assert_eq!((code, out.as_str()), (0, "creator database reset\n"));
    // After a reset the declared forms are back, empty.
    let (_, out, _) = dlg(dir.path(), &["creator", "export", "Orders"]);
    assert_eq!(out.trim(), "[]");
}

#[test]
fn creator_db_flag_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.dg"),
        "insert into Log [ Message = \"x\" ];\ninfo Log[Message == \"x\"].count();\n",
    )
    .unwrap();
    let (code, out, err) = dlg(dir.path(), &["run", "s.dg", "--creator-db", ":memory:"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1\n");
    // No schema: the form is inferred, with a warning.
    assert!(err.contains("form Log is not declared"), "{err}");
    assert!(!dir.path().join(".dlg").exists());
    let (_, out, _) = dlg(dir.path(), &["run", "s.dg", "--creator-db", "data/x.db"]);
    assert_eq!(out, "1\n");
    let (_, out, _) = dlg(dir.path(), &["run", "s.dg", "--creator-db", "data/x.db"]);
    assert_eq!(out, "2\n");
}
