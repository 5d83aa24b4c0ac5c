//! `:` commands. They cannot clash with Deluge, where no statement starts
//! with `:`.

use std::io::Write;

use super::{Outcome, Session};
use crate::diag::SourceFile;
use crate::syntax::ReplInput;

/// Command names, for completion.
pub const NAMES: &[&str] = &[
    ":help",
    ":vars",
    ":type",
    ":load",
    ":save",
    ":reset",
    ":connections",
    ":builtins",
    ":quit",
    ":exit",
];

/// Command, arguments: shown by `:help` and as hints.
pub const USAGE: &[(&str, &str)] = &[
    (":help", ""),
    (":vars", ""),
    (":type", " EXPR"),
    (":load", " FILE"),
    (":save", " FILE"),
    (":reset", ""),
    (":connections", ""),
    (":builtins", " [FILTER]"),
    (":quit", ""),
];

const HELP: &str = "\
Enter Deluge statements (`x = 1;`, `info x;`) or an expression to see its value.
An entry continues over several lines while a block, bracket or text is open;
a blank line or Ctrl-C abandons it. Tab completes; Ctrl-R searches history.

  :help              this text
  :vars              variables with their types and values
  :type EXPR         the type of an expression's value
  :load FILE         run a script (or load a file of functions) into the session
  :save FILE         write this session's entries as a script (expressions as info)
  _                  the value of the last expression
  :reset             forget all variables and loaded functions
  :connections       configured connection names
  :builtins [FILTER] built-in functions, optionally filtered
  :quit              leave (also Ctrl-D)";

/// Run one `:` command line.
pub fn run(session: &mut Session, line: &str) -> Outcome {
    let (cmd, arg) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    match cmd.to_ascii_lowercase().as_str() {
        ":help" | ":h" | ":?" => {
            let _ = writeln!(session.out, "{HELP}");
        }
        ":quit" | ":q" | ":exit" => return Outcome::Quit,
        ":vars" => vars(session),
        ":type" | ":t" => type_of(session, arg),
        ":load" | ":l" => load(session, arg),
        ":save" | ":s" => save(session, arg),
        ":reset" => {
            session.reset();
            let _ = writeln!(session.out, "session reset");
        }
        ":connections" => connections(session),
        ":builtins" => {
            let filter = arg.to_ascii_lowercase();
            for name in crate::builtins::listing() {
                if name.to_ascii_lowercase().contains(&filter) {
                    let _ = writeln!(session.out, "{name}");
                }
            }
        }
        other => session.complain(format_args!(
            "unknown command `{other}` (type :help for the list)"
        )),
    }
    Outcome::Continue
}

/// `:save FILE`: the entries that ran, one after another, as a script that
/// `dlg run` replays. Entries that look like secrets are left out.
fn save(session: &mut Session, arg: &str) {
    if arg.is_empty() {
        session.complain(":save takes a file name");
        return;
    }
    let kept: Vec<&String> = session
        .saved
        .iter()
        .filter(|e| !super::history::looks_secret(e))
        .collect();
    let skipped = session.saved.len() - kept.len();
    let mut text = String::new();
    for e in &kept {
        text.push_str(e);
        text.push('\n');
    }
    match std::fs::write(arg, text) {
        Ok(()) => {
            let _ = writeln!(session.out, "saved {} entries to {arg}", kept.len());
            if skipped > 0 {
                let _ = writeln!(
                    session.out,
                    "left out {skipped} entries that look like secrets"
                );
            }
        }
        Err(e) => session.complain(format_args!("cannot write {arg}: {e}")),
    }
}

/// Shorten a value's printed form to one line of at most `max` characters.
pub fn short(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn vars(session: &mut Session) {
    let vars = session.variables();
    if vars.is_empty() {
        let _ = writeln!(session.out, "(no variables)");
        return;
    }
    let width = vars.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, value) in vars {
        let ty = super::type_label(&value);
        let shown = match &value {
            crate::value::Value::Text(s) => format!("\"{}\"", s),
            v => v.to_display(),
        };
        let _ = writeln!(
            session.out,
            "{name:<width$}  {ty:<7}  {}",
            short(&shown, 60)
        );
    }
}

/// Evaluate an expression without keeping new names, and print its type.
fn type_of(session: &mut Session, arg: &str) {
    if arg.is_empty() {
        session.complain("usage: :type EXPR");
        return;
    }
    let source = SourceFile::new("<:type>", arg.to_string());
    let mut scope = session.scope.clone();
    let expr = match crate::syntax::parse_repl_input(arg, &mut scope) {
        Ok(ReplInput::Expression(e)) => e,
        Ok(ReplInput::Statements(_)) => {
            session.complain(":type takes an expression, not a statement");
            return;
        }
        Err(e) => {
            session.report_syntax(&e, &source);
            return;
        }
    };
    let slots = scope.slot_names.len();
    let mut frame = session.frame.clone();
    match session
        .interp
        .eval_expression(&expr, &mut frame, slots, &source)
    {
        Ok(v) => {
            session.interp.flush();
            let _ = writeln!(session.out, "{}", super::type_label(&v));
        }
        Err(e) => {
            session.interp.flush();
            session.report(&e.to_diag());
        }
    }
}

/// Run a script into the session, or register a file's functions.
fn load(session: &mut Session, arg: &str) {
    if arg.is_empty() {
        session.complain("usage: :load FILE");
        return;
    }
    let path = std::path::Path::new(arg);
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            session.complain(format_args!("cannot read {arg}: {e}"));
            return;
        }
    };
    let source = SourceFile::new(arg.to_string(), text.clone());
    match crate::syntax::parse_program(&text) {
        Ok(program) if !program.is_script => {
            session.interp.register_program(&program, &source);
            let names: Vec<String> = program
                .functions
                .iter()
                .map(|f| f.name.to_string())
                .collect();
            for n in &names {
                if !session.functions.contains(n) {
                    session.functions.push(n.clone());
                }
            }
            let _ = writeln!(
                session.out,
                "loaded {} function{}: {}",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            );
        }
        Ok(_) => {
            session.eval_source(&text, arg);
        }
        Err(e) => session.report_syntax(&e, &source),
    }
}

fn connections(session: &mut Session) {
    match session.connection_names() {
        Ok(names) if names.is_empty() => {
            let _ = writeln!(
                session.out,
                "(no connections configured: see --connections or $DLG_CONNECTIONS)"
            );
        }
        Ok(names) => {
            for n in &names {
                let _ = writeln!(session.out, "{n}");
            }
            session.shared.borrow_mut().connections = names;
        }
        Err(d) => session.report(&d),
    }
}
