//! The mock (fixture) file reader: any text is a mock set or a diagnostic,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("fuzz.mock.toml");
    if let Err(d) = dlg::http::mock::MockSet::parse(path, text) {
        let _ = d.render();
    }
});
