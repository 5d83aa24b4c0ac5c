//! `dlg test`: discovery, assertions, strict fixtures, reports, exit codes.

mod support;

use std::path::Path;
use std::process::Output;

use support::{dlg_in, last_line, stderr, stdout, write};

const FN_FILE: &str = "int standalone.double(int n)\n{\n\treturn n * 2;\n}\n";

#[test]
fn one_passing_one_failing_file_gives_summary_exit_1_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "double.dg", FN_FILE);
    write(
        d,
        "good.test.dg",
        "assertEquals(4, standalone.double(2));\nassert(standalone.double(0) == 0);\n",
    );
    write(
        d,
        "bad.test.dg",
        "x = standalone.double(3);\nassertEquals(7, x, \"double of 3\");\n",
    );
    let o = dlg_in(d, &["test", "--junit", "junit.xml"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert_eq!(last_line(&out), "1 passed, 1 failed", "{out}");
    assert!(out.contains("PASS good.test.dg ("), "{out}");
    assert!(out.contains("FAIL bad.test.dg ("), "{out}");
    // The failure shows the assertion's message, span and values.
    assert!(
        out.contains("double of 3: assertEquals failed: expected 7, actual 6"),
        "{out}"
    );
    assert!(out.contains("bad.test.dg:2"), "{out}");
    let xml = std::fs::read_to_string(d.join("junit.xml")).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<testsuites name=\"dlg test\" tests=\"2\" failures=\"1\""));
    let bad = xml.find("name=\"bad.test.dg\"").expect("bad test listed");
    let failure = xml[bad..]
        .find("<failure message=")
        .expect("failure element");
    let close = xml[bad..].find("</testcase>").unwrap();
    assert!(failure < close, "the <failure> belongs to bad.test:\n{xml}");
    assert!(xml.contains("name=\"good.test.dg\""));
}

#[test]
fn test_functions_each_run_and_every_assertion_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "double.dg", FN_FILE);
    write(
        d,
        "all.test.dg",
        r#"void testPasses()
{
	assertEquals({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1.0});
	assertContains("hello world", "lo w");
	assertContains({1, 2, 3}, 2);
	assertContains({"a": 1, "b": 2}, {"b": 2});
	m = assertThrows("standalone.double", {"x", "y"}, "takes 1 argument");
	assert(m.contains("2 were given"));
}
void testMapDiff()
{
	assertEquals({"a": 1, "b": 2}, {"a": 1, "b": 3});
}
void testAssertFalse()
{
	assert(1 > 2, "one is not more than two");
}
void testContains()
{
	assertContains({1, 2}, 5);
}
void testThrowsButReturned()
{
	assertThrows("standalone.double", {1});
}
void testCaughtAssertionStillFails()
{
	try
	{
		fail("boom");
	}
	catch (e)
	{
		info "caught";
	}
}
void helperNotATest()
{
	fail("never runs");
}
"#,
    );
    let o = dlg_in(d, &["test", "all.test.dg"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(last_line(&out), "1 passed, 5 failed", "{out}");
    assert!(out.contains("PASS all.test.dg::testPasses"), "{out}");
    assert!(!out.contains("helperNotATest"), "{out}");
    assert!(out.contains("assertEquals failed: values differ"), "{out}");
    assert!(
        out.contains("-   \"b\": 2") && out.contains("+   \"b\": 3"),
        "{out}"
    );
    assert!(
        out.contains("one is not more than two: assertion failed"),
        "{out}"
    );
    assert!(
        out.contains("assertContains failed: [\n  1,\n  2\n] does not contain 5")
            || out.contains("does not contain 5"),
        "{out}"
    );
    assert!(
        out.contains("assertThrows failed: standalone.double(…) returned 2 instead of failing"),
        "{out}"
    );
    assert!(
        out.contains("FAIL all.test.dg::testCaughtAssertionStillFails"),
        "{out}"
    );
    assert!(out.contains("boom"), "{out}");
}

#[test]
fn test_builtins_are_not_available_to_dlg_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.dg", "assert(true);\n");
    let o = dlg_in(dir.path(), &["run", "a.dg"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("function 'assert' is not defined"),
        "{}",
        stderr(&o)
    );
}

const MOCK: &str = r#"
[[request]]
method = "GET"
url = "https://api.example.com/deals/1"
json = { id = 1, name = "Big" }

[[request]]
method = "POST"
url = "https://api.example.com/notes"
request_json = { data = [{ note = "hi" }] }
json = { ok = true }
"#;

#[test]
fn unmocked_request_fails_the_test_even_when_caught() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "caught.mock.toml", MOCK);
    write(
        d,
        "caught.test.dg",
        r#"deal = invokeurl [ url: "https://api.example.com/deals/1" type: GET ];
n = invokeurl [ url: "https://api.example.com/notes" type: POST parameters: {"data": {{"note": "hi", "by": "me"}}}.toString() ];
try
{
	r = invokeurl [ url: "https://api.example.com/deals/2" type: GET ];
}
catch (e)
{
	info "swallowed";
}
"#,
    );
    let o = dlg_in(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL caught.test.dg"), "{out}");
    assert!(out.contains("unmocked request"), "{out}");
    assert!(
        out.contains("no mock for GET https://api.example.com/deals/2"),
        "{out}"
    );
    // Near miss: the closest entry and what differed.
    assert!(
        out.contains("closest mock entry: GET https://api.example.com/deals/1"),
        "{out}"
    );
    assert!(
        out.contains(
            "url: entry https://api.example.com/deals/1, request https://api.example.com/deals/2"
        ),
        "{out}"
    );
}

#[test]
fn unused_entries_and_wrong_counts_fail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "unused.mock.toml", MOCK);
    write(
        d,
        "unused.test.dg",
        "deal = invokeurl [ url: \"https://api.example.com/deals/1\" type: GET ];\nassertEquals(\"Big\", deal.get(\"name\"));\n",
    );
    let o = dlg_in(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("mock entry never used: POST https://api.example.com/notes"),
        "{out}"
    );
    // `optional` entries may stay unused; `expect` counts are enforced.
    write(
        d,
        "unused.mock.toml",
        &MOCK
            .replace(
                "json = { ok = true }",
                "json = { ok = true }\noptional = true",
            )
            .replace(
                "json = { id = 1, name = \"Big\" }",
                "json = { id = 1, name = \"Big\" }\nexpect = { times = 2 }",
            ),
    );
    let o = dlg_in(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("expected 2 call(s) of GET https://api.example.com/deals/1"),
        "{out}"
    );
    assert!(out.contains("got 1"), "{out}");
    assert!(!out.contains("never used"), "{out}");
}

#[test]
fn request_json_subset_recurses_into_lists_and_requests_are_visible() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "notes.mock.toml",
        MOCK.replace(
            "[[request]]\nmethod = \"GET\"",
            "[[request]]\noptional = true\nmethod = \"GET\"",
        )
        .as_str(),
    );
    write(
        d,
        "notes.test.dg",
        r#"body = {"data": {{"note": "hi", "by": "me"}, {"note": "other"}}};
r = invokeurl [ url: "https://api.example.com/notes" type: POST parameters: body.toString() headers: {"X-Trace": "7", "Authorization": "Bearer s3cr3t-value"} ];
assertEquals(true, r.get("ok"));
sent = requests();
assertEquals(1, sent.size());
assertEquals("POST", sent.get(0).get("method"));
assertEquals("me", sent.get(0).get("body").get("data").get(0).get("by"));
assertEquals("7", sent.get(0).get("headers").get("X-Trace"));
assertEquals("<redacted>", sent.get(0).get("headers").get("Authorization"));
"#,
    );
    let o = dlg_in(d, &["test", "--trace", "trace.jsonl"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(last_line(&out), "1 passed, 0 failed");
    let trace = std::fs::read_to_string(d.join("trace.jsonl")).unwrap();
    assert_eq!(trace.lines().count(), 1, "{trace}");
    let line: serde_json::Value = serde_json::from_str(trace.lines().next().unwrap()).unwrap();
    assert_eq!(line["method"], "POST");
    assert_eq!(line["status"], 200);
    assert!(!trace.contains("s3cr3t-value"), "{trace}");
}

#[test]
fn mails_are_captured_for_assertions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mail.test.dg",
        "sendmail [ from: zoho.adminuserid to: \"a@example.com\" subject: \"Hi\" message: \"Body\" ];\nm = mails();\nassertEquals(1, m.size());\nassertEquals(\"a@example.com\", m.get(0).get(\"to\"));\nassertEquals(\"Hi\", m.get(0).get(\"subject\"));\n",
    );
    let o = dlg_in(dir.path(), &["test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stderr(&o).contains("sendmail not sent"), "{}", stderr(&o));
}

#[test]
fn golden_cases_compare_output_and_update_rewrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "greet.dg",
        "// dlg: --arg name=Ann\ninfo \"Hi \" + name;\ninfo zoho.currentdate;\n",
    );
    write(d, "greet.out", "Hi Bob\n15-Jan-2024\n");
    write(d, "broken.dg", "info 1 / 0;\n");
    write(d, "broken.err", "deluge::runtime\nDivision by zero\n");
    let o = dlg_in(d, &["test", "--now", "2024-01-15 10:30:00"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("PASS broken"), "{out}");
    assert!(
        out.contains("- Hi Bob") && out.contains("+ Hi Ann"),
        "{out}"
    );
    let o = dlg_in(d, &["test", "--now", "2024-01-15 10:30:00", "--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("greet.out")).unwrap(),
        "Hi Ann\n15-Jan-2024\n"
    );
    let o = dlg_in(d, &["test", "--now", "2024-01-15 10:30:00"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(last_line(&stdout(&o)), "2 passed, 0 failed");
}

#[test]
fn err_snapshots_pin_the_whole_diagnostic_and_update_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "div.dg", "info \"before\";\ninfo 1 / 0;\n");
    // The legacy form (code and fragments) still passes.
    write(
        d,
        "div.err",
        "deluge::runtime\nDivision by zero\nstdout: before\n",
    );
    let o = dlg_in(d, &["test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = dlg_in(d, &["test", "--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let snapshot = std::fs::read_to_string(d.join("div.err")).unwrap();
    let lines: Vec<&str> = snapshot.lines().collect();
    assert_eq!(lines[0], "deluge::runtime", "{snapshot}");
    assert!(
        lines[1].starts_with("message: ") && lines[1].contains("Division by zero"),
        "{snapshot}"
    );
    assert!(lines.contains(&"at: div.dg:2:6-2:11 here"), "{snapshot}");
    assert!(lines.iter().any(|l| l.starts_with("help: ")), "{snapshot}");
    assert!(snapshot.ends_with("stdout:\n| before\n"), "{snapshot}");
    let o = dlg_in(d, &["test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Any difference in the snapshot (here the column) fails, with a diff.
    write(d, "div.err", &snapshot.replace("2:6-2:11", "2:7-2:11"));
    let o = dlg_in(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("- at: div.dg:2:7-2:11 here") && out.contains("+ at: div.dg:2:6-2:11 here"),
        "{out}"
    );
}

#[test]
fn nothing_collected_is_not_success_and_filter_and_skip_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = dlg_in(d, &["test"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no tests found"), "{}", stderr(&o));
    write(d, "a.test.dg", "assert(true);\n");
    write(d, "b.test.dg", "assert(false);\n");
    write(d, "c.test.dg", "// dlg-test: skip\nassert(false);\n");
    let o = dlg_in(d, &["test", "--filter", "a."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(last_line(&stdout(&o)), "1 passed, 0 failed");
    let o = dlg_in(d, &["test", "--filter", "zzz"]);
    assert_ne!(o.status.code(), Some(0));
    let o = dlg_in(d, &["test"]);
    assert_eq!(last_line(&stdout(&o)), "1 passed, 1 failed, 1 skipped");
}

#[test]
fn parallel_runs_report_in_a_stable_order_and_github_format_annotates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..12 {
        // Earlier files take longer, so completion order differs from
        // report order.
        let n = (12 - i) * 3000;
        write(
            d,
            &format!("t{i:02}.test.dg"),
            &format!(
                "s = 0;\nfor each x in {{1,2,3}} {{ s = s + x; }}\nl = List();\nfor each i in \"x\".repeat({n}).toList(\"\") {{ l.add(i); }}\nassert(s == 6);\n"
            ),
        );
    }
    write(d, "zz_fail.test.dg", "assertEquals(1, 2);\n");
    let names = |o: &Output| -> Vec<String> {
        stdout(o)
            .lines()
            .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL "))
            .map(|l| l.split(" (").next().unwrap().to_string())
            .collect()
    };
    let serial = dlg_in(d, &["test", "-j", "1"]);
    let parallel = dlg_in(d, &["test", "-j", "4", "--format", "github"]);
    assert_eq!(names(&serial), names(&parallel));
    assert_eq!(names(&serial).len(), 13);
    let out = stdout(&parallel);
    // Repository-relative (here: folder-relative) paths, never `./`.
    assert!(
        out.contains("::error file=zz_fail.test.dg,line=1,title=zz_fail.test.dg::"),
        "{out}"
    );
}

#[test]
fn check_can_emit_github_annotations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.dg", "x = ;\n");
    let o = dlg_in(dir.path(), &["check", "--format", "github", "bad.dg"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("::error file=bad.dg,line=1,col=5,title=deluge%3A%3Asyntax::"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn example_suite_runs_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = dlg_in(root, &["test", "scripts/deal_discount"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    // Four tests; the shared fixture check is no test of its own.
    assert_eq!(last_line(&out), "4 passed, 0 failed", "{out}");
}

#[test]
fn record_writes_fixtures_that_replay_offline_without_secrets() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/deals/1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("set-cookie", "sid=cookie-secret-9")
                    .set_body_json(serde_json::json!({"id": 1, "name": "Big", "closed": null})),
            )
            .mount(&server),
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "deal.test.dg",
        &format!(
            "void testName()\n{{\n\tr = invokeurl [ url: \"{}/deals/1\" type: GET headers: {{\"Authorization\": \"Bearer header-secret-7\"}} ];\n\tassertEquals(\"Big\", r.get(\"name\"));\n}}\n",
            server.uri()
        ),
    );
    let o = dlg_in(d, &["test", "--record"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let text = std::fs::read_to_string(d.join("deal.mock.toml")).expect("recording written");
    assert!(text.contains("/deals/1"), "{text}");
    assert!(
        !text.contains("header-secret-7") && !text.contains("cookie-secret-9"),
        "{text}"
    );
    // Offline: the server is gone, the recording answers (and is used).
    drop(server);
    drop(rt);
    let o = dlg_in(d, &["test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        last_line(&stdout(&o)),
        "1 passed, 0 failed",
        "{}",
        stdout(&o)
    );
}

#[test]
fn glob_args_sidecar_bare_calls_and_json_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "double.dg", FN_FILE);
    // Bare-name call of a function in a file next to the test.
    write(d, "check_double.dg", "assertEquals(8, double(4));\n");
    // Golden case with its options in a sidecar instead of a header.
    write(d, "greet.dg", "info \"Hi \" + name;\n");
    write(
        d,
        "greet.args",
        "# the arguments Zoho would pass\n--arg name=Ann\n",
    );
    write(d, "greet.out", "Hi Ann\n");
    // TOML `json` answers keep the key order written.
    write(
        d,
        "order.mock.toml",
        "[[request]]\nurl = \"https://api.example.com/x\"\njson = { zeta = 1, alpha = 2, mid = { b = 1, a = 2 } }\n",
    );
    write(
        d,
        "order.dg",
        "r = invokeurl [ url: \"https://api.example.com/x\" type: GET ];\ninfo r;\n",
    );
    write(
        d,
        "order.out",
        "{\"zeta\":1,\"alpha\":2,\"mid\":{\"b\":1,\"a\":2}}\n",
    );
    let o = dlg_in(d, &["test", "--glob", "check_*.dg"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS check_double.dg ("), "{out}");
    assert!(out.contains("PASS greet.dg ("), "{out}");
    assert!(out.contains("PASS order.dg ("), "{out}");
    assert_eq!(last_line(&out), "3 passed, 0 failed", "{out}");
    // Without the glob, check_double.dg is neither a test nor a golden case.
    let o = dlg_in(d, &["test"]);
    assert_eq!(last_line(&stdout(&o)), "2 passed, 0 failed");
    let o = dlg_in(d, &["test", "--filter", "nothing-matches"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("dlg::no_tests"), "{}", stderr(&o));
}

#[test]
fn golden_cases_may_use_the_other_deluge_extensions() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sub/a.deluge", "info 1 + 1;\n");
    write(dir.path(), "sub/a.out", "2\n");
    write(dir.path(), "b.ds", "info \"b\";\n");
    write(dir.path(), "b.out", "b\n");
    let o = dlg_in(dir.path(), &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("PASS sub/a.deluge (") && out.contains("PASS b.ds ("),
        "{out}"
    );
}
