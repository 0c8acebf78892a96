//! TOML read with the byte span of every key and value, so that each declaration and each error
//! can name its line. Shared by the `pyproject.toml` reader and the TOML lockfile readers.
//!
//! The readers walk the parsed tree by hand instead of deriving `Deserialize`: these files belong
//! to other tools and gain keys over time, so unknown keys are ignored, while a known key of the
//! wrong type is an error that points at the value.

use std::path::Path;

use tend_model::Location;
use toml::de::{DeArray, DeString, DeTable, DeValue};
use toml::Spanned;

use crate::SourceError;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;
pub(crate) type Key<'i> = Spanned<DeString<'i>>;

/// The text and path of one TOML file, to turn byte offsets into locations and errors.
#[derive(Clone, Copy)]
pub(crate) struct TomlFile<'i> {
    pub text: &'i str,
    pub path: &'i Path,
}

impl<'i> TomlFile<'i> {
    /// Parses the document; a syntax error names the line the TOML parser points at.
    pub fn parse(text: &'i str, path: &'i Path) -> Result<(Self, DeTable<'i>), SourceError> {
        let file = Self { text, path };
        match DeTable::parse(text) {
            Ok(root) => Ok((file, root.into_inner())),
            Err(error) => {
                let offset = error.span().map_or(0, |span| span.start);
                let message = error.message().trim_end().to_string();
                Err(file.error(offset, format!("invalid TOML: {message}")))
            }
        }
    }

    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = Location::line_of_offset(self.text, offset);
        Location::new(self.path, line).with_column(column)
    }

    /// The location of a declaration: its line only, since the column of an entry says nothing.
    pub fn line_location(&self, offset: usize) -> Location {
        let (line, _) = Location::line_of_offset(self.text, offset);
        Location::new(self.path, line)
    }

    pub fn error(&self, offset: usize, message: impl Into<String>) -> SourceError {
        let location = self.location(offset);
        let line_text = self.text.lines().nth(location.line.saturating_sub(1));
        SourceError::parse(location, message, line_text)
    }

    /// "expected a string in `project.dependencies`, found an integer"
    pub fn expected(&self, value: &Value<'_>, what: &str, key: &str) -> SourceError {
        let found = type_name(value.get_ref());
        self.error(
            value.span().start,
            format!("expected {what} in `{key}`, found {found}"),
        )
    }

    pub fn string<'v>(&self, value: &'v Value<'i>, key: &str) -> Result<&'v str, SourceError> {
        value
            .get_ref()
            .as_str()
            .ok_or_else(|| self.expected(value, "a string", key))
    }

    pub fn table<'v>(
        &self,
        value: &'v Value<'i>,
        key: &str,
    ) -> Result<&'v DeTable<'i>, SourceError> {
        value
            .get_ref()
            .as_table()
            .ok_or_else(|| self.expected(value, "a table", key))
    }

    pub fn array<'v>(
        &self,
        value: &'v Value<'i>,
        key: &str,
    ) -> Result<&'v DeArray<'i>, SourceError> {
        value
            .get_ref()
            .as_array()
            .ok_or_else(|| self.expected(value, "an array", key))
    }

    pub fn boolean(&self, value: &Value<'i>, key: &str) -> Result<bool, SourceError> {
        value
            .get_ref()
            .as_bool()
            .ok_or_else(|| self.expected(value, "a boolean", key))
    }

    pub fn optional_string<'v>(
        &self,
        table: &'v DeTable<'i>,
        name: &str,
        key: &str,
    ) -> Result<Option<&'v str>, SourceError> {
        get(table, name)
            .map(|value| self.string(value, &join(key, name)))
            .transpose()
    }

    pub fn optional_table<'v>(
        &self,
        table: &'v DeTable<'i>,
        name: &str,
        key: &str,
    ) -> Result<Option<&'v DeTable<'i>>, SourceError> {
        get(table, name)
            .map(|value| self.table(value, &join(key, name)))
            .transpose()
    }

    pub fn optional_array<'v>(
        &self,
        table: &'v DeTable<'i>,
        name: &str,
        key: &str,
    ) -> Result<Option<&'v DeArray<'i>>, SourceError> {
        get(table, name)
            .map(|value| self.array(value, &join(key, name)))
            .transpose()
    }

    pub fn optional_boolean(
        &self,
        table: &DeTable<'i>,
        name: &str,
        key: &str,
    ) -> Result<Option<bool>, SourceError> {
        get(table, name)
            .map(|value| self.boolean(value, &join(key, name)))
            .transpose()
    }

    /// A key the format requires; its absence is reported at `at` (the enclosing table).
    pub fn required_string<'v>(
        &self,
        table: &'v DeTable<'i>,
        name: &str,
        key: &str,
        at: usize,
    ) -> Result<&'v str, SourceError> {
        self.optional_string(table, name, key)?
            .ok_or_else(|| self.error(at, format!("missing `{name}` in `{key}`")))
    }

    /// Every string in an array, with its span.
    pub fn strings<'v>(
        &self,
        array: &'v DeArray<'i>,
        key: &str,
    ) -> Result<Vec<(&'v str, std::ops::Range<usize>)>, SourceError> {
        array
            .iter()
            .map(|value| Ok((self.string(value, key)?, value.span())))
            .collect()
    }
}

pub(crate) fn get<'v, 'i>(table: &'v DeTable<'i>, name: &str) -> Option<&'v Value<'i>> {
    table.get(name)
}

/// The entries of a table in file order (the parsed map is sorted by key).
pub(crate) fn entries<'v, 'i>(table: &'v DeTable<'i>) -> Vec<(&'v Key<'i>, &'v Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

pub(crate) fn join(key: &str, name: &str) -> String {
    if key.is_empty() {
        name.to_string()
    } else {
        format!("{key}.{name}")
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
