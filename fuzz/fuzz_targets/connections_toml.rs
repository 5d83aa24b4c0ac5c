//! The connections-file reader: any text is a parsed file or a diagnostic
//! whose snippet renders (secrets blanked), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("connections.toml");
    match dlg::connections::Connections::parse(path, text) {
        Ok(c) => {
            for name in c.names() {
                let _ = c.resolve(&name, false);
            }
        }
        Err(d) => {
            let _ = d.render();
        }
    }
});
