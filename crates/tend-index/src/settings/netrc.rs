//! `.netrc`: login and password by host, as curl, Python's `netrc` module (and so pip through
//! requests) and uv read it.
//!
//! The file is a stream of words: `machine NAME` or `default` opens an entry, `login` (or
//! `user`), `password` and `account` give its values, `macdef NAME` starts a macro whose body
//! runs to the next empty line. A word may be written in double quotes (a password with spaces
//! or `#`), and `\` escapes the next character. `#` where a keyword is expected starts a
//! comment to the end of the line; in a value's place it is part of the value, so a password
//! may start with `#`.
//!
//! As in Python's reader, a later entry for the same machine replaces an earlier one, and
//! `default` answers for every host no `machine` entry names.
//!
//! Nothing read here ever reaches a message: errors name the line and the keyword expected,
//! never the word found (a misplaced word is often half of a password), and `Debug` hides
//! passwords and accounts.

use std::fmt;
use std::path::{Path, PathBuf};

/// A `.netrc` file: credentials by host.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Netrc {
    /// `machine` entries in file order; the last one for a host wins.
    machines: Vec<Entry>,
    /// The last `default` entry.
    default: Option<Entry>,
}

#[derive(Clone, Default, PartialEq, Eq)]
struct Entry {
    machine: String,
    login: Option<String>,
    password: Option<String>,
    account: Option<String>,
}

/// A `.netrc` that cannot be read; the password is never part of the message.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct NetrcError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl Netrc {
    /// Parses the text of a `.netrc` file; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, NetrcError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let error = |line: usize, message: &str| NetrcError {
            path: path.to_path_buf(),
            line,
            message: message.to_string(),
        };
        let mut words = Words::new(text);
        let mut netrc = Netrc::default();
        // The entry being filled, and whether it is the `default` one.
        let mut current: Option<(Entry, bool)> = None;
        loop {
            words.skip_comments();
            let Some(word) = words.next().map_err(|line| error(line, UNCLOSED_QUOTE))? else {
                break;
            };
            match word.text.as_str() {
                "machine" | "default" | "macdef" => {
                    if let Some((entry, is_default)) = current.take() {
                        netrc.finish(entry, is_default);
                    }
                    match word.text.as_str() {
                        "machine" => {
                            let name = words
                                .next()
                                .map_err(|line| error(line, UNCLOSED_QUOTE))?
                                .ok_or_else(|| {
                                    error(word.line, "`machine` needs a host name after it")
                                })?;
                            current = Some((
                                Entry {
                                    machine: name.text,
                                    ..Entry::default()
                                },
                                false,
                            ));
                        }
                        "default" => current = Some((Entry::default(), true)),
                        _ => {
                            words
                                .next()
                                .map_err(|line| error(line, UNCLOSED_QUOTE))?
                                .ok_or_else(|| {
                                    error(word.line, "`macdef` needs a macro name after it")
                                })?;
                            words.skip_macro_body();
                        }
                    }
                }
                "login" | "user" | "password" | "account" => {
                    let Some((entry, _)) = current.as_mut() else {
                        return Err(error(
                            word.line,
                            &format!("`{}` before any `machine` or `default` entry", word.text),
                        ));
                    };
                    let value = words
                        .next()
                        .map_err(|line| error(line, UNCLOSED_QUOTE))?
                        .ok_or_else(|| {
                            error(
                                word.line,
                                &format!("`{}` needs a value after it", word.text),
                            )
                        })?;
                    let slot = match word.text.as_str() {
                        "login" | "user" => &mut entry.login,
                        "password" => &mut entry.password,
                        _ => &mut entry.account,
                    };
                    *slot = Some(value.text);
                }
                _ => {
                    return Err(error(
                        word.line,
                        if current.is_some() {
                            "unexpected word where `login`, `password`, `account`, `machine`, \
                             `default` or `macdef` was expected (a value with spaces must be in \
                             double quotes)"
                        } else {
                            "unexpected word where `machine`, `default` or `macdef` was expected"
                        },
                    ));
                }
            }
        }
        if let Some((entry, is_default)) = current {
            netrc.finish(entry, is_default);
        }
        Ok(netrc)
    }

    fn finish(&mut self, entry: Entry, is_default: bool) {
        if is_default {
            self.default = Some(entry);
        } else {
            self.machines.push(entry);
        }
    }

    /// Login and password for `host` (a `machine` entry, else `default`); an absent login or
    /// password is `""`. `None` when no entry answers or the one that does has neither.
    pub fn credentials(&self, host: &str) -> Option<(&str, &str)> {
        let entry = self
            .machines
            .iter()
            .rev()
            .find(|entry| entry.machine.eq_ignore_ascii_case(host))
            .or(self.default.as_ref())?;
        if entry.login.is_none() && entry.password.is_none() {
            return None;
        }
        Some((
            entry.login.as_deref().unwrap_or(""),
            entry.password.as_deref().unwrap_or(""),
        ))
    }
}

impl fmt::Debug for Netrc {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Netrc")
            .field("machines", &self.machines)
            .field("default", &self.default)
            .finish()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "****");
        formatter
            .debug_struct("Entry")
            .field("machine", &self.machine)
            .field("login", &self.login)
            .field("password", &hidden(&self.password))
            .field("account", &hidden(&self.account))
            .finish()
    }
}

const UNCLOSED_QUOTE: &str = "a double-quoted value is not closed";

/// One word of the file and the line it starts on.
struct Word {
    text: String,
    line: usize,
}

/// The file as words, with the line count kept for errors.
struct Words<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars().peekable(),
            line: 1,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let next = self.chars.next();
        if next == Some('\n') {
            self.line += 1;
        }
        next
    }

    fn skip_whitespace(&mut self) {
        while self.chars.peek().is_some_and(|c| c.is_whitespace()) {
            self.bump();
        }
    }

    /// Where a keyword is expected, `#` starts a comment that runs to the end of the line.
    fn skip_comments(&mut self) {
        loop {
            self.skip_whitespace();
            if self.chars.peek() != Some(&'#') {
                return;
            }
            self.skip_line();
        }
    }

    /// Skips to just after the next line break.
    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                return;
            }
        }
    }

    /// After `macdef NAME`: the rest of that line and the lines up to the next empty one are
    /// the macro. A macro that runs to the end of the file ends there (Python would refuse
    /// the file; curl does not, and macros mean nothing to an index client).
    fn skip_macro_body(&mut self) {
        self.skip_line();
        loop {
            let mut empty = true;
            loop {
                match self.bump() {
                    None => return,
                    Some('\n') => break,
                    Some('\r') => {}
                    Some(_) => empty = false,
                }
            }
            if empty {
                return;
            }
        }
    }

    /// The next word, or `Err(line)` for a quote that is never closed.
    fn next(&mut self) -> Result<Option<Word>, usize> {
        self.skip_whitespace();
        let line = self.line;
        let Some(&first) = self.chars.peek() else {
            return Ok(None);
        };
        let mut text = String::new();
        if first == '"' {
            self.bump();
            loop {
                match self.bump() {
                    None => return Err(line),
                    Some('"') => break,
                    Some('\\') => match self.bump() {
                        Some(escaped) => text.push(escaped),
                        None => return Err(line),
                    },
                    Some(c) => text.push(c),
                }
            }
        } else {
            while let Some(&c) = self.chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                self.bump();
                if c == '\\' {
                    if let Some(escaped) = self.bump() {
                        text.push(escaped);
                    }
                } else {
                    text.push(c);
                }
            }
        }
        Ok(Some(Word { text, line }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Netrc {
        Netrc::parse(text, Path::new("/home/u/.netrc")).unwrap()
    }

    fn error(text: &str) -> NetrcError {
        Netrc::parse(text, Path::new("/home/u/.netrc")).unwrap_err()
    }

    #[test]
    fn machine_entries_on_one_line_or_many() {
        let netrc = parse(
            "machine a.example login alice password s3cret\n\
             machine b.example\n  login bob\n  password hunter2\n  account acct\n",
        );
        assert_eq!(netrc.credentials("a.example"), Some(("alice", "s3cret")));
        assert_eq!(netrc.credentials("B.Example"), Some(("bob", "hunter2")));
        assert_eq!(netrc.credentials("c.example"), None);
    }

    #[test]
    fn default_answers_for_every_other_host_wherever_it_is_written() {
        let netrc = parse("default login anyone password any\nmachine a login alice password x\n");
        assert_eq!(netrc.credentials("a"), Some(("alice", "x")));
        assert_eq!(netrc.credentials("elsewhere"), Some(("anyone", "any")));
    }

    #[test]
    fn the_last_entry_for_a_machine_wins() {
        let netrc = parse("machine a login one password 1\nmachine a login two password 2\n");
        assert_eq!(netrc.credentials("a"), Some(("two", "2")));
    }

    #[test]
    fn quoted_values_keep_spaces_hashes_and_escapes() {
        let netrc = parse(
            "machine a login \"alice smith\" password \"p#ss \\\"word\\\"\"\n\
             machine b login bob password #notacomment\n\
             machine c login c\\ d password x\n",
        );
        assert_eq!(
            netrc.credentials("a"),
            Some(("alice smith", "p#ss \"word\""))
        );
        assert_eq!(netrc.credentials("b"), Some(("bob", "#notacomment")));
        assert_eq!(netrc.credentials("c"), Some(("c d", "x")));
    }

    #[test]
    fn comments_where_keywords_go_and_macros_are_skipped() {
        let netrc = parse(
            "# my credentials\n\
             machine a # the build server\n\
               login alice\n\
               password x\n\
             macdef init\n\
             cd /pub\n\
             machine inside-the-macro login no password no\n\
             \n\
             machine b login bob password y\n",
        );
        assert_eq!(netrc.credentials("a"), Some(("alice", "x")));
        assert_eq!(netrc.credentials("b"), Some(("bob", "y")));
        assert_eq!(netrc.credentials("inside-the-macro"), None);
    }

    #[test]
    fn crlf_bom_user_synonym_and_missing_parts() {
        let netrc = parse("\u{feff}machine a\r\nuser alice\r\n\r\nmachine b password only\r\n");
        assert_eq!(netrc.credentials("a"), Some(("alice", "")));
        assert_eq!(netrc.credentials("b"), Some(("", "only")));
        assert_eq!(parse("machine c account x").credentials("c"), None);
        assert_eq!(parse("").credentials("c"), None);
    }

    #[test]
    fn errors_name_the_line_and_never_the_secret() {
        let cases = [
            (
                "machine a login alice password two words\n",
                1,
                "unexpected word",
            ),
            (
                "\n\nlogin alice password secretvalue\n",
                3,
                "`login` before any",
            ),
            (
                "machine a\nlogin alice\npassword",
                3,
                "`password` needs a value",
            ),
            ("machine a password \"secretvalue\nmore", 1, "not closed"),
            ("machine", 1, "`machine` needs a host name"),
            (
                "secretvalue machine a",
                1,
                "`machine`, `default` or `macdef`",
            ),
        ];
        for (text, line, message) in cases {
            let error = error(text);
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.message.contains(message), "{text:?}: {error}");
            for shown in [error.to_string(), format!("{error:?}")] {
                assert!(!shown.contains("secretvalue"), "{shown}");
                assert!(!shown.contains("words"), "{shown}");
            }
        }
    }

    #[test]
    fn debug_hides_passwords_and_accounts() {
        let netrc = parse("machine a login alice password s3cret account acct-secret\n");
        let shown = format!("{netrc:?} {netrc:#?}");
        assert!(shown.contains("alice"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("acct-secret"), "{shown}");
    }
}
