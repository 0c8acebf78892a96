//! Text into the `pip.conf` and `.netrc` readers: they must never panic, an error's line lies
//! inside the text, and neither a `.netrc` error nor its `Debug` output shows a password.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tend_index::{Netrc, PipConf};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    if let Err(error) = PipConf::parse(text, Path::new("pip.conf")) {
        let _ = error.to_string();
    }

    // A known secret appended as the last machine's password: it must not leak.
    let with_secret = format!("{text}\nmachine fuzz.example login fuzz password Zq9-secret-Zq9\n");
    match Netrc::parse(&with_secret, Path::new(".netrc")) {
        Ok(netrc) => {
            assert!(!format!("{netrc:?}").contains("Zq9-secret-Zq9"));
        }
        Err(error) => {
            assert!(error.line >= 1 && error.line <= lines + 2, "line {}", error.line);
            assert!(!error.to_string().contains("Zq9-secret-Zq9"));
        }
    }
});
