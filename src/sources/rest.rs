//! A bounded HTTP GET against a service that is not the Kubernetes API server (Prometheus,
//! Argo CD's API): kube's client for its TLS and timeouts, a bearer token when one is given,
//! each answer within a size and a time. URLs with credentials in them are refused: they
//! would not be sent, and URLs are shown on screen and in errors.

use http_body_util::BodyExt as _;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub(crate) enum RestError {
    #[error("'{0}' is not an http:// or https:// URL")]
    BadUrl(String),
    #[error("credentials in a URL are neither sent nor shown; give the URL without user:password@")]
    CredentialsInUrl,
    #[error("{0}")]
    Unreachable(String),
}

/// How to reach a service.
pub(crate) struct RestTarget<'a> {
    pub url: &'a str,
    pub token: Option<String>,
    /// PEM certificates to trust instead of the system's.
    pub ca_pem: Option<String>,
    /// Skip TLS verification (the user's own `insecure` setting, never a default).
    pub insecure: bool,
    pub timeout: Duration,
    pub max_bytes: usize,
}

/// A client for one service, with the runtime its requests run on.
pub(crate) struct Rest {
    pub url: String,
    client: kube::Client,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
    max_bytes: usize,
}

impl Rest {
    pub(crate) fn connect(target: RestTarget<'_>) -> Result<Rest, RestError> {
        let url = target.url.trim_end_matches('/').to_owned();
        let bad = || RestError::BadUrl(crate::sanitize::clean_line(&url));
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(bad());
        }
        let uri: http::Uri = url.parse().map_err(|_| bad())?;
        if uri.authority().is_some_and(|authority| authority.as_str().contains('@')) {
            return Err(RestError::CredentialsInUrl);
        }
        let unreachable = |error: String| RestError::Unreachable(crate::sanitize::clean_line(&error));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| unreachable(error.to_string()))?;
        let mut config = kube::Config::new(uri);
        config.connect_timeout = Some(target.timeout);
        config.read_timeout = Some(target.timeout);
        config.accept_invalid_certs = target.insecure;
        config.auth_info.token = target.token.map(Into::into);
        if let Some(pem) = &target.ca_pem {
            config.root_cert = Some(der_certificates(pem).map_err(unreachable)?);
        }
        let client = {
            let _entered = runtime.enter();
            kube::Client::try_from(config).map_err(|error| unreachable(error.to_string()))?
        };
        Ok(Rest { url, client, runtime, timeout: target.timeout, max_bytes: target.max_bytes })
    }

    /// `GET path` (with its query): the status and the body.
    pub(crate) fn get(&self, path: &str) -> Result<(u16, Vec<u8>), RestError> {
        let unreachable = |error: String| RestError::Unreachable(crate::sanitize::clean_line(&error));
        let request = http::Request::get(path).body(Vec::new()).map_err(|error| unreachable(error.to_string()))?;
        let answer = self.runtime.block_on(async {
            tokio::time::timeout(self.timeout, async {
                let response = self.client.send(request.map(kube::client::Body::from)).await?;
                let status = response.status().as_u16();
                let body = http_body_util::Limited::new(response.into_body(), self.max_bytes);
                let bytes = body.collect().await.map_err(kube::Error::Service)?.to_bytes();
                Ok::<_, kube::Error>((status, bytes.to_vec()))
            })
            .await
        });
        match answer {
            Err(_) => Err(unreachable(format!("no answer within {} s", self.timeout.as_secs()))),
            Ok(Err(error)) => Err(unreachable(error.to_string())),
            Ok(Ok(answer)) => Ok(answer),
        }
    }
}

/// The DER bytes of every `CERTIFICATE` block in `pem`.
fn der_certificates(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine as _;
    let mut certificates = Vec::new();
    let mut block: Option<String> = None;
    for line in pem.lines().map(str::trim) {
        match (line, &mut block) {
            ("-----BEGIN CERTIFICATE-----", None) => block = Some(String::new()),
            ("-----END CERTIFICATE-----", Some(text)) => {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .map_err(|error| format!("a certificate is not base64: {error}"))?;
                certificates.push(der);
                block = None;
            }
            (line, Some(text)) => text.push_str(line),
            _ => {}
        }
    }
    if certificates.is_empty() {
        return Err("no PEM certificate found".to_owned());
    }
    Ok(certificates)
}
