//! PEP 691 JSON project pages, with PEP 592 yanks, PEP 700 upload times and versions.
//!
//! The page is deserialised borrowing from the body where it can (a large project's page runs
//! to megabytes); keys the reader does not use (`size`, `core-metadata`, …) are skipped
//! without building values. A file's `hashes` object is read into [`IndexFile::hashes`] (see
//! [`super`] for which digests count).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use url::Url;

use super::{check_api_version, file_hashes, IndexFile, Located, ProjectPage};

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(default, borrow)]
    meta: Option<Meta<'a>>,
    #[serde(borrow)]
    files: Vec<File<'a>>,
    #[serde(default, borrow)]
    versions: Vec<Text<'a>>,
}

/// A string borrowed from the page unless it holds escapes. serde borrows a `Cow` field only
/// when it is the field's whole type, not inside an `Option` or a `Vec`; this wrapper is.
#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'a> Text<'a> {
    /// The string when it is a slice of the page (written without escapes).
    fn borrowed(&self) -> Option<&'a str> {
        match self.0 {
            Cow::Borrowed(borrowed) => Some(borrowed),
            Cow::Owned(_) => None,
        }
    }
}

/// Only the page's `meta`, to check the API version of a page the full reader refused: a page
/// of another major version is better reported as that than as a missing key.
#[derive(Deserialize)]
struct MetaOnly<'a> {
    #[serde(default, borrow)]
    meta: Option<Meta<'a>>,
}

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "api-version", default, borrow)]
    api_version: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    filename: Text<'a>,
    #[serde(borrow)]
    url: Text<'a>,
    #[serde(rename = "requires-python", default, borrow)]
    requires_python: Option<Text<'a>>,
    #[serde(default)]
    yanked: Yanked,
    #[serde(rename = "upload-time", default)]
    upload_time: Option<Timestamp>,
    /// Algorithm name to hex digest; a repeated name keeps its last digest, as Python's
    /// `json` does. `null` reads as no hashes.
    #[serde(default, borrow)]
    hashes: Option<BTreeMap<Text<'a>, Text<'a>>>,
}

/// PEP 592 in JSON: `false`, `true` or a reason (which means yanked). `null` is read as `false`.
#[derive(Default)]
struct Yanked {
    yanked: bool,
    reason: Option<String>,
}

impl<'de> Deserialize<'de> for Yanked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct YankedVisitor;

        impl Visitor<'_> for YankedVisitor {
            type Value = Yanked;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a boolean or a reason string")
            }

            fn visit_bool<E: de::Error>(self, yanked: bool) -> Result<Yanked, E> {
                Ok(Yanked {
                    yanked,
                    reason: None,
                })
            }

            fn visit_str<E: de::Error>(self, reason: &str) -> Result<Yanked, E> {
                // PEP 691 asks for a non-empty reason; pip reads an empty one as "yanked".
                Ok(Yanked {
                    yanked: true,
                    reason: (!reason.is_empty()).then(|| reason.to_owned()),
                })
            }

            fn visit_unit<E: de::Error>(self) -> Result<Yanked, E> {
                Ok(Yanked::default())
            }

            fn visit_none<E: de::Error>(self) -> Result<Yanked, E> {
                Ok(Yanked::default())
            }
        }

        deserializer.deserialize_any(YankedVisitor)
    }
}

pub(super) fn parse(text: &str, page_url: &Url) -> Result<ProjectPage, Located> {
    let document = match serde_json::from_str::<Document<'_>>(text) {
        Ok(document) => document,
        Err(error) => return Err(refused(text, &error)),
    };
    let api_version = match document.meta.and_then(|meta| meta.api_version) {
        Some(version) => {
            check_api_version(&version.0)
                .map_err(|message| at_str(text, version.borrowed(), message))?;
            Some(version.0.into_owned())
        }
        None => None,
    };
    let mut files = Vec::with_capacity(document.files.len());
    for (index, file) in document.files.into_iter().enumerate() {
        let url = page_url.join(&file.url.0).map_err(|error| {
            at_str(
                text,
                file.url.borrowed(),
                format!(
                    "files[{index}].url: `{}` is not a URL ({error}); expected the file's \
                     absolute or relative URL",
                    file.url.0
                ),
            )
        })?;
        let hashes = file_hashes(
            file.hashes
                .iter()
                .flatten()
                .map(|(name, digest)| (name.0.as_ref(), digest.0.as_ref())),
            &url,
        );
        files.push(IndexFile {
            filename: file.filename.0.into_owned(),
            url,
            requires_python: file
                .requires_python
                .map(|Text(limit)| limit)
                .filter(|limit| !limit.trim().is_empty())
                .map(Cow::into_owned),
            yanked: file.yanked.yanked,
            yank_reason: file.yanked.reason,
            upload_time: file.upload_time,
            hashes,
        });
    }
    Ok(ProjectPage {
        files,
        versions: document
            .versions
            .into_iter()
            .map(|Text(version)| version.into_owned())
            .collect(),
        api_version,
    })
}

/// The error for a page the reader refused: the API version when that is what is wrong,
/// otherwise serde's, with the key's path for pages that are JSON but not the right shape.
fn refused(text: &str, error: &serde_json::Error) -> Located {
    if error.is_data() {
        if let Ok(MetaOnly {
            meta: Some(Meta {
                api_version: Some(version),
            }),
        }) = serde_json::from_str::<MetaOnly<'_>>(text)
        {
            if let Err(message) = check_api_version(&version.0) {
                return at_str(text, version.borrowed(), message);
            }
        }
    }
    // serde_json counts from 1 and says line 0 when it has no position.
    let line = Some(error.line()).filter(|&line| line > 0);
    let column = Some(error.column()).filter(|&column| line.is_some() && column > 0);
    let mut message = without_position(&error.to_string(), error).to_owned();
    if error.is_data() {
        // The first pass does not track where it is in the document; a second one does, to name
        // the key.
        let mut deserializer = serde_json::Deserializer::from_str(text);
        if let Err(traced) = serde_path_to_error::deserialize::<_, Document<'_>>(&mut deserializer)
        {
            let path = traced.path().to_string();
            if path != "." {
                message = format!("{path}: {message}");
            }
        }
        message = format!("not a PEP 691 project page: {message}");
    } else {
        message = format!("invalid JSON: {message}");
    }
    Located {
        offset: None,
        line,
        column,
        message,
    }
}

/// serde_json's message without the " at line L column C" it appends; the error type carries
/// the position itself.
fn without_position<'a>(message: &'a str, error: &serde_json::Error) -> &'a str {
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    message.strip_suffix(&suffix).unwrap_or(message)
}

/// An error at `part` when it was borrowed from `text` (a string without escapes: its place is
/// where it points), else without a position.
fn at_str(text: &str, part: Option<&str>, message: String) -> Located {
    let Some(part) = part else {
        return Located::nowhere(message);
    };
    let offset = part.as_ptr().addr().wrapping_sub(text.as_ptr().addr());
    if offset
        .checked_add(part.len())
        .is_some_and(|end| end <= text.len())
    {
        Located::at(offset, message)
    } else {
        Located::nowhere(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://index.example/simple/foo/").unwrap()
    }

    #[test]
    fn files_versions_and_meta() {
        let text = r#"{
  "meta": {"api-version": "1.1", "_last-serial": "123"},
  "name": "foo",
  "files": [
    {"filename": "foo-1.0.tar.gz", "url": "../../files/foo-1.0.tar.gz",
     "hashes": {"sha256": "ab"}, "requires-python": ">=3.8", "yanked": false,
     "upload-time": "2024-01-02T03:04:05.123456Z", "size": 10,
     "core-metadata": {"sha256": "cd"}},
    {"filename": "foo-1.1.tar.gz", "url": "https://files.example/foo-1.1.tar.gz",
     "hashes": {}, "requires-python": null, "yanked": "broken build"},
    {"filename": "foo-1.2.tar.gz", "url": "foo-1.2.tar.gz", "hashes": {},
     "requires-python": "", "yanked": true}
  ],
  "versions": ["1.0", "1.1", "1.2"]
}"#;
        let page = parse(text, &url()).unwrap();
        assert_eq!(page.api_version.as_deref(), Some("1.1"));
        assert_eq!(page.versions, ["1.0", "1.1", "1.2"]);
        let [first, second, third] = page.files.as_slice() else {
            panic!("{page:?}")
        };
        assert_eq!(
            first.url.as_str(),
            "https://index.example/files/foo-1.0.tar.gz"
        );
        assert_eq!(first.requires_python.as_deref(), Some(">=3.8"));
        assert!(!first.yanked);
        assert_eq!(
            first.upload_time,
            Some("2024-01-02T03:04:05.123456Z".parse().unwrap())
        );
        assert_eq!(second.url.as_str(), "https://files.example/foo-1.1.tar.gz");
        assert!(second.yanked);
        assert_eq!(second.yank_reason.as_deref(), Some("broken build"));
        assert_eq!(second.requires_python, None);
        assert_eq!(
            third.url.as_str(),
            "https://index.example/simple/foo/foo-1.2.tar.gz"
        );
        assert!(third.yanked);
        assert_eq!(third.yank_reason, None);
        assert_eq!(third.requires_python, None);
    }

    #[test]
    fn hashes_are_read_and_unusable_ones_skipped() {
        let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let md5 = "098f6bcd4621d373cade4e832627b4f6";
        let text = format!(
            r#"{{"files": [
              {{"filename": "a-1.0.tar.gz", "url": "a-1.0.tar.gz",
                "hashes": {{"sha256": "{sha256}", "md5": "{md5}", "blake3": "00"}}}},
              {{"filename": "a-1.1.tar.gz", "url": "a-1.1.tar.gz#sha256={sha256}", "hashes": {{}}}},
              {{"filename": "a-1.2.tar.gz", "url": "a-1.2.tar.gz", "hashes": {{"sha256": "not hex"}}}},
              {{"filename": "a-1.3.tar.gz", "url": "a-1.3.tar.gz", "hashes": null}},
              {{"filename": "a-1.4.tar.gz", "url": "a-1.4.tar.gz"}}
            ]}}"#
        );
        let page = parse(&text, &url()).unwrap();
        let hashes: Vec<Vec<String>> = page
            .files
            .iter()
            .map(|file| file.hashes.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(
            hashes,
            [
                vec![format!("md5:{md5}"), format!("sha256:{sha256}")],
                vec![format!("sha256:{sha256}")],
                vec![],
                vec![],
                vec![],
            ]
        );
    }

    #[test]
    fn a_digest_that_is_not_a_string_is_an_error_where_it_is() {
        let text =
            "{\"files\": [{\"filename\": \"a\", \"url\": \"b\",\n \"hashes\": {\"sha256\": 5}}]}";
        let error = parse(text, &url()).unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(23)));
        assert_eq!(
            error.message,
            "not a PEP 691 project page: files[0].hashes.sha256: invalid type: integer `5`, \
             expected a string"
        );
    }

    #[test]
    fn escaped_strings_are_read() {
        let text = r#"{"files": [{"filename": "foo-1.0.tar.gz", "url": "a\/foo-1.0.tar.gz",
            "requires-python": "\u003e=3.8", "yanked": "see \"notes\""}]}"#;
        let page = parse(text, &url()).unwrap();
        assert_eq!(page.files[0].requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(page.files[0].yank_reason.as_deref(), Some(r#"see "notes""#));
        assert_eq!(
            page.files[0].url.as_str(),
            "https://index.example/simple/foo/a/foo-1.0.tar.gz"
        );
    }

    #[test]
    fn a_wrong_shape_names_the_key_and_position() {
        let text = "{\"files\": [\n  {\"filename\": \"a\", \"url\": \"b\", \"yanked\": 3}\n]}";
        let error = parse(text, &url()).unwrap_err();
        assert_eq!((error.line, error.column), (Some(2), Some(43)));
        assert_eq!(
            error.message,
            "not a PEP 691 project page: files[0].yanked: invalid type: integer `3`, expected a \
             boolean or a reason string"
        );
    }

    #[test]
    fn a_missing_key_is_named() {
        let error = parse(r#"{"files": [{"filename": "a"}]}"#, &url()).unwrap_err();
        assert_eq!(
            error.message,
            "not a PEP 691 project page: files[0]: missing field `url`"
        );
        let error = parse(r#"{"meta": {"api-version": "1.0"}}"#, &url()).unwrap_err();
        assert_eq!(
            error.message,
            "not a PEP 691 project page: missing field `files`"
        );
    }

    #[test]
    fn a_bad_upload_time_is_an_error_where_it_is() {
        let text = "{\"files\": [{\"filename\": \"a\", \"url\": \"b\",\n \"upload-time\": \"yesterday\"}]}";
        let error = parse(text, &url()).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(
            error
                .message
                .starts_with("not a PEP 691 project page: files[0].upload-time: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn the_api_version_is_checked_before_the_shape() {
        let text = "{\"meta\": {\"api-version\": \"2.0\"},\n \"projects\": []}";
        let error = parse(text, &url()).unwrap_err();
        assert_eq!(error.offset, Some(26));
        assert_eq!(
            error.message,
            "API version 2.0 is not supported; expected a 1.x page (PEP 629)"
        );
        let text = r#"{"meta": {"api-version": "2.0"}, "files": []}"#;
        assert!(parse(text, &url()).is_err());
    }

    #[test]
    fn an_unusable_url_is_an_error_at_the_url() {
        let text = r#"{"files": [{"filename": "a", "url": "https://[::1/a"}]}"#;
        let error = parse(text, &url()).unwrap_err();
        assert_eq!(error.offset, Some(37));
        assert!(error
            .message
            .starts_with("files[0].url: `https://[::1/a` is not a URL"));
    }

    #[test]
    fn syntax_errors() {
        let error = parse("{\"files\": [}", &url()).unwrap_err();
        assert_eq!((error.line, error.column), (Some(1), Some(12)));
        assert_eq!(error.message, "invalid JSON: expected value");
        let error = parse("", &url()).unwrap_err();
        assert!(
            error.message.starts_with("invalid JSON: "),
            "{}",
            error.message
        );
    }
}
