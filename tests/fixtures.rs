//! Strict call-level fixtures (`[[task]]`, `[[function]]`), `dlg fixtures`
//! scaffolding, `run()`/`records()` in tests, and fixture paths confined
//! to the project. Each rule is shown failing when it should.

use std::path::Path;
use std::process::{Command, Output};

fn dlg_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env_remove("DLG_CONNECTIONS")
        .env_remove("DLG_NOW")
        .output()
        .expect("dlg runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Run dlg in `dir`, check its exit code, and return its output.
fn exits(dir: &Path, args: &[&str], code: i32) -> String {
    let o = dlg_in(dir, args);
    let out = text(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "dlg {}:\n{out}",
        args.join(" ")
    );
    out
}

/// `out` holds `part`.
fn has(out: &str, part: &str) {
    assert!(out.contains(part), "{part:?} missing:\n{out}");
}

/// A project folder (a `dlg.toml` marks its root).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dlg.toml", "");
    dir
}

const LEAD_TASK: &str = r#"
[[task]]
name = "zoho.crm.getRecordById"
args = ["Leads", 5]
returns = { Last_Name = "Rao" }
"#;

#[test]
fn an_unused_task_entry_fails_the_test() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "lead.test.dg",
        "lead = zoho.crm.getRecordById(\"Leads\", 5);\nassertEquals(\"Rao\", lead.get(\"Last_Name\"));\n",
    );
    write(d, "lead.mock.toml", LEAD_TASK);
    exits(d, &["test", "."], 0);
    // One more entry nobody calls: red.
    write(
        d,
        "lead.mock.toml",
        &format!("{LEAD_TASK}\n[[task]]\nname = \"zoho.crm.createRecord\"\nreturns = {{}}\n"),
    );
    let out = exits(d, &["test", "."], 1);
    has(
        &out,
        "mock entry never used: [[task]] zoho.crm.createRecord",
    );
}

#[test]
fn a_caught_unmatched_task_call_fails_the_test_and_names_the_differing_argument() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "stage.test.dg",
        "try {\n  zoho.crm.updateRecord(\"Deals\", 7, {\"Stage\": \"Lost\"});\n} catch (e) {\n  info \"swallowed\";\n}\n",
    );
    write(
        d,
        "stage.mock.toml",
        "[[task]]\nname = \"zoho.crm.updateRecord\"\nargs = [\"Deals\", 7, { Stage = \"Won\" }]\nreturns = { id = 7 }\noptional = true\n",
    );
    let out = exits(d, &["test", "."], 1);
    has(
        &out,
        "unmocked task (fails the test even when the script catches it)",
    );
    has(&out, "closest [[task]] entry: zoho.crm.updateRecord");
    has(&out, "argument 3 key Stage: entry \"Won\", call \"Lost\"");
    // The matching call passes.
    write(
        d,
        "stage.test.dg",
        "r = zoho.crm.updateRecord(\"Deals\", 7, {\"Stage\": \"Won\", \"Amount\": 5});\nassertEquals(7, r.get(\"id\"));\nassertEquals(\"crm\", tasks().get(0).get(\"service\"));\n",
    );
    exits(d, &["test", "."], 0);
}

#[test]
fn task_expect_counts_and_exact_maps_are_enforced() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "twice.mock.toml",
        "[[task]]\nname = \"zoho.crm.getRecordById\"\nreturns = {}\nexpect = { times = 2 }\n\n[[task]]\nname = \"zoho.crm.updateRecord\"\nargs = [\"Deals\", 1, { Stage = \"Won\" }]\nmatch = \"exact\"\nreturns = {}\noptional = true\n",
    );
    write(
        d,
        "twice.test.dg",
        "zoho.crm.getRecordById(\"Leads\", 1);\n",
    );
    let out = text(&dlg_in(d, &["test", "."]));
    has(
        &out,
        "expected 2 call(s) of [[task]] zoho.crm.getRecordById",
    );
    // An extra key breaks an exact match.
    write(
        d,
        "twice.test.dg",
        "zoho.crm.getRecordById(\"Leads\", 1);\nzoho.crm.getRecordById(\"Leads\", 2);\ntry { zoho.crm.updateRecord(\"Deals\", 1, {\"Stage\": \"Won\", \"X\": 1}); } catch (e) { }\n",
    );
    let out = exits(d, &["test", "."], 1);
    has(
        &out,
        "argument 3 key X: not in the entry (match = \"exact\")",
    );
    write(
        d,
        "twice.test.dg",
        "zoho.crm.getRecordById(\"Leads\", 1);\nzoho.crm.getRecordById(\"Leads\", 2);\n",
    );
    exits(d, &["test", "."], 0);
}

#[test]
fn function_stubs_answer_missing_helpers_and_unused_stubs_fail() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "token.test.dg",
        "t = standalone.getToken(\"crm\");\nassertEquals(\"tok-1\", t);\nassertEquals(\"standalone.getToken\", stubs().get(0).get(\"name\"));\n",
    );
    write(
        d,
        "token.mock.toml",
        "[[function]]\nname = \"getToken\"\nargs = [\"crm\"]\nreturns = \"tok-1\"\n",
    );
    exits(d, &["test", "."], 0);
    write(
        d,
        "token.mock.toml",
        "[[function]]\nname = \"getToken\"\nargs = [\"crm\"]\nreturns = \"tok-1\"\n\n[[function]]\nname = \"standalone.notCalled\"\nreturns = 1\n",
    );
    let out = exits(d, &["test", "."], 1);
    has(
        &out,
        "mock entry never used: [[function]] standalone.notCalled",
    );
    // Without the stub the helper is missing: red.
    write(d, "token.mock.toml", "");
    exits(d, &["test", "."], 1);
}

const THREE_CALLS: &str = r#"resp = invokeurl [ url: "https://www.zohoapis.com/crm/v2/Deals/" + id type: GET connection: "crm" ];
for each d in resp.get("data") {
  info d.get("Amount");
}
lead = zoho.crm.getRecordById("Leads", id);
info lead.get("Last_Name");
info standalone.getToken("crm");
"#;

#[test]
fn dlg_fixtures_writes_every_unanswered_call_and_the_filled_file_runs() {
    let dir = project();
    let d = dir.path();
    write(d, "deal.dg", THREE_CALLS);
    // A plain mock run stops at the first call but lists all three.
    write(d, "empty.mock.toml", "");
    let o = dlg_in(
        d,
        &[
            "run",
            "deal.dg",
            "--arg",
            "id=7",
            "--mock",
            "empty.mock.toml",
        ],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    has(&out, "datacenter = \"us\"");
    assert!(!out.contains("datacenter = \"in\""), "{out}");
    for call in [
        "GET https://www.zohoapis.com/crm/v2/Deals/7",
        "task zoho.crm.getRecordById(\"Leads\", 7)",
        "function standalone.getToken(\"crm\")",
    ] {
        assert!(out.contains(call), "{call} missing:\n{out}");
    }
    exits(d, &["fixtures", "deal.dg", "--arg", "id=7"], 0);
    let written = std::fs::read_to_string(d.join("deal.mock.toml")).unwrap();
    has(&written, "[connections.crm]\ndatacenter = \"us\"");
    has(
        &written,
        "url = \"https://www.zohoapis.com/crm/v2/Deals/7\"",
    );
    has(&written, "json = { data = [{ Amount = \"\" }] }");
    has(
        &written,
        "name = \"zoho.crm.getRecordById\"\nargs = [\"Leads\", 7]\nreturns = { Last_Name = \"\" }",
    );
    has(&written, "[[function]]\nname = \"standalone.getToken\"");
    // A second run refuses to overwrite it.
    exits(d, &["fixtures", "deal.dg", "--arg", "id=7"], 2);
    let filled = written
        .replace("Amount = \"\"", "Amount = 500")
        .replace("Last_Name = \"\"", "Last_Name = \"Rao\"")
        .replace(
            "args = [\"crm\"]\nreturns = {}",
            "args = [\"crm\"]\nreturns = \"tok\"",
        );
    write(d, "deal.mock.toml", &filled);
    let o = dlg_in(
        d,
        &[
            "run",
            "deal.dg",
            "--arg",
            "id=7",
            "--mock",
            "deal.mock.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "500\nRao\ntok\n");
}

#[test]
fn dlg_run_warns_about_a_call_the_script_swallowed() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "quiet.dg",
        "try {\n  zoho.crm.getRecordById(\"Leads\", 1);\n} catch (e) {\n}\ninfo \"done\";\n",
    );
    write(d, "quiet.mock.toml", "");
    let out = exits(d, &["run", "quiet.dg", "--mock", "quiet.mock.toml"], 0);
    has(&out, "warning: the script caught the failure of 1 call(s)");
    has(&out, "task zoho.crm.getRecordById(\"Leads\", 1)");
}

#[test]
fn a_test_runs_a_bare_script_with_three_argument_sets_and_checks_its_records() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "flows/order.dg",
        "total = qty * price;\ninsert into Orders [ Customer = who Total = total ];\ninfo who + \": \" + total;\nif(total > 100) { alert \"big\"; }\n",
    );
    let test = r#"cases = {{"who": "A", "qty": 2, "price": 5, "want": "A: 10"}, {"who": "B", "qty": 3, "price": 50, "want": "B: 150"}, {"who": "C", "qty": 1, "price": 1, "want": "C: 1"}};
for each c in cases {
  r = run("flows/order.dg", c);
  assertEquals({c.get("want")}, r.get("info"));
}
assertEquals(3, records("Orders").size());
assertEquals(150, records("Orders", "Total > 100").get(0).get("Total"));
assertEquals("WANT", records("Orders", "Customer == \"A\"").get(0).get("Customer"));
"#;
    write(d, "order.test.dg", test);
    // The last check is wrong on purpose: red, naming the record's value.
    let out = exits(d, &["test", "."], 1);
    has(&out, "expected \"WANT\", actual \"A\"");
    write(d, "order.test.dg", &test.replace("\"WANT\"", "\"A\""));
    exits(d, &["test", "."], 0);
}

#[test]
fn run_in_a_test_fails_on_calls_its_fixtures_do_not_answer() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "f.dg",
        "try { zoho.crm.getRecordById(\"Leads\", 9); } catch (e) { }\ninfo 1;\n",
    );
    write(d, "cases/f.mock.toml", LEAD_TASK);
    write(
        d,
        "f.test.dg",
        "r = run(\"f.dg\", {}, \"cases/f.mock.toml\");\n",
    );
    let out = exits(d, &["test", "f.test.dg"], 1);
    has(&out, "argument 2: entry 5, call 9");
    // A fixture file outside the project is refused.
    write(
        d,
        "f.test.dg",
        "r = run(\"f.dg\", {}, \"/etc/hostname\");\n",
    );
    let out = text(&dlg_in(d, &["test", "f.test.dg"]));
    has(&out, "absolute paths are not allowed");
}

#[test]
fn fixture_files_cannot_name_anything_outside_the_project() {
    let outer = tempfile::tempdir().unwrap();
    write(outer.path(), "secret.txt", "S3CRET-VALUE");
    let d = &outer.path().join("proj");
    write(d, "dlg.toml", "");
    write(d, "answer.json", "{\"ok\": true}");
    write(
        d,
        "t/a.test.dg",
        "r = invokeurl [ url: \"https://www.zohoapis.com/crm/v2/org\" type: GET ];\ninfo r;\n",
    );
    for (key, path) in [
        ("body_file", "/proc/self/environ"),
        ("body_file", "../../secret.txt"),
        ("json_file", "/etc/hostname"),
    ] {
        write(
            d,
            "t/a.mock.toml",
            &format!("[[request]]\nurl = \"*\"\n{key} = \"{path}\"\n"),
        );
        let out = exits(d, &["test", "t"], 1);
        has(&out, "http::mock_file");
        assert!(!out.contains("S3CRET") && !out.contains("PATH="), "{out}");
        // The diagnostic points at the path in the mock file.
        has(&out, &format!("{key} = \"{path}\""));
    }
    write(
        d,
        "t/a.mock.toml",
        "[[task]]\nname = \"zoho.crm.x\"\nreturns_file = \"../../secret.txt\"\n",
    );
    let out = text(&dlg_in(d, &["test", "t"]));
    has(&out, "outside the project");
    assert!(!out.contains("S3CRET"), "{out}");
    // Inside the project, `..` is fine.
    write(
        d,
        "t/a.mock.toml",
        "[[request]]\nurl = \"*\"\njson_file = \"../answer.json\"\n",
    );
    exits(d, &["test", "t"], 0);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), d.join("t/link.txt")).unwrap();
        write(
            d,
            "t/a.mock.toml",
            "[[request]]\nurl = \"*\"\nbody_file = \"link.txt\"\n",
        );
        let out = text(&dlg_in(d, &["test", "t"]));
        has(&out, "outside the project");
        assert!(!out.contains("S3CRET"), "{out}");
    }
}

#[test]
fn a_failing_test_lists_every_call_without_a_fixture_it_can_reach() {
    let dir = project();
    let d = dir.path();
    write(d, "deal.dg", THREE_CALLS);
    write(d, "deal.test.dg", "r = run(\"deal.dg\", {\"id\": 7});\n");
    write(
        d,
        "deal.mock.toml",
        "[[task]]\nname = \"zoho.crm.searchRecords\"\nreturns = []\noptional = true\n",
    );
    let out = exits(d, &["test", "deal.test.dg"], 1);
    assert!(
        out.contains("calls without a fixture this test reaches (4;"),
        "{out}"
    );
    for call in [
        "connection 'crm'",
        "GET https://www.zohoapis.com/crm/v2/Deals/7",
        "task zoho.crm.getRecordById(\"Leads\", 7)",
        "function standalone.getToken(\"crm\")",
    ] {
        assert!(out.contains(call), "{call} missing:\n{out}");
    }
}

#[test]
fn run_passes_its_arguments_as_the_submission_of_a_form_script() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "on_submit.dg",
        "if(input.Quantity > 10) { alert \"bulk order\"; }\ninsert into Orders [ Item = input.Item Quantity = input.Quantity ];\n",
    );
    write(
        d,
        "on_submit.test.dg",
        "small = run(\"on_submit.dg\", {\"Item\": \"pen\", \"Quantity\": 2});\nbig = run(\"on_submit.dg\", {\"Item\": \"ink\", \"Quantity\": 50});\nassertEquals(0, small.get(\"actions\").size());\nassertEquals(\"bulk order\", big.get(\"actions\").get(0).get(\"detail\"));\nassertEquals(2, records(\"Orders\").size());\nassertEquals(\"ink\", records(\"Orders\", \"Quantity > 10\").get(0).get(\"Item\"));\n",
    );
    exits(d, &["test", "."], 0);
}
