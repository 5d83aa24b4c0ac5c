//! The evaluator under small limits (statements, depth, memory): any
//! script that parses ends in a value or an error, never a panic, a hang or
//! an allocation abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: dlg::mem::CountingAlloc = dlg::mem::CountingAlloc;

fn empty_mocks() -> &'static std::path::Path {
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let p = std::env::temp_dir().join(format!("dlg-fuzz-{}.mock.toml", std::process::id()));
        std::fs::write(&p, "").expect("temp file");
        p
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    dlg::mem::enable_counting();
    dlg::mem::set_max_memory(64 * 1024 * 1024);
    let src = src.to_string();
    // The CLI runs scripts on a big stack too.
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            // Parsed on this thread: a program is not Send.
            let Ok(program) = dlg::syntax::parse_program(&src) else {
                return;
            };
            let mut options = dlg::eval::Options {
                max_statements: 2_000,
                max_depth: 20,
                ..dlg::eval::Options::default()
            };
            // No network: every invokeurl is answered by an empty mock set.
            options.http.mock_path = Some(empty_mocks().to_path_buf());
            let mut interp = dlg::eval::Interpreter::new(options, Box::new(std::io::sink()));
            let source = dlg::diag::SourceFile::new("fuzz.dg", src.as_str());
            if program.is_script {
                let _ = interp.run_script(&program, &source);
            } else {
                interp.register_program(&program, &source);
                for f in &program.functions {
                    let args = vec![dlg::value::Value::Int(3); f.params.len()];
                    let _ = interp.call_function(f, &source, args, None);
                }
            }
        })
        .expect("thread")
        .join()
        .expect("no panic");
});
