//! The policy as written: serde structs that keep spans, before validation.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;
use tend_model::{AdvisoryId, IgnoreRuleRef, Location, PackageName, VersionSpecifiers};
use toml::Spanned;

use crate::{
    AdvisoriesPolicy, CheckPolicy, ConfigProblem, EnvironmentSetting, IndexPolicy, Located, Policy,
    SourcesPolicy, VersionRule,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawConfig {
    #[serde(default)]
    sources: RawSources,
    #[serde(default)]
    environment: RawEnvironment,
    #[serde(default)]
    check: RawCheck,
    #[serde(default)]
    advisories: RawAdvisories,
    #[serde(default)]
    index: RawIndex,
    #[serde(default)]
    categories: Vec<Spanned<crate::categories::RawCategory>>,
    #[serde(default)]
    fallback_category: crate::categories::RawFallback,
    #[serde(default)]
    update: crate::update::RawUpdate,
    #[serde(default)]
    gates: BTreeMap<Spanned<String>, Spanned<crate::update::RawGate>>,
    #[serde(default)]
    notify: crate::notify::RawNotify,
    // `None` (no `schedules` key): the default schedules; `schedules = []`: none.
    schedules: Option<Vec<Spanned<crate::notify::RawSchedule>>>,
    #[serde(default)]
    retention: crate::notify::RawRetention,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIndex {
    url: Option<Spanned<String>>,
    #[serde(default)]
    extra_urls: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAdvisories {
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    max_age: Option<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIgnore {
    id: Spanned<String>,
    reason: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    until: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    until_fixed: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSources {
    #[serde(default)]
    production: Vec<Spanned<String>>,
    #[serde(default)]
    development: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEnvironment {
    path: Option<Spanned<String>>,
    python: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCheck {
    #[serde(default)]
    critical_imports: Vec<Spanned<String>>,
    #[serde(default)]
    version_rules: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Where the raw config's spans point: the file, its text, and the directory relative paths
/// are resolved against.
pub(crate) struct SourceText<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl SourceText<'_> {
    pub fn problem(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> ConfigProblem {
        let (line, column) = Location::line_of_offset(self.text, span.start);
        ConfigProblem {
            location: Location::new(self.path, line).with_column(column),
            message: message.into(),
            line_text: self
                .text
                .lines()
                .nth(line.saturating_sub(1))
                .map(str::to_string),
            hint: None,
        }
    }

    pub(crate) fn location(&self, span: std::ops::Range<usize>) -> Location {
        let (line, column) = Location::line_of_offset(self.text, span.start);
        Location::new(self.path, line).with_column(column)
    }
}

impl RawConfig {
    /// Checks every value, collecting all problems rather than stopping at the first.
    pub(crate) fn validate(self, source: &SourceText<'_>) -> Result<Policy, Vec<ConfigProblem>> {
        let mut problems = Vec::new();
        let base = source.path.parent().unwrap_or(Path::new(""));

        let resolve = |value: &Spanned<String>, key: &str, problems: &mut Vec<ConfigProblem>| {
            if value.get_ref().trim().is_empty() {
                problems.push(source.problem(value.span(), format!("`{key}` must not be empty")));
                None
            } else {
                Some(base.join(value.get_ref()))
            }
        };

        let sources = SourcesPolicy {
            production: self
                .sources
                .production
                .iter()
                .filter_map(|value| resolve(value, "sources.production", &mut problems))
                .collect(),
            development: self
                .sources
                .development
                .iter()
                .filter_map(|value| resolve(value, "sources.development", &mut problems))
                .collect(),
        };

        let environment = match (self.environment.path, self.environment.python) {
            (Some(_), Some(python)) => {
                problems.push(source.problem(
                    python.span(),
                    "set either `environment.path` or `environment.python`, not both",
                ));
                None
            }
            (Some(path), None) => {
                resolve(&path, "environment.path", &mut problems).map(EnvironmentSetting::Venv)
            }
            (None, Some(python)) => resolve(&python, "environment.python", &mut problems)
                .map(EnvironmentSetting::Python),
            (None, None) => None,
        };

        let mut critical_imports = Vec::new();
        for module in &self.check.critical_imports {
            if is_module_path(module.get_ref()) {
                critical_imports.push(Located {
                    value: module.get_ref().clone(),
                    location: Some(source.location(module.span())),
                });
            } else {
                problems.push(source.problem(
                    module.span(),
                    format!(
                        "`{}` is not an importable module name (expected dotted Python identifiers, e.g. `flask` or `sqlalchemy.orm`)",
                        module.get_ref()
                    ),
                ));
            }
        }

        let mut version_rules = Vec::new();
        for (package, specifier) in &self.check.version_rules {
            let name = match PackageName::from_str(package.get_ref()) {
                Ok(name) => Some(name),
                Err(error) => {
                    problems.push(source.problem(
                        package.span(),
                        format!(
                            "`{}` is not a valid package name: {error}",
                            package.get_ref()
                        ),
                    ));
                    None
                }
            };
            let parsed = match VersionSpecifiers::from_str(specifier.get_ref()) {
                Ok(parsed) => Some(parsed),
                Err(error) => {
                    problems.push(source.problem(
                        specifier.span(),
                        format!(
                            "`{}` is not a PEP 440 version specifier (expected e.g. \">=2,<4\"): {error}",
                            specifier.get_ref()
                        ),
                    ));
                    None
                }
            };
            if let (Some(package_name), Some(specifier_value)) = (name, parsed) {
                version_rules.push(VersionRule {
                    package: package_name,
                    specifier: specifier_value,
                    location: Some(source.location(package.span())),
                });
            }
        }

        let advisories = self.advisories.validate(source, &mut problems);
        let index = self.index.validate(source, &mut problems);
        let update = crate::update::validate(&self.update, &self.gates, source, &mut problems);
        let categories = crate::categories::validate(
            self.categories,
            &self.fallback_category,
            &update,
            source,
            &mut problems,
        );
        let notify = crate::notify::validate_notify(&self.notify, source, &mut problems);
        let schedules = crate::notify::validate_schedules(
            self.schedules.as_ref(),
            &notify,
            source,
            &mut problems,
        );
        let retention = crate::notify::validate_retention(&self.retention, source, &mut problems);

        if !problems.is_empty() {
            problems.sort_by(|a, b| a.location.cmp(&b.location));
            return Err(problems);
        }
        Ok(Policy {
            file: None,
            sources,
            environment,
            check: CheckPolicy {
                critical_imports,
                version_rules,
            },
            advisories,
            index,
            categories,
            update,
            notify,
            schedules,
            retention,
        })
    }
}

impl RawIndex {
    /// Checks what can be checked without the file system: one value, and a scheme an index
    /// client speaks. Whether a directory exists, and the URL itself, are `tend-index`'s to
    /// judge when the indexes are resolved.
    fn validate(self, source: &SourceText<'_>, problems: &mut Vec<ConfigProblem>) -> IndexPolicy {
        let mut check = |value: Spanned<String>, key: &str| {
            let text = value.get_ref().trim();
            let message = if text.is_empty() {
                Some(format!("`{key}` must not be empty"))
            } else if text.contains(char::is_whitespace) {
                Some(format!(
                    "`{key}` takes one URL or directory per string, found `{}`",
                    redact_userinfo(text)
                ))
            } else {
                match text.split_once("://") {
                    Some((scheme, _))
                        if !["https", "http", "file"]
                            .iter()
                            .any(|known| scheme.eq_ignore_ascii_case(known)) =>
                    {
                        Some(format!(
                            "`{key}`: the scheme `{scheme}` is not supported; expected an \
                             `https://`, `http://` or `file://` URL, or a directory"
                        ))
                    }
                    _ => None,
                }
            };
            match message {
                Some(message) => {
                    let mut problem = source.problem(value.span(), message);
                    // The line is shown under the message; a token written in it is not.
                    problem.line_text = problem.line_text.as_deref().map(redact_userinfo);
                    problems.push(problem);
                    None
                }
                None => Some(Located {
                    value: text.to_string(),
                    location: Some(source.location(value.span())),
                }),
            }
        };
        let url = self.url.and_then(|value| check(value, "index.url"));
        let extra_urls = self
            .extra_urls
            .into_iter()
            .filter_map(|value| check(value, "index.extra-urls"))
            .collect();
        IndexPolicy { url, extra_urls }
    }
}

/// `scheme://user:password@host` → `scheme://user:****@host` (and `scheme://token@host` →
/// `scheme://****@host`), wherever it appears in `text`.
fn redact_userinfo(text: &str) -> String {
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("://") {
        let authority_start = found + 3;
        redacted.push_str(&rest[..authority_start]);
        rest = &rest[authority_start..];
        let authority_end = rest
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | ',' | ']') || c.is_whitespace()
            })
            .unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            // As tend-http's RedactedUrl: the user stays beside a password, a lone user name
            // is taken for a token.
            match rest[..at].split_once(':') {
                Some((user, _)) => {
                    redacted.push_str(user);
                    redacted.push_str(":****");
                }
                None => redacted.push_str("****"),
            }
            rest = &rest[at..];
        }
    }
    redacted.push_str(rest);
    redacted
}

impl RawAdvisories {
    fn validate(
        self,
        source: &SourceText<'_>,
        problems: &mut Vec<ConfigProblem>,
    ) -> AdvisoriesPolicy {
        let base = source.path.parent().unwrap_or(Path::new(""));
        let mut sources = Vec::new();
        for value in &self.sources {
            if value.get_ref().trim().is_empty() {
                problems.push(source.problem(
                    value.span(),
                    "`advisories.sources` entries must not be empty",
                ));
            } else {
                sources.push(Located {
                    value: base.join(value.get_ref()),
                    location: Some(source.location(value.span())),
                });
            }
        }
        let max_age = self
            .max_age
            .and_then(|value| match parse_duration(value.get_ref()) {
                Ok(duration) => Some(Located {
                    value: duration,
                    location: Some(source.location(value.span())),
                }),
                Err(message) => {
                    problems.push(source.problem(value.span(), message));
                    None
                }
            });
        let mut ignore = Vec::new();
        for rule in self.ignore {
            let span = rule.span();
            let rule = rule.into_inner();
            let id = match AdvisoryId::new(rule.id.get_ref()) {
                Ok(id) => Some(id),
                Err(error) => {
                    problems.push(source.problem(
                        rule.id.span(),
                        format!("`{}` is not an advisory id: {error}", rule.id.get_ref()),
                    ));
                    None
                }
            };
            let reason = match &rule.reason {
                Some(reason) if !reason.get_ref().trim().is_empty() => {
                    Some(reason.get_ref().trim().to_string())
                }
                Some(reason) => {
                    problems.push(source.problem(
                        reason.span(),
                        "`reason` must say why the advisory is ignored",
                    ));
                    None
                }
                None => {
                    let mut problem =
                        source.problem(span.clone(), "an ignore rule needs a `reason`");
                    problem.hint = Some(
                        "e.g. { id = \"PYSEC-2023-62\", reason = \"not reachable: we never call send_file\", until = 2026-12-31 }"
                            .to_string(),
                    );
                    problems.push(problem);
                    None
                }
            };
            let until = rule.until.as_ref().and_then(|until| {
                let date = toml_date(until.get_ref());
                if date.is_none() {
                    problems.push(source.problem(
                        until.span(),
                        format!(
                            "`until` must be a date like 2026-12-31, found `{}`",
                            until.get_ref()
                        ),
                    ));
                }
                date
            });
            if let (Some(id), Some(reason)) = (id, reason) {
                ignore.push(IgnoreRuleRef {
                    id,
                    reason,
                    owner: rule
                        .owner
                        .map(|owner| owner.into_inner().trim().to_string())
                        .filter(|owner| !owner.is_empty()),
                    until,
                    until_fixed: rule.until_fixed,
                    location: Some(source.location(span)),
                });
            }
        }
        AdvisoriesPolicy {
            sources,
            max_age,
            ignore,
        }
    }
}

/// A TOML local date (`2026-12-31`), the only form of `until` that means one day everywhere.
fn toml_date(value: &toml::value::Datetime) -> Option<jiff::civil::Date> {
    match (value.date, value.time, value.offset) {
        (Some(date), None, None) => jiff::civil::Date::new(
            i16::try_from(date.year).ok()?,
            i8::try_from(date.month).ok()?,
            i8::try_from(date.day).ok()?,
        )
        .ok(),
        _ => None,
    }
}

/// `90m`, `24h`, `7d`, `2w`: a whole number and a unit.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let expected = || {
        format!("`{text}` is not a duration (expected a whole number and a unit: `90m`, `24h`, `7d`, `2w`)")
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(expected)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| expected())?;
    let seconds = match unit.trim() {
        // Seconds are for time limits (`health-timeout = "90s"`); the examples keep to the
        // units deadlines use.
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(expected()),
    };
    number
        .checked_mul(seconds)
        .map(std::time::Duration::from_secs)
        .ok_or_else(expected)
}

fn is_module_path(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

/// Turns a TOML/serde error into a problem, adding a "did you mean" for unknown keys.
pub(crate) fn deserialize_problem(
    source: &SourceText<'_>,
    error: &toml::de::Error,
) -> ConfigProblem {
    let span = error.span().unwrap_or(0..0);
    let message = error.message().trim().to_string();
    let mut problem = source.problem(span, message.clone());
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((unknown, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected
                .split('`')
                .enumerate()
                .filter(|(index, _)| index % 2 == 1)
                .map(|(_, key)| key)
                .collect();
            let best = candidates
                .iter()
                .map(|candidate| (strsim::jaro_winkler(unknown, candidate), *candidate))
                .filter(|(score, _)| *score > 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, candidate)) = best {
                problem.hint = Some(format!("did you mean `{candidate}`?"));
            }
        }
    }
    problem
}
