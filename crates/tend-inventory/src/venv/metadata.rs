//! The core-metadata reader: `METADATA` (dist-info) and `PKG-INFO` (egg-info) files.
//!
//! Both are RFC 822 header blocks as Python's `email` parser reads them: `Name: value` lines,
//! continuation lines that start with a space or tab, headers that may repeat (`Requires-Dist`),
//! and a body after the first blank line (the long description, never read). A line that is not
//! a header ends the block, as it does for `email.parser` (and so for `importlib.metadata` and
//! pip), so such a file keeps whatever headers came before it.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;

use tend_model::{
    Code, Diagnostic, DistVersion, ExtraName, Location, PackageName, Requirement, Severity,
    VersionSpecifiers,
};

/// The fields of a core-metadata file that tend uses, parsed into typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// The name as the file spells it (`Flask-Login`).
    pub display_name: String,
    pub name: PackageName,
    pub version: DistVersion,
    /// `Requires-Dist`, in file order; rows that do not parse are left out with a diagnostic.
    pub requires_dist: Vec<Requirement>,
    pub requires_python: Option<VersionSpecifiers>,
    pub provides_extra: Vec<ExtraName>,
    /// Problems that did not stop the file being read (a bad `Requires-Dist` row, non-UTF-8
    /// bytes, a line that ended the headers early).
    pub diagnostics: Vec<Diagnostic>,
}

/// A core-metadata file without the two fields every distribution must have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("{}: no `{field}` header", path.display())]
    MissingField {
        path: std::path::PathBuf,
        field: &'static str,
    },
    #[error("{location}: `{value}` is not a valid package name")]
    InvalidName { location: Location, value: String },
}

/// One header as written: its name, its unfolded value, and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
    /// 1-based line of the header's first line.
    pub line: usize,
}

/// The header block of an RFC 822 text, and the line that ended it early when one did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers<'a> {
    pub headers: Vec<Header<'a>>,
    /// A line in the header block that is not a header: it and everything after it are the
    /// body, as Python's `email` parser decides.
    pub stray_line: Option<usize>,
}

impl<'a> Headers<'a> {
    /// The first value of a header, compared without case (`email.message.Message.get`).
    pub fn first(&self, name: &str) -> Option<&Header<'a>> {
        self.headers
            .iter()
            .find(|header| header.name.eq_ignore_ascii_case(name))
    }

    /// Every value of a header, in file order (`Message.get_all`).
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Header<'a>> + 's {
        self.headers
            .iter()
            .filter(move |header| header.name.eq_ignore_ascii_case(name))
    }
}

/// Whether `name` can be a header name: printable ASCII without spaces or colons, the set
/// `email.feedparser` accepts.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| (0x21..=0x7E).contains(&byte) && byte != b':')
}

/// Splits the header block of `text` into headers; never fails, every text has a (maybe empty)
/// header block.
pub fn parse_headers(text: &str) -> Headers<'_> {
    let mut result = Headers::default();
    for (index, raw_line) in text.split('\n').enumerate() {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(header) = result.headers.last_mut() {
                let continuation = line.trim();
                if !continuation.is_empty() {
                    let value = header.value.to_mut();
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(continuation);
                }
                continue;
            }
            // A continuation with nothing to continue: `email` takes it as the body.
            result.stray_line = Some(index + 1);
            break;
        }
        match line.split_once(':') {
            Some((name, value)) if is_header_name(name) => result.headers.push(Header {
                name,
                value: Cow::Borrowed(value.trim()),
                line: index + 1,
            }),
            _ => {
                result.stray_line = Some(index + 1);
                break;
            }
        }
    }
    result
}

/// Decodes metadata bytes, replacing what is not UTF-8 and saying where the first bad byte is.
pub fn decode_lossy<'a>(bytes: &'a [u8], path: &Path) -> (Cow<'a, str>, Option<Diagnostic>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), None),
        Err(error) => {
            let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
            let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
            let diagnostic = Diagnostic::new(
                Code::SourceWarning,
                Severity::Warning,
                "metadata is not valid UTF-8; the bad bytes were replaced",
            )
            .with_location(Location::new(path, line));
            (String::from_utf8_lossy(bytes), Some(diagnostic))
        }
    }
}

/// Parses a `METADATA` or `PKG-INFO` file. `path` names the file in diagnostics and errors.
pub fn parse_metadata(bytes: &[u8], path: &Path) -> Result<CoreMetadata, MetadataError> {
    let (text, utf8_diagnostic) = decode_lossy(bytes, path);
    let headers = parse_headers(&text);
    let mut metadata = core_metadata(&headers, path)?;
    if let Some(diagnostic) = utf8_diagnostic {
        metadata
            .diagnostics
            .insert(0, diagnostic.with_package(metadata.name.clone()));
    }
    Ok(metadata)
}

/// Turns a header block into [`CoreMetadata`]; the first `Name` and `Version` win, as in
/// `importlib.metadata`.
pub fn core_metadata(headers: &Headers<'_>, path: &Path) -> Result<CoreMetadata, MetadataError> {
    let name_header = headers
        .first("Name")
        .filter(|header| !header.value.is_empty())
        .ok_or_else(|| MetadataError::MissingField {
            path: path.to_path_buf(),
            field: "Name",
        })?;
    let name =
        PackageName::from_str(&name_header.value).map_err(|_| MetadataError::InvalidName {
            location: Location::new(path, name_header.line),
            value: name_header.value.to_string(),
        })?;
    let version = headers
        .first("Version")
        .filter(|header| !header.value.is_empty())
        .ok_or_else(|| MetadataError::MissingField {
            path: path.to_path_buf(),
            field: "Version",
        })?;
    let version = DistVersion::parse(&version.value);

    let mut diagnostics = Vec::new();
    let warn = |message: String, line: usize| {
        Diagnostic::new(Code::SourceWarning, Severity::Warning, message)
            .with_package(name.clone())
            .with_location(Location::new(path, line))
    };
    if let Some(line) = headers.stray_line {
        diagnostics.push(warn(
            format!("line {line} is not a header; it and the rest are read as the description"),
            line,
        ));
    }

    let mut requires_dist = Vec::new();
    for header in headers.all("Requires-Dist") {
        match tend_model::parse_requirement(&header.value) {
            Ok(requirement) => requires_dist.push(requirement),
            Err(error) => diagnostics.push(warn(
                format!(
                    "skipped `Requires-Dist: {}`: {}",
                    header.value, error.message
                ),
                header.line,
            )),
        }
    }

    let requires_python = match headers.first("Requires-Python") {
        Some(header) if !header.value.is_empty() => {
            match VersionSpecifiers::from_str(&header.value) {
                Ok(specifiers) => Some(specifiers),
                Err(error) => {
                    diagnostics.push(warn(
                        format!("ignored `Requires-Python: {}`: {error}", header.value),
                        header.line,
                    ));
                    None
                }
            }
        }
        _ => None,
    };

    let mut provides_extra = Vec::new();
    for header in headers.all("Provides-Extra") {
        match ExtraName::from_str(&header.value) {
            Ok(extra) => {
                if !provides_extra.contains(&extra) {
                    provides_extra.push(extra);
                }
            }
            Err(error) => diagnostics.push(warn(
                format!("ignored `Provides-Extra: {}`: {error}", header.value),
                header.line,
            )),
        }
    }

    Ok(CoreMetadata {
        display_name: name_header.value.to_string(),
        name,
        version,
        requires_dist,
        requires_python,
        provides_extra,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CoreMetadata, MetadataError> {
        parse_metadata(text.as_bytes(), Path::new("METADATA"))
    }

    #[test]
    fn reads_fields_and_repeated_headers() {
        let metadata = parse(
            "Metadata-Version: 2.1\nName: Flask-Login\nVersion: 0.6.3\n\
             Requires-Python: >=3.7\nRequires-Dist: Flask >=1.0.4\n\
             Requires-Dist: pytest ; extra == 'test'\nProvides-Extra: test\n\
             Provides-Extra: Test\n\nName: body-is-ignored\nRequires-Dist: nope\n",
        )
        .unwrap();
        assert_eq!(metadata.display_name, "Flask-Login");
        assert_eq!(metadata.name.as_ref(), "flask-login");
        assert_eq!(metadata.version.to_string(), "0.6.3");
        assert_eq!(metadata.requires_python.unwrap().to_string(), ">=3.7");
        let requirements: Vec<_> = metadata
            .requires_dist
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(requirements, ["flask>=1.0.4", "pytest ; extra == 'test'"]);
        assert_eq!(metadata.provides_extra.len(), 1);
        assert!(metadata.diagnostics.is_empty());
    }

    #[test]
    fn unfolds_continuation_lines_and_tolerates_crlf() {
        let metadata = parse(
            "Name: demo\r\nVersion: 1.0\r\nRequires-Dist: requests\r\n  >=2.0\r\n\
             Summary: first\r\n\tsecond\r\n\r\nbody\r\n",
        )
        .unwrap();
        assert_eq!(metadata.requires_dist[0].to_string(), "requests>=2.0");
        let headers = parse_headers("Summary: first\r\n\tsecond\r\n");
        assert_eq!(headers.first("summary").unwrap().value, "first second");
    }

    #[test]
    fn first_name_and_version_win() {
        let metadata = parse("Name: one\nVersion: 1\nName: two\nVersion: 2\n").unwrap();
        assert_eq!(metadata.name.as_ref(), "one");
        assert_eq!(metadata.version.to_string(), "1");
    }

    #[test]
    fn legacy_versions_are_kept() {
        let metadata = parse("Name: old\nVersion: 1.0-custom_build\n").unwrap();
        assert_eq!(
            metadata.version,
            DistVersion::Legacy("1.0-custom_build".to_string())
        );
    }

    #[test]
    fn bad_requires_dist_row_is_skipped_with_its_line() {
        let metadata =
            parse("Name: demo\nVersion: 1\nRequires-Dist: ok\nRequires-Dist: bad >= >=\n").unwrap();
        assert_eq!(metadata.requires_dist.len(), 1);
        assert_eq!(metadata.diagnostics.len(), 1);
        let diagnostic = &metadata.diagnostics[0];
        assert_eq!(diagnostic.location, Some(Location::new("METADATA", 4)));
        assert!(
            diagnostic.message.contains("bad >= >="),
            "{}",
            diagnostic.message
        );
    }

    #[test]
    fn missing_name_or_version_is_an_error() {
        assert_eq!(
            parse("Version: 1\n").unwrap_err(),
            MetadataError::MissingField {
                path: "METADATA".into(),
                field: "Name"
            }
        );
        assert_eq!(
            parse("Name: demo\nVersion:\n").unwrap_err(),
            MetadataError::MissingField {
                path: "METADATA".into(),
                field: "Version"
            }
        );
        assert!(matches!(
            parse("Name: -bad-\nVersion: 1\n").unwrap_err(),
            MetadataError::InvalidName { location, .. } if location.line == 1
        ));
        assert!(parse("").is_err());
    }

    #[test]
    fn a_line_that_is_not_a_header_ends_the_block() {
        let metadata = parse("Name: demo\nVersion: 1\ngarbage line\nRequires-Dist: x\n").unwrap();
        assert!(metadata.requires_dist.is_empty());
        assert_eq!(
            metadata.diagnostics[0].location,
            Some(Location::new("METADATA", 3))
        );
        // Before the name: the name is in the body, so the file is broken.
        assert!(parse("garbage\nName: demo\nVersion: 1\n").is_err());
        assert!(parse(" continuation first\nName: demo\nVersion: 1\n").is_err());
    }

    #[test]
    fn non_utf8_is_replaced_and_reported() {
        let metadata = parse_metadata(
            b"Name: demo\nVersion: 1\nSummary: caf\xe9\n",
            Path::new("M"),
        )
        .unwrap();
        assert_eq!(metadata.name.as_ref(), "demo");
        assert_eq!(
            metadata.diagnostics[0].location,
            Some(Location::new("M", 3))
        );
        assert!(metadata.diagnostics[0].message.contains("UTF-8"));
    }

    /// Bytes shuffled from real header fragments never make the parser panic.
    #[test]
    fn arbitrary_bytes_never_panic() {
        let pieces: [&[u8]; 12] = [
            b"Name: a\n",
            b"Version: 1\n",
            b"Requires-Dist: ",
            b"x[y] (>=1",
            b" ; extra == '",
            b"\r\n",
            b"\n\n",
            b"\xff\xfe",
            b"  cont\n",
            b":",
            b"\t",
            b"\xe2\x82",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..2000 {
            let mut bytes = Vec::new();
            for _ in 0..(state % 16) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.extend_from_slice(pieces[usize::try_from(state % 12).unwrap()]);
            }
            let _ = parse_metadata(&bytes, Path::new("METADATA"));
        }
    }
}
