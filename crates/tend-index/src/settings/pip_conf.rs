//! `pip.conf` (`pip.ini` on Windows): the INI dialect Python's `configparser` reads, and the
//! way pip layers its files and sections.
//!
//! The reader follows `configparser`'s defaults as pip uses them (no interpolation, strict):
//! `[section]` headers, `key = value` or `key: value` split at the first `=` or `:`, keys
//! lower-cased, whole-line comments starting with `#` or `;` (a `#` later in a line is part of
//! the value), a line indented deeper than its key continues the value (how several extra
//! indexes are written), blank lines inside a value kept, `[DEFAULT]` values shared by every
//! section of the same file, and a section or key written twice in one file is an error. A BOM
//! and CRLF line ends are accepted. pip then turns `_` into `-` in key names and drops a leading
//! `--`, so `index_url` and `--index-url` mean `index-url`.
//!
//! Which values count, as in pip: files are read lowest first and a key written again in a
//! later file replaces it section by section, even with an empty value; then, per key, a
//! non-empty `[install]` value wins over a non-empty `[global]` one. An empty value is no
//! value. `[list]`, the section `pip list --outdated` adds, is not read: tend compares against
//! the indexes an install would use, which are the ones `[install]` and `[global]` name.

use std::path::{Path, PathBuf};

use super::{parse_bool, SettingsError, BOOL_EXPECTED};

/// The index settings of one `pip.conf` file.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PipConf {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub no_index: bool,
}

impl std::fmt::Debug for PipConf {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PipConf")
            .field(
                "index_url",
                &self.index_url.as_deref().map(super::redact_text),
            )
            .field(
                "extra_index_urls",
                &self
                    .extra_index_urls
                    .iter()
                    .map(|url| super::redact_text(url))
                    .collect::<Vec<_>>(),
            )
            .field("no_index", &self.no_index)
            .finish()
    }
}

impl PipConf {
    /// Reads the `[global]` and `[install]` sections (`[install]` wins) of an INI file as
    /// Python's configparser reads it: `key = value` or `key: value`, `#`/`;` comment lines,
    /// indented continuation lines (how several extra index URLs are written).
    pub fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let file = ConfFile::parse(text, path)?;
        Layered::from_files(std::iter::once(file)).into_pip_conf()
    }
}

/// A value as written, with the file and line of its key.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Written {
    pub(super) value: String,
    pub(super) path: PathBuf,
    pub(super) line: usize,
}

impl Written {
    /// `file:line (key)`, how errors name a value's origin.
    pub(super) fn origin(&self, key: &str) -> String {
        format!("{}:{} ({key})", self.path.display(), self.line)
    }

    fn error(&self, message: String) -> SettingsError {
        SettingsError::PipConf {
            path: self.path.clone(),
            line: self.line,
            message,
        }
    }
}

/// The three keys tend reads, as one section of one or more files gives them.
#[derive(Clone, Default)]
struct Keys {
    index_url: Option<Written>,
    extra_index_url: Option<Written>,
    no_index: Option<Written>,
}

impl Keys {
    fn slot(&mut self, key: &str) -> Option<&mut Option<Written>> {
        match key {
            "index-url" => Some(&mut self.index_url),
            "extra-index-url" => Some(&mut self.extra_index_url),
            "no-index" => Some(&mut self.no_index),
            _ => None,
        }
    }

    /// A later file's keys replace these one by one.
    fn overlay(&mut self, later: Keys) {
        for (slot, value) in [
            (&mut self.index_url, later.index_url),
            (&mut self.extra_index_url, later.extra_index_url),
            (&mut self.no_index, later.no_index),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
    }
}

/// What one file says in the sections tend reads.
#[derive(Clone, Default)]
pub(super) struct ConfFile {
    global: Keys,
    install: Keys,
}

/// One `[section]` of the file while it is read: its keys in order, each with its value lines.
struct Section {
    name: String,
    line: usize,
    options: Vec<OptionLines>,
}

struct OptionLines {
    key: String,
    line: usize,
    lines: Vec<String>,
}

impl ConfFile {
    pub(super) fn parse(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let error = |line: usize, message: String| SettingsError::PipConf {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut sections: Vec<Section> = Vec::new();
        // The option whose value further indented lines continue, and the indentation of the
        // last key or header line.
        let mut continuing = false;
        let mut indent_level = 0;
        for (index, line) in text.split('\n').enumerate() {
            let number = index + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if trimmed.is_empty() {
                if continuing {
                    if let Some(option) = last_option(&mut sections) {
                        option.lines.push(String::new());
                    }
                }
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if continuing && indent > indent_level {
                if let Some(option) = last_option(&mut sections) {
                    option.lines.push(trimmed.to_string());
                }
                continue;
            }
            indent_level = indent;
            continuing = false;
            if let Some(header) = section_header(trimmed) {
                if let Some(first) = sections.iter().find(|section| section.name == header) {
                    return Err(error(
                        number,
                        format!(
                            "section [{header}] is written twice in this file (first on line {})",
                            first.line
                        ),
                    ));
                }
                sections.push(Section {
                    name: header.to_string(),
                    line: number,
                    options: Vec::new(),
                });
                continue;
            }
            let Some(section) = sections.last_mut() else {
                return Err(error(
                    number,
                    "expected a section header such as [global] before the first key".to_string(),
                ));
            };
            let Some(split) = trimmed.find(['=', ':']) else {
                return Err(error(
                    number,
                    "expected `key = value`, a [section] header, or a line indented under a key \
                     to continue its value"
                        .to_string(),
                ));
            };
            let key = trimmed[..split].trim_end().to_lowercase();
            if key.is_empty() {
                return Err(error(
                    number,
                    "expected a key name before the `=` or `:`".to_string(),
                ));
            }
            if let Some(first) = section.options.iter().find(|option| option.key == key) {
                return Err(error(
                    number,
                    format!(
                        "`{key}` is written twice in [{}] (first on line {})",
                        section.name, first.line
                    ),
                ));
            }
            section.options.push(OptionLines {
                key,
                line: number,
                lines: vec![trimmed[split + 1..].trim().to_string()],
            });
            continuing = true;
        }

        let defaults = sections
            .iter()
            .find(|section| section.name == "DEFAULT")
            .map(|section| section_keys(section, path))
            .unwrap_or_default();
        let mut file = ConfFile::default();
        for section in &sections {
            let target = match section.name.as_str() {
                "global" => &mut file.global,
                "install" => &mut file.install,
                _ => continue,
            };
            // `[DEFAULT]` fills in what the section itself does not say.
            let mut keys = defaults.clone();
            keys.overlay(section_keys(section, path));
            *target = keys;
        }
        Ok(file)
    }
}

fn last_option(sections: &mut [Section]) -> Option<&mut OptionLines> {
    sections.last_mut()?.options.last_mut()
}

/// `[name]`: configparser takes everything between the first `[` and the last `]` of the line.
fn section_header(trimmed: &str) -> Option<&str> {
    let rest = trimmed.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// The keys tend reads from one section; pip's names: lower case, `_` as `-`, no leading `--`.
/// A key written twice under two spellings (`index_url`, `index-url`): the later line wins,
/// as in pip.
fn section_keys(section: &Section, path: &Path) -> Keys {
    let mut keys = Keys::default();
    for option in &section.options {
        let name = option.key.replace('_', "-");
        let name = name.strip_prefix("--").unwrap_or(&name);
        if let Some(slot) = keys.slot(name) {
            *slot = Some(Written {
                // configparser joins the lines with `\n` and drops trailing blank ones.
                value: option.lines.join("\n").trim_end().to_string(),
                path: path.to_path_buf(),
                line: option.line,
            });
        }
    }
    keys
}

/// The values that count after layering files and sections. Empty values are gone.
#[derive(Default)]
pub(super) struct Layered {
    pub(super) index_url: Option<Written>,
    pub(super) extra_index_url: Option<Written>,
    pub(super) no_index: Option<Written>,
}

impl Layered {
    /// Files lowest first.
    pub(super) fn from_files(files: impl IntoIterator<Item = ConfFile>) -> Self {
        let mut global = Keys::default();
        let mut install = Keys::default();
        for file in files {
            global.overlay(file.global);
            install.overlay(file.install);
        }
        let pick = |install: Option<Written>, global: Option<Written>| {
            install
                .filter(|written| !written.value.trim().is_empty())
                .or(global.filter(|written| !written.value.trim().is_empty()))
        };
        Layered {
            index_url: pick(install.index_url, global.index_url),
            extra_index_url: pick(install.extra_index_url, global.extra_index_url),
            no_index: pick(install.no_index, global.no_index),
        }
    }

    /// `index-url`, trimmed; one URL only.
    pub(super) fn index_url(&self) -> Result<Option<(&str, &Written)>, SettingsError> {
        let Some(written) = &self.index_url else {
            return Ok(None);
        };
        let value = written.value.trim();
        if value.contains(char::is_whitespace) {
            return Err(written.error(
                "`index-url` takes one URL; list further indexes under `extra-index-url`"
                    .to_string(),
            ));
        }
        Ok(Some((value, written)))
    }

    /// `extra-index-url`, split on whitespace as pip splits it.
    pub(super) fn extra_index_urls(&self) -> impl Iterator<Item = (&str, &Written)> {
        self.extra_index_url.iter().flat_map(|written| {
            written
                .value
                .split_whitespace()
                .map(move |url| (url, written))
        })
    }

    pub(super) fn no_index(&self) -> Result<Option<&Written>, SettingsError> {
        let Some(written) = &self.no_index else {
            return Ok(None);
        };
        match parse_bool(&written.value) {
            Some(true) => Ok(Some(written)),
            Some(false) => Ok(None),
            None => Err(written.error(format!(
                "`no-index = {}` is not a boolean; expected {BOOL_EXPECTED}",
                written.value.trim()
            ))),
        }
    }

    fn into_pip_conf(self) -> Result<PipConf, SettingsError> {
        Ok(PipConf {
            index_url: self.index_url()?.map(|(url, _)| url.to_string()),
            extra_index_urls: self
                .extra_index_urls()
                .map(|(url, _)| url.to_string())
                .collect(),
            no_index: self.no_index()?.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> PipConf {
        PipConf::parse(text, Path::new("/etc/pip.conf")).unwrap()
    }

    fn error(text: &str) -> String {
        PipConf::parse(text, Path::new("/etc/pip.conf"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn global_then_install_wins_key_by_key() {
        let conf = parse(
            "[global]\nindex-url = https://g/simple\nextra-index-url = https://ge/\ntimeout = 60\n\n\
             [install]\nindex-url: https://i/simple\n",
        );
        assert_eq!(conf.index_url.as_deref(), Some("https://i/simple"));
        assert_eq!(conf.extra_index_urls, ["https://ge/"]);
        assert!(!conf.no_index);
    }

    #[test]
    fn continuation_lines_comments_and_blank_lines_inside_a_value() {
        let conf = parse(
            "; pip settings\n[global]\nextra-index-url =\n    https://a/simple\n    # not a url\n\n    https://b/simple https://c/simple\n  ; still a comment\nno-index = yes\n",
        );
        assert_eq!(
            conf.extra_index_urls,
            ["https://a/simple", "https://b/simple", "https://c/simple"]
        );
        assert!(conf.no_index);
    }

    #[test]
    fn key_spellings_as_pip_normalises_them() {
        let conf = parse("[global]\nINDEX_URL = https://a/\n--extra_index_url = https://b/\n");
        assert_eq!(conf.index_url.as_deref(), Some("https://a/"));
        assert_eq!(conf.extra_index_urls, ["https://b/"]);
    }

    #[test]
    fn crlf_and_bom_are_read() {
        let conf = parse("\u{feff}[global]\r\nindex-url = https://a/simple\r\nextra-index-url =\r\n  https://b/\r\n  https://c/\r\n");
        assert_eq!(conf.index_url.as_deref(), Some("https://a/simple"));
        assert_eq!(conf.extra_index_urls, ["https://b/", "https://c/"]);
    }

    #[test]
    fn other_sections_and_default_section() {
        let conf = parse(
            "[DEFAULT]\nno-index = on\n[list]\nindex-url = https://list/\n[download]\nindex-url = https://download/\n[global]\ntimeout = 3\n",
        );
        assert_eq!(conf.index_url, None);
        // `[DEFAULT]` reaches `[global]` because the file has a `[global]` section.
        assert!(conf.no_index);
        assert!(!parse("[DEFAULT]\nno-index = on\n").no_index);
    }

    #[test]
    fn an_empty_install_value_leaves_the_global_one() {
        let conf = parse("[global]\nindex-url = https://g/\n[install]\nindex-url =\n");
        assert_eq!(conf.index_url.as_deref(), Some("https://g/"));
    }

    #[test]
    fn hash_after_a_value_is_part_of_it() {
        let conf = parse("[global]\nextra-index-url = https://a/ # mirror\n");
        assert_eq!(conf.extra_index_urls, ["https://a/", "#", "mirror"]);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let cases = [
            (
                "index-url = https://a/\n",
                "/etc/pip.conf:1: expected a section header",
            ),
            (
                "[global]\n= https://a/\n",
                "/etc/pip.conf:2: expected a key name",
            ),
            (
                "[global]\njust words\n",
                "/etc/pip.conf:2: expected `key = value`",
            ),
            (
                "[global]\nno-index = maybe\n",
                "/etc/pip.conf:2: `no-index = maybe` is not a boolean",
            ),
            (
                "[global]\na = 1\n[install]\n[global]\n",
                "/etc/pip.conf:4: section [global] is written twice in this file (first on line 1)",
            ),
            (
                "[global]\nIndex-URL = a\nindex-url = b\n",
                "/etc/pip.conf:3: `index-url` is written twice in [global] (first on line 2)",
            ),
            (
                "[global]\nindex-url =\n  https://a/\n  https://b/\n",
                "/etc/pip.conf:2: `index-url` takes one URL",
            ),
        ];
        for (text, expected) in cases {
            let message = error(text);
            assert!(message.starts_with(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn later_files_replace_keys_per_section_and_install_beats_a_later_global() {
        let path = Path::new("/x");
        let files = [
            ConfFile::parse(
                "[install]\nindex-url = https://install-in-global-file/\n[global]\nextra-index-url = https://e1/\n",
                path,
            )
            .unwrap(),
            ConfFile::parse(
                "[global]\nindex-url = https://user-global/\nextra-index-url =\n",
                path,
            )
            .unwrap(),
        ];
        let layered = Layered::from_files(files);
        assert_eq!(
            layered.index_url().unwrap().unwrap().0,
            "https://install-in-global-file/"
        );
        // The later file's empty value replaced the earlier one, and empty means unset.
        assert_eq!(layered.extra_index_urls().count(), 0);
    }
}
