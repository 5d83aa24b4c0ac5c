//! `dlg lsp`: the Language Server, for editors (see `crate::lsp`).

use clap::Args;

#[derive(Args, Debug)]
#[command(after_help = "EXAMPLES:
  dlg lsp            # speak the Language Server Protocol on stdin/stdout

Editors start it themselves: see docs/editor.md for VS Code (the extension
in editors/vscode), Neovim and Helix. Logs go to stderr.")]
pub struct LspArgs {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

pub fn lsp(_args: LspArgs) -> i32 {
    crate::lsp::serve_stdio()
}
