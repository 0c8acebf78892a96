//! One OSV record (JSON or YAML bytes) read into an [`Advisory`]: which fields of the OSV
//! schema (<https://ossf.github.io/osv-schema/>) tend keeps, how they are checked, and what is
//! an error. Finding records and naming the file or archive entry in errors is the caller's job.
//!
//! The rules:
//!
//! - Only `affected` entries whose ecosystem is exactly `PyPI` are kept. The schema defines no
//!   `:suffix` for `PyPI`, and the suffixed ecosystems that contain it (`Root:PyPI`) are other
//!   distributions (rebuilds published under their own names), so they are skipped like every
//!   other ecosystem. A record without a `PyPI` entry is `Ok(None)` and nothing else in it is
//!   checked: its fields follow other ecosystems' conventions, which are not ours to judge.
//! - In a `PyPI` entry, `ECOSYSTEM` ranges are kept; `GIT` and `SEMVER` ranges are dropped
//!   (PEP 440 is the only ordering of PyPI versions, and `GIT` needs the repository). Any other
//!   range type is an error: a misspelt `ECOSYSTEM` would otherwise hide the range unseen.
//! - An event of a kept range has exactly one of `introduced`, `fixed`, `last_affected` and
//!   `limit`; anything else is an error. `introduced: "0"` is [`Bound::Zero`]; every other value,
//!   `limit: "*"` included, is a [`DistVersion`], which keeps text that is not PEP 440 as it is
//!   so matching can report it.
//! - `id`, `modified` and each alias must be valid; `published` and `withdrawn` are optional.
//!   Timestamps are RFC 3339. An alias ending in a stray list separator (`,` or `;`, as in the
//!   PyPA database's `GHSA-jf66-3q76-h5p5,`) is read without it, as the other OSV readers do;
//!   any other invalid alias fails the whole record, so that it is reported rather than
//!   silently unmatched.
//! - Types are checked for the whole record (a list where the schema says list, a string where
//!   it says string), in every ecosystem's entries alike: that is the schema, not a convention.
//! - The record's severity is its own; it is not derived from the entries' severities.
//! - The record's severity comes from its `severity[]` and, failing a vector, from
//!   `database_specific.severity` (GitHub's `"HIGH"`, `"MODERATE"`…). An entry's own severity
//!   comes from `affected[].severity` (schema 1.6) and `affected[].ecosystem_specific.severity`
//!   or else `affected[].database_specific.severity`; these blocks are free-form, so a
//!   `severity` in them that is not a string is ignored rather than an error.
//! - Unknown fields are ignored anywhere, `schema_version` included: minor schema versions only
//!   add fields.
//!
//! Speed: the PyPA database's 2,661 YAML records (5 MB) must load in a fraction of a second, so
//! a record is deserialised straight into the borrowed structs below (no generic value tree),
//! strings borrow from the input when the format allows, and work done only for good error
//! messages (telling syntax from shape errors, the path of a JSON field) happens only after a
//! failure. The YAML crate was chosen by deserialising all 2,661 records into structs like these,
//! release build, one thread, CPU time on the shared 2-core machine (wall time was too noisy):
//! `serde_norway` 91 ms, `serde_yaml_ng` 89 ms (but it builds on the archived `unsafe-libyaml`),
//! `noyalib` 105 ms (and it refuses an unquoted `1.0` where a string is expected), `serde-saphyr`
//! 152 ms. The whole of `parse_record` over the database, PEP 440 parsing included, is about
//! 135 ms; most of it is libyaml and allocation.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use jiff::Timestamp;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use tend_model::{AdvisoryId, AdvisoryIdError, AdvisorySeverity, DistVersion, PackageName};

use crate::severity::{assess_severity, SeverityEntry};
use crate::{Advisory, Affected, Bound, Event, Range};

/// The encoding of an OSV record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    Json,
    Yaml,
}

impl RecordFormat {
    /// The format a file name announces: `.json`, `.yaml` or `.yml`, in any case.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?;
        if extension.eq_ignore_ascii_case("json") {
            Some(Self::Json)
        } else if extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml") {
            Some(Self::Yaml)
        } else {
            None
        }
    }
}

impl fmt::Display for RecordFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Json => "JSON",
            Self::Yaml => "YAML",
        })
    }
}

/// Why a record could not be read. Fields are named by their path in the record
/// (`affected[0].ranges[1].events[2]`); the caller adds the file or archive entry.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the record is not UTF-8 text: invalid byte at line {line}, column {column}")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("the record is empty")]
    Empty,
    /// The text is not well-formed JSON or YAML. `message` is the parser's, with its position.
    #[error("invalid {format}: {message}")]
    Syntax {
        format: RecordFormat,
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    /// Well-formed text whose structure is not an OSV record: a field of the wrong type, a
    /// duplicate field. `message` names the field and the position.
    #[error("not an OSV record: {message}")]
    Shape {
        format: RecordFormat,
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    #[error("missing required field `{field}`")]
    MissingField { field: String },
    #[error("invalid advisory id `{value}` in `{field}`")]
    InvalidId {
        field: String,
        value: String,
        #[source]
        source: AdvisoryIdError,
    },
    #[error(
        "invalid timestamp `{value}` in `{field}`; expected RFC 3339, e.g. `2024-05-01T12:00:00Z`"
    )]
    InvalidTimestamp {
        field: String,
        value: String,
        #[source]
        source: jiff::Error,
    },
    #[error("invalid package name `{value}` in `{field}`")]
    InvalidPackageName {
        field: String,
        value: String,
        #[source]
        source: pep508_rs::InvalidNameError,
    },
    #[error("unknown range type `{kind}` in `{field}`; expected `ECOSYSTEM`, `SEMVER` or `GIT`")]
    UnknownRangeType { field: String, kind: String },
    #[error(
        "unknown event kind `{kind}` in `{field}`; expected `introduced`, `fixed`, \
         `last_affected` or `limit`"
    )]
    UnknownEventKind { field: String, kind: String },
    #[error(
        "`{field}` has {count} event kinds; an event has exactly one of `introduced`, `fixed`, \
         `last_affected` or `limit`"
    )]
    EventKindCount { field: String, count: usize },
}

impl RecordError {
    /// The 1-based line and column the parser pointed at, when it did.
    pub fn line_column(&self) -> Option<(usize, Option<usize>)> {
        match self {
            Self::NotUtf8 { line, column, .. } => Some((*line, Some(*column))),
            Self::Syntax { line, column, .. } | Self::Shape { line, column, .. } => {
                line.map(|line| (line, *column))
            }
            _ => None,
        }
    }
}

/// Reads one OSV record. `Ok(None)` is a valid record with no `PyPI` entry in `affected`.
pub fn parse_record(bytes: &[u8], format: RecordFormat) -> Result<Option<Advisory>, RecordError> {
    let text = std::str::from_utf8(bytes).map_err(|error| not_utf8(bytes, &error))?;
    // Editors on Windows write a byte-order mark; neither parser accepts one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(RecordError::Empty);
    }
    let raw = match format {
        RecordFormat::Json => deserialize_json(text)?,
        RecordFormat::Yaml => deserialize_yaml(text)?,
    };
    convert(raw)
}

fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> RecordError {
    let offset = error.valid_up_to();
    // Everything before `offset` is valid UTF-8 by definition of `valid_up_to`.
    let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    RecordError::NotUtf8 {
        offset,
        line,
        column,
    }
}

fn deserialize_json(text: &str) -> Result<RawRecord<'_>, RecordError> {
    let error = match serde_json::from_str::<Document>(text) {
        Ok(document) => return Ok(document.0),
        Err(error) => error,
    };
    // serde_json counts columns from 1 but says 0 when it stopped at a line's end.
    let line = Some(error.line()).filter(|&line| line > 0);
    let column = Some(error.column()).filter(|&column| line.is_some() && column > 0);
    if error.is_data() {
        // The fast pass does not track where it is; a second pass does, to name the field.
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let message = match serde_path_to_error::deserialize::<_, Document>(&mut deserializer) {
            Err(traced) if traced.path().to_string() != "." => {
                format!("{}: {}", traced.path(), traced.inner())
            }
            _ => error.to_string(),
        };
        Err(RecordError::Shape {
            format: RecordFormat::Json,
            message,
            line,
            column,
        })
    } else {
        Err(RecordError::Syntax {
            format: RecordFormat::Json,
            message: error.to_string(),
            line,
            column,
        })
    }
}

fn deserialize_yaml(text: &str) -> Result<RawRecord<'_>, RecordError> {
    let error = match serde_norway::from_str::<Document>(text) {
        Ok(document) => return Ok(document.0),
        Err(error) => error,
    };
    // The YAML crate reports syntax and shape errors with one type; whether the text is
    // well-formed YAML at all tells them apart.
    let (error, syntax) = match serde_norway::from_str::<IgnoredAny>(text) {
        Ok(_) => (error, false),
        Err(syntax_error) => (syntax_error, true),
    };
    // Errors without a place of their own (a duplicate field) point at the document's start;
    // the crate's message leaves that out, and so does the position given here.
    let location = error.location().filter(|location| location.index() > 0);
    let line = location.as_ref().map(serde_norway::Location::line);
    let column = location.as_ref().map(serde_norway::Location::column);
    let message = error.to_string();
    let format = RecordFormat::Yaml;
    Err(if syntax {
        RecordError::Syntax {
            format,
            message,
            line,
            column,
        }
    } else {
        RecordError::Shape {
            format,
            message,
            line,
            column,
        }
    })
}

const PYPI: &str = "PyPI";

fn convert(mut raw: RawRecord<'_>) -> Result<Option<Advisory>, RecordError> {
    let entries = raw.affected.take().unwrap_or_default();
    let mut pypi = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let Some(package) = &entry.package else {
            // Allowed by the schema for records that only give `GIT` ranges.
            continue;
        };
        let ecosystem = package
            .ecosystem
            .as_ref()
            .ok_or_else(|| missing(format!("affected[{index}].package.ecosystem")))?;
        if ecosystem.as_str() == PYPI {
            pypi.push((index, entry));
        }
    }
    if pypi.is_empty() {
        return Ok(None);
    }

    let id = advisory_id("id".to_string(), raw.id.as_ref())?;
    let modified = timestamp("modified", raw.modified.as_ref())?
        .ok_or_else(|| missing("modified".to_string()))?;
    let published = timestamp("published", raw.published.as_ref())?;
    let withdrawn = timestamp("withdrawn", raw.withdrawn.as_ref())?;
    let aliases = raw
        .aliases
        .iter()
        .flatten()
        .enumerate()
        .map(|(index, alias)| {
            let trimmed = alias.as_str().trim().trim_end_matches([',', ';']);
            AdvisoryId::new(trimmed)
                .or_else(|_| advisory_id(format!("aliases[{index}]"), Some(alias)))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let entries = severity_entries("severity", raw.severity.as_deref())?;
    let database_rating = raw
        .database_specific
        .as_ref()
        .and_then(|block| block.severity.as_ref())
        .map(Text::as_str);
    let severity = assess_severity(&entries, database_rating);

    let affected = pypi
        .into_iter()
        .map(|(index, entry)| convert_affected(index, &entry))
        .collect::<Result<Vec<_>, _>>()?;

    Ok(Some(Advisory {
        id,
        aliases,
        summary: prose(raw.summary.as_ref()),
        details: prose(raw.details.as_ref()),
        published,
        modified,
        withdrawn,
        severity,
        affected,
        url: reference_url(raw.references.as_deref())?,
    }))
}

fn missing(field: String) -> RecordError {
    RecordError::MissingField { field }
}

fn advisory_id(field: String, text: Option<&Text<'_>>) -> Result<AdvisoryId, RecordError> {
    let text = text.ok_or_else(|| missing(field.clone()))?;
    AdvisoryId::new(text.as_str()).map_err(|source| RecordError::InvalidId {
        field,
        value: text.as_str().to_string(),
        source,
    })
}

fn timestamp(field: &str, text: Option<&Text<'_>>) -> Result<Option<Timestamp>, RecordError> {
    let Some(text) = text else {
        return Ok(None);
    };
    Timestamp::from_str(text.as_str().trim())
        .map(Some)
        .map_err(|source| RecordError::InvalidTimestamp {
            field: field.to_string(),
            value: text.as_str().to_string(),
            source,
        })
}

/// `summary` and `details`: blank text says nothing, so it is no text.
fn prose(text: Option<&Text<'_>>) -> Option<String> {
    text.map(Text::as_str)
        .filter(|text| !text.trim().is_empty())
        .map(str::to_string)
}

fn severity_entries<'r>(
    field: &str,
    raw: Option<&'r [RawSeverity<'_>]>,
) -> Result<Vec<SeverityEntry<'r>>, RecordError> {
    raw.unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let kind = entry
                .kind
                .as_ref()
                .ok_or_else(|| missing(format!("{field}[{index}].type")))?;
            let score = entry
                .score
                .as_ref()
                .ok_or_else(|| missing(format!("{field}[{index}].score")))?;
            Ok(SeverityEntry {
                kind: kind.as_str(),
                score: score.as_str(),
            })
        })
        .collect()
}

/// A link for people: the first `ADVISORY` reference, else the first `WEB` one.
fn reference_url(references: Option<&[RawReference<'_>]>) -> Result<Option<String>, RecordError> {
    let mut advisory = None;
    let mut web = None;
    for (index, reference) in references.unwrap_or_default().iter().enumerate() {
        let kind = reference
            .kind
            .as_ref()
            .ok_or_else(|| missing(format!("references[{index}].type")))?;
        let url = reference
            .url
            .as_ref()
            .ok_or_else(|| missing(format!("references[{index}].url")))?;
        match kind.as_str() {
            "ADVISORY" if advisory.is_none() => advisory = Some(url),
            "WEB" if web.is_none() => web = Some(url),
            _ => {}
        }
    }
    Ok(advisory.or(web).map(|url| url.as_str().to_string()))
}

fn convert_affected(index: usize, entry: &RawAffected<'_>) -> Result<Affected, RecordError> {
    let name = entry
        .package
        .as_ref()
        .and_then(|package| package.name.as_ref())
        .ok_or_else(|| missing(format!("affected[{index}].package.name")))?;
    let package = PackageName::from_str(name.as_str().trim()).map_err(|source| {
        RecordError::InvalidPackageName {
            field: format!("affected[{index}].package.name"),
            value: name.as_str().to_string(),
            source,
        }
    })?;

    let mut ranges = Vec::new();
    for (range_index, range) in entry.ranges.iter().flatten().enumerate() {
        let field = || format!("affected[{index}].ranges[{range_index}]");
        let kind = range
            .kind
            .as_ref()
            .ok_or_else(|| missing(format!("{}.type", field())))?;
        match kind.as_str() {
            "ECOSYSTEM" => {}
            "GIT" | "SEMVER" => continue,
            other => {
                return Err(RecordError::UnknownRangeType {
                    field: format!("{}.type", field()),
                    kind: other.to_string(),
                })
            }
        }
        let events = range
            .events
            .as_ref()
            .ok_or_else(|| missing(format!("{}.events", field())))?;
        let events = events
            .iter()
            .enumerate()
            .map(|(event_index, event)| {
                convert_event(event, || format!("{}.events[{event_index}]", field()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        ranges.push(Range { events });
    }

    let versions = entry
        .versions
        .iter()
        .flatten()
        .map(|version| DistVersion::parse(version.as_str()))
        .collect();

    let entries = severity_entries(
        &format!("affected[{index}].severity"),
        entry.severity.as_deref(),
    )?;
    let rating = [&entry.ecosystem_specific, &entry.database_specific]
        .into_iter()
        .flatten()
        .find_map(|block| block.severity.as_ref())
        .map(Text::as_str);
    let severity: Option<AdvisorySeverity> =
        (!entries.is_empty() || rating.is_some()).then(|| assess_severity(&entries, rating));

    Ok(Affected {
        package,
        ranges,
        versions,
        severity,
    })
}

const EVENT_KINDS: [&str; 4] = ["introduced", "fixed", "last_affected", "limit"];

fn convert_event(event: &RawEvent<'_>, field: impl Fn() -> String) -> Result<Event, RecordError> {
    if let Some((kind, _)) = event.entries.iter().find(|(_, value)| value.is_none()) {
        return Err(RecordError::UnknownEventKind {
            field: field(),
            kind: kind.as_str().to_string(),
        });
    }
    let [(kind, Some(value))] = event.entries.as_slice() else {
        return Err(RecordError::EventKindCount {
            field: field(),
            count: event.entries.len(),
        });
    };
    let value = value.as_str();
    let bound = || Bound::Version(DistVersion::parse(value));
    Ok(match kind.as_str() {
        "introduced" if value.trim() == "0" => Event::Introduced(Bound::Zero),
        "introduced" => Event::Introduced(bound()),
        "fixed" => Event::Fixed(bound()),
        "last_affected" => Event::LastAffected(bound()),
        // `RawEvent` only gives a value to the four kinds.
        _ => Event::Limit(bound()),
    })
}

/// The whole record, which must be a mapping: serde would also read a struct from a sequence
/// by position, which only produces baffling messages for a file that is a list.
struct Document<'a>(RawRecord<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Document<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OSV record (a mapping with `id`, `modified`, `affected`…)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RawRecord::deserialize(MapAccessDeserializer::new(map)).map(Document)
    }
}

// The record as deserialised. Every field is optional here so that a missing one is reported by
// name (`MissingField`) and only when the record is kept; serde's own message cannot say where.

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    modified: Option<Text<'a>>,
    #[serde(borrow)]
    published: Option<Text<'a>>,
    #[serde(borrow)]
    withdrawn: Option<Text<'a>>,
    #[serde(borrow)]
    aliases: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    summary: Option<Text<'a>>,
    #[serde(borrow)]
    details: Option<Text<'a>>,
    #[serde(borrow)]
    severity: Option<Vec<RawSeverity<'a>>>,
    #[serde(borrow)]
    affected: Option<Vec<RawAffected<'a>>>,
    #[serde(borrow)]
    references: Option<Vec<RawReference<'a>>>,
    #[serde(borrow)]
    database_specific: Option<SpecificBlock<'a>>,
}

#[derive(Deserialize)]
struct RawSeverity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    score: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct RawReference<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    url: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct RawAffected<'a> {
    #[serde(borrow)]
    package: Option<RawPackage<'a>>,
    #[serde(borrow)]
    severity: Option<Vec<RawSeverity<'a>>>,
    #[serde(borrow)]
    ranges: Option<Vec<RawRange<'a>>>,
    #[serde(borrow)]
    versions: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    ecosystem_specific: Option<SpecificBlock<'a>>,
    #[serde(borrow)]
    database_specific: Option<SpecificBlock<'a>>,
}

#[derive(Deserialize)]
struct RawPackage<'a> {
    #[serde(borrow)]
    ecosystem: Option<Text<'a>>,
    #[serde(borrow)]
    name: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct RawRange<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    events: Option<Vec<RawEvent<'a>>>,
}

/// A string of the record, borrowed from the input when the parser allows it (JSON without
/// escapes); YAML scalars of any kind (`1.10`, `0`) arrive as their text, never as numbers.
struct Text<'a>(Cow<'a, str>);

impl Text<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text.to_string())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text)))
    }
}

/// One event: its keys in order, with the value of the four known kinds (`None` for any other
/// key, whose value is skipped whatever it is). Events of dropped ranges and other ecosystems
/// are never judged, so an odd key there costs nothing.
struct RawEvent<'a> {
    entries: Vec<(Text<'a>, Option<Text<'a>>)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawEvent<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = RawEvent<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event such as `introduced: \"1.0\"`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(1);
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let value = if EVENT_KINDS.contains(&key.as_str()) {
                Some(map.next_value::<Text<'de>>()?)
            } else {
                map.next_value::<IgnoredAny>()?;
                None
            };
            entries.push((key, value));
        }
        Ok(RawEvent { entries })
    }
}

/// A `database_specific` or `ecosystem_specific` block: free-form by the schema, so only a
/// string `severity` in a mapping is taken and anything else is skipped without an error.
#[derive(Default)]
struct SpecificBlock<'a> {
    severity: Option<Text<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for SpecificBlock<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SpecificVisitor)
    }
}

struct SpecificVisitor;

impl<'de> Visitor<'de> for SpecificVisitor {
    type Value = SpecificBlock<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut block = SpecificBlock::default();
        while let Some(key) = map.next_key::<AnyText<'de>>()? {
            if key.0.as_ref().is_some_and(|key| key.as_str() == "severity") {
                block.severity = map.next_value::<AnyText<'de>>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(block)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| SpecificBlock::default())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        IgnoredAny
            .visit_enum(data)
            .map(|_| SpecificBlock::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(SpecificBlock::default())
    }
}

/// Any value, kept only when it is a string.
struct AnyText<'a>(Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for AnyText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyTextVisitor)
    }
}

struct AnyTextVisitor;

impl<'de> Visitor<'de> for AnyTextVisitor {
    type Value = AnyText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(AnyText(Some(Text(Cow::Borrowed(text)))))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(AnyText(Some(Text(Cow::Owned(text.to_string())))))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(AnyText(Some(Text(Cow::Owned(text)))))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| AnyText(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| AnyText(None))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_enum(data).map(|_| AnyText(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyText(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyText(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(AnyText(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(AnyText(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(AnyText(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(AnyText(None))
    }
}
