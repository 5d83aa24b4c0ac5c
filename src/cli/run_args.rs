//! `dlg run …`, the common command line, parsed without building clap's
//! whole command tree: on a one-line script, clap's setup (twelve
//! subcommands, every option with its help text) was a fifth of the
//! start-up. Each step falls back to the next:
//!
//! 1. [`plain`]: the plainest lines (a script, `--arg`, the two limits,
//!    `--color`) by hand, with clap's exact defaults;
//! 2. [`RunOnly`]: clap with only the `run` subcommand;
//! 3. anything either refuses (help, a mistake, another subcommand) is left
//!    to the full parser, which reports it exactly as before.
//!
//! Tests check that every step agrees with the full parser.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;

use super::color;
use super::run::RunArgs;
use crate::eval::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_STATEMENTS};
use crate::runner::{Format, MAX_DEPTH_LIMIT, RuntimeArgs};

/// `dlg run`'s arguments when `args` (program name first) is a `run`
/// command line that the fast steps accept.
pub(super) fn parse(args: &[OsString]) -> Option<RunArgs> {
    if args.get(1).is_none_or(|a| a != "run") {
        return None;
    }
    plain(&args[2..]).or_else(|| RunOnly::try_parse_from(&args[1..]).ok().map(|r| r.run))
}

/// Only the `run` subcommand, for clap.
#[derive(Parser, Debug)]
#[command(name = "dlg run")]
struct RunOnly {
    #[command(flatten)]
    run: RunArgs,
    /// Global in `Cli`; already applied by [`color::from_args`].
    #[arg(long, value_enum, default_value_t = color::When::Auto)]
    color: color::When,
}

/// A script path plus `--arg NAME=VALUE`, `--max-statements N`,
/// `--max-depth N` and `--color WHEN` (each also as `--opt=value`);
/// `None` for anything else, including what clap would refuse.
fn plain(args: &[OsString]) -> Option<RunArgs> {
    // clap also reads these options from the environment.
    if ["DLG_DEFAULT_CONNECTION", "DLG_CREATOR_DB"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        return None;
    }
    let mut file = None;
    let mut pairs = Vec::new();
    let (mut statements, mut depth, mut color) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.to_str()?;
        if arg == "-" || !arg.starts_with('-') {
            if file.replace(PathBuf::from(arg)).is_some() {
                return None;
            }
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (arg, None),
        };
        let value = match inline {
            Some(v) => v,
            None => it.next()?.to_str()?,
        };
        // Empty values and values that look like options: clap's rules decide.
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        let slot = match name {
            "--arg" => {
                pairs.push(value.to_string());
                continue;
            }
            "--max-statements" => &mut statements,
            "--max-depth" => &mut depth,
            "--color" if matches!(value, "auto" | "always" | "never") => &mut color,
            _ => return None,
        };
        // Given twice: clap's error.
        if slot.replace(value).is_some() {
            return None;
        }
    }
    let number = |v: &str| -> Option<u64> {
        v.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| v.parse().ok())?
    };
    let max_statements = match statements {
        Some(v) => number(v)?,
        None => DEFAULT_MAX_STATEMENTS,
    };
    let max_depth = match depth {
        Some(v) => usize::try_from(number(v)?)
            .ok()
            .filter(|d| (1..=MAX_DEPTH_LIMIT).contains(d))?,
        None => DEFAULT_MAX_DEPTH,
    };
    Some(RunArgs {
        file: file?,
        function: None,
        args: pairs,
        record: None,
        format: Format::Text,
        runtime: RuntimeArgs {
            max_statements,
            max_depth,
            tz: None,
            lib: Vec::new(),
            project: None,
            connections: None,
            mock: None,
            verbose: false,
            trace: None,
            default_connection: None,
            now: None,
            timeout: crate::runner::DEFAULT_TIMEOUT_SECS,
            max_memory: (crate::mem::DEFAULT_MAX_MEMORY >> 20) as u64,
            creator_db: None,
            transaction: false,
            input: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(Into::into).collect()
    }

    fn full(args: &[&str]) -> Option<String> {
        match Cli::try_parse_from(os(args)).ok()?.command {
            Command::Run(r) => Some(format!("{r:?}")),
            _ => None,
        }
    }

    /// Each fast step either declines or gives what the full parser gives.
    #[test]
    fn fast_steps_agree_with_the_full_parser() {
        let lines: &[&[&str]] = &[
            &["dlg", "run", "a.dg"],
            &["dlg", "run", "-"],
            &["dlg", "run", "a.dg", "--arg", "x=1", "--arg", "y={\"a\":1}"],
            &["dlg", "run", "--arg=x=1", "a.dg", "--arg", "y=two words"],
            &[
                "dlg",
                "run",
                "--max-statements",
                "1000000000",
                "--max-depth",
                "100",
                "a.dg",
            ],
            &["dlg", "run", "a.dg", "--max-statements=5", "--max-depth=1"],
            &["dlg", "run", "a.dg", "--max-depth", "100000"],
            &["dlg", "run", "a.dg", "--max-depth", "+5"],
            &["dlg", "run", "--color", "never", "a.dg"],
            &["dlg", "run", "a.dg", "--color=always"],
            &["dlg", "run", "a.dg", "--format", "json"],
            &[
                "dlg",
                "run",
                "a.dg",
                "--mock",
                "m.mock.toml",
                "--function",
                "f",
            ],
            &[
                "dlg",
                "run",
                "--timeout",
                "5",
                "--tz",
                "Asia/Kolkata",
                "a.dg",
            ],
            &[
                "dlg",
                "run",
                "a.dg",
                "--verbose",
                "--lib",
                "lib",
                "--now",
                "2024-01-15",
            ],
        ];
        let mut plain_took = 0;
        for line in lines {
            let want = full(line).expect("the full parser accepts");
            if let Some(p) = plain(&os(line)[2..]) {
                assert_eq!(format!("{p:?}"), want, "plain: {line:?}");
                plain_took += 1;
            }
            let got = parse(&os(line)).expect("the fast path accepts");
            assert_eq!(format!("{got:?}"), want, "{line:?}");
        }
        assert_eq!(plain_took, 9, "the plain lines are parsed by hand");
    }

    /// What the full parser refuses (or answers with help) is never taken.
    #[test]
    fn refusals_are_left_to_the_full_parser() {
        let lines: &[&[&str]] = &[
            &["dlg", "run"],
            &["dlg", "run", "--help"],
            &["dlg", "run", "-h"],
            &["dlg", "run", "a.dg", "b.dg"],
            &["dlg", "run", "a.dg", "--no-such-flag"],
            &["dlg", "run", "a.dg", "--format", "xml"],
            &["dlg", "run", "a.dg", "--max-depth", "0"],
            &["dlg", "run", "a.dg", "--max-depth", "100001"],
            &["dlg", "run", "a.dg", "--max-statements", "-1"],
            &[
                "dlg",
                "run",
                "a.dg",
                "--max-statements",
                "1",
                "--max-statements",
                "2",
            ],
            &["dlg", "run", "a.dg", "--max-statements"],
            &["dlg", "run", "a.dg", "--arg"],
            &["dlg", "run", "a.dg", "--color", "sometimes"],
            &["dlg", "run", "a.dg", "--timeout", "0"],
            &[
                "dlg", "run", "a.dg", "--record", "r.toml", "--mock", "m.toml",
            ],
            &["dlg", "check", "a.dg"],
            &["dlg", "--color", "never", "run", "a.dg"],
        ];
        for line in lines {
            assert!(full(line).is_none() || line[1] != "run", "{line:?}");
            assert!(parse(&os(line)).is_none(), "{line:?}");
        }
    }
}
