//! Bytes into the OSV record reader, as JSON and as YAML: it must never panic, a position it
//! reports lies inside the input, and whatever it accepts keeps only PyPI entries with at least
//! one of them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tend_advisory::{parse_record, RecordFormat};

fuzz_target!(|data: &[u8]| {
    for format in [RecordFormat::Json, RecordFormat::Yaml] {
        match parse_record(data, format) {
            Ok(Some(advisory)) => assert!(!advisory.affected.is_empty()),
            Ok(None) => {}
            Err(error) => {
                if let Some((line, _)) = error.line_column() {
                    // YAML ends a line at `\n`, `\r\n` or a lone `\r`.
                    let breaks = data
                        .iter()
                        .enumerate()
                        .filter(|(index, byte)| {
                            **byte == b'\n'
                                || (**byte == b'\r' && data.get(index + 1) != Some(&b'\n'))
                        })
                        .count();
                    let lines = breaks + 1;
                    assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
                }
            }
        }
    }
});
