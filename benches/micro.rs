//! Micro-benchmarks of the engine's hot paths, one small Deluge program
//! each, run in-process through the library (no process start-up, no I/O):
//!
//!     cargo bench --bench micro            # all
//!     cargo bench --bench micro -- call    # names containing "call"
//!
//! Each program repeats one operation N times inside a loop; the report is
//! nanoseconds per operation (best of 5 runs, the loop's own cost
//! included), so a regression on a hot path shows up as a larger number
//! here before it blurs into the whole-program figures of `compare.py`.
//! A plain harness (no criterion) keeps the dependency tree and CI time
//! unchanged; the numbers are steady to a few percent on a quiet machine.

use std::io::Write;
use std::time::{Duration, Instant};

use dlg::diag::SourceFile;
use dlg::eval::{Interpreter, Options};
use dlg::syntax::parse_program;

/// Operations per run: every program below does this many of its operation.
const N: u64 = 1_000_000;

/// (name, what one operation is, program). `N` is substituted for `{N}`.
const CASES: &[(&str, &str, &str)] = &[
    (
        "loop",
        "one empty `for each` iteration",
        "l = leftpad(\"\", 1000).toList(\"\");\nfor each a in l { for each b in l { } }\n",
    ),
    (
        "call",
        "one user-function call `f(n)`",
        "int f(int n) { return n; }\nvoid main() {\n  l = leftpad(\"\", 1000).toList(\"\");\n  for each index a in l { for each index b in l { x = f(b); } }\n}\n",
    ),
    (
        "operator",
        "`t = t + (a * b + 3) % 7`",
        "t = 0;\nl = leftpad(\"\", 1000).toList(\"\");\nfor each index a in l { for each index b in l { t = t + (a * b + 3) % 7; } }\n",
    ),
    (
        "method",
        "a method call on a list `l.size()`",
        "t = 0;\nl = leftpad(\"\", 1000).toList(\"\");\nfor each a in l { for each b in l { t = l.size(); } }\n",
    ),
    (
        "map_put",
        "`m.put(\"k\" + a + b, b)` (1M distinct keys)",
        "m = Map();\nl = leftpad(\"\", 1000).toList(\"\");\nfor each index a in l { for each index b in l { m.put(\"k\" + a + \"-\" + b, b); } }\n",
    ),
    (
        "map_get",
        "`m.get(k)` on a 1000-entry map",
        "m = Map();\nl = leftpad(\"\", 1000).toList(\"\");\nfor each index a in l { m.put(\"k\" + a, a); }\nt = 0;\nfor each index a in l { for each index b in l { t = t + m.get(\"k\" + b); } }\n",
    ),
    (
        "text_append",
        "`s = s + \"x\"` (text grows to 1M)",
        "s = \"\";\nl = leftpad(\"\", 1000).toList(\"\");\nfor each a in l { for each b in l { s = s + \"x\"; } }\n",
    ),
];

fn run_once(src: &str) -> Duration {
    let program = parse_program(src).unwrap_or_else(|e| panic!("bench program: {e:?}"));
    let options = Options {
        max_statements: u64::MAX,
        ..Options::default()
    };
    let mut interp = Interpreter::new(options, Box::new(std::io::sink()));
    let source = SourceFile::new("bench.dg", src);
    let start = Instant::now();
    // A file of functions runs its `main()`; a script runs as a whole.
    let result = match program.functions.iter().find(|f| &*f.name == "main") {
        Some(main) => {
            interp.register_program(&program, &source);
            interp
                .call_function(main, &source, Vec::new(), None)
                .map(|_| ())
        }
        None => interp.run_script(&program, &source),
    };
    if let Err(e) = result {
        panic!("bench program failed: {}", e.message);
    }
    start.elapsed()
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments filter by name.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{:<12} {:>10}  operation", "bench", "ns/op");
    for (name, what, src) in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let best = (0..5).map(|_| run_once(src)).min().expect("five runs");
        let ns = best.as_nanos() as f64 / N as f64;
        let _ = writeln!(out, "{name:<12} {ns:>10.1}  {what}");
    }
}
