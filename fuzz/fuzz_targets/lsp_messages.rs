//! `dlg lsp`'s message handler: any bytes, read as JSON-RPC frames after an
//! `initialize`, are answered without a handler panicking (a caught panic
//! answers InternalError, -32603, which counts as a crash here).
#![no_main]

use std::io::BufReader;
use std::sync::mpsc::channel;

use libfuzzer_sys::fuzz_target;

use dlg::lsp::transport::{Frame, read_frame};
use dlg::lsp::{Outbox, Server, State};

const INIT: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}}"#;

fuzz_target!(|data: &[u8]| {
    let (tx, rx) = channel();
    let mut server = Server::new(Outbox(tx));
    if let Frame::Message(m) = dlg::lsp::transport::parse_body(INIT.as_bytes()) {
        server.handle(m);
    }
    let mut input = BufReader::new(data);
    while let Ok(frame) = read_frame(&mut input) {
        match frame {
            Frame::Eof => break,
            Frame::Malformed { .. } => continue,
            // Runs start this executable: not from the fuzzer.
            Frame::Message(lsp_server::Message::Request(r)) if r.method == "workspace/executeCommand" => {}
            Frame::Message(m) => {
                server.handle(m);
                server.flush();
            }
        }
        if matches!(server.state(), State::Exited(_)) {
            break;
        }
    }
    drop(server);
    for bytes in rx.try_iter() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("\"code\":-32603"), "a handler panicked: {text}");
    }
});
