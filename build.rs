//! Build metadata for `dlg --version`: the git commit (when built from a
//! checkout; `unknown` from a tarball or `cargo install` of a package) and
//! the build date (`SOURCE_DATE_EPOCH` when set, for reproducible builds).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Link the executable non-PIE on Linux x86-64: a position-independent
    // executable spends most of a one-line script's start-up applying
    // dynamic relocations (docs/performance.md).
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if os == "linux" && arch == "x86_64" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-env-changed=DLG_BUILD_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Only ask git when this package is the root of a checkout: a crate
    // unpacked inside some other repository must not report its commit.
    let in_checkout = manifest.join(".git").exists();
    let commit = std::env::var("DLG_BUILD_COMMIT")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            in_checkout
                .then(|| git(&["-C", manifest.to_str()?, "rev-parse", "--short=10", "HEAD"]))
                .flatten()
        })
        .unwrap_or_else(|| "unknown".to_string());
    if in_checkout {
        // Re-run when HEAD moves (a worktree's .git is a file naming its git dir).
        let here = manifest.to_str().unwrap_or(".");
        if let Some(dir) = git(&["-C", here, "rev-parse", "--git-dir"]) {
            println!(
                "cargo:rerun-if-changed={}",
                manifest.join(dir).join("HEAD").display()
            );
        }
        let head_ref = git(&["-C", here, "symbolic-ref", "-q", "HEAD"]);
        let common = git(&["-C", here, "rev-parse", "--git-common-dir"]);
        if let (Some(head_ref), Some(common)) = (head_ref, common) {
            let common = manifest.join(common);
            for file in [common.join(&head_ref), common.join("packed-refs")] {
                if file.exists() {
                    println!("cargo:rerun-if-changed={}", file.display());
                }
            }
        }
    }

    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let target = std::env::var("TARGET").unwrap_or_default();

    println!("cargo:rustc-env=DLG_COMMIT={commit}");
    println!("cargo:rustc-env=DLG_BUILD_DATE={y:04}-{m:02}-{d:02}");
    println!("cargo:rustc-env=DLG_TARGET={target}");
}
