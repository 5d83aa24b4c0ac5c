//! `dlg version` / `dlg --version`: crate version, git commit and build
//! date, filled in by `build.rs` (`unknown` commit outside a checkout).

/// `0.1.0 (3f2a9c1e0b 2026-11-30)`
pub const SHORT: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("DLG_COMMIT"),
    " ",
    env!("DLG_BUILD_DATE"),
    ")"
);

/// `--version` adds the target triple.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("DLG_COMMIT"),
    "\nbuild date: ",
    env!("DLG_BUILD_DATE"),
    "\ntarget: ",
    env!("DLG_TARGET"),
);

pub fn print() -> i32 {
    println!("dlg {LONG}");
    0
}
