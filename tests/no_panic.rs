//! Robustness: no input may panic the parser or the interpreter. Mutates
//! every golden case (deleting, duplicating and inserting tokens) and also
//! feeds random token soup; each program is parsed and, when it parses, run
//! with small limits and HTTP answered by an empty mock file (never the
//! network). Deterministic: a fixed-seed generator.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dlg::diag::SourceFile;
use dlg::eval::{Interpreter, Options};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "x",
    "y",
    "m",
    "l",
    "=",
    "==",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&&",
    "||",
    "!",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    ":",
    ".",
    "get",
    "put",
    "add",
    "size",
    "toString",
    "info",
    "if",
    "else",
    "for each",
    "in",
    "index",
    "return",
    "break",
    "continue",
    "try",
    "catch",
    "null",
    "true",
    "False",
    "1",
    "0",
    "-1",
    "9223372036854775807",
    "2.5",
    "\"a\"",
    "\"\"",
    "'01-Jan-2024'",
    "Map()",
    "List()",
    "{1,2}",
    "{\"k\":1}",
    "ifnull",
    "isNull",
    "subString",
    "invokeurl",
    "url",
    "type",
    "GET",
    "zoho",
    "currenttime",
    "standalone",
    "Form",
    "insert into",
    "input",
    "\n",
    " ",
];

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "dg")
                && std::fs::metadata(&p)
                    .map(|m| m.len() < 20_000)
                    .unwrap_or(false)
            {
                out.push(p);
            }
        }
    }
}

fn mutate(src: &str, rng: &mut Lcg) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for _ in 0..1 + rng.below(4) {
        if chars.is_empty() {
            break;
        }
        let at = rng.below(chars.len());
        match rng.below(3) {
            0 => {
                let len = 1 + rng.below(8);
                let end = (at + len).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let tok: Vec<char> = TOKENS[rng.below(TOKENS.len())].chars().collect();
                chars.splice(at..at, tok);
            }
            _ => {
                let len = 1 + rng.below(12);
                let end = (at + len).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy);
            }
        }
    }
    chars.into_iter().collect()
}

fn soup(rng: &mut Lcg) -> String {
    let n = 1 + rng.below(40);
    (0..n)
        .map(|_| TOKENS[rng.below(TOKENS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn exercise(src: &str, mock: &Path) {
    let Ok(program) = dlg::syntax::parse_program(src) else {
        return;
    };
    let mut options = Options {
        max_statements: 2_000,
        ..Options::default()
    };
    options.http.mock_path = Some(mock.to_path_buf());
    let mut interp = Interpreter::new(options, Box::new(std::io::sink()));
    let source = SourceFile::new("fuzz.dg", src);
    if program.is_script {
        let _ = interp.run_script(&program, &source);
    } else {
        interp.register_program(&program, &source);
        for f in &program.functions {
            let args = vec![dlg::value::Value::Int(3); f.params.len()];
            let _ = interp.call_function(f, &source, args, None);
        }
    }
}

#[test]
fn mutated_and_random_programs_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let dir = tempfile::tempdir().unwrap();
    let mock = dir.path().join("empty.mock.toml");
    std::fs::write(&mock, "").unwrap();
    let mut rng = Lcg(0x5eed);
    let mut inputs: Vec<String> = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for _ in 0..3 {
            inputs.push(mutate(&text, &mut rng));
        }
    }
    for _ in 0..1500 {
        inputs.push(soup(&mut rng));
    }
    // Run on a big stack, as the CLI does.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let mut failures = Vec::new();
            for input in inputs {
                let ok = catch_unwind(AssertUnwindSafe(|| exercise(&input, &mock))).is_ok();
                if !ok {
                    failures.push(input);
                }
            }
            failures
        })
        .unwrap();
    let failures = handle.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} inputs panicked; first:\n{}",
        failures.len(),
        failures.first().map(String::as_str).unwrap_or("")
    );
}
