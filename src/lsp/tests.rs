//! Property tests of the message handler: random sessions of malformed
//! frames, unknown methods, garbage documents, random edits and requests
//! at random positions. The property: every request is answered, no
//! handler ever panics (the server counts the panics it catches; any
//! fails the test), and every published diagnostic lies inside its text.

use std::sync::mpsc::{Receiver, channel};

use lsp_server::{Message, Notification, Request, RequestId};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::server::{Outbox, Server, State};
use super::text::LineIndex;
use super::transport::{Frame, parse_body};

/// Cases per property run; each is a session of up to 40 messages.
const CASES: u32 = 300;

fn decode(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn started() -> (Server, Receiver<Vec<u8>>) {
    let (tx, rx) = channel();
    let mut server = Server::new(Outbox(tx));
    server.handle(Message::Request(Request::new(
        RequestId::from(0),
        "initialize".into(),
        json!({"capabilities": {}, "processId": null}),
    )));
    server.handle(Message::Notification(Notification::new(
        "initialized".into(),
        json!({}),
    )));
    (server, rx)
}

/// Pieces documents are made of: real Deluge, its punctuation, and noise.
const PIECES: &[&str] = &[
    "m = Map();\n",
    "m.put(\"a\", 1);\n",
    "l = \"a,b\".toList(\",\");\n",
    "info l.size();\n",
    "if (x > 1)\n{\n",
    "}\n",
    "else\n{\n",
    "for each  r in l\n{\n",
    "return m;\n",
    "r = zoho.crm.getRecordById(\"Leads\", id);\n",
    "resp = invokeurl\n[\n\turl :\"https://x\"\n\ttype :GET\n];\n",
    "int standalone.f(int n)\n{\n",
    "standalone.f(1);\n",
    "try\n{\n",
    "catch (e)\n{\n",
    "/* c",
    "*/",
    "// note\n",
    "\"",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ";",
    ".",
    ",",
    ":",
    "é",
    "😀",
    "\u{0}",
    "\r\n",
    "\t",
    "m.",
    "zoho.",
    "Orders[ID == 1]",
    "input.Name",
    "1.5",
    "-",
    "!",
    "&&",
];

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => ".{0,12}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

#[derive(Debug, Clone)]
enum Action {
    Open(String),
    Change {
        line: u32,
        col: u32,
        len_lines: u32,
        text: String,
    },
    Replace(String),
    Request {
        method: &'static str,
        line: u32,
        col: u32,
    },
    Garbage(Vec<u8>),
    Raw(String),
    Close,
}

const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/signatureHelp",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentSymbol",
    "textDocument/formatting",
    "textDocument/rangeFormatting",
    "textDocument/foldingRange",
    "textDocument/semanticTokens/full",
    "textDocument/codeLens",
    "textDocument/codeAction",
    "no/such/method",
    "initialize",
];

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => document().prop_map(Action::Open),
        4 => (0u32..30, 0u32..80, 0u32..3, document()).prop_map(|(line, col, len_lines, text)| Action::Change { line, col, len_lines, text }),
        1 => document().prop_map(Action::Replace),
        5 => (prop::sample::select(METHODS), 0u32..40, 0u32..100).prop_map(|(method, line, col)| Action::Request { method, line, col }),
        1 => prop::collection::vec(any::<u8>(), 0..60).prop_map(Action::Garbage),
        1 => "\\{\"jsonrpc\":\"2.0\",(\"id\":[0-9.e-]{1,12},)?(\"method\":\"[a-z/$]{0,20}\",)?\"params\":(null|\\[\\]|\\{\\}|[0-9]{1,3}|\"x\")\\}".prop_map(Action::Raw),
        1 => Just(Action::Close),
    ]
}

const URI: &str = "file:///nonexistent-dlg-lsp-test/a.dg";

/// Run one session; the error says which property broke.
fn run_session(actions: Vec<Action>) -> Result<(), String> {
    let (mut server, rx) = started();
    let mut version = 1;
    let mut next_id = 1;
    let mut expected: Vec<i32> = Vec::new();
    let mut texts: std::collections::HashMap<i64, String> = Default::default();
    let mut current = String::new();
    for a in actions {
        let msg = match a {
            Action::Open(text) => {
                current = text.clone();
                Some(Message::Notification(Notification::new(
                    "textDocument/didOpen".into(),
                    json!({"textDocument": {"uri": URI, "languageId": "deluge", "version": version, "text": text}}),
                )))
            }
            Action::Change {
                line,
                col,
                len_lines,
                text,
            } => {
                let range = json!({"start": {"line": line, "character": col}, "end": {"line": line + len_lines, "character": col / 2}});
                let change = lsp_types::TextDocumentContentChangeEvent {
                    range: serde_json::from_value(range.clone()).ok(),
                    range_length: None,
                    text: text.clone(),
                };
                super::text::apply_changes(&mut current, vec![change]);
                Some(Message::Notification(Notification::new(
                    "textDocument/didChange".into(),
                    json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"range": range, "text": text}]}),
                )))
            }
            Action::Replace(text) => {
                current = text.clone();
                Some(Message::Notification(Notification::new(
                    "textDocument/didChange".into(),
                    json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": text}]}),
                )))
            }
            Action::Request { method, line, col } => {
                let id = next_id;
                next_id += 1;
                expected.push(id);
                let pos = json!({"line": line, "character": col});
                let params = json!({
                    "textDocument": {"uri": URI},
                    "position": pos,
                    "range": {"start": pos, "end": {"line": line + 2, "character": 0}},
                    "context": {"includeDeclaration": true, "diagnostics": []},
                    "options": {"tabSize": 4, "insertSpaces": false},
                });
                Some(Message::Request(Request::new(
                    RequestId::from(id),
                    method.into(),
                    params,
                )))
            }
            Action::Garbage(bytes) => match parse_body(&bytes) {
                Frame::Message(m) => Some(m),
                _ => None,
            },
            Action::Raw(text) => match parse_body(text.as_bytes()) {
                Frame::Message(m) => Some(m),
                _ => None,
            },
            Action::Close => Some(Message::Notification(Notification::new(
                "textDocument/didClose".into(),
                json!({"textDocument": {"uri": URI}}),
            ))),
        };
        version += 1;
        if let Some(m) = msg {
            server.handle(m);
            server.flush();
        }
        texts.insert(version, current.clone());
        if matches!(server.state(), State::Exited(_)) {
            break;
        }
    }
    if server.panics() > 0 {
        return Err(format!("{} handler panics (see stderr)", server.panics()));
    }
    let mut answered = Vec::new();
    while let Ok(bytes) = rx.try_recv() {
        let v = decode(&bytes);
        if v["error"]["code"] == json!(lsp_server::ErrorCode::InternalError as i32) {
            return Err(format!("a handler panicked: {v}"));
        }
        if let Some(id) = v.get("id").and_then(Value::as_i64)
            && v.get("method").is_none()
        {
            answered.push(id as i32);
        }
        if v["method"] == "textDocument/publishDiagnostics"
            && let Some(text) = v["params"]["version"]
                .as_i64()
                .and_then(|ver| texts.get(&(ver + 1)))
        {
            let lines = LineIndex::new(text);
            for d in v["params"]["diagnostics"].as_array().into_iter().flatten() {
                let end = &d["range"]["end"];
                let line = end["line"].as_u64().unwrap_or(0) as u32;
                let character = end["character"].as_u64().unwrap_or(0) as u32;
                let at = lines.offset(text, lsp_types::Position::new(line, character));
                if lines.position(text, at) != lsp_types::Position::new(line, character) {
                    return Err(format!("diagnostic outside its text: {d}"));
                }
            }
        }
    }
    for id in expected {
        if !answered.contains(&id) {
            return Err(format!("request {id} was not answered"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_never_break_the_server(actions in prop::collection::vec(action(), 1..40)) {
        prop_assert_eq!(run_session(actions), Ok(()));
    }
}

#[test]
fn a_panicking_handler_is_answered_counted_and_fails_the_property() {
    let (mut server, rx) = started();
    server.handle(Message::Request(Request::new(
        RequestId::from(5),
        "test/panic".into(),
        json!({}),
    )));
    assert_eq!(server.panics(), 1);
    let answer = rx
        .try_iter()
        .map(|b| decode(&b))
        .find(|v| v["id"] == 5)
        .unwrap();
    assert_eq!(answer["error"]["code"], json!(-32603));
    // The server goes on.
    server.handle(Message::Request(Request::new(
        RequestId::from(6),
        "shutdown".into(),
        Value::Null,
    )));
    assert_eq!(
        rx.try_iter()
            .map(|b| decode(&b))
            .find(|v| v["id"] == 6)
            .unwrap()["result"],
        Value::Null
    );
}

#[test]
fn a_long_run_of_random_edits_keeps_the_text_in_step() {
    // A fixed-seed stream of edits on a real script, the way typing goes.
    let (mut server, rx) = started();
    let mut text = PIECES[..15].concat();
    server.handle(Message::Notification(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": URI, "languageId": "deluge", "version": 0, "text": text}}),
    )));
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    for version in 1..=500 {
        let line = next(30) as u32;
        let col = next(40) as u32;
        let insert = if next(3) == 0 {
            ""
        } else {
            PIECES[next(PIECES.len() as u64) as usize]
        };
        let range = json!({"start": {"line": line, "character": col}, "end": {"line": line, "character": col + next(4) as u32}});
        super::text::apply_changes(
            &mut text,
            vec![lsp_types::TextDocumentContentChangeEvent {
                range: serde_json::from_value(range.clone()).ok(),
                range_length: None,
                text: insert.into(),
            }],
        );
        server.handle(Message::Notification(Notification::new(
            "textDocument/didChange".into(),
            json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"range": range, "text": insert}]}),
        )));
        // Analyse now and then, as a pause in typing does.
        if version % 10 == 0 {
            server.flush();
        }
    }
    // The server's text equals the model's: its folding ranges are those
    // of exactly that text.
    server.handle(Message::Request(Request::new(
        RequestId::from(1),
        "textDocument/foldingRange".into(),
        json!({"textDocument": {"uri": URI}}),
    )));
    assert_eq!(server.panics(), 0);
    let mut last = Value::Null;
    while let Ok(bytes) = rx.try_recv() {
        let v = decode(&bytes);
        assert_ne!(v["error"]["code"], json!(-32603), "{v}");
        last = v;
    }
    let want = super::folding::folding_ranges(&super::analysis::Analysis::new(text));
    assert_eq!(last["result"], serde_json::to_value(want).unwrap());
}

/// A 2,000-line script in the shape of real ones.
fn long_script() -> String {
    let block = "// Fetch the lead and fill in the deal.\nlead = zoho.crm.getRecordById(\"Leads\", id);\nif (lead.get(\"Email\") != null && lead.get(\"Email\").contains(\"@\"))\n{\n\tdeal = Map();\n\tdeal.put(\"Deal_Name\", lead.get(\"Company\") + \" - \" + today.toString(\"dd-MMM-yyyy\"));\n\tdeal.put(\"Amount\", ifnull(lead.get(\"Annual_Revenue\"), 0) * 0.1);\n\titems = List();\n\tfor each  p in lead.get(\"Products\").toList()\n\t{\n\t\titems.add({\"name\":p,\"qty\":1});\n\t}\n\tdeal.put(\"Items\", items);\n\tresp = zoho.crm.createRecord(\"Deals\", deal);\n\tinfo resp;\n}\nelse\n{\n\tinfo \"no email for \" + id;\n}\n";
    block.repeat(100)
}

/// Time one analysis (parse with recovery, calls, types) of the script,
/// clean and while typing (an unfinished line at the end).
#[test]
#[ignore = "timing figures: run with --release --ignored --nocapture"]
fn timing() {
    let text = long_script();
    assert_eq!(text.lines().count(), 2000);
    for (what, t) in [
        ("clean", text.clone()),
        ("typing `m.` at the end", text.clone() + "m."),
    ] {
        let runs = 20;
        let start = std::time::Instant::now();
        for _ in 0..runs {
            let a = super::analysis::Analysis::new(t.clone());
            assert!(a.program.is_some());
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        println!("2,000 lines, {what}: {ms:.1} ms per analysis");
    }
}

#[test]
fn the_long_script_analyses_without_findings_but_its_argument() {
    let a = super::analysis::Analysis::new(long_script());
    assert!(a.errors.is_empty());
    let ctx = super::context::Ctx::alone(&a);
    let codes: Vec<String> = super::diagnostics::findings(&ctx)
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["lint::script_argument"]);
}

#[test]
fn a_did_you_mean_diagnostic_comes_with_its_quick_fix() {
    let (mut server, rx) = started();
    server.handle(Message::Notification(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": URI, "languageId": "deluge", "version": 1, "text": "m = Map();\nm.putt(\"a\", 1);\n"}}),
    )));
    server.flush();
    let published = rx
        .try_iter()
        .map(|b| decode(&b))
        .find(|v| v["method"] == "textDocument/publishDiagnostics")
        .unwrap();
    let diagnostic = published["params"]["diagnostics"][0].clone();
    assert_eq!(diagnostic["code"], "deluge::unknown_function");
    server.handle(Message::Request(Request::new(
        RequestId::from(9),
        "textDocument/codeAction".into(),
        json!({"textDocument": {"uri": URI}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
    )));
    let answer = rx
        .try_iter()
        .map(|b| decode(&b))
        .find(|v| v["id"] == 9)
        .unwrap();
    let action = &answer["result"][0];
    assert_eq!(action["title"], "Replace with `put`");
    let edit = &action["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(edit["newText"], "put");
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 2}));
}
