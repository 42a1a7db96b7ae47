use super::*;
use serde_json::json;
use std::collections::BTreeMap;

/// A gzip tarball of `files` (path → content), as source-controller packs an artifact.
pub(crate) fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Written raw, so a hostile name reaches the reader as it would from an attacker.
        let name = header.as_old_mut();
        name.name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
        builder.append(&header, content.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn an_artifact_url_becomes_the_service_proxy_path() {
    let url = "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/7b2f.tar.gz";
    assert_eq!(
        proxy_path(url).as_deref(),
        Some(
            "/api/v1/namespaces/flux-system/services/source-controller:80/proxy/gitrepository/flux-system/podinfo/7b2f.tar.gz"
        )
    );
    let custom = "https://source.flux.svc:9443/ocirepository/apps/web/sha256:ab12.tar.gz";
    assert_eq!(
        proxy_path(custom).as_deref(),
        Some("/api/v1/namespaces/flux/services/https:source:9443/proxy/ocirepository/apps/web/sha256:ab12.tar.gz")
    );
    // Outside the cluster, or a path that would climb out of the proxy: not fetched.
    assert_eq!(proxy_path("http://example.com/x.tar.gz"), None);
    assert_eq!(proxy_path("http://source-controller.flux-system.svc/../../secrets"), None);
    assert_eq!(proxy_path("http://source-controller.flux-system.svc/a?b=c"), None);
}

#[test]
fn the_digest_is_sha256_in_fluxs_own_form() {
    let expected = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assert_eq!(digest(expected, b"hello").as_deref(), Some(expected));
    assert_eq!(digest("sha512:abc", b"hello"), None);
}

#[test]
fn an_artifact_unpacks_inside_its_directory_only() {
    let dir = tempfile::tempdir().unwrap();
    extract::unpack(&tarball(&[("apps/web/deploy.yaml", "kind: Deployment\n")]), dir.path()).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("apps/web/deploy.yaml")).unwrap(), "kind: Deployment\n");
    let escape = extract::unpack(&tarball(&[("../../etc/evil.yaml", "x")]), dir.path()).unwrap_err();
    assert!(escape.contains("would land outside the directory"), "{escape}");
    assert!(!dir.path().join("../../etc/evil.yaml").exists());
    assert!(extract::unpack(b"not a tarball", dir.path()).is_err());
    // source-controller's archives start with a `.` directory entry.
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    builder.append_data(&mut header, ".", std::io::empty()).unwrap();
    let rooted = builder.into_inner().unwrap().finish().unwrap();
    extract::unpack(&rooted, dir.path()).unwrap();
}

#[test]
fn spec_path_gets_a_kustomization_with_the_kustomizations_settings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("apps/web/extra")).unwrap();
    std::fs::write(dir.path().join("apps/web/deploy.yaml"), "kind: Deployment\n").unwrap();
    std::fs::write(dir.path().join("apps/web/extra/cm.yml"), "kind: ConfigMap\n").unwrap();
    std::fs::write(dir.path().join("apps/web/notes.txt"), "not a manifest").unwrap();
    let kustomization = json!({"spec": {"path": "./apps/web", "targetNamespace": "prod", "namePrefix": "eu-",
        "images": [{"name": "web", "newTag": "1.2.3"}],
        "commonMetadata": {"labels": {"team": "payments"}, "annotations": {"owner": "sre"}}}});
    let built = layout::prepare(dir.path(), &kustomization).unwrap();
    let written: Value =
        yaml_serde::from_str(&std::fs::read_to_string(built.join("kustomization.yaml")).unwrap()).unwrap();
    assert_eq!(written["resources"], json!(["deploy.yaml", "extra/cm.yml"]));
    assert_eq!((written["namespace"].as_str(), written["namePrefix"].as_str()), (Some("prod"), Some("eu-")));
    assert_eq!(written["images"][0]["newTag"], "1.2.3");
    assert_eq!(written["labels"][0], json!({"pairs": {"team": "payments"}, "includeSelectors": false}));
    assert_eq!(written["commonAnnotations"]["owner"], "sre");
    let missing = layout::prepare(dir.path(), &json!({"spec": {"path": "./nowhere"}})).unwrap_err();
    assert!(missing.contains("no directory './nowhere'"), "{missing}");
}

#[test]
fn post_build_variables_expand_as_flux_expands_them() {
    let vars = BTreeMap::from([("cluster".to_owned(), "eu-1".to_owned()), ("empty".to_owned(), String::new())]);
    assert_eq!(layout::expand("${cluster}.example.com", &vars), "eu-1.example.com");
    assert_eq!(layout::expand("${region:=eu-west-1}/${cluster}", &vars), "eu-west-1/eu-1");
    assert_eq!(layout::expand("${empty:-fallback}", &vars), "fallback");
    assert_eq!(layout::expand("${unset}x", &vars), "x");
    // Some variables were not read (a Secret): an unknown one stays as written.
    let partial = vars.clone().into_iter().chain([(layout::KEEP_UNKNOWN.to_owned(), String::new())]).collect();
    assert_eq!(layout::expand("app-${unset}-${cluster}", &partial), "app-${unset}-eu-1");
    assert_eq!(layout::expand("$${cluster} and $HOME and ${", &vars), "${cluster} and $HOME and ${");
    let mut manifests = vec![
        crate::engine::Manifest { object: json!({"metadata": {"name": "web-${cluster}"}}), origin: String::new() },
        crate::engine::Manifest {
            object: json!({"metadata": {"name": "${cluster}",
                "annotations": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}}}),
            origin: String::new(),
        },
    ];
    layout::substitute(&mut manifests, &vars);
    assert_eq!(manifests[0].object["metadata"]["name"], "web-eu-1");
    assert_eq!(manifests[1].object["metadata"]["name"], "${cluster}", "substitution disabled on it");
}
