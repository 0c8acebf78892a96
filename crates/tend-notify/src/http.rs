//! Posting a JSON payload to a webhook, with retries: one client and one small runtime per
//! delivery thread, TLS by rustls with the ring provider and the platform's trust store (as in
//! tend-http).
//!
//! tend-http's client is not used: it retries by its own settings without saying how many
//! attempts it made, and sends no caller-chosen headers (the signature); a webhook post needs
//! neither its cache nor its in-flight bound.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use url::Url;

use crate::deliver::{with_retries, Attempt, DeliveryOptions, Outcome};
use crate::message::truncate;
use crate::secret::Secret;
use crate::webhook;

/// Posts `payload` to `url` until it is accepted (any 2xx) or the retries are spent. With
/// `signing`, every attempt carries a fresh `X-Tend-Timestamp` and its `X-Tend-Signature`.
pub(crate) fn send(
    url: &Secret,
    payload: &serde_json::Value,
    headers: &[(&str, &str)],
    signing: Option<&Secret>,
    options: &DeliveryOptions,
) -> (Outcome, u32) {
    let failed = |reason: String| (Outcome::Failed { reason }, 0);
    let url = match Url::parse(url.expose()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
        Ok(url) => {
            return failed(format!(
                "the webhook URL must be http or https, not `{}`",
                url.scheme()
            ))
        }
        Err(error) => return failed(format!("the webhook URL is not a valid URL: {error}")),
    };
    // Only scheme, host and port: the path and query of a webhook URL are its token.
    let endpoint = url.origin().ascii_serialization();
    let client = match client(options) {
        Ok(client) => client,
        Err(reason) => return failed(reason),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return failed(format!("cannot start the HTTP runtime: {error}")),
    };
    let body = payload.to_string().into_bytes();
    with_retries(&options.retry, || {
        runtime.block_on(post_once(&client, &url, &endpoint, &body, headers, signing))
    })
}

async fn post_once(
    client: &reqwest::Client,
    url: &Url,
    endpoint: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    signing: Option<&Secret>,
) -> Attempt {
    let mut request = client
        .post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(secret) = signing {
        let timestamp = jiff::Timestamp::now().as_second();
        request = request
            .header(webhook::TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                webhook::SIGNATURE_HEADER,
                webhook::signature(secret, timestamp, body),
            );
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            let transient = error.is_timeout() || error.is_connect() || error.is_request();
            let reason = format!("{endpoint}: {}", describe(error));
            return if transient {
                Attempt::Retry {
                    reason,
                    retry_after: None,
                }
            } else {
                Attempt::Fail(reason)
            };
        }
    };
    let status = response.status();
    if status.is_success() {
        return Attempt::Done;
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(retry_after);
    // Slack and Discord explain a refusal in the body ("invalid_token", "no_service").
    let text = response.text().await.unwrap_or_default();
    let text = truncate(text.trim(), 200);
    let mut reason = format!("{endpoint} answered HTTP {status}");
    if !text.is_empty() {
        reason.push_str(": ");
        reason.push_str(&text);
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Attempt::Retry {
            reason,
            retry_after,
        }
    } else {
        Attempt::Fail(reason)
    }
}

fn client(options: &DeliveryOptions) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(options.user_agent.clone())
        .connect_timeout(options.connect_timeout)
        .timeout(options.timeout)
        // Proxies come from the options only: the library reads no environment.
        .no_proxy()
        // A redirect would resend the payload somewhere the policy did not name.
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config(options.ca_file.as_deref())?);
    if let Some(proxy) = &options.proxy {
        let proxy = reqwest::Proxy::all(proxy.expose())
            .map_err(|_| "the proxy URL is not a valid URL".to_string())?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|error| format!("cannot build the HTTP client: {}", describe(error)))
}

/// tend-http's TLS setup (ring, the platform's trust store plus `ca_file`'s CAs), with its
/// error as the text a delivery failure carries.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    tend_http::tls_config(ca_file).map_err(|error| error.with_causes())
}

/// The error and its causes on one line, without the URL reqwest would quote.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
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

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let wait = jiff::Timestamp::now().duration_until(date);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
