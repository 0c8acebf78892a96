//! METADATA / PKG-INFO bytes into the core-metadata parser: it must never panic, and whatever
//! it accepts has a non-empty name.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(metadata) = tend_inventory::parse_metadata(data, Path::new("METADATA")) {
        assert!(!metadata.display_name.is_empty());
    }
    let text = String::from_utf8_lossy(data);
    let headers = tend_inventory::parse_headers(&text);
    for header in &headers.headers {
        assert!(header.line >= 1);
    }
});
