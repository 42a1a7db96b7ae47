//! Reading kdrift's own metrics back from the user's Prometheus (or Thanos, or anything that
//! serves Prometheus' HTTP query API): instant queries over `GET /api/v1/query`, each answer
//! bounded in size and time, its vector samples returned as label sets and values.

use crate::sources::rest::{Rest, RestError, RestTarget};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// An answer larger than this is refused: kdrift's series for a fleet stay far below it.
const MOST_ANSWER_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PrometheusError {
    #[error("--prometheus '{0}' is not an http:// or https:// URL")]
    BadUrl(String),
    #[error("--prometheus: credentials in the URL are neither sent nor shown; give a URL without user:password@")]
    CredentialsInUrl,
    #[error("cannot reach Prometheus at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Prometheus at {url} answered {status} to '{query}': {message}")]
    Refused { url: String, status: u16, query: String, message: String },
    #[error("Prometheus at {url} sent an answer kdrift cannot read: {reason}")]
    BadAnswer { url: String, reason: String },
}

/// One sample of an instant vector: its labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A Prometheus to ask, at `url` (its API under `url/api/v1/`).
pub struct Prometheus {
    rest: Rest,
}

impl Prometheus {
    pub fn connect(url: &str, timeout: Duration) -> Result<Prometheus, PrometheusError> {
        let target =
            RestTarget { url, token: None, ca_pem: None, insecure: false, timeout, max_bytes: MOST_ANSWER_BYTES };
        let rest = Rest::connect(target).map_err(|error| match error {
            RestError::BadUrl(url) => PrometheusError::BadUrl(url),
            RestError::CredentialsInUrl => PrometheusError::CredentialsInUrl,
            RestError::Unreachable(reason) => {
                PrometheusError::Unreachable { url: crate::sanitize::clean_line(url.trim_end_matches('/')), reason }
            }
        })?;
        Ok(Prometheus { rest })
    }

    /// The instant vector `query` evaluates to now.
    pub fn query(&self, query: &str) -> Result<Vec<Sample>, PrometheusError> {
        let path = format!(
            "/api/v1/query?{}",
            form_urlencoded::Serializer::new(String::new()).append_pair("query", query).finish()
        );
        let url = &self.rest.url;
        let (status, bytes) = self.rest.get(&path).map_err(|error| PrometheusError::Unreachable {
            url: url.clone(),
            reason: match error {
                RestError::Unreachable(reason) => reason,
                other => other.to_string(),
            },
        })?;
        let body: Value = serde_json::from_slice(&bytes).map_err(|error| PrometheusError::BadAnswer {
            url: url.clone(),
            reason: format!("status {status}, not JSON: {error}"),
        })?;
        if body.get("status").and_then(Value::as_str) != Some("success") {
            let message = body.get("error").and_then(Value::as_str).unwrap_or("no error message");
            return Err(PrometheusError::Refused {
                url: url.clone(),
                status,
                query: query.to_owned(),
                message: crate::sanitize::clean_line(message),
            });
        }
        samples(&body).map_err(|reason| PrometheusError::BadAnswer { url: url.clone(), reason })
    }
}

/// The samples of a successful instant-vector answer.
fn samples(body: &Value) -> Result<Vec<Sample>, String> {
    let data = body.get("data").ok_or("no data")?;
    if data.get("resultType").and_then(Value::as_str) != Some("vector") {
        return Err("the query did not evaluate to an instant vector".to_owned());
    }
    let result = data.get("result").and_then(Value::as_array).ok_or("no result list")?;
    let mut samples = Vec::with_capacity(result.len());
    for item in result {
        let labels = (item.get("metric").and_then(Value::as_object).into_iter().flatten())
            .filter_map(|(name, value)| Some((name.clone(), crate::sanitize::clean_line(value.as_str()?))))
            .collect();
        // `[timestamp, "value"]`; a value that is not a number ("NaN" parses) is left out.
        let value = item.pointer("/value/1").and_then(Value::as_str).and_then(|v| v.parse::<f64>().ok());
        if let Some(value) = value.filter(|v| v.is_finite()) {
            samples.push(Sample { labels, value });
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_vector_answer_reads_as_samples_and_non_numbers_are_left_out() {
        let body = json!({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"app": "web", "cluster": "east\u{1b}[2J"}, "value": [1.7e9, "3"]},
            {"metric": {"app": "db"}, "value": [1.7e9, "NaN"]}]}});
        let read = samples(&body).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].value, 3.0);
        assert!(!read[0].labels["cluster"].contains('\u{1b}'), "no escape sequence reaches the screen");
        let matrix = json!({"status": "success", "data": {"resultType": "matrix", "result": []}});
        assert!(samples(&matrix).is_err());
    }

    #[test]
    fn a_url_with_credentials_or_another_scheme_is_refused_in_one_line() {
        let refused = |url: &str| Prometheus::connect(url, Duration::from_secs(1)).err().map(|e| e.to_string());
        let said = refused("http://admin:s3cret@prometheus:9090").unwrap();
        assert!(said.contains("credentials in the URL") && !said.contains("s3cret"), "{said}");
        assert!(refused("ftp://prometheus").unwrap().contains("not an http:// or https:// URL"));
    }
}
