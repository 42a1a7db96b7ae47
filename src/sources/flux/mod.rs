//! Desired state from Flux's own artifact: the Kustomization's source (GitRepository,
//! OCIRepository or Bucket) says in `status.artifact` which tarball source-controller
//! serves and its digest; kdrift fetches it through the API server's service proxy (RBAC
//! `services/proxy`, no port-forward), checks the digest, unpacks it safely (`extract`) and
//! lays out `spec.path` as kustomize-controller does (`layout`), so a Flux app compares
//! with no clone, at exactly the revision Flux applies.

mod extract;
pub(crate) mod layout;

use crate::sources::cluster::blocking::Session;
use serde_json::Value;

/// Bytes of one artifact, compressed.
const MAX_ARTIFACT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub(crate) enum FluxError {
    #[error("Kustomization {0}: {1}")]
    Source(String, String),
    #[error("{source_kind} {name}: {problem}")]
    Artifact { source_kind: String, name: String, problem: String },
    #[error("{source_kind} {name}: the artifact's digest is {actual}, not the {expected} its status names: not used")]
    Digest { source_kind: String, name: String, expected: String, actual: String },
}

/// An artifact unpacked into a temporary directory (removed when dropped).
pub(crate) struct Artifact {
    pub dir: tempfile::TempDir,
    /// The revision Flux names (`main@sha1:…`), for labels.
    pub revision: String,
    /// "GitRepository flux-system/podinfo", for labels and errors.
    pub source: String,
}

/// The API group, version and plural of each Flux source kind.
fn source_path(kind: &str) -> Option<(&'static str, &'static str)> {
    match kind {
        "GitRepository" => Some(("source.toolkit.fluxcd.io/v1", "gitrepositories")),
        "OCIRepository" => Some(("source.toolkit.fluxcd.io/v1beta2", "ocirepositories")),
        "Bucket" => Some(("source.toolkit.fluxcd.io/v1beta2", "buckets")),
        _ => None,
    }
}

/// Fetches, checks and unpacks the artifact of `kustomization`'s source.
pub(crate) fn fetch(session: &Session, kustomization: &Value) -> Result<Artifact, FluxError> {
    let text = |pointer: &str| kustomization.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let own_namespace = text("/metadata/namespace").unwrap_or_else(|| "flux-system".to_owned());
    let who = format!("{own_namespace}/{}", text("/metadata/name").unwrap_or_default());
    let kind =
        text("/spec/sourceRef/kind").ok_or_else(|| FluxError::Source(who.clone(), "no spec.sourceRef".into()))?;
    let name =
        text("/spec/sourceRef/name").ok_or_else(|| FluxError::Source(who.clone(), "no sourceRef name".into()))?;
    let namespace = text("/spec/sourceRef/namespace").unwrap_or(own_namespace);
    let (api, plural) = source_path(&kind)
        .ok_or_else(|| FluxError::Source(who.clone(), format!("source kind '{kind}' is not one kdrift reads")))?;
    let source = format!("{kind} {namespace}/{name}");
    let problem = |problem: String| FluxError::Artifact {
        source_kind: kind.clone(),
        name: format!("{namespace}/{name}"),
        problem,
    };
    if !is_name(&name) || !is_name(&namespace) {
        return Err(problem("not a Kubernetes name".to_owned()));
    }
    let cluster = session.cluster();
    let object: Value = session
        .block_on(cluster.get(&format!("/apis/{api}/namespaces/{namespace}/{plural}/{name}")))
        .map_err(|error| problem(format!("cannot read it: {error}")))?;
    let artifact = object.pointer("/status/artifact").ok_or_else(|| problem("has no artifact yet".to_owned()))?;
    let field = |key: &str| artifact.get(key).and_then(Value::as_str).map(str::to_owned);
    let url = field("url").ok_or_else(|| problem("its artifact has no url".to_owned()))?;
    let expected = field("digest")
        .or_else(|| field("checksum").map(|sum| format!("sha256:{sum}")))
        .ok_or_else(|| problem("its artifact names no digest".to_owned()))?;
    let proxy = proxy_path(&url).ok_or_else(|| {
        problem(format!("artifact url '{}' is not a service in the cluster", crate::sanitize::clean_line(&url)))
    })?;
    let bytes = session
        .block_on(cluster.get_bytes(&proxy, MAX_ARTIFACT_BYTES))
        .map_err(|error| problem(format!("cannot fetch its artifact through the service proxy: {error}")))?;
    let actual = digest(&expected, &bytes).ok_or_else(|| problem(format!("digest '{expected}' is not sha256")))?;
    if actual != expected {
        let name = format!("{namespace}/{name}");
        return Err(FluxError::Digest { source_kind: kind, name, expected, actual });
    }
    let dir = tempfile::tempdir().map_err(|error| problem(error.to_string()))?;
    extract::unpack(&bytes, dir.path()).map_err(|error| problem(format!("cannot unpack its artifact: {error}")))?;
    let revision = field("revision").unwrap_or_default();
    Ok(Artifact { dir, revision: crate::sanitize::clean_line(&revision), source })
}

/// `http://source-controller.flux-system.svc.cluster.local./gitrepository/ns/name/x.tar.gz`
/// as the API server's proxy path to that service:
/// `/api/v1/namespaces/flux-system/services/source-controller:80/proxy/gitrepository/…`.
pub(crate) fn proxy_path(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, port.to_owned()),
        _ => (authority, if scheme == "https" { "443" } else { "80" }.to_owned()),
    };
    let mut labels = host.trim_end_matches('.').split('.');
    let (service, namespace) = (labels.next()?, labels.next()?);
    if labels.next() != Some("svc") || !is_name(service) || !is_name(namespace) {
        return None;
    }
    let service = if scheme == "https" { format!("https:{service}:{port}") } else { format!("{service}:{port}") };
    let safe = path.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/@:+".contains(&b)) && !path.contains("..");
    safe.then(|| format!("/api/v1/namespaces/{namespace}/services/{service}/proxy/{path}"))
}

/// `bytes`' digest in the form `expected` names (`sha256:<hex>`); `None` for another algorithm.
fn digest(expected: &str, bytes: &[u8]) -> Option<String> {
    use sha2::Digest as _;
    expected.strip_prefix("sha256:")?;
    let hash = sha2::Sha256::digest(bytes);
    Some(format!("sha256:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

fn is_name(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && text.len() <= 253
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

#[cfg(test)]
#[path = "flux_tests.rs"]
mod tests;
