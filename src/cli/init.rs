//! `dlg init`: write a commented `dlg.toml` (the project file).

use std::path::PathBuf;

use clap::Args;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Directory to write dlg.toml into (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing dlg.toml.
    #[arg(long)]
    pub force: bool,
}

pub fn init(args: InitArgs) -> i32 {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        return super::usage_error("init", format!("{} is not a directory", dir.display()));
    }
    let path = dir.join(crate::project::FILE_NAME);
    if path.exists() && !args.force {
        return super::usage_error(
            "init",
            format!(
                "{} exists already (pass --force to overwrite it)",
                path.display()
            ),
        );
    }
    if let Err(e) = std::fs::write(&path, crate::project::TEMPLATE) {
        return super::usage_error("init", format!("cannot write {}: {e}", path.display()));
    }
    println!("wrote {}", path.display());
    0
}
