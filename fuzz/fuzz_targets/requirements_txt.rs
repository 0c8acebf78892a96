//! Any text must give a result or an error from the requirements-file reader, never a panic.
//! Includes fail as missing files, so every `-r`/`-c` line exercises the error path too.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tend_inventory::{parse_requirements, ReadContext, SourceError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut context = ReadContext::default();
    context
        .variables
        .insert("TOKEN".to_string(), "s3cr3t".to_string());
    let mut loader = |path: &Path| -> Result<String, SourceError> {
        Err(SourceError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no files when fuzzing"),
        })
    };
    let _ = parse_requirements(text, Path::new("requirements.txt"), &context, &mut loader);
});
