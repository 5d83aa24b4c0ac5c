//! `dlg completions SHELL`: print a completion script generated from the
//! command definitions (clap_complete), so it never falls behind.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg completions bash > ~/.local/share/bash-completion/completions/dlg
  dlg completions zsh > ~/.zfunc/_dlg        # with fpath+=~/.zfunc before compinit
  dlg completions fish > ~/.config/fish/completions/dlg.fish
  dlg completions powershell >> $PROFILE
  dlg completions elvish >> ~/.config/elvish/rc.elv")]
pub struct CompletionsArgs {
    /// Shell to generate the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn completions(args: CompletionsArgs) -> i32 {
    let mut cmd = super::Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "dlg", &mut out);
    0
}
