//! The runnable examples in `scripts/` print what the README promises.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env_remove("DLG_CONNECTIONS")
        .output()
        .expect("dlg runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn books_invoices_runs_offline_and_prints_the_code() {
    let (code, stdout, stderr) = run(&[
        "run",
        "--mock",
        "scripts/books_invoices.mock.toml",
        "scripts/books_invoices.dg",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "0\n");
}

#[test]
fn lead_scoring_prints_scores() {
    let (code, stdout, stderr) = run(&["run", "scripts/lead_scoring.dg"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "skipping revenue of Das: Cannot convert \"n/a\" to a Decimal: the text must contain only a number\n\
         {\"Rao\":85,\"Iyer\":25,\"Das\":20}\n\
         hot leads: 1\n\
         6503357000077425285\n\
         Rao,Iyer,Das\n"
    );
}

#[test]
fn invoice_summary_function_takes_json_args() {
    let (code, stdout, stderr) = run(&[
        "run",
        "scripts/invoice_summary.dg",
        "--arg",
        r#"invoices=[{"total": 1180.0, "status": "paid", "date": "2026-11-02"}, {"total": 2360.5, "status": "overdue", "date": "2026-11-12"}]"#,
        "--arg",
        "currency=INR",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "invoices: 2\noverdue: #2 since 12 Nov 2026\nINR 3540.5\n"
    );
}

#[test]
fn every_example_parses() {
    let out = run(&["check", "scripts"]);
    assert_eq!(out.0, 0, "{}", out.2);
    assert!(out.1.contains(" 0 failed"), "{}", out.1);
}

#[test]
fn crm_project_finds_its_helpers_fixtures_and_settings_through_dlg_toml() {
    let (code, stdout, stderr) = run(&[
        "run",
        "scripts/crm_project/functions/score_new_lead.dg",
        "--arg",
        "leadId=4876876000000333001",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "Iyer: score 80, phone +919845671234\nupdated at 2024-01-15T10:30:45+05:30\n"
    );
}

#[test]
fn order_review_tests_drive_a_bare_script_with_fixtures_stubs_and_records() {
    let (code, stdout, stderr) = run(&["test", "scripts/order_review"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("PASS scripts/order_review/review_order.test.dg"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    // The same script and fixtures as a plain run.
    let (code, stdout, stderr) = run(&[
        "run",
        "scripts/order_review/review_order.dg",
        "--mock",
        "scripts/order_review/review_order.mock.toml",
        "--creator-db",
        ":memory:",
        "--arg",
        "customer=Bolt",
        "--arg",
        "quantity=2",
        "--arg",
        "unit_price=30",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Bolt (standard): 60\n");
}
