//! Source text → typed AST. Only this module touches pest.

pub mod ast;
mod errors;
mod lower;
pub mod names;
mod parser;
pub mod recover;
pub mod scan;

pub use errors::{SyntaxError, check_nesting, syntax_diag};
pub use lower::{ReplInput, Scope, parse_criteria, parse_program, parse_repl_input};
pub use parser::MAX_NESTING;
pub use recover::{Recovered, parse_recovering, syntax_errors};

#[cfg(test)]
mod tests;
