//! dlg: run Zoho Deluge scripts locally.
//!
//! Pipeline: `syntax` (pest grammar → AST with spans) → `eval` (tree-walking
//! interpreter over slot-resolved variables) → `value` (runtime values and
//! printing) with `builtins` (one table per type). Networking in three
//! layers: `net` (transport) ← `connections` (credentials, tokens) ← `http`
//! (`invokeurl` through named OAuth connections). `code` is the catalogue
//! of diagnostic codes, `diag` the diagnostic type; `cli` and `repl` are the
//! front ends. `tests/architecture.rs` checks that dependencies point down.

// Diagnostics are large but only built on the cold error path.
#![allow(clippy::result_large_err)]

pub mod builtins;
pub mod cli;
pub mod code;
pub mod connections;
pub mod creator;
pub mod diag;
pub mod error;
pub mod eval;
pub mod format;
pub mod http;
pub mod lsp;
pub mod mem;
pub mod natives;
pub mod net;
pub mod project;
pub mod redact;
pub mod repl;
pub mod runner;
pub mod syntax;
pub mod testing;
pub mod value;
