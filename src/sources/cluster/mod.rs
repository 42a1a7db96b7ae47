//! The live cluster as a source (kube-rs): connecting through the user's kubeconfig, and the
//! one place that turns the API's failures (401, 403, 404, timeouts, an unreachable server)
//! into a message naming the context, the verb and the resource. Discovery, reading and
//! access review live in the submodules; the CLI reaches them through `blocking`, `kdrift
//! serve` its watches through `watch`.

pub(crate) mod access;
pub(crate) mod blocking;
pub(crate) mod discovery;
pub(crate) mod dry_run;
pub(crate) mod exec_auth;
mod list;
pub(crate) mod read;
pub(crate) mod watch;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

/// A connection to one kubeconfig context.
#[derive(Clone)]
pub(crate) struct Cluster {
    client: kube::Client,
    /// The context's name, as the user knows it.
    pub context: String,
    /// The namespace objects default to: `--namespace`, else the context's, else `default`.
    pub namespace: String,
    /// The API server's address, for messages about reaching it.
    pub server: String,
    /// How long one request may take.
    pub timeout: Duration,
    /// Discovery documents already read (path → answer): one session asks each once, so
    /// scanning many apps does not repeat discovery per app. A new session (a refresh, a
    /// new run) reads them again, and sees a CRD installed meanwhile.
    discovered: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, serde_json::Value>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no kubeconfig to reach a cluster ({0}): give --live PATH for a snapshot, or run `kdrift demo` for the embedded sample cluster"
    )]
    NoKubeconfig(String),
    #[error("kubeconfig has no context '{wanted}' (it has: {available})")]
    NoSuchContext { wanted: String, available: String },
    #[error("kubeconfig names no current context: give --context NAME (it has: {0})")]
    NoCurrentContext(String),
    #[error("context '{context}': {detail}")]
    Config { context: String, detail: String },
    #[error("context '{context}': cannot {verb} {resource}: {problem}")]
    Request { context: String, verb: &'static str, resource: String, problem: Problem },
}

/// Why one request failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Unauthorized(String),
    Forbidden(String),
    NotFound,
    Timeout(Duration),
    Unreachable {
        server: String,
        detail: String,
    },
    Status {
        code: u16,
        message: String,
    },
    BadResponse(String),
    /// kdrift refused to send the request (a name the API server would refuse).
    NotAsked(String),
    /// The answer is larger than `limits.response_bytes`.
    TooLarge(u64),
    /// A LIST that would not end: too many objects, or a `continue` token seen before.
    EndlessList(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unauthorized(message) => write!(
                f,
                "unauthorized (401): the API server rejected the credentials ({message}); log in again or refresh the token"
            ),
            Problem::Forbidden(message) => write!(f, "forbidden (403): {message}"),
            Problem::NotFound => f.write_str("not found (404)"),
            Problem::Timeout(limit) => {
                write!(f, "no answer within {}s (raise --request-timeout if the API server is slow)", limit.as_secs())
            }
            Problem::Unreachable { server, detail } => write!(f, "API server {server} unreachable: {detail}"),
            Problem::Status { code, message } => write!(f, "the API server answered {code}: {message}"),
            Problem::BadResponse(detail) => write!(f, "unexpected answer from the API server: {detail}"),
            Problem::NotAsked(why) => write!(f, "not sent: {why}"),
            Problem::TooLarge(limit) => write!(
                f,
                "the answer is over the {} response limit (raise [limits] response_mb in config.toml)",
                crate::limits::size(*limit)
            ),
            Problem::EndlessList(why) => write!(f, "the list does not end: {why}"),
        }
    }
}

impl Problem {
    /// Problems that say the cluster as a whole cannot be read (not one resource).
    pub fn is_fatal(&self) -> bool {
        matches!(self, Problem::Unauthorized(_) | Problem::Unreachable { .. } | Problem::Timeout(_))
    }
}

/// The context kdrift would use (`context`, else the kubeconfig's current one), read from
/// the kubeconfig without contacting the cluster.
pub(crate) fn current_context(context: Option<&str>) -> Result<String, ClusterError> {
    let kubeconfig = Kubeconfig::read().map_err(|error| ClusterError::NoKubeconfig(kubeconfig_reason(&error)))?;
    let available = kubeconfig.contexts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    match context.map(str::to_owned).or_else(|| kubeconfig.current_context.clone()) {
        Some(name) if kubeconfig.contexts.iter().any(|c| c.name == name) => Ok(name),
        Some(wanted) => Err(ClusterError::NoSuchContext { wanted, available }),
        None => Err(ClusterError::NoCurrentContext(available)),
    }
}

/// Every context the kubeconfig names, in its order (for the `:ctx` picker).
pub(crate) fn context_names() -> Result<Vec<String>, ClusterError> {
    let kubeconfig = Kubeconfig::read().map_err(|error| ClusterError::NoKubeconfig(kubeconfig_reason(&error)))?;
    Ok(kubeconfig.contexts.into_iter().map(|c| c.name).collect())
}

impl Cluster {
    /// Connects to `context` (default: the kubeconfig's current context). Nothing is sent yet.
    pub(crate) async fn connect(
        context: Option<&str>,
        namespace: Option<&str>,
        timeout: Duration,
    ) -> Result<Cluster, ClusterError> {
        Cluster::connect_reading(context, namespace, timeout, Some(timeout)).await
    }

    /// `connect`, with `read_timeout` on each read of an answer: `None` for watches, whose
    /// streams are quiet for minutes (kube-runtime notices a dead one itself).
    pub(crate) async fn connect_reading(
        context: Option<&str>,
        namespace: Option<&str>,
        timeout: Duration,
        read_timeout: Option<Duration>,
    ) -> Result<Cluster, ClusterError> {
        let kubeconfig = Kubeconfig::read().map_err(|error| ClusterError::NoKubeconfig(kubeconfig_reason(&error)))?;
        let available = kubeconfig.contexts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        let name = match context.map(str::to_owned).or_else(|| kubeconfig.current_context.clone()) {
            Some(name) if kubeconfig.contexts.iter().any(|c| c.name == name) => name,
            Some(wanted) => return Err(ClusterError::NoSuchContext { wanted, available }),
            None => return Err(ClusterError::NoCurrentContext(available)),
        };
        let options = KubeConfigOptions { context: Some(name.clone()), cluster: None, user: None };
        let config_error = |detail: String| ClusterError::Config { context: name.clone(), detail };
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|error| config_error(error.to_string()))?;
        // The plugin runs here, bounded, so the client never runs it unbounded.
        exec_auth::resolve(&mut config, timeout).map_err(config_error)?;
        config.connect_timeout = Some(timeout);
        config.read_timeout = read_timeout;
        // Retries would hide a struggling API server from the responder; kdrift reports instead.
        config.default_retry = false;
        let server = config.cluster_url.to_string().trim_end_matches('/').to_owned();
        let namespace = namespace.map(str::to_owned).unwrap_or_else(|| config.default_namespace.clone());
        let client = kube::Client::try_from(config).map_err(|error| config_error(error.to_string()))?;
        Ok(Cluster { client, context: name, namespace, server, timeout, discovered: Default::default() })
    }

    /// GETs `path` and parses the JSON answer.
    pub(crate) async fn get<T: DeserializeOwned + Send + 'static>(&self, path: &str) -> Result<T, Problem> {
        let request = http::Request::get(path).body(Vec::new()).map_err(|e| Problem::BadResponse(e.to_string()))?;
        self.send(request).await
    }

    /// GETs `path` as bytes (an artifact through the service proxy), at most `limit` of them.
    pub(crate) async fn get_bytes(&self, path: &str, limit: u64) -> Result<Vec<u8>, Problem> {
        let request = http::Request::get(path).body(Vec::new()).map_err(|e| Problem::BadResponse(e.to_string()))?;
        let (status, bytes) = match tokio::time::timeout(self.timeout, self.exchange(request, limit)).await {
            Err(_) => return Err(Problem::Timeout(self.timeout)),
            Ok(answer) => answer?,
        };
        match status.as_u16() {
            200..=299 => Ok(bytes),
            401 => Err(Problem::Unauthorized(String::new())),
            403 => Err(Problem::Forbidden("services/proxy is not allowed".to_owned())),
            404 => Err(Problem::NotFound),
            code => Err(Problem::Status {
                code,
                message: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).trim().to_owned(),
            }),
        }
    }

    /// GETs a discovery document (`/api/v1`, `/apis`, `/apis/GROUP/VERSION`), from this
    /// session's cache after the first time.
    pub(crate) async fn get_discovery<T: DeserializeOwned>(&self, path: &str) -> Result<T, Problem> {
        let cached = self.discovered.lock().ok().and_then(|cache| cache.get(path).cloned());
        let value = match cached {
            Some(value) => value,
            None => {
                let value: serde_json::Value = self.get(path).await?;
                if let Ok(mut cache) = self.discovered.lock() {
                    cache.insert(path.to_owned(), value.clone());
                }
                value
            }
        };
        serde_json::from_value(value).map_err(|e| Problem::BadResponse(e.to_string()))
    }

    /// POSTs a JSON `body` to `path` and parses the JSON answer.
    pub(crate) async fn post<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, Problem> {
        let bytes = serde_json::to_vec(body).map_err(|e| Problem::BadResponse(e.to_string()))?;
        let request = http::Request::post(path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .map_err(|e| Problem::BadResponse(e.to_string()))?;
        self.send(request).await
    }

    /// Sends `method` to `path` (query included) with a body of `content_type`: the writes
    /// of `actions` (PATCH, DELETE) go through here so their failures read like the reads'.
    pub(crate) async fn write<T: DeserializeOwned + Send + 'static>(
        &self,
        method: http::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<T, Problem> {
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body)
            .map_err(|e| Problem::BadResponse(e.to_string()))?;
        self.send(request).await
    }

    /// Sends `request` and parses its answer. Only the exchange is timed: an answer that
    /// arrived whole is never called late while it is being parsed.
    async fn send<T: DeserializeOwned + Send + 'static>(&self, request: http::Request<Vec<u8>>) -> Result<T, Problem> {
        let limit = crate::limits::current().response_bytes;
        let (status, bytes) = match tokio::time::timeout(self.timeout, self.exchange(request, limit)).await {
            Err(_) => return Err(Problem::Timeout(self.timeout)),
            Ok(answer) => answer?,
        };
        if status.is_success() {
            return decode(bytes).await;
        }
        // A failure answers with a `Status` object; its message says why.
        #[derive(serde::Deserialize)]
        struct Failure {
            #[serde(default)]
            message: String,
        }
        let message = serde_json::from_slice::<Failure>(&bytes)
            .map(|f| f.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).trim().to_owned());
        Err(match status.as_u16() {
            401 => Problem::Unauthorized(message),
            403 => Problem::Forbidden(message),
            404 => Problem::NotFound,
            code => Problem::Status { code, message },
        })
    }

    /// One request and its answer's status and body, read up to `limit` bytes: a body of
    /// gigabytes is refused as it arrives, not after it was held whole.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
        limit: u64,
    ) -> Result<(http::StatusCode, Vec<u8>), Problem> {
        use http_body_util::BodyExt as _;
        let response = self.client.send(request.map(kube::client::Body::from)).await.map_err(|e| self.problem(e))?;
        let status = response.status();
        let declared = response.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
        if declared.is_some_and(|length: u64| length > limit) {
            return Err(Problem::TooLarge(limit));
        }
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        match http_body_util::Limited::new(response.into_body(), cap).collect().await {
            Ok(collected) => Ok((status, collected.to_bytes().into())),
            Err(error) if error.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
                Err(Problem::TooLarge(limit))
            }
            Err(error) => Err(Problem::Unreachable { server: self.server.clone(), detail: root_cause(&*error) }),
        }
    }

    fn problem(&self, error: kube::Error) -> Problem {
        match error {
            kube::Error::Api(status) => match status.code {
                401 => Problem::Unauthorized(status.message),
                403 => Problem::Forbidden(status.message),
                404 => Problem::NotFound,
                code => Problem::Status { code, message: status.message },
            },
            kube::Error::SerdeError(error) => Problem::BadResponse(error.to_string()),
            other => Problem::Unreachable { server: self.server.clone(), detail: root_cause(&other) },
        }
    }

    /// The error for `verb` on `resource` failing with `problem`.
    pub(crate) fn error(&self, verb: &'static str, resource: String, problem: Problem) -> ClusterError {
        ClusterError::Request { context: self.context.clone(), verb, resource, problem }
    }
}

/// A name as one URL path segment: every byte but RFC 3986's unreserved characters is
/// percent-encoded, so a `#`, `?` or `/` in a name can never end the path or start a query
/// (and so never drop the `dryRun=All` that follows).
pub(crate) fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Parses a successful answer. A large one (a page of a big list) is parsed on a blocking
/// thread: the runtime has one thread, and decoding a megabyte there would leave every other
/// request waiting meanwhile instead of in flight. As many decodes may run at once as lists
/// are read at once (`discovery::CONCURRENCY`); a panic while decoding is raised here.
async fn decode<T: DeserializeOwned + Send + 'static>(bytes: impl AsRef<[u8]> + Send + 'static) -> Result<T, Problem> {
    const OFF_THE_RUNTIME_FROM_BYTES: usize = 256 * 1024;
    let small = bytes.as_ref().len() < OFF_THE_RUNTIME_FROM_BYTES;
    let parse = move || serde_json::from_slice(bytes.as_ref()).map_err(|e| Problem::BadResponse(e.to_string()));
    if small {
        return parse();
    }
    match tokio::task::spawn_blocking(parse).await {
        Ok(parsed) => parsed,
        Err(stopped) if stopped.is_panic() => std::panic::resume_unwind(stopped.into_panic()),
        Err(stopped) => Err(Problem::BadResponse(format!("decoding the answer stopped: {stopped}"))),
    }
}

/// The innermost cause: "Connection refused (os error 111)" rather than "ServiceError: …".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

fn kubeconfig_reason(error: &KubeconfigError) -> String {
    match error {
        KubeconfigError::FindPath => "KUBECONFIG is unset and there is no home directory".to_owned(),
        KubeconfigError::ReadConfig(io, path) => format!("cannot read {}: {}", path.display(), root_cause(io)),
        // The parser's message quotes the text around the fault, and a kubeconfig holds
        // tokens and keys: only where it is goes into the message.
        KubeconfigError::Parse(error) => match error.location() {
            Some(at) => format!("the kubeconfig is not valid YAML (line {}, column {})", at.line(), at.column()),
            None => "the kubeconfig is not valid YAML".to_owned(),
        },
        other => root_cause(other),
    }
}
