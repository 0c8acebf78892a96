//! A real SMTP server on 127.0.0.1 for tests of email notifications.
//!
//! [`SmtpServer::start`] serves ESMTP from a thread per connection until dropped: `EHLO`/`HELO`,
//! `AUTH PLAIN` and `AUTH LOGIN` checked against one user name and password, `MAIL FROM`,
//! `RCPT TO` (several), `DATA` with dot-unstuffing, `RSET`, `NOOP`, `QUIT`, and TLS on request:
//! [`SmtpConfig::starttls`] offers `STARTTLS` and refuses mail before it,
//! [`SmtpConfig::implicit_tls`] speaks TLS from the first byte. The certificate is self-signed,
//! made at start for `localhost` and `127.0.0.1`; [`SmtpServer::certificate_pem`] is what a
//! client must trust. Every accepted mail is recorded as a [`Mail`] (envelope, raw data,
//! whether the session was encrypted and who authenticated).
//!
//! ```no_run
//! use tend_test::smtp::{SmtpConfig, SmtpServer};
//!
//! let server = SmtpServer::start(SmtpConfig::starttls().auth("tend", "secret"));
//! // ... send a mail to 127.0.0.1:server.port(), trusting server.certificate_pem() ...
//! let mail = &server.mails()[0];
//! assert_eq!(mail.recipients, ["a@example.com", "b@example.com"]);
//! assert_eq!(mail.header("Subject").as_deref(), Some("[tend] hello"));
//! assert!(mail.encrypted);
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::listener::{lock, Listener};

use base64::Engine as _;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// How the server protects its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS offered.
    Plain,
    /// `STARTTLS` offered, and required before `MAIL`.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// What the server offers and requires.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    security: Security,
    credentials: Option<(String, String)>,
    refuse_connections: usize,
}

impl SmtpConfig {
    pub fn plain() -> Self {
        Self {
            security: Security::Plain,
            credentials: None,
            refuse_connections: 0,
        }
    }

    pub fn starttls() -> Self {
        Self {
            security: Security::StartTls,
            ..Self::plain()
        }
    }

    pub fn implicit_tls() -> Self {
        Self {
            security: Security::Implicit,
            ..Self::plain()
        }
    }

    /// Offers `AUTH PLAIN LOGIN` (over TLS when TLS is configured) and requires it before
    /// `MAIL`.
    #[must_use]
    pub fn auth(mut self, username: &str, password: &str) -> Self {
        self.credentials = Some((username.to_string(), password.to_string()));
        self
    }

    /// Greets the first `count` connections with `421` (service not available, try later) and
    /// closes them, as a server that is going down does.
    #[must_use]
    pub fn refuse_first(mut self, count: usize) -> Self {
        self.refuse_connections = count;
        self
    }
}

/// A mail the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The `MAIL FROM` address, without angle brackets.
    pub from: String,
    /// The `RCPT TO` addresses, in order, without angle brackets.
    pub recipients: Vec<String>,
    /// The message as received after `DATA`, dot-unstuffed, every line ending with CRLF.
    pub data: String,
    /// Whether the session was encrypted when the mail was sent.
    pub encrypted: bool,
    /// The user name that authenticated, if any.
    pub authenticated: Option<String>,
}

impl Mail {
    /// The first header of that name, in any case, with folded lines joined.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((field, value)) = line.split_once(':') {
                if field.trim().eq_ignore_ascii_case(name) {
                    found = Some(value.trim().to_string());
                }
            }
        }
        found
    }

    /// Everything after the header, line ends as received (CRLF).
    pub fn body(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
    }
}

struct Shared {
    config: SmtpConfig,
    tls: Arc<rustls::ServerConfig>,
    mails: Mutex<Vec<Mail>>,
    failed_logins: AtomicUsize,
}

/// The running server; stops and closes its connections when dropped.
pub struct SmtpServer {
    certificate_pem: String,
    shared: Arc<Shared>,
    listener: Listener,
}

impl SmtpServer {
    pub fn start(config: SmtpConfig) -> Self {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("generate a self-signed certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("TLS server configuration");
        let shared = Arc::new(Shared {
            config,
            tls: Arc::new(tls),
            mails: Mutex::new(Vec::new()),
            failed_logins: AtomicUsize::new(0),
        });
        let serving = Arc::clone(&shared);
        let listener = Listener::start("SMTP server", move |stream, number, _| {
            serve(&serving, stream, number);
        });
        Self {
            certificate_pem: certified.cert.pem(),
            shared,
            listener,
        }
    }

    /// Always `127.0.0.1`.
    pub fn host(&self) -> String {
        self.listener.address().ip().to_string()
    }

    pub fn port(&self) -> u16 {
        self.listener.address().port()
    }

    /// The server's self-signed certificate, PEM: the CA file a client trusts for TLS.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// Every mail accepted so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        lock(&self.shared.mails).clone()
    }

    /// How many connections the server accepted (refused ones included).
    pub fn connections(&self) -> usize {
        self.listener.accepted()
    }

    /// How many `AUTH` attempts were refused.
    pub fn failed_logins(&self) -> usize {
        self.shared.failed_logins.load(Ordering::SeqCst)
    }
}

/// A connection, plain or encrypted.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(stream) => stream.read(buffer),
            Self::Tls(stream) => stream.read(buffer),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(stream) => stream.write(buffer),
            Self::Tls(stream) => stream.write(buffer),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(stream) => stream.flush(),
            Self::Tls(stream) => stream.flush(),
        }
    }
}

/// One SMTP session's connection and the bytes read but not yet consumed.
struct Session {
    stream: Stream,
    pending: Vec<u8>,
}

impl Session {
    fn encrypted(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// The next line without its line end; `None` when the client closed the connection.
    fn read_line(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line);
                return Some(text.trim_end_matches(['\r', '\n']).to_string());
            }
            let mut chunk = [0; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(read) => self.pending.extend_from_slice(&chunk[..read]),
            }
        }
    }

    fn reply(&mut self, text: &str) -> bool {
        self.stream
            .write_all(format!("{text}\r\n").as_bytes())
            .and_then(|()| self.stream.flush())
            .is_ok()
    }

    /// Switches to TLS after `220 Ready to start TLS`.
    fn upgrade(self, config: &Arc<rustls::ServerConfig>) -> Option<Self> {
        let Stream::Plain(tcp) = self.stream else {
            return None;
        };
        let connection = rustls::ServerConnection::new(Arc::clone(config)).ok()?;
        Some(Self {
            stream: Stream::Tls(Box::new(rustls::StreamOwned::new(connection, tcp))),
            // A client must not pipeline past STARTTLS (RFC 3207); anything sent is dropped.
            pending: Vec::new(),
        })
    }
}

/// The envelope being built.
#[derive(Default)]
struct Transaction {
    from: Option<String>,
    recipients: Vec<String>,
}

fn serve(shared: &Shared, tcp: TcpStream, number: usize) {
    let Ok(handle) = tcp.try_clone() else {
        return;
    };
    converse(shared, tcp, number);
    // The server keeps a clone of every connection (to close them on drop), so dropping this
    // session's stream alone would leave the client waiting for an answer.
    let _ = handle.shutdown(Shutdown::Both);
}

fn converse(shared: &Shared, tcp: TcpStream, number: usize) {
    let stream = if shared.config.security == Security::Implicit {
        let Ok(connection) = rustls::ServerConnection::new(Arc::clone(&shared.tls)) else {
            return;
        };
        Stream::Tls(Box::new(rustls::StreamOwned::new(connection, tcp)))
    } else {
        Stream::Plain(tcp)
    };
    let mut session = Session {
        stream,
        pending: Vec::new(),
    };
    if number < shared.config.refuse_connections {
        session.reply("421 4.3.2 tend-test is going down, try later");
        return;
    }
    if !session.reply("220 tend-test ESMTP ready") {
        return;
    }
    let mut transaction = Transaction::default();
    let mut authenticated: Option<String> = None;
    while let Some(line) = session.read_line() {
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim().to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        let answered = match verb.as_str() {
            "EHLO" => {
                transaction = Transaction::default();
                let lines = capabilities(shared, &session);
                let last = lines.len() - 1;
                lines.iter().enumerate().all(|(index, capability)| {
                    let separator = if index == last { ' ' } else { '-' };
                    session.reply(&format!("250{separator}{capability}"))
                })
            }
            "HELO" => {
                transaction = Transaction::default();
                session.reply("250 tend-test")
            }
            "STARTTLS" => {
                if shared.config.security != Security::StartTls || session.encrypted() {
                    session.reply("503 5.5.1 TLS not available")
                } else {
                    if !session.reply("220 2.0.0 Ready to start TLS") {
                        return;
                    }
                    let Some(upgraded) = session.upgrade(&shared.tls) else {
                        return;
                    };
                    session = upgraded;
                    transaction = Transaction::default();
                    authenticated = None;
                    true
                }
            }
            "AUTH" => match login(shared, &mut session, &argument) {
                Some(Ok(user)) => {
                    authenticated = Some(user);
                    session.reply("235 2.7.0 Authentication successful")
                }
                Some(Err(())) => {
                    shared.failed_logins.fetch_add(1, Ordering::SeqCst);
                    session.reply("535 5.7.8 Authentication credentials invalid")
                }
                None => return,
            },
            "MAIL" => {
                if shared.config.security == Security::StartTls && !session.encrypted() {
                    session.reply("530 5.7.0 Must issue a STARTTLS command first")
                } else if shared.config.credentials.is_some() && authenticated.is_none() {
                    session.reply("530 5.7.0 Authentication required")
                } else if let Some(address) = path(&argument, "FROM:") {
                    transaction = Transaction {
                        from: Some(address),
                        recipients: Vec::new(),
                    };
                    session.reply("250 2.1.0 OK")
                } else {
                    session.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
                }
            }
            "RCPT" => match (&transaction.from, path(&argument, "TO:")) {
                (None, _) => session.reply("503 5.5.1 MAIL first"),
                (Some(_), Some(address)) => {
                    transaction.recipients.push(address);
                    session.reply("250 2.1.5 OK")
                }
                (Some(_), None) => session.reply("501 5.5.4 Syntax: RCPT TO:<address>"),
            },
            "DATA" => {
                if transaction.recipients.is_empty() {
                    session.reply("503 5.5.1 RCPT first")
                } else {
                    if !session.reply("354 End data with <CR><LF>.<CR><LF>") {
                        return;
                    }
                    let Some(data) = read_data(&mut session) else {
                        return;
                    };
                    let finished = std::mem::take(&mut transaction);
                    lock(&shared.mails).push(Mail {
                        from: finished.from.unwrap_or_default(),
                        recipients: finished.recipients,
                        data,
                        encrypted: session.encrypted(),
                        authenticated: authenticated.clone(),
                    });
                    session.reply("250 2.0.0 OK queued")
                }
            }
            "RSET" => {
                transaction = Transaction::default();
                session.reply("250 2.0.0 OK")
            }
            "NOOP" => session.reply("250 2.0.0 OK"),
            "QUIT" => {
                session.reply("221 2.0.0 Bye");
                return;
            }
            _ => session.reply("502 5.5.2 Command not recognized"),
        };
        if !answered {
            return;
        }
    }
}

fn capabilities(shared: &Shared, session: &Session) -> Vec<&'static str> {
    let mut lines = vec!["tend-test", "8BITMIME", "SMTPUTF8"];
    let tls_pending = shared.config.security == Security::StartTls && !session.encrypted();
    if tls_pending {
        lines.push("STARTTLS");
    }
    // Credentials only over TLS when the server has TLS at all.
    if shared.config.credentials.is_some() && !tls_pending {
        lines.push("AUTH PLAIN LOGIN");
    }
    lines
}

/// `AUTH PLAIN` or `AUTH LOGIN`: the user name when the credentials match, `Err` when not,
/// `None` when the connection closed.
fn login(shared: &Shared, session: &mut Session, argument: &str) -> Option<Result<String, ()>> {
    let Some((user, password)) = &shared.config.credentials else {
        return Some(Err(()));
    };
    let (mechanism, initial) = match argument.split_once(' ') {
        Some((mechanism, initial)) => (mechanism.to_ascii_uppercase(), Some(initial.to_string())),
        None => (argument.to_ascii_uppercase(), None),
    };
    let decode = |text: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    };
    let (given_user, given_password) = match mechanism.as_str() {
        "PLAIN" => {
            let response = if let Some(response) = initial {
                response
            } else {
                session.reply("334 ");
                session.read_line()?
            };
            let decoded = decode(&response).unwrap_or_default();
            // authorization identity NUL authentication identity NUL password
            let mut parts = decoded.split('\0').skip(1);
            (
                parts.next().unwrap_or_default().to_string(),
                parts.next().unwrap_or_default().to_string(),
            )
        }
        "LOGIN" => {
            let user_response = if let Some(response) = initial {
                response
            } else {
                session.reply("334 VXNlcm5hbWU6");
                session.read_line()?
            };
            session.reply("334 UGFzc3dvcmQ6");
            let password_response = session.read_line()?;
            (
                decode(&user_response).unwrap_or_default(),
                decode(&password_response).unwrap_or_default(),
            )
        }
        _ => return Some(Err(())),
    };
    if given_user == *user && given_password == *password {
        Some(Ok(given_user))
    } else {
        Some(Err(()))
    }
}

/// The address of `FROM:<a@b> SIZE=…` or `TO:<a@b>`.
fn path(argument: &str, keyword: &str) -> Option<String> {
    let prefix = argument.get(..keyword.len())?;
    if !prefix.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

/// The lines after `DATA` up to the lone dot, dot-unstuffed (RFC 5321 §4.5.2), each ending
/// with CRLF.
fn read_data(session: &mut Session) -> Option<String> {
    let mut data = String::new();
    loop {
        let line = session.read_line()?;
        if line == "." {
            return Some(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};

    use super::*;

    /// Sends each command and collects the final reply line to it (multi-line replies end
    /// with `NNN `).
    fn converse(server: &SmtpServer, commands: &[&str]) -> Vec<String> {
        let stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let mut read_reply = || loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_string();
            }
        };
        let mut replies = vec![read_reply()];
        for command in commands {
            writer
                .write_all(format!("{command}\r\n").as_bytes())
                .unwrap();
            if !command.starts_with("Subject") && !command.starts_with("..") && !command.is_empty()
            {
                replies.push(read_reply());
            }
        }
        replies
    }

    #[test]
    fn plain_session_with_auth_and_dot_unstuffing() {
        let server = SmtpServer::start(SmtpConfig::plain().auth("tend", "pw"));
        let plain = base64::engine::general_purpose::STANDARD.encode("\0tend\0pw");
        let replies = converse(
            &server,
            &[
                "EHLO client",
                "MAIL FROM:<a@example.com>",
                "AUTH PLAIN d3Jvbmc=",
                &format!("AUTH PLAIN {plain}"),
                "MAIL FROM:<a@example.com> SIZE=10",
                "RCPT TO:<b@example.com>",
                "RCPT TO:<c@example.com>",
                "DATA",
                "Subject: hi",
                "",
                "..leading dot",
                ".",
                "QUIT",
            ],
        );
        assert!(replies[0].starts_with("220 "));
        assert!(replies[2].starts_with("530 "), "{replies:?}");
        assert!(replies[3].starts_with("535 "));
        assert!(replies[4].starts_with("235 "));
        assert_eq!(server.failed_logins(), 1);
        let mails = server.mails();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].from, "a@example.com");
        assert_eq!(mails[0].recipients, ["b@example.com", "c@example.com"]);
        assert_eq!(mails[0].header("subject").as_deref(), Some("hi"));
        assert_eq!(mails[0].body(), ".leading dot\r\n");
        assert_eq!(mails[0].authenticated.as_deref(), Some("tend"));
        assert!(!mails[0].encrypted);
    }

    #[test]
    fn starttls_is_required_before_mail() {
        let server = SmtpServer::start(SmtpConfig::starttls());
        let replies = converse(&server, &["EHLO client", "MAIL FROM:<a@example.com>"]);
        assert!(replies[1].starts_with("250 "));
        assert!(replies[2].starts_with("530 "), "{replies:?}");
        assert!(server
            .certificate_pem()
            .starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn folded_headers_are_joined() {
        let mail = Mail {
            from: String::new(),
            recipients: Vec::new(),
            data: "To: a@example.com,\r\n b@example.com\r\nSubject: x\r\n\r\nbody".into(),
            encrypted: false,
            authenticated: None,
        };
        assert_eq!(
            mail.header("to").as_deref(),
            Some("a@example.com, b@example.com")
        );
        assert_eq!(mail.body(), "body");
    }
}
