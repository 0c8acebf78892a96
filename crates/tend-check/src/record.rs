//! Reading a wheel RECORD (PEP 376 / the wheel spec): CSV rows of path, `algorithm=digest`
//! (URL-safe base64, padding optional) and size, each kept with its line for diagnostics.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// URL-safe base64 that accepts digests written with or without `=` padding.
const DIGEST_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordAlgorithm {
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl RecordAlgorithm {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordHash {
    pub(crate) algorithm: RecordAlgorithm,
    pub(crate) digest: Vec<u8>,
}

impl RecordHash {
    /// The hash as RECORD writes it: `sha256=<urlsafe base64, no padding>`.
    pub(crate) fn render(algorithm: RecordAlgorithm, digest: &[u8]) -> String {
        format!(
            "{}={}",
            algorithm.as_str(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordRow {
    /// 1-based line the row starts on.
    pub(crate) line: usize,
    pub(crate) path: String,
    pub(crate) hash: Option<RecordHash>,
    pub(crate) size: Option<u64>,
}

/// A row that cannot be verified, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordProblem {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// Parses a RECORD; every row that cannot be used becomes a problem, the rest are returned.
pub(crate) fn parse(text: &str) -> (Vec<RecordRow>, Vec<RecordProblem>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in split_csv(text) {
        let line = record.line;
        let fields = match record.fields {
            Ok(fields) => fields,
            Err(message) => {
                problems.push(RecordProblem { line, message });
                continue;
            }
        };
        if fields.len() == 1 && fields.first().is_some_and(String::is_empty) {
            continue;
        }
        match parse_row(line, fields) {
            Ok(row) => rows.push(row),
            Err(message) => problems.push(RecordProblem { line, message }),
        }
    }
    (rows, problems)
}

fn parse_row(line: usize, fields: Vec<String>) -> Result<RecordRow, String> {
    let [path, hash, size]: [String; 3] = fields.try_into().map_err(|fields: Vec<String>| {
        format!(
            "expected 3 comma-separated fields (path, hash, size), found {}",
            fields.len()
        )
    })?;
    if path.is_empty() {
        return Err("the path field is empty".to_string());
    }
    let hash = if hash.is_empty() {
        None
    } else {
        Some(parse_hash(&hash)?)
    };
    let size = if size.is_empty() {
        None
    } else {
        Some(
            size.trim()
                .parse::<u64>()
                .map_err(|_| format!("expected a size in bytes, found `{size}`"))?,
        )
    };
    Ok(RecordRow {
        line,
        path,
        hash,
        size,
    })
}

fn parse_hash(text: &str) -> Result<RecordHash, String> {
    let Some((algorithm, encoded)) = text.split_once('=') else {
        return Err(format!(
            "expected a hash like `sha256=<base64>`, found `{text}`"
        ));
    };
    let algorithm = match algorithm.to_ascii_lowercase().as_str() {
        "sha224" => RecordAlgorithm::Sha224,
        "sha256" => RecordAlgorithm::Sha256,
        "sha384" => RecordAlgorithm::Sha384,
        "sha512" => RecordAlgorithm::Sha512,
        other => {
            return Err(format!(
                "hash algorithm `{other}` cannot be verified (supported: sha224, sha256, sha384, sha512)"
            ))
        }
    };
    let digest = DIGEST_BASE64
        .decode(encoded)
        .map_err(|error| format!("hash `{text}` is not URL-safe base64: {error}"))?;
    if digest.len() != algorithm.digest_len() {
        return Err(format!(
            "a {} digest has {} bytes, `{text}` has {}",
            algorithm.as_str(),
            algorithm.digest_len(),
            digest.len()
        ));
    }
    Ok(RecordHash { algorithm, digest })
}

struct CsvRecord {
    line: usize,
    fields: Result<Vec<String>, String>,
}

/// Python's `csv` dialect as RECORD writers use it: `,` separators, `"` quoting with `""` for a
/// quote, rows ending with `\n` or `\r\n`. A quoted field may span lines.
fn split_csv(text: &str) -> Vec<CsvRecord> {
    let mut records = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut error = None;
        let mut in_quotes = false;
        let mut quoted_field = false;
        loop {
            let Some(char) = chars.next() else {
                if in_quotes {
                    error = Some("a quoted field is not closed".to_string());
                }
                break;
            };
            if in_quotes {
                match char {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => in_quotes = false,
                    '\n' => {
                        line += 1;
                        field.push(char);
                    }
                    _ => field.push(char),
                }
                continue;
            }
            match char {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    quoted_field = false;
                }
                '\n' => {
                    line += 1;
                    break;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '"' if field.is_empty() && !quoted_field => {
                    in_quotes = true;
                    quoted_field = true;
                }
                '"' => {
                    if error.is_none() {
                        error = Some("a quote inside an unquoted field".to_string());
                    }
                    field.push(char);
                }
                _ if quoted_field => {
                    if error.is_none() {
                        error = Some("text after the closing quote of a field".to_string());
                    }
                    field.push(char);
                }
                _ => field.push(char),
            }
        }
        fields.push(field);
        records.push(CsvRecord {
            line: start_line,
            fields: error.map_or(Ok(fields), Err),
        });
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_quotes_and_lines() {
        let text = "pkg/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n\
                    \"pkg/a,b.py\",,\n\
                    \n\
                    pkg-1.0.dist-info/RECORD,,\n";
        let (rows, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 1);
        assert_eq!(rows[0].size, Some(0));
        assert_eq!(
            rows[0].hash.as_ref().map(|hash| hash.digest.len()),
            Some(32)
        );
        assert_eq!(rows[1].path, "pkg/a,b.py");
        assert_eq!(rows[1].line, 2);
        assert_eq!(rows[2].line, 4);
        assert_eq!(rows[2].hash, None);
    }

    #[test]
    fn broken_rows_become_problems_with_lines() {
        let text = "a.py,sha256=!!!,3\n\
                    b.py,md5=abc,3\n\
                    c.py,sha256=AAAA,3\n\
                    d.py,nohash,3\n\
                    e.py,,big\n\
                    f.py\n\
                    \"g.py,,\n";
        let (rows, problems) = parse(text);
        assert!(rows.is_empty(), "{rows:?}");
        let lines: Vec<usize> = problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 6, 7]);
        assert!(problems[1].message.contains("`md5` cannot be verified"));
        assert!(problems[2].message.contains("has 3"));
        assert!(problems[6].message.contains("not closed"));
    }
}
