//! Command-line front end: one file per subcommand.

mod auth;
mod builtins_cmd;
pub mod check;
pub mod color;
mod completions;
mod connections;
mod creator;
mod fixtures;
mod fmt;
mod init;
mod lsp;
mod repl;
pub mod report;
pub mod run;
mod run_args;
mod test;
mod test_watch;
mod version;

use crate::code::Code;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

pub use run::parse_arg_value;

#[derive(Parser, Debug)]
#[command(
    name = "dlg",
    version = version::SHORT,
    long_version = version::LONG,
    about = "Run Zoho Deluge scripts locally",
    long_about = "Run Zoho Deluge scripts on your machine or in CI: the language, invokeurl over named OAuth connections, offline HTTP mocks, and a REPL.",
    after_help = "EXAMPLES:
  dlg run script.dg          # or just: dlg script.dg
  dlg check .                # parse every script under the current directory
  dlg fmt --check .          # is everything in Zoho's editor layout?
  dlg repl                   # interactive console
  dlg completions bash       # shell completions

Each command has its own examples and environment variables: dlg help COMMAND."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to use colours: auto (a terminal, unless NO_COLOR is set),
    /// always, or never. CLICOLOR_FORCE / FORCE_COLOR force them in auto.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = color::When::Auto)]
    pub color: color::When,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a script (or `-` for stdin); each `info` prints one line.
    Run(run::RunArgs),
    /// Parse files and directories and report every syntax error.
    Check(check::CheckArgs),
    /// Run tests: `*.test.dg` files and golden cases (NAME.dg + NAME.out/.err).
    Test(test::TestArgs),
    /// List every supported built-in function.
    Builtins(builtins_cmd::BuiltinsArgs),
    /// Interactive console: statements and expressions, variables persist.
    Repl(repl::ReplArgs),
    /// Write a commented dlg.toml (the project file) in the current directory.
    Init(init::InitArgs),
    /// List, test and authorize the connections of connections.toml.
    Connections(connections::ConnectionsArgs),
    /// Connect to Zoho: browser login or Self Client code, token store,
    /// status, revoke, logout.
    Auth(auth::AuthArgs),
    /// Creator records in the local database: import, export, reset.
    Creator(creator::CreatorArgs),
    /// Format scripts in Zoho's editor layout (`--check` for CI, `-` for stdin).
    Fmt(fmt::FmtArgs),
    /// Run a script offline and write a fixture file for every call it made
    /// that no fixture answers, ready to fill in.
    Fixtures(fixtures::FixturesArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Language Server for editors, on stdin/stdout (see docs/editor.md).
    Lsp(lsp::LspArgs),
    /// Show the version, commit and build date.
    Version,
}

pub use crate::runner::{MAX_DEPTH_LIMIT, RuntimeArgs, parse_now, stack_size_for};

/// Entry point; returns the process exit code (0 ok, 1 script failed, 2 usage).
pub fn main() -> i32 {
    let args = with_run_shortcut(std::env::args_os().collect());
    // Decided before parsing so that clap's own help and errors follow it.
    color::apply(color::from_args(&args));
    let command = match run_args::parse(&args) {
        Some(run) => Command::Run(run),
        None => match Cli::try_parse_from(args) {
            Ok(cli) => cli.command,
            Err(e) => {
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = with_closer_suggestion(e).print();
                return code;
            }
        },
    };
    quiet_broken_pipe();
    // The interpreter and pest recurse on the native stack; give them room.
    let depth = match &command {
        Command::Run(a) => a.runtime.max_depth,
        Command::Fixtures(a) => a.run.runtime.max_depth,
        Command::Repl(a) => a.runtime.max_depth,
        _ => 0,
    };
    let worker = std::thread::Builder::new()
        .name("dlg".into())
        .stack_size(stack_size_for(depth))
        .spawn(move || match command {
            Command::Run(args) => run::run(args),
            Command::Check(args) => check::check(args),
            Command::Test(args) => test::test(args),
            Command::Builtins(args) => builtins_cmd::builtins(args),
            Command::Repl(args) => repl::repl(args),
            Command::Init(args) => init::init(args),
            Command::Connections(args) => connections::connections(args),
            Command::Auth(args) => auth::auth(args),
            Command::Creator(args) => creator::creator(args),
            Command::Fmt(args) => fmt::fmt(args),
            Command::Fixtures(args) => fixtures::fixtures(args),
            Command::Completions(args) => completions::completions(args),
            Command::Lsp(args) => lsp::lsp(args),
            Command::Version => version::print(),
        });
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        // stdout closed by its reader (`dlg builtins | head -1`): quiet, 0.
        Ok(Err(p)) if is_broken_pipe_panic(&*p) => 0,
        _ => {
            eprintln!("dlg: internal error");
            70
        }
    }
}

/// The subcommand names (and `help`), for the `dlg FILE.dg` shortcut
/// without building clap's command tree. A test keeps it equal to [`Cli`].
const SUBCOMMANDS: [&str; 15] = [
    "run",
    "check",
    "test",
    "builtins",
    "repl",
    "init",
    "connections",
    "auth",
    "creator",
    "fmt",
    "fixtures",
    "completions",
    "lsp",
    "version",
    "help",
];

fn is_broken_pipe_panic(p: &(dyn std::any::Any + Send)) -> bool {
    let msg = p
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| p.downcast_ref::<&str>().copied())
        .unwrap_or("");
    msg.contains("failed printing to stdout") && msg.contains("Broken pipe")
}

/// `println!` panics when the reader of stdout has gone; that panic is
/// turned into a quiet exit 0 (see [`main`]), so its message and backtrace
/// are not printed. Every other panic keeps the default report.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_broken_pipe_panic(info.payload()) {
            return;
        }
        default(info);
    }));
}

/// clap suggests a subcommand only above its similarity threshold; for
/// short slips such as `dlg rn` suggest the subcommand one edit away.
fn with_closer_suggestion(e: clap::Error) -> clap::Error {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand || e.get(ContextKind::SuggestedSubcommand).is_some()
    {
        return e;
    }
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand) else {
        return e;
    };
    let mut cmd = Cli::command();
    let close = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .find(|name| strsim::damerau_levenshtein(name, typed) == 1);
    match close {
        Some(name) => cmd.error(
            ErrorKind::InvalidSubcommand,
            format!(
                "unrecognized subcommand '{typed}'\n\n  tip: a similar subcommand exists: '{name}'"
            ),
        ),
        None => e,
    }
}

/// `dlg FILE.dg …` means `dlg run FILE.dg …` (as `deno` and `bun` allow):
/// when the first argument is not a subcommand or an option but names a
/// script (by extension) or an existing file, `run` is inserted.
pub fn with_run_shortcut(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let Some(first) = args.get(1) else {
        return args;
    };
    let first_str = first.to_string_lossy();
    if first_str.starts_with('-') {
        return args;
    }
    if SUBCOMMANDS.contains(&first_str.as_ref()) {
        return args;
    }
    let path = Path::new(first);
    if is_script(path) || path.is_file() {
        args.insert(1, "run".into());
    }
    args
}

/// For a path that does not exist: the closest existing script name in its
/// directory (`scripts/lead_scorng.dg` → `scripts/lead_scoring.dg`).
pub fn near_miss(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut best: Option<(f64, PathBuf)> = None;
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let candidate = entry.file_name();
        let Some(candidate) = candidate.to_str() else {
            continue;
        };
        let p = entry.path();
        if !is_script(&p) && !p.is_dir() {
            continue;
        }
        let score = strsim::jaro_winkler(&name.to_lowercase(), &candidate.to_lowercase());
        if score >= 0.85 && best.as_ref().is_none_or(|(b, _)| score > *b) {
            let shown = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.join(candidate),
                _ => PathBuf::from(candidate),
            };
            best = Some((score, shown));
        }
    }
    best.map(|(_, p)| p)
}

/// Report a usage error (bad flag value, missing file, wrong --arg) as a
/// diagnostic and return exit code 2.
pub(crate) fn usage_error(command: &str, message: impl std::fmt::Display) -> i32 {
    crate::diag::eprint(&usage_diag(command, message));
    2
}

/// Largest script read (a larger file, or an endless device such as
/// `/dev/zero`, is refused with a diagnostic).
pub const MAX_SCRIPT_BYTES: u64 = 32 * 1024 * 1024;

/// Read a script: at most [`MAX_SCRIPT_BYTES`], UTF-8 only. Errors are
/// diagnostics (`deluge::io`, `deluge::limit`, `deluge::encoding`).
pub fn read_script(name: &str, reader: impl std::io::Read) -> Result<String, crate::diag::Diag> {
    use crate::diag::Diag;
    use std::io::Read;
    let mut bytes = Vec::new();
    reader
        .take(MAX_SCRIPT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Diag::new(Code::DelugeIo, format!("cannot read {name}: {e}"))
                .with_help("check the path and its permissions")
        })?;
    if bytes.len() as u64 > MAX_SCRIPT_BYTES {
        return Err(Diag::new(
            Code::DelugeLimit,
            format!(
                "{name} is larger than {} MB; dlg reads scripts up to that size",
                MAX_SCRIPT_BYTES / (1024 * 1024)
            ),
        )
        .with_help("is this really a Deluge script? split it into smaller functions"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let good = String::from_utf8_lossy(&bytes[..at]);
        let line = good.matches('\n').count() + 1;
        let col = good.len() - good.rfind('\n').map_or(0, |i| i + 1) + 1;
        Diag::new(
            Code::DelugeEncoding,
            format!(
                "{name} is not UTF-8 text: invalid byte 0x{:02X} at line {line}, column {col}",
                bytes[at]
            ),
        )
        .with_help(
            "Deluge scripts are UTF-8: re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        )
    })
}

/// What a path is when it is neither a regular file, a directory nor a
/// pipe (`/dev/zero`, `/dev/null`, a socket): such a path never holds a
/// script. Pipes stay readable (`dlg run <(…)`).
fn special_file_kind(path: &Path) -> Option<&'static str> {
    let m = std::fs::metadata(path).ok()?;
    let t = m.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_fifo() {
            return None;
        }
    }
    (!t.is_file() && !t.is_dir()).then_some("not a regular file")
}

/// Read a script file (see [`read_script`]).
pub fn read_script_file(path: &Path) -> Result<String, crate::diag::Diag> {
    let name = path.display().to_string();
    if let Some(kind) = special_file_kind(path) {
        return Err(crate::diag::Diag::new(
            Code::DelugeIo,
            format!("{name} is not a script file: it is {kind}"),
        )
        .with_help("give the path of a .dg file (or `-` to read a script from standard input)"));
    }
    match std::fs::File::open(path) {
        Ok(f) => read_script(&name, f),
        Err(e) => Err(
            crate::diag::Diag::new(Code::DelugeIo, format!("cannot read {name}: {e}"))
                .with_help("check the path and its permissions"),
        ),
    }
}

pub(crate) use crate::runner::usage_diag;

fn is_script(path: &Path) -> bool {
    crate::project::files::file_type_ext(path)
        .is_some_and(|e| crate::project::files::DELUGE_EXTENSIONS.contains(&e.as_str()))
}

/// `--glob` and `--ext` of the commands that walk folders.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct WalkArgs {
    /// Only files matching GLOB (relative to the folder given; a glob
    /// without `/` matches file names), instead of dlg.toml's globs.
    #[arg(long = "glob", value_name = "GLOB")]
    pub globs: Vec<String>,
    /// Only files with these extensions (`--ext ts,txt`); their content
    /// still decides whether they are Deluge.
    #[arg(long = "ext", value_name = "EXT", value_delimiter = ',')]
    pub extensions: Vec<String>,
}

impl WalkArgs {
    fn extensions(&self) -> Vec<String> {
        self.extensions
            .iter()
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect()
    }
}

/// Which files `check` and `fmt` take under `paths`: `--glob`/`--ext` when
/// given, else the globs of the project holding the first path.
pub fn source_selection(
    paths: &[PathBuf],
    walk: &WalkArgs,
) -> Result<crate::project::files::Selection, crate::diag::Diag> {
    use crate::project::files::Selection;
    let extensions = walk.extensions();
    if !walk.globs.is_empty() {
        return Ok(Selection {
            include: walk.globs.clone(),
            extensions,
            ..Selection::default()
        });
    }
    let mut sel = match project_near(paths)? {
        Some(p) => Selection::project_sources(&p),
        None => Selection {
            nested_projects: Some(crate::project::files::Scope::Sources),
            ..Selection::default()
        },
    };
    sel.extensions = extensions;
    Ok(sel)
}

/// The project (dlg.toml) of the first path, if any.
pub fn project_near(
    paths: &[PathBuf],
) -> Result<Option<crate::project::Project>, crate::diag::Diag> {
    let first = paths.first().map(|p| {
        let abs = std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.clone());
        if abs.is_dir() {
            abs
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        }
    });
    crate::project::Project::discover(None, first.as_deref())
}

/// List the files a walk skipped as not Deluge (at most ten, then a count).
pub fn print_skipped(found: &crate::project::files::Found) {
    const SHOWN: usize = 10;
    for (p, why) in found.skipped.iter().take(SHOWN) {
        eprintln!(
            "skipped (not Deluge): {} ({why})",
            crate::project::files::display_path(p)
        );
    }
    if found.skipped.len() > SHOWN {
        eprintln!("… and {} more skipped", found.skipped.len() - SHOWN);
    }
}

/// `N file(s)`.
pub fn files_count(n: usize) -> String {
    format!("{n} {}", if n == 1 { "file" } else { "files" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn subcommand_list_matches_the_parser() {
        let cmd = Cli::command();
        let mut names: Vec<String> = cmd
            .get_subcommands()
            .flat_map(|c| {
                std::iter::once(c.get_name().to_string())
                    .chain(c.get_all_aliases().map(str::to_string))
            })
            .collect();
        names.push("help".into());
        names.sort();
        let mut listed: Vec<String> = SUBCOMMANDS.iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(names, listed);
    }
}
