//! `[[categories]]`: which packages are how urgent. Owns the checked categories, the
//! package-to-category rule (exact names, then globs, the vulnerable-package rule, the
//! fallback) and the validation of the raw tables.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use tend_model::{Location, PackageName};
use toml::Spanned;

use crate::raw::{parse_duration, SourceText};
use crate::ConfigProblem;

/// The name of the category a package falls into when no written category takes it.
pub const FALLBACK_CATEGORY: &str = "other";

/// How far an update of a category's packages may move them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum UpdateStrategy {
    /// Same major and minor version.
    Patch,
    /// Same major version; a newer major release is not proposed.
    #[default]
    Minor,
    /// Any newer version.
    Major,
    /// Same major version, and a newer major release is listed as deferred with what it
    /// would fix, so that a team sees what it is holding back.
    PinMajor,
}

impl UpdateStrategy {
    const ALL: [Self; 4] = [Self::Patch, Self::Minor, Self::Major, Self::PinMajor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
            Self::PinMajor => "pin-major",
        }
    }

    /// The furthest release the strategy proposes, in the terms `tend outdated` uses.
    pub fn ceiling(self) -> tend_model::Strategy {
        match self {
            Self::Patch => tend_model::Strategy::Patch,
            Self::Minor | Self::PinMajor => tend_model::Strategy::Minor,
            Self::Major => tend_model::Strategy::Major,
        }
    }
}

impl FromStr for UpdateStrategy {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|strategy| strategy.as_str() == text)
            .ok_or(())
    }
}

/// Which release a security update moves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Target {
    /// The newest release the strategy allows (and the cooldown lets through).
    #[default]
    Newest,
    /// The smallest release that fixes every open advisory with a known fix: the least change
    /// that closes them. Updates that fix nothing still move to the newest allowed release.
    MinimalFix,
}

impl Target {
    const ALL: [Self; 2] = [Self::Newest, Self::MinimalFix];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::MinimalFix => "minimal-fix",
        }
    }
}

impl FromStr for Target {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|target| target.as_str() == text)
            .ok_or(())
    }
}

/// One way a category names packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackagePattern {
    /// A package name, normalised (PEP 503).
    Exact(PackageName),
    /// A glob with `*` (any run of characters) and `?` (one character), normalised like a
    /// name: `Flask_*` is kept as `flask-*`.
    Glob(String),
}

impl PackagePattern {
    /// The pattern as written after normalisation.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Exact(name) => name.as_ref(),
            Self::Glob(glob) => glob,
        }
    }

    fn matches(&self, name: &PackageName) -> bool {
        match self {
            Self::Exact(exact) => exact == name,
            Self::Glob(glob) => glob_matches(glob.as_bytes(), name.as_ref().as_bytes()),
        }
    }
}

/// A checked category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub packages: Vec<PackagePattern>,
    /// How long after its clock starts an update must be applied; `None` only for the
    /// fallback category when the policy does not give one.
    pub sla: Option<Duration>,
    pub strategy: UpdateStrategy,
    /// Which release a security update moves to.
    pub target: Target,
    /// The gates its updates must pass (checked by the update stage), as written.
    pub gates: Vec<String>,
    /// The minimum age of a release before an ordinary update proposes it.
    pub min_age: Option<Duration>,
    /// The minimum age of a release that fixes an open advisory (it bypasses `min_age`).
    pub security_min_age: Option<Duration>,
    /// Where the `[[categories]]` table starts; `None` for the built-in fallback.
    pub location: Option<Location>,
}

impl Category {
    fn fallback() -> Self {
        Self {
            name: FALLBACK_CATEGORY.to_string(),
            packages: Vec::new(),
            sla: None,
            strategy: UpdateStrategy::default(),
            target: Target::default(),
            gates: Vec::new(),
            min_age: None,
            security_min_age: None,
            location: None,
        }
    }
}

/// Why a package is in its category, for a plan to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchReason {
    /// The category names the package.
    Exact,
    /// A glob of the category matches the package's name.
    Glob(String),
    /// The package has an open advisory; `marked` is true when the category is the one
    /// written `vulnerable = true`, false when it is the first (most urgent) by default.
    Vulnerable { marked: bool },
    /// No category names the package.
    Fallback,
}

/// The categories of a policy, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Categories {
    list: Vec<Category>,
    /// The index of the category written `vulnerable = true`.
    vulnerable: Option<usize>,
    fallback: Category,
}

impl Default for Categories {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            vulnerable: None,
            fallback: Category::fallback(),
        }
    }
}

/// A package's category and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryMatch<'a> {
    pub category: &'a Category,
    pub reason: MatchReason,
}

impl Categories {
    /// The written categories, in file order (most urgent first).
    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.list.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The category packages no written category takes (named [`FALLBACK_CATEGORY`]).
    pub fn fallback(&self) -> &Category {
        &self.fallback
    }

    /// A category by name, the fallback included.
    pub fn get(&self, name: &str) -> Option<&Category> {
        self.list
            .iter()
            .chain(std::iter::once(&self.fallback))
            .find(|category| category.name == name)
    }

    /// The category of `name`: with an open advisory (`vulnerable`), the vulnerable
    /// category; else the first category naming it exactly, else the first with a matching
    /// glob, else the fallback.
    pub fn category_for(&self, name: &PackageName, vulnerable: bool) -> CategoryMatch<'_> {
        let found = |category, reason| CategoryMatch { category, reason };
        if vulnerable {
            if let Some(index) = self.vulnerable {
                return found(&self.list[index], MatchReason::Vulnerable { marked: true });
            }
            if let Some(first) = self.list.first() {
                return found(first, MatchReason::Vulnerable { marked: false });
            }
        }
        let exact = self.list.iter().find(|category| {
            category
                .packages
                .iter()
                .any(|pattern| matches!(pattern, PackagePattern::Exact(_)) && pattern.matches(name))
        });
        if let Some(category) = exact {
            return found(category, MatchReason::Exact);
        }
        for category in &self.list {
            for pattern in &category.packages {
                if let PackagePattern::Glob(glob) = pattern {
                    if pattern.matches(name) {
                        return found(category, MatchReason::Glob(glob.clone()));
                    }
                }
            }
        }
        found(&self.fallback, MatchReason::Fallback)
    }
}

/// `*` any run of characters, `?` one character; everything else literally.
fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    // Iterative with one backtrack point, the usual wildcard algorithm: linear enough for
    // package names and no recursion on hostile patterns.
    let (mut g, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if g < glob.len() && (glob[g] == b'?' || glob[g] == text[t]) {
            g += 1;
            t += 1;
        } else if g < glob.len() && glob[g] == b'*' {
            star = Some((g, t));
            g += 1;
        } else if let Some((star_g, star_t)) = star {
            g = star_g + 1;
            t = star_t + 1;
            star = Some((star_g, star_t + 1));
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|&c| c == b'*')
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawCategory {
    name: Spanned<String>,
    #[serde(default)]
    packages: Vec<Spanned<String>>,
    sla: Option<Spanned<String>>,
    strategy: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    #[serde(default)]
    gates: Vec<Spanned<String>>,
    min_age: Option<Spanned<String>>,
    security_min_age: Option<Spanned<String>>,
    vulnerable: Option<Spanned<bool>>,
}

/// `[fallback-category]`: the settings of the category packages no other category takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawFallback {
    sla: Option<Spanned<String>>,
    strategy: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    #[serde(default)]
    gates: Vec<Spanned<String>>,
    min_age: Option<Spanned<String>>,
    security_min_age: Option<Spanned<String>>,
}

/// What a glob or a name in `packages` may contain besides the wildcards.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// The PEP 503 normal form of a glob: lower case, runs of `-`, `_`, `.` as one `-`.
fn normalise_glob(glob: &str) -> String {
    let mut normal = String::with_capacity(glob.len());
    for c in glob.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !normal.ends_with('-') {
                normal.push('-');
            }
        } else {
            normal.push(c.to_ascii_lowercase());
        }
    }
    normal
}

pub(crate) fn duration(
    value: Option<&Spanned<String>>,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Option<Duration> {
    let value = value?;
    match parse_duration(value.get_ref()) {
        Ok(duration) => Some(duration),
        Err(message) => {
            problems.push(source.problem(value.span(), message));
            None
        }
    }
}

/// One of a closed set of words (`strategy`, `target`), with the closest one suggested.
fn keyword<T: Copy + Default>(
    value: Option<&Spanned<String>>,
    all: &[T],
    name: fn(T) -> &'static str,
    expected: &str,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> T {
    let Some(value) = value else {
        return T::default();
    };
    let text = value.get_ref().trim();
    if let Some(found) = all.iter().find(|candidate| name(**candidate) == text) {
        return *found;
    }
    let mut problem = source.problem(value.span(), format!("`{text}` is not {expected}"));
    problem.hint = all
        .iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(text, name(*candidate)),
                name(*candidate),
            )
        })
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, closest)| format!("did you mean `{closest}`?"));
    problems.push(problem);
    T::default()
}

fn strategy(
    value: Option<&Spanned<String>>,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> UpdateStrategy {
    keyword(
        value,
        &UpdateStrategy::ALL,
        UpdateStrategy::as_str,
        "an update strategy (expected `patch`, `minor`, `major` or `pin-major`)",
        source,
        problems,
    )
}

fn target(
    value: Option<&Spanned<String>>,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Target {
    keyword(
        value,
        &Target::ALL,
        Target::as_str,
        "an update target (expected `newest` or `minimal-fix`)",
        source,
        problems,
    )
}

fn gates(
    values: &[Spanned<String>],
    update: &crate::UpdatePolicy,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<String> {
    let mut gates: Vec<String> = Vec::new();
    for value in values {
        let gate = value.get_ref().trim();
        if gate.is_empty() {
            problems.push(source.problem(value.span(), "a gate name must not be empty"));
        } else if gates.iter().any(|known| known == gate) {
            problems.push(source.problem(value.span(), format!("gate `{gate}` is listed twice")));
        } else {
            crate::update::check_gate_reference(value, update, source, problems);
            gates.push(gate.to_string());
        }
    }
    gates
}

/// Checks the categories and the fallback's settings, collecting every problem.
pub(crate) fn validate(
    raw: Vec<Spanned<RawCategory>>,
    fallback: &RawFallback,
    update: &crate::UpdatePolicy,
    source: &SourceText<'_>,
    problems: &mut Vec<ConfigProblem>,
) -> Categories {
    let mut list: Vec<Category> = Vec::new();
    let mut vulnerable: Option<(usize, String)> = None;
    // Where each name and pattern was first written, to name it in a duplicate's error.
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut patterns: BTreeMap<String, (String, usize)> = BTreeMap::new();

    for (index, table) in raw.into_iter().enumerate() {
        let span = table.span();
        let table = table.into_inner();
        let name = table.name.get_ref().trim().to_string();
        let name_line = Location::line_of_offset(source.text, table.name.span().start).0;
        if name.is_empty() {
            problems.push(source.problem(table.name.span(), "a category `name` must not be empty"));
        } else if name == FALLBACK_CATEGORY {
            problems.push(source.problem(
                table.name.span(),
                format!(
                    "`{FALLBACK_CATEGORY}` is the category of packages no category takes; set it in `[fallback-category]`"
                ),
            ));
        } else if let Some(first) = names.get(&name) {
            problems.push(source.problem(
                table.name.span(),
                format!("category `{name}` is defined twice (first on line {first})"),
            ));
        } else {
            names.insert(name.clone(), name_line);
        }

        let mut packages = Vec::new();
        for value in &table.packages {
            let text = value.get_ref().trim();
            let line = Location::line_of_offset(source.text, value.span().start).0;
            // Brackets and braces are glob syntax elsewhere: say what this glob supports.
            let pattern = if text.contains(['*', '?', '[', ']', '{', '}', '!']) {
                if text
                    .chars()
                    .all(|c| is_name_char(c) || matches!(c, '*' | '?'))
                {
                    Some(PackagePattern::Glob(normalise_glob(text)))
                } else {
                    problems.push(source.problem(
                        value.span(),
                        format!(
                            "`{text}` is not a package glob (expected letters, digits, `-`, `_`, `.` and the wildcards `*` and `?`)"
                        ),
                    ));
                    None
                }
            } else {
                match PackageName::from_str(text) {
                    Ok(package) => Some(PackagePattern::Exact(package)),
                    Err(error) => {
                        problems.push(source.problem(
                            value.span(),
                            format!("`{text}` is not a valid package name: {error}"),
                        ));
                        None
                    }
                }
            };
            let Some(pattern) = pattern else { continue };
            if let Some((category, first)) = patterns.get(pattern.as_str()) {
                problems.push(source.problem(
                    value.span(),
                    format!(
                        "`{}` is already listed in category `{category}` (line {first})",
                        pattern.as_str()
                    ),
                ));
                continue;
            }
            patterns.insert(pattern.as_str().to_string(), (name.clone(), line));
            packages.push(pattern);
        }
        if table.packages.is_empty() {
            let mut problem = source.problem(
                span.clone(),
                format!("category `{name}` names no `packages`"),
            );
            problem.hint = Some(
                "list names and globs, e.g. packages = [\"flask\", \"flask-*\"]; `[fallback-category]` sets the category of every other package"
                    .to_string(),
            );
            problems.push(problem);
        }

        let sla = if table.sla.is_some() {
            duration(table.sla.as_ref(), source, problems)
        } else {
            let mut problem =
                source.problem(span.clone(), format!("category `{name}` needs an `sla`"));
            problem.hint = Some("e.g. sla = \"24h\", \"1w\" or \"30d\"".to_string());
            problems.push(problem);
            None
        };

        if let Some(marked) = &table.vulnerable {
            if *marked.get_ref() {
                if let Some((_, first)) = &vulnerable {
                    problems.push(source.problem(
                        marked.span(),
                        format!(
                            "only one category may be marked `vulnerable = true` (category `{first}` already is)"
                        ),
                    ));
                } else {
                    vulnerable = Some((index, name.clone()));
                }
            }
        }

        list.push(Category {
            name,
            packages,
            sla,
            strategy: strategy(table.strategy.as_ref(), source, problems),
            target: target(table.target.as_ref(), source, problems),
            gates: gates(&table.gates, update, source, problems),
            min_age: duration(table.min_age.as_ref(), source, problems),
            security_min_age: duration(table.security_min_age.as_ref(), source, problems),
            location: Some(source.location(span)),
        });
    }

    let fallback = Category {
        sla: duration(fallback.sla.as_ref(), source, problems),
        strategy: strategy(fallback.strategy.as_ref(), source, problems),
        target: target(fallback.target.as_ref(), source, problems),
        gates: gates(&fallback.gates, update, source, problems),
        min_age: duration(fallback.min_age.as_ref(), source, problems),
        security_min_age: duration(fallback.security_min_age.as_ref(), source, problems),
        ..Category::fallback()
    };
    Categories {
        list,
        vulnerable: vulnerable.map(|(index, _)| index),
        fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs() {
        let matches = |glob: &str, text: &str| glob_matches(glob.as_bytes(), text.as_bytes());
        assert!(matches("flask-*", "flask-login"));
        assert!(matches("flask-*", "flask-"));
        assert!(!matches("flask-*", "flask"));
        assert!(matches("*", "anything"));
        assert!(matches("*-sdk", "azure-sdk"));
        assert!(!matches("*-sdk", "azure-sdk-core"));
        assert!(matches("py?wt", "pyjwt"));
        assert!(!matches("py?wt", "pywt"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
    }
}
