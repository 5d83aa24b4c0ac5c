//! Projects: `dlg.toml`, helper lookup across a repository (sibling
//! folders, any extension, ambiguity), `--lib` files, `dlg init`, and the
//! settings dlg.toml carries (org variables, time zone, users, default
//! connections).

use std::path::Path;
use std::process::{Command, Output};

fn dlg_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("DLG_NOW", "2024-01-15 10:30:45")
        .env_remove("DLG_CONNECTIONS")
        .env_remove("DLG_PROJECT")
        .env_remove("DLG_DEFAULT_CONNECTION")
        .output()
        .expect("dlg runs")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        out(o),
        err(o)
    );
    out(o)
}

#[test]
fn helper_in_a_sibling_folder_runs_from_the_project_root_without_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "a/main.dg",
        "info standalone.helper(1);\ninfo helper(2);\n",
    );
    write(
        root,
        "b/standalone.helper.ts",
        "int standalone.helper(int n)\n{\n\treturn n + 1;\n}\n",
    );
    // Unrelated files that are not Deluge are skipped.
    write(root, "b/notes.txt", "helper notes (not a function file)");
    write(
        root,
        "node_modules/x/standalone.helper.ts",
        "int helper(int n) { return 0; }",
    );
    let o = dlg_in(root, &["run", "a/main.dg"]);
    assert_eq!(ok(&o), "2\n3\n");
}

#[test]
fn dlg_toml_defines_the_project_from_any_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    write(&root, "dlg.toml", "[project]\nname = \"demo\"\n");
    write(
        &root,
        "functions/crm/main.dg",
        "info automation.addLog(\"x\");\n",
    );
    write(
        &root,
        "Helper Functions/addDeveloperLog.deluge",
        "string automation.addLog(string m)\n{\n\treturn \"log: \" + m;\n}\n",
    );
    // Run from outside the project, with an absolute path.
    let script = root.join("functions/crm/main.dg");
    let o = dlg_in(tmp.path(), &["run", script.to_str().unwrap()]);
    assert_eq!(ok(&o), "log: x\n");
}

#[test]
fn globs_in_dlg_toml_limit_where_helpers_come_from() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "dlg.toml",
        "[project]\nfunctions = [\"lib/**/*.dg\"]\nexclude = [\"lib/old/**\"]\n",
    );
    write(root, "main.dg", "info standalone.pick();\n");
    write(
        root,
        "lib/new/pick.dg",
        "string standalone.pick() { return \"new\"; }",
    );
    write(
        root,
        "lib/old/pick.dg",
        "string standalone.pick() { return \"old\"; }",
    );
    let o = dlg_in(root, &["run", "main.dg"]);
    assert_eq!(ok(&o), "new\n");
}

#[test]
fn two_definitions_are_an_ambiguity_naming_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "dlg.toml", "");
    write(root, "scripts/main.dg", "info standalone.dup();\n");
    write(root, "x/dup.dg", "int standalone.dup() { return 1; }");
    write(root, "y/dup.ds", "int standalone.dup() { return 2; }");
    let o = dlg_in(root, &["run", "scripts/main.dg"]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(e.contains("deluge::ambiguous_function"), "{e}");
    assert!(e.contains("dup.dg") && e.contains("dup.ds"), "{e}");
}

#[test]
fn a_file_next_to_the_script_wins_over_the_rest_of_the_project() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "dlg.toml", "");
    write(root, "a/main.dg", "info standalone.dup();\n");
    write(root, "a/near.dg", "int standalone.dup() { return 1; }");
    write(root, "b/far.dg", "int standalone.dup() { return 2; }");
    let o = dlg_in(root, &["run", "a/main.dg"]);
    assert_eq!(ok(&o), "1\n");
}

#[test]
fn a_bare_body_named_like_the_helper_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "main.dg", "standalone.setUpApiHeaders();\n");
    write(
        root,
        "Helper Functions/standalone.setUpApiHeaders.txt",
        "headers = Map();\nreturn headers;\n",
    );
    let o = dlg_in(root, &["run", "main.dg"]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(e.contains("deluge::unknown_function"), "{e}");
    assert!(e.contains("bare script body"), "{e}");
    assert!(!e.contains("--lib DIR"), "{e}");
}

#[test]
fn lib_accepts_files_and_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "app/main.dg",
        "info standalone.one() + standalone.two();\n",
    );
    write(
        tmp.path(),
        "elsewhere/one.ts",
        "int standalone.one() { return 1; }",
    );
    write(
        tmp.path(),
        "other/two/two.dg",
        "int standalone.two() { return 2; }",
    );
    let app = root.join("app");
    let o = dlg_in(
        &app,
        &[
            "run",
            "main.dg",
            "--lib",
            root.join("elsewhere/one.ts").to_str().unwrap(),
            "--lib",
            root.join("other").to_str().unwrap(),
        ],
    );
    assert_eq!(ok(&o), "3\n");
    let o = dlg_in(&app, &["run", "main.dg", "--lib", "missing.dg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("missing.dg"), "{}", err(&o));
}

#[test]
fn dlg_toml_settings_reach_the_script() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "dlg.toml",
        r#"
[run]
timezone = "Asia/Kolkata"
login_user_id = "jane@example.com"
mock = "offline.mock.toml"

[default_connections]
crm = "crm_conn"

[org_variables]
api_base = "https://example.com/api"
max_items = 25

[creator]
app = "kept for the creator store"
"#,
    );
    write(
        root,
        "offline.mock.toml",
        r#"
[connections.crm_conn]
datacenter = "in"

[[request]]
method = "GET"
url = "https://www.zohoapis.in/crm/v2/Deals/7"
json = { data = [{ id = "7", Deal_Name = "from the default connection" }] }
"#,
    );
    write(
        root,
        "main.dg",
        r#"info zoho.crm.getOrgVariable("api_base");
info zoho.crm.getOrgVariable("max_items") + 1;
info zoho.loginuserid;
info zoho.currenttime.toString("HH:mm");
info zoho.crm.getRecordById("Deals", 7).get("Deal_Name");
"#,
    );
    // DLG_NOW is wall time in the run's zone.
    let o = dlg_in(root, &["run", "main.dg"]);
    assert_eq!(
        ok(&o),
        "https://example.com/api\n26\njane@example.com\n10:30\nfrom the default connection\n"
    );
    // --tz still wins over dlg.toml.
    let o = dlg_in(root, &["run", "main.dg", "--tz", "Nowhere/City"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn dlg_toml_never_holds_secrets_and_typos_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "main.dg", "info 1;\n");
    write(
        root,
        "dlg.toml",
        "[connections.crm]\nrefresh_token = \"s3cr3t-value\"\n",
    );
    let o = dlg_in(root, &["run", "main.dg"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.contains("project::invalid") && e.contains("must not hold secrets"),
        "{e}"
    );
    assert!(!e.contains("s3cr3t-value"), "{e}");
    write(root, "dlg.toml", "[run]\ntimezon = \"UTC\"\n");
    let o = dlg_in(root, &["run", "main.dg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("timezon"), "{}", err(&o));
}

#[test]
fn init_writes_a_commented_project_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let o = dlg_in(root, &["init"]);
    assert_eq!(ok(&o), "wrote ./dlg.toml\n");
    let text = std::fs::read_to_string(root.join("dlg.toml")).unwrap();
    assert!(text.contains("[org_variables]") && text.contains("[default_connections]"));
    let o = dlg_in(root, &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--force"), "{}", err(&o));
    assert_eq!(dlg_in(root, &["init", "--force"]).status.code(), Some(0));
    // The template is a valid project file.
    write(root, "main.dg", "info 1;\n");
    assert_eq!(ok(&dlg_in(root, &["run", "main.dg"])), "1\n");
}

#[test]
fn builtins_lists_integration_tasks_by_service() {
    let tmp = tempfile::tempdir().unwrap();
    let o = dlg_in(tmp.path(), &["builtins", "zoho.crm"]);
    let listing = ok(&o);
    for name in [
        "zoho.crm.getRecordById",
        "zoho.crm.getOrgVariable",
        "zoho.crm.convertLead",
        "zoho.crm.updateRelatedRecord",
        "zoho.crm.v8.searchRecords",
    ] {
        assert!(
            listing.lines().any(|l| l == name),
            "{name} missing:\n{listing}"
        );
    }
    let books = ok(&dlg_in(tmp.path(), &["builtins", "zoho.books"]));
    assert!(books.contains("zoho.books.markStatus"));
    assert!(ok(&dlg_in(tmp.path(), &["builtins", "zoho.desk"])).contains("zoho.desk.getRecords"));
}

#[test]
fn check_parses_the_legacy_invoke_url_call() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "legacy.dg",
        "resp = invokeUrl(\"https://x.example/api\", \"GET\", params, headers, true);\ninvokeUrl(url, \"POST\");\n",
    );
    let o = dlg_in(tmp.path(), &["check", "legacy.dg"]);
    assert!(ok(&o).contains(", 0 failed"), "{}", out(&o));
}
