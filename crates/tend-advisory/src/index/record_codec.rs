//! The compact binary form of an [`Advisory`] inside an index file.
//!
//! A warm audit may decode thousands of records, so this is a direct field-by-field encoding
//! (no field names, no text escaping) rather than JSON: about half the size and several times
//! faster to read. Every struct is destructured exhaustively, so adding a field to the record
//! type fails to compile here until the field is encoded too. Bump [`super::FORMAT_VERSION`]
//! whenever this encoding changes: old indexes are then rebuilt instead of misread.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::str::FromStr;

use jiff::Timestamp;
use tend_model::{
    AdvisoryId, AdvisorySeverity, DistVersion, PackageName, SeverityRating, SeveritySource, Version,
};

use super::wire::{Malformed, Reader, Writer};
use crate::{Advisory, Affected, Bound, Event, Range};

pub(crate) fn encode(advisory: &Advisory, out: &mut Writer) {
    let Advisory {
        id,
        aliases,
        summary,
        details,
        published,
        modified,
        withdrawn,
        severity,
        affected,
        url,
    } = advisory;
    out.str(id.as_str());
    out.len(aliases.len());
    for alias in aliases {
        out.str(alias.as_str());
    }
    optional_str(out, summary.as_deref());
    optional_str(out, details.as_deref());
    optional_timestamp(out, *published);
    timestamp(out, *modified);
    optional_timestamp(out, *withdrawn);
    encode_severity(severity, out);
    out.len(affected.len());
    for entry in affected {
        encode_affected(entry, out);
    }
    optional_str(out, url.as_deref());
}

/// Versions already decoded, by their encoded bytes. The advisories of one package list
/// mostly the same versions, and a parsed version is an `Arc`: sharing it saves parsing,
/// an allocation and a free for most of the versions a lookup decodes.
/// Keys are stored inline (the encoded bytes, zero-padded): comparing them then touches only
/// the table, not the record bytes scattered through the read buffer.
#[derive(Default)]
pub(crate) struct VersionCache {
    versions: HashMap<[u8; KEY_LEN], DistVersion, BuildHasherDefault<TextHasher>>,
}

const KEY_LEN: usize = 24;
/// Bounds the table so that it stays in the processor's caches; records of one package are
/// decoded together, so a fresh table refills with the versions that matter next.
const CACHE_LIMIT: usize = 8192;

/// A fast hash for short trusted keys (FxHash's mixing step); the keys come from our own
/// index file, so resistance to crafted collisions is not needed.
#[derive(Default)]
struct TextHasher(u64);

impl Hasher for TextHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        // The multiplication leaves its best bits at the top; the table indexes by the bottom.
        self.0.rotate_left(26)
    }
}

pub(crate) fn decode(bytes: &[u8], cache: &mut VersionCache) -> Result<Advisory, Malformed> {
    let mut input = Reader::new(bytes);
    let id = advisory_id(&mut input)?;
    let aliases = list(&mut input, advisory_id)?;
    let summary = read_optional_str(&mut input)?;
    let details = read_optional_str(&mut input)?;
    let published = read_optional_timestamp(&mut input)?;
    let modified = read_timestamp(&mut input)?;
    let withdrawn = read_optional_timestamp(&mut input)?;
    let severity = decode_severity(&mut input)?;
    let affected = list(&mut input, |input| decode_affected(input, cache))?;
    let url = read_optional_str(&mut input)?;
    if !input.is_empty() {
        return Err(Malformed("trailing bytes after a record"));
    }
    Ok(Advisory {
        id,
        aliases,
        summary,
        details,
        published,
        modified,
        withdrawn,
        severity,
        affected,
        url,
    })
}

fn encode_affected(affected: &Affected, out: &mut Writer) {
    let Affected {
        package,
        ranges,
        versions,
        severity,
    } = affected;
    out.str(package.as_ref());
    out.len(ranges.len());
    for Range { events } in ranges {
        out.len(events.len());
        for event in events {
            let (tag, bound) = match event {
                Event::Introduced(bound) => (0, bound),
                Event::Fixed(bound) => (1, bound),
                Event::LastAffected(bound) => (2, bound),
                Event::Limit(bound) => (3, bound),
            };
            out.u8(tag);
            match bound {
                Bound::Zero => out.u8(0),
                Bound::Version(version) => {
                    out.u8(1);
                    dist_version(out, version);
                }
            }
        }
    }
    out.len(versions.len());
    for version in versions {
        dist_version(out, version);
    }
    match severity {
        None => out.bool(false),
        Some(severity) => {
            out.bool(true);
            encode_severity(severity, out);
        }
    }
}

/// A counted list, allocated once at its final size (`collect` into a `Result` cannot know
/// the size and grows the vector step by step).
fn list<'a, T>(
    input: &mut Reader<'a>,
    mut item: impl FnMut(&mut Reader<'a>) -> Result<T, Malformed>,
) -> Result<Vec<T>, Malformed> {
    let count = input.count()?;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        items.push(item(input)?);
    }
    Ok(items)
}

fn decode_affected(
    input: &mut Reader<'_>,
    cache: &mut VersionCache,
) -> Result<Affected, Malformed> {
    let package = PackageName::new(input.str()?.to_string())
        .map_err(|_| Malformed("invalid package name"))?;
    let ranges = list(input, |input| {
        let events = list(input, |input| {
            let tag = input.u8()?;
            let bound = match input.u8()? {
                0 => Bound::Zero,
                1 => Bound::Version(read_dist_version(input, cache)?),
                _ => return Err(Malformed("invalid event bound")),
            };
            Ok(match tag {
                0 => Event::Introduced(bound),
                1 => Event::Fixed(bound),
                2 => Event::LastAffected(bound),
                3 => Event::Limit(bound),
                _ => return Err(Malformed("invalid event kind")),
            })
        })?;
        Ok(Range { events })
    })?;
    let versions = list(input, |input| read_dist_version(input, cache))?;
    let severity = if input.bool()? {
        Some(decode_severity(input)?)
    } else {
        None
    };
    Ok(Affected {
        package,
        ranges,
        versions,
        severity,
    })
}

fn encode_severity(severity: &AdvisorySeverity, out: &mut Writer) {
    let AdvisorySeverity {
        rating,
        score,
        vector,
        source,
    } = severity;
    out.u8(match rating {
        SeverityRating::Unknown => 0,
        SeverityRating::Low => 1,
        SeverityRating::Medium => 2,
        SeverityRating::High => 3,
        SeverityRating::Critical => 4,
    });
    match score {
        None => out.bool(false),
        Some(score) => {
            out.bool(true);
            out.u64(score.to_bits());
        }
    }
    optional_str(out, vector.as_deref());
    out.u8(match source {
        SeveritySource::CvssV3 => 0,
        SeveritySource::CvssV4 => 1,
        SeveritySource::Database => 2,
        SeveritySource::None => 3,
    });
}

fn decode_severity(input: &mut Reader<'_>) -> Result<AdvisorySeverity, Malformed> {
    let rating = match input.u8()? {
        0 => SeverityRating::Unknown,
        1 => SeverityRating::Low,
        2 => SeverityRating::Medium,
        3 => SeverityRating::High,
        4 => SeverityRating::Critical,
        _ => return Err(Malformed("invalid severity rating")),
    };
    let score = if input.bool()? {
        Some(f64::from_bits(input.u64()?))
    } else {
        None
    };
    let vector = read_optional_str(input)?;
    let source = match input.u8()? {
        0 => SeveritySource::CvssV3,
        1 => SeveritySource::CvssV4,
        2 => SeveritySource::Database,
        3 => SeveritySource::None,
        _ => return Err(Malformed("invalid severity source")),
    };
    Ok(AdvisorySeverity {
        rating,
        score,
        vector,
        source,
    })
}

/// PEP 440 versions are stored as their normalised text and parsed again on reading; others
/// keep their published text. The tag keeps the two apart even if a later parser learns to
/// read a text that an older one could not.
fn dist_version(out: &mut Writer, version: &DistVersion) {
    match version {
        DistVersion::Pep440(version) => {
            out.u8(0);
            let mut text = String::with_capacity(16);
            write_version(&mut text, version);
            out.str(&text);
        }
        DistVersion::Legacy(text) => {
            out.u8(1);
            out.str(text);
        }
    }
}

/// The normalised text of a version, as its `Display` writes it but without that
/// implementation's allocation per part: an index build writes about 150,000 of them.
fn write_version(text: &mut String, version: &Version) {
    use std::fmt::Write as _;
    // Writing to a `String` cannot fail.
    if version.epoch() != 0 {
        let _ = write!(text, "{}!", version.epoch());
    }
    for (position, part) in version.release().iter().enumerate() {
        if position > 0 {
            text.push('.');
        }
        let _ = write!(text, "{part}");
    }
    if let Some(pre) = version.pre() {
        let _ = write!(text, "{}{}", pre.kind, pre.number);
    }
    if let Some(post) = version.post() {
        let _ = write!(text, ".post{post}");
    }
    if let Some(dev) = version.dev() {
        let _ = write!(text, ".dev{dev}");
    }
    for (position, segment) in version.local().iter().enumerate() {
        text.push(if position == 0 { '+' } else { '.' });
        let _ = write!(text, "{segment}");
    }
}

fn read_dist_version(
    input: &mut Reader<'_>,
    cache: &mut VersionCache,
) -> Result<DistVersion, Malformed> {
    // The key is the tag, the length and the text as stored, so both kinds share one cache and
    // a zero-padded key cannot stand for two encodings.
    let rest = input.rest();
    let encoded_len = match rest {
        // A text shorter than 128 bytes has a one-byte length: the common case, looked up
        // before the text is checked as UTF-8 (a cached key was checked when it was parsed).
        [_, len, ..] if *len < 0x80 => 2 + usize::from(*len),
        _ => usize::MAX,
    };
    let cacheable = encoded_len <= KEY_LEN && encoded_len <= rest.len();
    let mut key = [0u8; KEY_LEN];
    if cacheable {
        key[..encoded_len].copy_from_slice(&rest[..encoded_len]);
        if let Some(version) = cache.versions.get(&key) {
            input.take(encoded_len)?;
            return Ok(version.clone());
        }
    }
    let tag = input.u8()?;
    let text = input.str()?;
    let version = match tag {
        0 => Version::from_str(text)
            .map(DistVersion::Pep440)
            .map_err(|_| Malformed("invalid PEP 440 version"))?,
        1 => DistVersion::Legacy(text.to_string()),
        _ => return Err(Malformed("invalid version kind")),
    };
    if cacheable {
        if cache.versions.len() >= CACHE_LIMIT {
            cache.versions.clear();
        }
        cache.versions.insert(key, version.clone());
    }
    Ok(version)
}

fn advisory_id(input: &mut Reader<'_>) -> Result<AdvisoryId, Malformed> {
    AdvisoryId::new(input.str()?).map_err(|_| Malformed("invalid advisory id"))
}

fn optional_str(out: &mut Writer, text: Option<&str>) {
    match text {
        None => out.bool(false),
        Some(text) => {
            out.bool(true);
            out.str(text);
        }
    }
}

fn read_optional_str(input: &mut Reader<'_>) -> Result<Option<String>, Malformed> {
    Ok(if input.bool()? {
        Some(input.str()?.to_string())
    } else {
        None
    })
}

pub(crate) fn timestamp(out: &mut Writer, time: Timestamp) {
    out.i64(time.as_second());
    // jiff gives the sub-second part the sign of the seconds; its bits are kept as they are.
    out.u32(u32::from_le_bytes(time.subsec_nanosecond().to_le_bytes()));
}

pub(crate) fn read_timestamp(input: &mut Reader<'_>) -> Result<Timestamp, Malformed> {
    let seconds = input.i64()?;
    let nanos = i32::from_le_bytes(input.u32()?.to_le_bytes());
    Timestamp::new(seconds, nanos).map_err(|_| Malformed("invalid timestamp"))
}

pub(crate) fn optional_timestamp(out: &mut Writer, time: Option<Timestamp>) {
    match time {
        None => out.bool(false),
        Some(time) => {
            out.bool(true);
            timestamp(out, time);
        }
    }
}

pub(crate) fn read_optional_timestamp(
    input: &mut Reader<'_>,
) -> Result<Option<Timestamp>, Malformed> {
    Ok(if input.bool()? {
        Some(read_timestamp(input)?)
    } else {
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_written_as_display_writes_them() {
        for text in [
            "0",
            "1.0",
            "1.0.0",
            "1!2.3.4",
            "1.0a1",
            "1.0b2",
            "1.0rc3",
            "1.0.post4",
            "1.0.dev5",
            "1.0a1.post2.dev3",
            "1.0+local.7",
            "1.0+ubuntu-1",
            "2.0.0-alpha",
            "1.0c1",
            "1.0.0.0.0.0.1",
            "v1.2",
            "1.2.3.post0",
            "99999999999.1",
        ] {
            let version = Version::from_str(text).unwrap();
            let mut written = String::new();
            write_version(&mut written, &version);
            assert_eq!(written, version.to_string(), "{text}");
            assert_eq!(Version::from_str(&written).unwrap(), version, "{text}");
        }
    }
}
