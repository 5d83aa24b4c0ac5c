//! `dlg lsp` spoken to over stdio, as an editor does: JSON-RPC frames on a
//! small project (`main.dg` calling `standalone.helper(1)`, defined in
//! `Helper Functions/standalone.helper.ts`).
//!
//! Run alone with `cargo test --test lsp`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications read while waiting for a response.
    backlog: Vec<Value>,
    next_id: i64,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dlg"))
            .arg("lsp")
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .env_remove("DLG_PROJECT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dlg lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages: rx,
            backlog: Vec::new(),
            next_id: 1,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, msg: Value) {
        let mut msg = msg;
        msg["jsonrpc"] = json!("2.0");
        self.send_raw(&frame(&msg.to_string()));
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"method": method, "params": params}));
    }

    /// The whole response (result or error) to a new request.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"id": id, "method": method, "params": params}));
        self.response(json!(id))
    }

    fn response(&mut self, id: Value) -> Value {
        loop {
            let m = self
                .messages
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no answer to request {id}"));
            if m.get("id") == Some(&id) && m.get("method").is_none() {
                return m;
            }
            self.backlog.push(m);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// The next notification `method` (read before or now).
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.backlog.iter().position(|m| m["method"] == method) {
            return self.backlog.remove(i)["params"].clone();
        }
        loop {
            let m = self
                .messages
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no {method} notification"));
            if m["method"] == method {
                return m["params"].clone();
            }
            self.backlog.push(m);
        }
    }

    fn initialize(&mut self, root: &Path) -> Value {
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}},
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    fn finish(mut self) -> Option<i32> {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("dlg lsp did not exit");
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::write(root.join("dlg.toml"), "[project]\nname = \"demo\"\n").unwrap();
    std::fs::create_dir_all(root.join("Helper Functions")).unwrap();
    std::fs::write(
        root.join("Helper Functions/standalone.helper.ts"),
        "// One more than n.\nint standalone.helper(int n)\n{\n\treturn n + 1;\n}\n",
    )
    .unwrap();
    (tmp, root)
}

const MAIN: &str = "m = Map();\nm.put(\"a\", 1);\nl = \"a,b\".toList(\",\");\nr = standalone.helper(1);\ninfo r;\ninfo l.size();\n";

fn pos(text: &str, needle: &str, after: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {text}"))
        + after;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

fn labels(completion: &Value) -> Vec<String> {
    let items = completion
        .get("items")
        .or(Some(completion))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn an_editor_session_on_a_small_project() {
    let (_tmp, root) = project();
    let main = root.join("main.dg");
    std::fs::write(&main, MAIN).unwrap();
    let main_uri = uri(&main);
    let mut c = Client::start(&root);

    let init = c.initialize(&root);
    let caps = &init["capabilities"];
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(init["serverInfo"]["name"], "dlg");

    // didOpen with a syntax error: a diagnostic with dlg check's code.
    let broken = MAIN.replace("m.put(\"a\", 1);", "m.put(\"a\", 1;");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main_uri, "languageId": "deluge", "version": 1, "text": broken}}),
    );
    let d = c.notification("textDocument/publishDiagnostics");
    assert_eq!(d["uri"], main_uri.as_str());
    let diags = d["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty(), "{d}");
    assert_eq!(diags[0]["code"], "deluge::syntax");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(diags[0]["range"]["start"]["line"], 1);
    assert!(diags[0]["message"].as_str().unwrap().contains("help:"));

    // didChange (incremental) fixes it: no diagnostics left.
    let at = pos(&broken, "1;", 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": main_uri, "version": 2},
               "contentChanges": [{"range": {"start": at, "end": at}, "text": ")"}]}),
    );
    let d = c.notification("textDocument/publishDiagnostics");
    assert_eq!(d["version"], 2);
    assert_eq!(d["diagnostics"], json!([]), "{d}");

    let doc = json!({"uri": main_uri});
    // Hover on toList: its signature.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": pos(MAIN, "toList", 2)}),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("text.toList(separator?) → list"), "{md}");

    // Hover on helper: its signature and leading comment, from the .ts file.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": pos(MAIN, "helper", 2)}),
    );
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("int standalone.helper(int n)") && md.contains("One more than n."),
        "{md}"
    );

    // Completion after `m.` (a map) lists put; after `zoho.crm.`, getRecordById.
    let with_line = |c: &mut Client, version: i64, line: &str| {
        let end = pos(MAIN, "info l.size();\n", "info l.size();\n".len());
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": main_uri, "version": version},
                   "contentChanges": [{"range": {"start": end, "end": end}, "text": line}]}),
        );
        c.notification("textDocument/publishDiagnostics");
        let after = json!({"line": end["line"], "character": line.len()});
        let items = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": main_uri}, "position": after}),
        );
        // Take the line out again.
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": main_uri, "version": version + 1},
                   "contentChanges": [{"range": {"start": end, "end": after}, "text": ""}]}),
        );
        c.notification("textDocument/publishDiagnostics");
        labels(&items)
    };
    let l = with_line(&mut c, 3, "m.");
    assert!(l.contains(&"put".to_string()), "{l:?}");
    assert!(!l.contains(&"toUpperCase".to_string()), "{l:?}");
    let l = with_line(&mut c, 5, "x = zoho.crm.");
    assert!(l.contains(&"getRecordById".to_string()), "{l:?}");
    let l = with_line(&mut c, 7, "y = standalone.");
    assert!(l.contains(&"helper".to_string()), "{l:?}");

    // Definition of helper: in the .ts file.
    let defs = c.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": pos(MAIN, "helper", 1)}),
    );
    let defs = defs.as_array().unwrap();
    assert_eq!(defs.len(), 1);
    assert!(
        defs[0]["uri"]
            .as_str()
            .unwrap()
            .ends_with("Helper%20Functions/standalone.helper.ts"),
        "{defs:?}"
    );
    assert_eq!(
        defs[0]["range"]["start"],
        json!({"line": 1, "character": 4})
    );

    // References: the definition and the call.
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": doc, "position": pos(MAIN, "helper", 1), "context": {"includeDeclaration": true}}),
    );
    let uris: Vec<&str> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris.len(), 2, "{refs}");
    assert!(uris.contains(&main_uri.as_str()));

    // Formatting: the text dlg fmt makes.
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": doc, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    let edits = edits.as_array().unwrap();
    let mut fmt = Command::new(env!("CARGO_BIN_EXE_dlg"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    fmt.stdin
        .take()
        .unwrap()
        .write_all(MAIN.as_bytes())
        .unwrap();
    let mut want = String::new();
    fmt.stdout
        .take()
        .unwrap()
        .read_to_string(&mut want)
        .unwrap();
    fmt.wait().unwrap();
    if want == MAIN {
        assert!(edits.is_empty());
    } else {
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0]["newText"], want.as_str());
    }

    // Symbols, folding and semantic tokens answer.
    let symbols = c.request("textDocument/documentSymbol", json!({"textDocument": doc}));
    assert!(symbols.as_array().unwrap().iter().any(|s| s["name"] == "m"));
    let tokens = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": doc}),
    );
    assert!(tokens["data"].as_array().unwrap().len() > 20);

    // The Run lens executes the script and answers its info lines.
    let lenses = c.request("textDocument/codeLens", json!({"textDocument": doc}));
    let lens = &lenses.as_array().unwrap()[0]["command"];
    assert_eq!(lens["title"], "▶ Run");
    let result = c.request(
        "workspace/executeCommand",
        json!({"command": lens["command"], "arguments": lens["arguments"]}),
    );
    assert_eq!(result["exitCode"], 0, "{result}");
    assert_eq!(result["info"], json!(["2", "2"]), "{result}");

    assert_eq!(c.finish(), Some(0));
}

#[test]
fn a_run_needing_arguments_gets_them_and_stays_offline() {
    let (_tmp, root) = project();
    let script = root.join("fetch.dg");
    let text = "r = getUrl(\"http://127.0.0.1:9/never\");\ninfo id;\n";
    std::fs::write(&script, text).unwrap();
    let mut c = Client::start(&root);
    c.initialize(&root);
    let script_uri = uri(&script);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": script_uri, "languageId": "deluge", "version": 1, "text": text}}),
    );
    let d = c.notification("textDocument/publishDiagnostics");
    assert_eq!(d["diagnostics"][0]["code"], "lint::script_argument", "{d}");
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": script_uri}}),
    );
    let lens = &lenses[0]["command"];
    assert_eq!(lens["title"], "▶ Run (needs id)");
    let mut args = lens["arguments"].as_array().unwrap().clone();
    args.push(json!({"id": 7}));
    let result = c.request(
        "workspace/executeCommand",
        json!({"command": lens["command"], "arguments": args}),
    );
    // No mock file: an empty one, so the request fails instead of leaving.
    assert_eq!(result["exitCode"], 1, "{result}");
    assert_eq!(
        result["diagnostics"][0]["code"], "http::unmocked",
        "{result}"
    );
    assert_eq!(c.finish(), Some(0));
}

#[test]
fn malformed_input_unknown_methods_and_garbage_never_stop_the_server() {
    let (_tmp, root) = project();
    let mut c = Client::start(&root);
    // Before initialize: requests are refused, not fatal.
    let r = c.call("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002);
    c.initialize(&root);
    c.send_raw(&frame("{this is not json"));
    let r = c.response(Value::Null);
    assert_eq!(r["error"]["code"], -32700);
    c.send_raw(b"Content-Length: nope\r\n\r\n");
    c.send_raw(&frame(r#"{"jsonrpc":"2.0","id":99999999999,"method":"x"}"#));
    let r = c.response(json!(99999999999i64));
    assert_eq!(r["error"]["code"], -32600);
    let r = c.call("no/such/method", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let r = c.call("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(r["error"]["code"], -32602);
    let r = c.call("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere.dg"}, "position": {"line": 0, "character": 0}}));
    assert!(r.get("error").is_none(), "{r}");
    // A garbage document: control characters, unclosed everything.
    let garbage = "\u{0}{{[(\"\n/* ))]]}}} if for each ;;; é😀 zoho.crm.( m.\r\n\t".repeat(50);
    let g_uri = uri(&root.join("garbage.dg"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": g_uri, "languageId": "deluge", "version": 1, "text": garbage}}),
    );
    let d = c.notification("textDocument/publishDiagnostics");
    assert!(!d["diagnostics"].as_array().unwrap().is_empty());
    for method in [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/signatureHelp",
        "textDocument/definition",
    ] {
        // Positions inside, at the end of and past the document.
        for line in [0, 3, 49, 500] {
            let r = c.call(
                method,
                json!({"textDocument": {"uri": g_uri}, "position": {"line": line, "character": 7}}),
            );
            assert!(r.get("error").is_none(), "{method}: {r}");
        }
    }
    let r = c.call(
        "textDocument/references",
        json!({"textDocument": {"uri": g_uri}, "position": {"line": 2, "character": 3}, "context": {"includeDeclaration": true}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    for method in [
        "textDocument/formatting",
        "textDocument/foldingRange",
        "textDocument/semanticTokens/full",
        "textDocument/documentSymbol",
        "textDocument/codeLens",
    ] {
        let r = c.call(method, json!({"textDocument": {"uri": g_uri}, "options": {"tabSize": 4, "insertSpaces": true}}));
        assert!(r.get("error").is_none(), "{method}: {r}");
    }
    assert_eq!(c.finish(), Some(0));
}
