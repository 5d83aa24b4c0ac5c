//! Build script: link the `dlg` executable as non-PIE on Linux x86-64.
//! A position-independent executable spends about two thirds of a one-line
//! script's start-up applying dynamic relocations; a fixed-address one has
//! them resolved at link time (measured in README "Performance").

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if os == "linux" && arch == "x86_64" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=src/build.rs");
}
