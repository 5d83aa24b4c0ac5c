//! `dlg repl`: the interactive console (see `crate::repl`).

use std::io::IsTerminal;

use clap::Args;

use super::RuntimeArgs;
use crate::repl::{Output, Session};

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg repl                                  # interactive; :help lists the commands
  dlg repl --mock api.mock.toml --tz Asia/Kolkata
  printf 'x = 2;\\ninfo x * 3;\\n' | dlg repl  # piped: no prompts, prints 6

ENVIRONMENT:
  DLG_HISTORY             history file (empty: no history); default
                          $XDG_STATE_HOME/dlg/history
  DLG_NOW                 fixed current time, e.g. 2024-01-15 10:30:00
  TZ                      time zone when --tz is not given (default UTC)
  DLG_CONNECTIONS         connections file when --connections is not given
  DLG_DEFAULT_CONNECTION  connection for zoho.* tasks that name none
  DLG_CACHE_DIR           where OAuth access tokens are cached
  NO_COLOR                no colours; CLICOLOR_FORCE / FORCE_COLOR force them")]
pub struct ReplArgs {
    /// Do not read or write the history file.
    #[arg(long)]
    pub no_history: bool,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

pub fn repl(args: ReplArgs) -> i32 {
    let cwd = std::env::current_dir().ok();
    if let Err(e) = args.runtime.options(cwd.as_deref()) {
        return super::usage_error("repl", e);
    }
    let runtime = args.runtime.clone();
    let make_options = Box::new(move || {
        runtime
            .options(cwd.as_deref())
            .expect("options were validated at start-up")
    });
    let out = Output::new(std::io::stdout());
    let err = Output::new(std::io::stderr());
    let mut session = Session::new(make_options, out, err);
    if std::io::stdin().is_terminal() {
        let history = if args.no_history {
            None
        } else {
            crate::repl::history::default_path()
        };
        crate::repl::run_interactive(&mut session, history)
    } else {
        crate::repl::run_piped(&mut session, std::io::stdin().lock())
    }
}
