//! The option part of a requirements line, read the way pip reads it: the text after the first
//! word starting with `-` is split like a POSIX shell (`shlex.split`) and parsed like Python's
//! `optparse`, including unique abbreviations of long options (`--extra-index` for
//! `--extra-index-url`) and `-rfile` / `--opt=value` spellings.

/// Every option pip accepts in a requirements file (pip 23: `SUPPORTED_OPTIONS` and
/// `SUPPORTED_OPTIONS_REQ` of `pip/_internal/req/req_file.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum OptionKind {
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    Constraint,
    Requirement,
    Editable,
    FindLinks,
    NoBinary,
    OnlyBinary,
    PreferBinary,
    RequireHashes,
    Pre,
    TrustedHost,
    UseFeature,
    GlobalOption,
    Hash,
    ConfigSettings,
}

struct Spec {
    kind: OptionKind,
    short: Option<char>,
    long: &'static [&'static str],
    takes_value: bool,
}

const SPECS: &[Spec] = &[
    Spec {
        kind: OptionKind::IndexUrl,
        short: Some('i'),
        long: &["index-url", "pypi-url"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::ExtraIndexUrl,
        short: None,
        long: &["extra-index-url"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::NoIndex,
        short: None,
        long: &["no-index"],
        takes_value: false,
    },
    Spec {
        kind: OptionKind::Constraint,
        short: Some('c'),
        long: &["constraint"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::Requirement,
        short: Some('r'),
        long: &["requirement"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::Editable,
        short: Some('e'),
        long: &["editable"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::FindLinks,
        short: Some('f'),
        long: &["find-links"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::NoBinary,
        short: None,
        long: &["no-binary"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::OnlyBinary,
        short: None,
        long: &["only-binary"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::PreferBinary,
        short: None,
        long: &["prefer-binary"],
        takes_value: false,
    },
    Spec {
        kind: OptionKind::RequireHashes,
        short: None,
        long: &["require-hashes"],
        takes_value: false,
    },
    Spec {
        kind: OptionKind::Pre,
        short: None,
        long: &["pre"],
        takes_value: false,
    },
    Spec {
        kind: OptionKind::TrustedHost,
        short: None,
        long: &["trusted-host"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::UseFeature,
        short: None,
        long: &["use-feature"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::GlobalOption,
        short: None,
        long: &["global-option"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::Hash,
        short: None,
        long: &["hash"],
        takes_value: true,
    },
    Spec {
        kind: OptionKind::ConfigSettings,
        short: Some('C'),
        long: &["config-settings"],
        takes_value: true,
    },
];

impl OptionKind {
    fn spec(self) -> &'static Spec {
        SPECS
            .iter()
            .find(|spec| spec.kind == self)
            .unwrap_or(&SPECS[0])
    }

    /// The canonical spelling, `--index-url`.
    pub fn long_name(self) -> String {
        format!(
            "--{}",
            self.spec().long.first().copied().unwrap_or_default()
        )
    }

    /// Options that only mean something on the same line as a requirement.
    pub fn is_per_requirement(self) -> bool {
        matches!(self, Self::Hash | Self::GlobalOption | Self::ConfigSettings)
    }
}

/// One option as given, with its value when it takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedOption {
    pub kind: OptionKind,
    pub value: Option<String>,
}

impl ParsedOption {
    /// `--name` or `--name=value`, for [`tend_model::SourceOptions::other`] and messages.
    pub fn to_canonical(&self) -> String {
        match &self.value {
            Some(value) => format!("{}={value}", self.kind.long_name()),
            None => self.kind.long_name(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ParsedOptions {
    pub options: Vec<ParsedOption>,
    /// Words that are not options (`--pre foo`): optparse collects them and pip ignores them.
    pub leftovers: Vec<String>,
}

impl ParsedOptions {
    pub fn values(&self, kind: OptionKind) -> impl Iterator<Item = &str> {
        self.options
            .iter()
            .filter(move |option| option.kind == kind)
            .map(|option| option.value.as_deref().unwrap_or_default())
    }

    pub fn has(&self, kind: OptionKind) -> bool {
        self.options.iter().any(|option| option.kind == kind)
    }
}

/// Why an option string could not be read; the message is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OptionError(pub String);

/// Splits and parses the option part of a line.
pub(super) fn parse_options(text: &str) -> Result<ParsedOptions, OptionError> {
    let words = shell_split(text)?;
    let mut parsed = ParsedOptions::default();
    let mut rest = words.into_iter();
    while let Some(word) = rest.next() {
        if word == "--" {
            parsed.leftovers.extend(rest.by_ref());
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline_value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let spec = match_long(name)?;
            let written = format!("--{name}");
            let value = if spec.takes_value {
                match inline_value {
                    Some(value) => Some(value),
                    None => Some(rest.next().ok_or_else(|| missing_value(&written))?),
                }
            } else if inline_value.is_some() {
                return Err(OptionError(format!(
                    "option `{written}` does not take a value"
                )));
            } else {
                None
            };
            parsed.options.push(ParsedOption {
                kind: spec.kind,
                value,
            });
        } else if word.len() > 1 && word.starts_with('-') {
            let mut characters = word.chars().skip(1);
            let letter = characters.next().unwrap_or('-');
            let written = format!("-{letter}");
            let spec = SPECS
                .iter()
                .find(|spec| spec.short == Some(letter))
                .ok_or_else(|| unknown_option(&written))?;
            let attached: String = characters.collect();
            // Every short option pip accepts here takes a value, so `-rfile` means `-r file`.
            let value = if attached.is_empty() {
                rest.next().ok_or_else(|| missing_value(&written))?
            } else {
                attached
            };
            parsed.options.push(ParsedOption {
                kind: spec.kind,
                value: Some(value),
            });
        } else {
            parsed.leftovers.push(word);
        }
    }
    Ok(parsed)
}

/// optparse accepts any unique prefix of a long option; an exact name wins over prefixes
/// (`--pre` is not ambiguous with `--prefer-binary`).
fn match_long(name: &str) -> Result<&'static Spec, OptionError> {
    let exact = SPECS.iter().find(|spec| spec.long.contains(&name));
    if let Some(spec) = exact {
        return Ok(spec);
    }
    let mut candidates: Vec<(&'static str, &'static Spec)> = SPECS
        .iter()
        .flat_map(|spec| spec.long.iter().map(move |long| (*long, spec)))
        .filter(|(long, _)| !name.is_empty() && long.starts_with(name))
        .collect();
    candidates.sort_by_key(|(long, _)| *long);
    match candidates.as_slice() {
        [(_, spec)] => Ok(spec),
        [] => Err(unknown_option(&format!("--{name}"))),
        several => {
            let names: Vec<String> = several
                .iter()
                .map(|(long, _)| format!("--{long}"))
                .collect();
            Err(OptionError(format!(
                "ambiguous option `--{name}` (could be {})",
                names.join(", ")
            )))
        }
    }
}

fn missing_value(written: &str) -> OptionError {
    OptionError(format!("option `{written}` expects a value"))
}

fn unknown_option(written: &str) -> OptionError {
    let mut message = format!("unknown option `{written}`");
    let closest = SPECS
        .iter()
        .flat_map(|spec| spec.long.iter())
        .map(|long| {
            (
                strsim::levenshtein(written.trim_start_matches('-'), long),
                *long,
            )
        })
        .min();
    if let Some((distance, long)) = closest {
        if distance <= 3 {
            return OptionError(format!("{message}; did you mean `--{long}`?"));
        }
    }
    message.push_str(
        " (pip accepts -r, -c, -e, -i, -f, --extra-index-url, --no-index, --trusted-host, \
         --pre, --prefer-binary, --only-binary, --no-binary, --require-hashes, --use-feature, \
         and per requirement --hash, --global-option, -C)",
    );
    OptionError(message)
}

/// POSIX-mode `shlex.split`: whitespace separates words, quotes group, `\` escapes outside
/// single quotes (inside double quotes only before `\` and `"`).
pub(super) fn shell_split(text: &str) -> Result<Vec<String>, OptionError> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Between,
        Word,
        Single,
        Double,
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut state = State::Between;
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        match state {
            State::Between | State::Word => match character {
                ' ' | '\t' | '\r' | '\n' => {
                    if state == State::Word {
                        words.push(std::mem::take(&mut word));
                        state = State::Between;
                    }
                }
                '\'' => state = State::Single,
                '"' => state = State::Double,
                '\\' => {
                    let escaped = characters.next().ok_or_else(no_escaped_character)?;
                    word.push(escaped);
                    state = State::Word;
                }
                other => {
                    word.push(other);
                    state = State::Word;
                }
            },
            State::Single => match character {
                '\'' => state = State::Word,
                other => word.push(other),
            },
            State::Double => match character {
                '"' => state = State::Word,
                '\\' => {
                    let escaped = characters.next().ok_or_else(no_closing_quotation)?;
                    if escaped != '\\' && escaped != '"' {
                        word.push('\\');
                    }
                    word.push(escaped);
                }
                other => word.push(other),
            },
        }
    }
    match state {
        State::Between => {}
        State::Word => words.push(word),
        State::Single | State::Double => return Err(no_closing_quotation()),
    }
    Ok(words)
}

fn no_closing_quotation() -> OptionError {
    OptionError("cannot split the options: a quotation is not closed".to_string())
}

fn no_escaped_character() -> OptionError {
    OptionError("cannot split the options: `\\` at the end with nothing to escape".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(kind: OptionKind, value: Option<&str>) -> ParsedOption {
        ParsedOption {
            kind,
            value: value.map(str::to_string),
        }
    }

    #[test]
    fn shell_split_matches_shlex() {
        assert_eq!(
            shell_split("a  'b c' \"d \\\" \\x\" e\\ f ''").unwrap(),
            ["a", "b c", "d \" \\x", "e f", ""]
        );
        assert!(shell_split("'open").is_err());
        assert!(shell_split("end\\").is_err());
        assert!(shell_split("   ").unwrap().is_empty());
    }

    #[test]
    fn reads_every_spelling() {
        let parsed = parse_options(
            "-rbase.txt -c c.txt --index-url=https://a --extra-index https://b --pre --hash sha256:00",
        )
        .unwrap();
        assert_eq!(
            parsed.options,
            [
                option(OptionKind::Requirement, Some("base.txt")),
                option(OptionKind::Constraint, Some("c.txt")),
                option(OptionKind::IndexUrl, Some("https://a")),
                option(OptionKind::ExtraIndexUrl, Some("https://b")),
                option(OptionKind::Pre, None),
                option(OptionKind::Hash, Some("sha256:00")),
            ]
        );
        assert!(parsed.leftovers.is_empty());
    }

    #[test]
    fn words_that_are_not_options_are_leftovers() {
        let parsed = parse_options("--pre stray -- -r x").unwrap();
        assert_eq!(parsed.options, [option(OptionKind::Pre, None)]);
        assert_eq!(parsed.leftovers, ["stray", "-r", "x"]);
    }

    #[test]
    fn rejects_what_optparse_rejects() {
        assert_eq!(
            parse_options("--frobnicate").unwrap_err().0,
            "unknown option `--frobnicate` (pip accepts -r, -c, -e, -i, -f, --extra-index-url, \
             --no-index, --trusted-host, --pre, --prefer-binary, --only-binary, --no-binary, \
             --require-hashes, --use-feature, and per requirement --hash, --global-option, -C)"
        );
        assert_eq!(
            parse_options("--index-ur https://x").unwrap().options,
            [option(OptionKind::IndexUrl, Some("https://x"))],
            "a unique prefix is accepted"
        );
        assert_eq!(
            parse_options("--no-indx").unwrap_err().0,
            "unknown option `--no-indx`; did you mean `--no-index`?"
        );
        assert_eq!(
            parse_options("--no").unwrap_err().0,
            "ambiguous option `--no` (could be --no-binary, --no-index)"
        );
        assert!(parse_options("-x")
            .unwrap_err()
            .0
            .starts_with("unknown option `-x`"));
        assert_eq!(
            parse_options("-r").unwrap_err().0,
            "option `-r` expects a value"
        );
        assert_eq!(
            parse_options("--pre=yes").unwrap_err().0,
            "option `--pre` does not take a value"
        );
    }
}
