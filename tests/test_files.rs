//! `dlg check`/`fmt`/`test` on repositories as they really are (Deluge in
//! `.ts`/`.js`/`.txt`/extension-less files, names with spaces, dlg.toml
//! globs), snapshots that do not depend on the current folder, tests that
//! never reach the network, and the runner's habits (`--list`, `-x`,
//! `FILE::TEST`, `--format json`, `--watch`, annotations).

mod support;

use std::path::{Path, PathBuf};

use support::{FakeServer, dlg_cmd, dlg_in, last_line, stderr, stdout, write};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of scripts/repo_layout in a temporary folder.
fn layout_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("scripts/repo_layout"), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `dlg` without any Zoho credentials in the environment.
fn dlg_offline(dir: &Path, args: &[&str]) -> std::process::Output {
    dlg_cmd(dir, args)
        .env_remove("ZOHO_CLIENT_ID")
        .env_remove("ZOHO_CLIENT_SECRET")
        .env_remove("ZOHO_REFRESH_TOKEN")
        .output()
        .unwrap()
}

#[test]
fn check_finds_deluge_in_every_file_shape_and_counts_what_it_skips() {
    let o = dlg_in(&repo_root(), &["check", "scripts/repo_layout"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        last_line(&stdout(&o)),
        "5 files, 0 failed, 2 files skipped (not Deluge)"
    );
    let err = stderr(&o);
    assert!(
        err.contains(
            "skipped (not Deluge): scripts/repo_layout/web/widget.ts (TypeScript or JavaScript)"
        ),
        "{err}"
    );
    // Every shape is really parsed: a syntax error in each fails the check.
    let tmp = layout_copy();
    let d = tmp.path();
    for file in [
        "Workflows/Deal Won.txt",
        "Workflows/Send Welcome",
        "Workflows/Fetch Account.js",
        "Helper Functions/standalone.discountFor.ts",
    ] {
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        write(d, file, &format!("{text}\nbroken = ;\n"));
        let o = dlg_in(d, &["check", "."]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stdout(&o));
        assert!(stderr(&o).contains(file), "{file}: {}", stderr(&o));
        write(d, file, &text);
    }
    // dlg.toml's `exclude` keeps the broken draft out; without it, it fails.
    let toml = std::fs::read_to_string(d.join("dlg.toml")).unwrap();
    write(
        d,
        "dlg.toml",
        &toml.replace("exclude = [\"**/draft *\"]", ""),
    );
    let o = dlg_in(d, &["check", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("draft Refund.txt"), "{}", stderr(&o));
    write(d, "dlg.toml", &toml);
    // One-off selections: --ext and --glob.
    let o = dlg_in(d, &["check", "--ext", "txt", "."]);
    assert_eq!(last_line(&stdout(&o)), "1 file, 0 failed", "{}", stdout(&o));
    let o = dlg_in(d, &["check", "--glob", "web/*", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no Deluge files found in . (2 files skipped (not Deluge))"),
        "{}",
        stderr(&o)
    );
    // fmt walks the same files.
    let o = dlg_in(d, &["fmt", "--check", "."]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn test_finds_golden_cases_beside_txt_and_extensionless_scripts_without_credentials() {
    let o = dlg_offline(&repo_root(), &["test", "scripts/repo_layout"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    for name in [
        "PASS scripts/repo_layout/Workflows/Deal Won.txt (",
        "PASS scripts/repo_layout/Workflows/Send Welcome (",
        // Answered by its sidecar fixture: crm_conn's ${ZOHO_*} are unset.
        "PASS scripts/repo_layout/Workflows/Fetch Account.js (",
        "PASS scripts/repo_layout/tests/discount.test.ts::testSmallDeal (",
    ] {
        assert!(out.contains(name), "{name}\n{out}");
    }
    assert_eq!(last_line(&out), "6 passed, 0 failed; 1 file not Deluge");
    // The same from inside the folder.
    let o = dlg_offline(&repo_root().join("scripts/repo_layout"), &["test"]);
    assert_eq!(
        last_line(&stdout(&o)),
        "6 passed, 0 failed; 1 file not Deluge"
    );
    // The expectations are really compared.
    let tmp = layout_copy();
    let d = tmp.path();
    write(d, "Workflows/Deal Won.out", "Big Deal: 15% off\n");
    write(d, "Workflows/Fetch Account.out", "Globex\n");
    let o = dlg_offline(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL Workflows/Deal Won.txt ("), "{out}");
    assert!(out.contains("FAIL Workflows/Fetch Account.js ("), "{out}");
    assert_eq!(last_line(&out), "4 passed, 2 failed; 1 file not Deluge");
    // The credentials matter only for a call that reaches the network.
    let o = dlg_offline(
        d,
        &[
            "run",
            "Workflows/Fetch Account.js",
            "--arg",
            "accountId=42",
            "--connections",
            "connections.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("ZOHO_CLIENT_ID"), "{}", stderr(&o));
}

/// A fake Zoho (accounts and API on one port) that counts what reaches it,
/// and a connections file sending `www.zohoapis.in` there.
fn fake_zoho(d: &Path) -> FakeServer {
    let server = FakeServer::start(|r| {
        if r.path().ends_with("/oauth/v2/token") {
            support::token_json("1000.fake-access")
        } else {
            support::json(
                200,
                r#"{"code": 0, "message": "deleted", "data": [{"id": "1"}]}"#,
            )
        }
    });
    write(
        d,
        "connections.toml",
        &format!(
            "[hosts]\n\"accounts.zoho.in\" = \"{0}\"\n\"www.zohoapis.in\" = \"{0}\"\n[connections.books]\ndatacenter = \"in\"\nclient_id = \"1000.CLIENT\"\nclient_secret = \"s3cr3t\"\nrefresh_token = \"1000.refresh\"\n",
            server.url()
        ),
    );
    server
}

#[test]
fn a_test_without_fixtures_never_reaches_the_network() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let server = fake_zoho(d);
    // A statement test, a test function that catches the failure, a golden
    // case and a zoho.* task: none has a fixture file.
    write(
        d,
        "delete.test.dg",
        "r = invokeurl\n[\n\turl :\"https://www.zohoapis.in/books/v3/invoices/1?organization_id=1\"\n\ttype :DELETE\n\tconnection:\"books\"\n];\n",
    );
    write(
        d,
        "caught.test.dg",
        "void testCaught()\n{\n\ttry\n\t{\n\t\tr = invokeurl\n\t\t[\n\t\t\turl :\"https://www.zohoapis.in/books/v3/invoices\"\n\t\t\ttype :GET\n\t\t\tconnection:\"books\"\n\t\t];\n\t}\n\tcatch (e)\n\t{\n\t\tinfo e;\n\t}\n}\n",
    );
    write(
        d,
        "golden.dg",
        "r = zoho.books.getRecords(\"Invoices\", \"1\", Map(), \"books\");\ninfo r;\n",
    );
    write(d, "golden.out", "{}\n");
    let o = dlg_in(d, &["test", "-j", "1"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_eq!(last_line(&out), "0 passed, 3 failed", "{out}");
    assert!(
        out.contains("no fixture answers DELETE https://www.zohoapis.in/books/v3/invoices/1?organization_id=1: the test has no fixture file, and `dlg test` never uses the network"),
        "{out}"
    );
    // It names the fixture file to write, with the call in it.
    assert!(
        out.contains("delete.mock.toml with an entry for it"),
        "{out}"
    );
    assert!(
        out.contains("url = \"https://www.zohoapis.in/books/v3/invoices/1\""),
        "{out}"
    );
    assert!(
        out.contains("https://www.zohoapis.in/books/v3/invoices?organization_id=1"),
        "the task is refused too:\n{out}"
    );
    assert_eq!(server.requests().len(), 0, "{:?}", server.requests());
    // Only --record talks to the service (so the server above would have
    // seen the requests).
    let o = dlg_in(d, &["test", "-j", "1", "--record", "delete.test.dg"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        server.count("/books/v3/invoices/1") == 1,
        "{:?}",
        server.requests()
    );
}

#[test]
fn update_writes_the_same_snapshot_from_any_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    // A folder named `crm`, text with `Left` and `crm` in it, and the error
    // raised in a helper of another folder.
    write(
        root,
        "helpers/fetch.dg",
        "string standalone.fetchLeft(string what)\n{\n\tr = invokeurl\n\t[\n\t\turl :\"https://crm.example.com/crm/Left/\" + what\n\t\ttype :GET\n\t];\n\treturn r;\n}\n",
    );
    write(
        root,
        "crm/cases/left.dg",
        "info \"Left crm in crm/cases\";\nr = standalone.fetchLeft(\"crm\");\n",
    );
    // A new case: its expected code only, for --update to fill in.
    write(root, "crm/cases/left.err", "http::unmocked\n");
    let case = root.join("crm/cases");
    let err_file = case.join("left.err");
    let o = dlg_in(root, &["test", "--update", "crm/cases"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let from_root = std::fs::read(&err_file).unwrap();
    write(root, "crm/cases/left.err", "http::unmocked\n");
    let o = dlg_in(&case, &["test", "--update"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let from_case = std::fs::read(&err_file).unwrap();
    let text = String::from_utf8(from_case.clone()).unwrap();
    assert_eq!(String::from_utf8(from_root).unwrap(), text);
    assert!(text.starts_with("http::unmocked\n"), "{text}");
    assert!(
        text.contains("https://crm.example.com/crm/Left/crm"),
        "{text}"
    );
    assert!(text.contains("at: <root>/helpers/fetch.dg:3:"), "{text}");
    assert!(text.contains("| Left crm in crm/cases\n"), "{text}");
    assert!(
        text.contains("help: create left.mock.toml with an entry"),
        "{text}"
    );
    assert!(!text.contains(&root.display().to_string()), "{text}");
    // The snapshot passes from both places, and still pins the output.
    for dir in [root, case.as_path()] {
        let o = dlg_in(dir, &["test"]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    }
    write(
        root,
        "crm/cases/left.err",
        &text.replace("Left/crm", "Left/hr"),
    );
    let o = dlg_in(root, &["test"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

#[test]
fn a_failure_in_a_helper_is_shown_at_the_helpers_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "lib/calc.dg",
        "int standalone.half(int n)\n{\n\tassert(n % 2 == 0, \"odd\");\n\treturn n / 2;\n}\n",
    );
    write(
        d,
        "tests/half.test.dg",
        "// dlg: --lib ../lib\nvoid testOdd()\n{\n\tinfo standalone.half(3);\n}\n",
    );
    let o = dlg_in(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("--- tests/half.test.dg::testOdd (lib/calc.dg:3)"),
        "{out}"
    );
}

#[test]
fn list_fail_fast_selectors_and_json_events() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "math.test.dg",
        "void testOne()\n{\n\tassertEquals(1, 1);\n}\nvoid testTwo()\n{\n\tassertEquals(2, 3);\n}\n",
    );
    for i in 0..4 {
        write(d, &format!("f{i}.test.dg"), "assert(false, \"no\");\n");
    }
    // --list runs nothing.
    let o = dlg_in(d, &["test", "--list"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "f0.test.dg\nf1.test.dg\nf2.test.dg\nf3.test.dg\nmath.test.dg::testOne\nmath.test.dg::testTwo\n"
    );
    // -x stops after the first failure.
    let o = dlg_in(d, &["test", "-x", "-j", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        last_line(&stdout(&o)),
        "0 passed, 1 failed, 5 not run (--fail-fast)"
    );
    let o = dlg_in(d, &["test", "-j", "1"]);
    assert_eq!(last_line(&stdout(&o)), "1 passed, 5 failed");
    // A test selected by the name the runner prints.
    let o = dlg_in(d, &["test", "math.test.dg::testOne"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(last_line(&stdout(&o)), "1 passed, 0 failed");
    let o = dlg_in(d, &["test", "math.test.dg::testTwo"]);
    assert_eq!(last_line(&stdout(&o)), "0 passed, 1 failed");
    let o = dlg_in(d, &["test", "math.test.dg::testNone"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "has no test `testNone` (its tests: math.test.dg::testOne, math.test.dg::testTwo)"
        ),
        "{}",
        stderr(&o)
    );
    // JSON: one event per line.
    let o = dlg_in(d, &["test", "--format", "json", "-j", "1", "math.test.dg"]);
    let events: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON event per line"))
        .collect();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0]["event"], "started");
    assert_eq!(events[0]["test_count"], 2);
    assert_eq!(events[1]["name"], "math.test.dg::testOne");
    assert_eq!(events[1]["event"], "ok");
    assert_eq!(events[2]["event"], "failed");
    assert_eq!(events[2]["line"], 7);
    assert!(
        events[2]["message"]
            .as_str()
            .unwrap()
            .contains("assertEquals failed")
    );
    assert_eq!(events[3]["type"], "suite");
    assert_eq!(events[3]["event"], "failed");
    assert_eq!(events[3]["passed"], 1);
    assert_eq!(events[3]["failed"], 1);
}

#[test]
fn annotations_use_repository_relative_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(root, "fns/bad.test.dg", "assertEquals(1, 2);\n");
    write(root, "fns/broken.dg", "x = ;\n");
    for (dir, arg) in [(root.to_path_buf(), "./fns"), (root.join("fns"), ".")] {
        let o = dlg_in(&dir, &["test", "--format", "github", arg]);
        assert!(
            stdout(&o).contains("::error file=fns/bad.test.dg,line=1,"),
            "{}",
            stdout(&o)
        );
        let o = dlg_in(&dir, &["check", "--format", "github", arg]);
        assert!(
            stdout(&o).contains("::error file=fns/broken.dg,line=1,col=5,"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn shared_fixtures_fail_a_test_not_a_pseudo_test() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "deal.mock.toml",
        "[[request]]\nurl = \"https://api.example.com/deal\"\njson = { name = \"Big\" }\n[[request]]\nurl = \"https://api.example.com/unused\"\njson = { }\n",
    );
    write(
        d,
        "deal.test.dg",
        "void testA()\n{\n\tr = invokeurl\n\t[\n\t\turl :\"https://api.example.com/deal\"\n\t\ttype :GET\n\t];\n\tassertEquals(\"Big\", r.get(\"name\"));\n}\nvoid testB()\n{\n\tassert(true);\n}\n",
    );
    let o = dlg_in(d, &["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_eq!(last_line(&out), "1 passed, 1 failed", "{out}");
    assert!(out.contains("--- deal.test.dg::testB"), "{out}");
    assert!(
        out.contains("the fixtures shared by the tests of this file"),
        "{out}"
    );
    assert!(out.contains("https://api.example.com/unused"), "{out}");
    // Every entry used: both pass, and there is no third "test".
    write(
        d,
        "deal.mock.toml",
        "[[request]]\nurl = \"https://api.example.com/deal\"\njson = { name = \"Big\" }\n",
    );
    let o = dlg_in(d, &["test"]);
    assert_eq!(
        last_line(&stdout(&o)),
        "2 passed, 0 failed",
        "{}",
        stdout(&o)
    );
    // One test alone is not blamed for the entries of the others.
    write(
        d,
        "deal.mock.toml",
        "[[request]]\nurl = \"https://api.example.com/deal\"\njson = { name = \"Big\" }\n[[request]]\nurl = \"https://api.example.com/unused\"\njson = { }\n",
    );
    let o = dlg_in(d, &["test", "deal.test.dg::testB"]);
    assert_eq!(
        last_line(&stdout(&o)),
        "1 passed, 0 failed",
        "{}",
        stdout(&o)
    );
}

#[test]
fn watch_reruns_the_tests_a_save_affects() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "a.test.dg", "assert(true);\n");
    write(d, "b.test.dg", "assert(true);\n");
    let mut child = dlg_cmd(d, &["test", "--watch", "-j", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |want: &str| -> Vec<String> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
                let done = line == want;
                seen.push(line);
                if done {
                    return seen;
                }
            }
        }
        panic!("no `{want}` within 60 s; saw {seen:?}");
    };
    wait_for("2 passed, 0 failed");
    // Give the watcher time to start, then save a change to b only.
    std::thread::sleep(std::time::Duration::from_millis(800));
    write(d, "b.test.dg", "assert(false, \"broken\");\n");
    let seen = wait_for("0 passed, 1 failed");
    assert!(
        seen.iter().any(|l| l.starts_with("FAIL b.test.dg")),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|l| l.contains("a.test.dg")), "{seen:?}");
    let _ = child.kill();
    let _ = child.wait();
}
