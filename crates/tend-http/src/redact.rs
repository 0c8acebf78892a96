//! Credentials in URLs: taken out of the URL before a request is built, sent only as an
//! `Authorization` header, and hidden wherever a URL is shown.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::Url;

/// A URL safe to print: the password (or a token given as the user name) is replaced by `****`
/// when the value is built, so no `Display`, `Debug` or error message can leak it.
///
/// The user name stays when there is a password, so a reader can tell which credential was used
/// (`https://alice:****@host/simple`); a lone user name is usually a token and is hidden
/// (`https://****@host/simple`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedactedUrl(Url);

impl RedactedUrl {
    pub fn new(url: &Url) -> Self {
        let mut redacted = url.clone();
        if url.password().is_some() {
            // Setting a password fails only on URLs that cannot carry one (no host), and those
            // had none to hide.
            let _ = redacted.set_password(Some("****"));
        } else if !url.username().is_empty() {
            let _ = redacted.set_username("****");
        }
        Self(redacted)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0.as_str())
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:?}", self.0.as_str())
    }
}

/// Basic-auth credentials from a URL's userinfo, percent-decoded. `Debug` hides the password.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .finish()
    }
}

/// One URL split into what goes on the wire, what a user may see, and the credentials.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// No userinfo, no fragment: the URL sent and the one the cache key is made of.
    pub(crate) url: Url,
    pub(crate) redacted: RedactedUrl,
    pub(crate) credentials: Option<Credentials>,
}

impl Target {
    pub(crate) fn new(url: &Url) -> Self {
        let credentials = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            Some(Credentials {
                username: decode(url.username()),
                password: url.password().map(decode),
            })
        };
        let mut bare = url.clone();
        // Both fail only on URLs without a host, which have no userinfo to remove.
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        bare.set_fragment(None);
        Self {
            url: bare,
            redacted: RedactedUrl::new(url),
            credentials,
        }
    }

    pub(crate) fn apply_credentials(
        &self,
        request: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        match &self.credentials {
            // reqwest marks the header sensitive and drops it on a redirect to another host.
            Some(credentials) => {
                request.basic_auth(&credentials.username, credentials.password.as_deref())
            }
            None => request,
        }
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn password_is_hidden_and_user_kept() {
        let redacted = RedactedUrl::new(&url("https://alice:s3cret@host/simple/"));
        assert_eq!(redacted.to_string(), "https://alice:****@host/simple/");
        assert_eq!(
            format!("{redacted:?}"),
            "\"https://alice:****@host/simple/\""
        );
    }

    #[test]
    fn lone_user_name_is_treated_as_a_token() {
        let redacted = RedactedUrl::new(&url("https://tok3n@host/x@y"));
        assert_eq!(redacted.to_string(), "https://****@host/x@y");
    }

    #[test]
    fn url_without_credentials_is_unchanged() {
        let redacted = RedactedUrl::new(&url("https://host/simple/?a=b"));
        assert_eq!(redacted.as_str(), "https://host/simple/?a=b");
    }

    #[test]
    fn target_strips_userinfo_and_fragment_and_decodes_credentials() {
        let target = Target::new(&url("https://al%40ice:p%3Ass@host/a#frag"));
        assert_eq!(target.url.as_str(), "https://host/a");
        let credentials = target.credentials.unwrap();
        assert_eq!(credentials.username, "al@ice");
        assert_eq!(credentials.password.as_deref(), Some("p:ss"));
        assert!(!format!("{credentials:?}").contains("p:ss"));
    }
}
