//! Email over SMTP with lettre's blocking transport: STARTTLS, implicit TLS or plain, AUTH
//! when a user name is given, one mail to every recipient. TLS is rustls with the ring
//! provider and the platform's trust store plus the channel's `ca_file`.

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls as SmtpTls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use crate::channel::{EmailSettings, Tls};
use crate::deliver::{with_retries, Attempt, DeliveryOptions, Outcome};
use crate::message::Message;

/// Prefix of every subject, so mail filters can sort tend's messages.
pub const SUBJECT_PREFIX: &str = "[tend] ";

pub(crate) fn send(
    settings: &EmailSettings,
    message: &Message,
    options: &DeliveryOptions,
) -> (Outcome, u32) {
    let failed = |reason: String| (Outcome::Failed { reason }, 0);
    let endpoint = format!("smtp://{}:{}", settings.host, settings.port);
    let email = match compose(settings, message) {
        Ok(email) => email,
        Err(reason) => return failed(reason),
    };
    let transport = match transport(settings, options) {
        Ok(transport) => transport,
        Err(reason) => return failed(format!("{endpoint}: {reason}")),
    };
    with_retries(&options.retry, || match transport.send(&email) {
        Ok(_) => Attempt::Done,
        Err(error) => classify(&error, &endpoint),
    })
}

/// `[tend] <title>`.
pub(crate) fn subject(message: &Message) -> String {
    format!("{SUBJECT_PREFIX}{}", message.title)
}

/// The plain-text body: title, project, event and severity, the facts, the link and run.
pub(crate) fn body(message: &Message) -> String {
    use std::fmt::Write as _;

    // Writing to a String cannot fail.
    let mut text = format!("{}\n\n", message.title);
    let _ = writeln!(text, "Project: {}", message.project);
    let _ = writeln!(text, "Event: {}", message.event.label());
    if let Some(severity) = message.severity {
        let _ = writeln!(text, "Severity: {}", severity.as_str());
    }
    let lines = message.shown_lines();
    if !lines.is_empty() {
        text.push('\n');
        for line in lines {
            let _ = writeln!(text, "- {line}");
        }
    }
    text.push('\n');
    if let Some(link) = &message.link {
        let _ = writeln!(text, "Report: {link}");
    }
    if let Some(run) = &message.run {
        let _ = writeln!(text, "Run: {run}");
    }
    let _ = writeln!(text, "Time: {}", message.time);
    // No line end after the last line: the SMTP client ends the data with one.
    text.push_str("\n-- \nSent by tend.");
    text
}

fn compose(settings: &EmailSettings, message: &Message) -> Result<lettre::Message, String> {
    if settings.to.is_empty() {
        return Err("the email channel has no recipient".to_string());
    }
    let mut builder = lettre::Message::builder()
        .from(settings.from.0.clone())
        .subject(subject(message));
    for recipient in &settings.to {
        builder = builder.to(recipient.0.clone());
    }
    builder
        .header(ContentType::TEXT_PLAIN)
        .body(body(message))
        .map_err(|error| format!("cannot compose the email: {error}"))
}

fn transport(settings: &EmailSettings, options: &DeliveryOptions) -> Result<SmtpTransport, String> {
    let tls = match settings.tls {
        Tls::None => SmtpTls::None,
        Tls::StartTls => SmtpTls::Required(tls_parameters(settings)?),
        Tls::Implicit => SmtpTls::Wrapper(tls_parameters(settings)?),
    };
    let mut builder = SmtpTransport::builder_dangerous(settings.host.clone())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(options.timeout));
    if let Some(username) = &settings.username {
        let password = settings
            .password
            .as_ref()
            .map(|password| password.expose().to_string())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

fn tls_parameters(settings: &EmailSettings) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    if let Some(path) = &settings.ca_file {
        let pem = fs_err::read(path).map_err(|error| error.to_string())?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|error| format!("{}: not a PEM certificate file: {error}", path.display()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|error| format!("cannot set up TLS: {}", describe(&error)))
}

/// Transient SMTP replies (4xx), timeouts and broken connections are worth another attempt;
/// permanent replies (5xx: a rejected address, failed authentication), TLS failures (an
/// untrusted certificate) and protocol errors are not.
fn classify(error: &lettre::transport::smtp::Error, endpoint: &str) -> Attempt {
    let reason = format!("{endpoint}: {}", describe(error));
    let permanent = error.is_permanent()
        || error.is_tls()
        || error.is_client()
        || error.is_response()
        || caused_by_tls(error);
    if error.is_transient() || error.is_timeout() || !permanent {
        Attempt::Retry {
            reason,
            retry_after: None,
        }
    } else {
        Attempt::Fail(reason)
    }
}

/// Whether rustls refused the connection: lettre reports a failed handshake as a network error
/// wrapping an I/O error that wraps the rustls error.
fn caused_by_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the error it wraps, so look inside by hand.
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if matches!(io.get_ref(), Some(inner) if inner.is::<rustls::Error>()) {
                return true;
            }
        }
        cause = current.source();
    }
    false
}

/// The error and its causes on one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use tend_model::SeverityRating;

    use super::*;
    use crate::message::EventKind;

    #[test]
    fn body_lists_the_facts_and_the_link() {
        let message = Message::new(
            EventKind::Findings,
            "3 new findings in billing",
            "billing",
            Timestamp::UNIX_EPOCH,
        )
        .severity(SeverityRating::Critical)
        .line("3 critical, 1 high")
        .link("https://reports.example/run/42")
        .run("42");
        assert_eq!(subject(&message), "[tend] 3 new findings in billing");
        assert_eq!(
            body(&message),
            "3 new findings in billing\n\n\
             Project: billing\n\
             Event: New findings\n\
             Severity: critical\n\n\
             - 3 critical, 1 high\n\n\
             Report: https://reports.example/run/42\n\
             Run: 42\n\
             Time: 1970-01-01T00:00:00Z\n\
             \n-- \nSent by tend."
        );
    }
}
