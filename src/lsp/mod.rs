//! `dlg lsp`: a Language Server over stdio, so editors get what dlg knows
//! of Deluge — diagnostics as you type, hover, completion, signature help,
//! navigation across the project's files, formatting, folding, semantic
//! tokens and "Run" code lenses.
//!
//! One concern per file: `transport` (framing), `server` (life cycle and
//! dispatch), `text` (positions and edits), `analysis` (one text's tree,
//! calls and types), `workspace` (the project's files), `context` (what a
//! request sees), then one file per feature. Nothing here runs unless
//! `dlg lsp` is called. Logs go to stderr; stdout carries the protocol only.

mod analysis;
mod completion;
mod context;
mod diagnostics;
mod folding;
mod formatting;
mod hover;
mod lenses;
mod navigation;
mod server;
mod signature;
#[cfg(test)]
mod tests;
mod text;
mod tokens;
pub mod transport;
mod walk;
mod workspace;

use std::io::Write;

pub use server::{Outbox, Server, State};

/// Serve the protocol on stdin/stdout until `exit` or the end of input.
/// Returns the process exit code: 0 after `shutdown` then `exit`, else 1.
pub fn serve_stdio() -> i32 {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let writer = std::thread::Builder::new()
        .name("dlg-lsp-writer".into())
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for frame in rx {
                if out.write_all(&frame).and_then(|_| out.flush()).is_err() {
                    break;
                }
            }
        });
    let Ok(writer) = writer else {
        eprintln!("dlg lsp: cannot start the writer thread");
        return 1;
    };
    let mut server = Server::new(Outbox(tx.clone()));
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::new(stdin.lock());
    let code = loop {
        match transport::read_frame(&mut input) {
            Ok(transport::Frame::Message(msg)) => {
                server.handle(msg);
                if let State::Exited(code) = server.state() {
                    break code;
                }
                // Nothing more read yet: analyse the edits and publish.
                if input.buffer().is_empty() {
                    server.flush();
                }
            }
            Ok(transport::Frame::Malformed { id, code, reason }) => {
                eprintln!("dlg lsp: {reason}");
                let _ = tx.send(transport::encode_error(id, code, &reason));
            }
            Ok(transport::Frame::Eof) => break 1,
            Err(e) => {
                eprintln!("dlg lsp: cannot read stdin: {e}");
                break 1;
            }
        }
    };
    drop(server);
    drop(tx);
    // Runs still going hold a sender; do not wait for them.
    if code == 0 {
        let _ = writer.join();
    }
    code
}
