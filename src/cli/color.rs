//! `--color auto|always|never`, applied once for the whole program through
//! `anstream`'s global choice: clap's help and errors, miette diagnostics
//! and the REPL all ask `anstream` (which also honours `NO_COLOR`,
//! `CLICOLOR_FORCE` and `CLICOLOR`). `FORCE_COLOR` (set by many CI
//! systems, GitHub Actions included, whose logs render colour) counts like
//! `CLICOLOR_FORCE`.

use std::ffi::OsString;

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum When {
    #[default]
    Auto,
    Always,
    Never,
}

/// The `--color` value among raw arguments (the last one wins), before
/// clap has parsed them; `auto` when absent or not understood.
pub fn from_args(args: &[OsString]) -> When {
    let mut when = When::Auto;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = it.next() {
        if arg == "--" {
            break;
        }
        let value = if arg == "--color" {
            it.next().map(|v| v.into_owned())
        } else {
            arg.strip_prefix("--color=").map(str::to_string)
        };
        match value.as_deref() {
            Some("always") => when = When::Always,
            Some("never") => when = When::Never,
            Some("auto") => when = When::Auto,
            _ => {}
        }
    }
    when
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The effective choice: an explicit `always`/`never` wins; in `auto`,
/// `NO_COLOR` turns colours off, then `CLICOLOR_FORCE`/`FORCE_COLOR` on.
pub fn resolve(when: When) -> anstream::ColorChoice {
    match when {
        When::Always => anstream::ColorChoice::Always,
        When::Never => anstream::ColorChoice::Never,
        When::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            anstream::ColorChoice::Never
        }
        When::Auto if env_set("FORCE_COLOR") || env_set("CLICOLOR_FORCE") => {
            anstream::ColorChoice::Always
        }
        When::Auto => anstream::ColorChoice::Auto,
    }
}

pub fn apply(when: When) {
    resolve(when).write_global();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_last_color_flag_wins_and_stops_at_double_dash() {
        assert_eq!(from_args(&args(&["dlg", "run", "x.dg"])), When::Auto);
        assert_eq!(
            from_args(&args(&["dlg", "--color", "never", "run"])),
            When::Never
        );
        assert_eq!(
            from_args(&args(&["dlg", "--color=never", "check", "--color=always"])),
            When::Always
        );
        assert_eq!(
            from_args(&args(&["dlg", "run", "--", "--color=never"])),
            When::Auto
        );
        assert_eq!(from_args(&args(&["dlg", "--color"])), When::Auto);
    }

    #[test]
    fn explicit_choices_ignore_the_environment() {
        assert_eq!(resolve(When::Always), anstream::ColorChoice::Always);
        assert_eq!(resolve(When::Never), anstream::ColorChoice::Never);
    }
}
