//! Synthetic but realistic desired/live pairs for the benchmarks: Deployments and StatefulSets
//! with several containers, env, probes and volumes; live copies with server defaults, status,
//! last-applied, and managedFields from the GitOps controller, the HPA and kube-controller-
//! manager; Services with assigned cluster IPs; ConfigMaps. About one pair in ten drifts
//! (a hand-raised memory limit, an env var added with `kubectl set env`, or a new image).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // benchmark support code

use kdrift::engine::Manifest;
use serde_json::{Value, json};

pub struct Pair {
    pub desired: Value,
    pub live: Value,
}

/// `count` pairs, deterministic for a given count.
pub fn pairs(count: usize) -> Vec<Pair> {
    (0..count).map(pair).collect()
}

pub fn manifests(pairs: &[Pair]) -> (Vec<Manifest>, Vec<Manifest>) {
    let wrap =
        |value: &Value, i: usize, side: &str| Manifest { object: value.clone(), origin: format!("{side}.yaml#{i}") };
    let desired = pairs.iter().enumerate().map(|(i, p)| wrap(&p.desired, i, "desired")).collect();
    let live = pairs.iter().enumerate().map(|(i, p)| wrap(&p.live, i, "live")).collect();
    (desired, live)
}

fn pair(i: usize) -> Pair {
    let namespace = format!("team-{}", i % 40);
    let name = format!("svc-{i:05}");
    let drift = i % 10 == 3;
    match i % 10 {
        0..=4 => workload("Deployment", &namespace, &name, drift, i),
        5 => workload("StatefulSet", &namespace, &name, drift, i),
        6 | 7 => service(&namespace, &name),
        _ => config_map(&namespace, &name, drift),
    }
}

fn container(name: &str, image: &str, memory: &str, extra_env: bool) -> Value {
    let mut env = vec![
        json!({"name": "LOG_LEVEL", "value": "info"}),
        json!({"name": "PORT", "value": "8080"}),
        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}),
        json!({"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}),
    ];
    if extra_env {
        env.push(json!({"name": "DEBUG", "value": "true"}));
    }
    json!({
        "name": name, "image": image,
        "ports": [{"containerPort": 8080, "name": "http"}, {"containerPort": 9090, "name": "metrics"}],
        "env": env,
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": memory}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
        "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}, "initialDelaySeconds": 10},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}]
    })
}

fn workload(kind: &str, namespace: &str, name: &str, drift: bool, i: usize) -> Pair {
    let image = format!("registry.example.com/{name}:v1.{}.0", i % 7);
    let labels = json!({"app": name, "team": namespace, "app.kubernetes.io/part-of": "shop"});
    let template = |containers: Vec<Value>| {
        json!({"metadata": {"labels": {"app": name}},
               "spec": {"containers": containers, "volumes": [{"name": "config", "configMap": {"name": name}}]}})
    };
    let desired_containers =
        vec![container("app", &image, "512Mi", false), container("proxy", "envoy:v1.30", "128Mi", false)];
    let mut desired = json!({"apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": labels.clone()},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": name}}, "template": template(desired_containers)}});
    if kind == "StatefulSet" {
        desired["spec"]["serviceName"] = json!(name);
    }
    let (memory, extra_env, live_image) = match (drift, i % 3) {
        (true, 0) => ("2Gi", false, image.clone()),
        (true, 1) => ("512Mi", true, image.clone()),
        (true, _) => ("512Mi", false, format!("{image}-hotfix")),
        (false, _) => ("512Mi", false, image.clone()),
    };
    let mut live_containers =
        vec![container("app", &live_image, memory, extra_env), container("proxy", "envoy:v1.30", "128Mi", false)];
    for c in &mut live_containers {
        let c = c.as_object_mut().expect("container");
        c.insert("imagePullPolicy".into(), json!("IfNotPresent"));
        c.insert("terminationMessagePath".into(), json!("/dev/termination-log"));
        c.insert("terminationMessagePolicy".into(), json!("File"));
        for port in c["ports"].as_array_mut().expect("ports") {
            port["protocol"] = json!("TCP");
        }
        for probe in ["readinessProbe", "livenessProbe"] {
            let p = c[probe].as_object_mut().expect("probe");
            p.extend([
                ("timeoutSeconds".into(), json!(1)),
                ("periodSeconds".into(), json!(10)),
                ("successThreshold".into(), json!(1)),
                ("failureThreshold".into(), json!(3)),
            ]);
            p["httpGet"]["scheme"] = json!("HTTP");
        }
    }
    let mut live = desired.clone();
    let mut live_labels = labels;
    // The instance label Argo CD stamps names the app every pair belongs to (the scan's `shop`).
    live_labels["app.kubernetes.io/instance"] = json!("shop");
    live["metadata"] = json!({"name": name, "namespace": namespace, "labels": live_labels,
        "uid": format!("6f6a6f5c-2b55-4b1e-9a0e-{i:012}"), "resourceVersion": format!("{}", 800_000 + i),
        "generation": 4, "creationTimestamp": "2026-01-12T14:02:11Z",
        "annotations": {"deployment.kubernetes.io/revision": "4",
            "kubectl.kubernetes.io/last-applied-configuration": desired.to_string()},
        "managedFields": managed_fields(&desired, drift, i)});
    live["spec"]["template"] = template(live_containers);
    live["spec"]["template"]["metadata"]["creationTimestamp"] = Value::Null;
    let pod = live["spec"]["template"]["spec"].as_object_mut().expect("pod spec");
    pod.extend([
        ("dnsPolicy".into(), json!("ClusterFirst")),
        ("restartPolicy".into(), json!("Always")),
        ("schedulerName".into(), json!("default-scheduler")),
        ("securityContext".into(), json!({})),
        ("terminationGracePeriodSeconds".into(), json!(30)),
    ]);
    live["spec"]["template"]["spec"]["volumes"][0]["configMap"]["defaultMode"] = json!(420);
    live["spec"]["revisionHistoryLimit"] = json!(10);
    if kind == "Deployment" {
        live["spec"]["progressDeadlineSeconds"] = json!(600);
        live["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
    } else {
        live["spec"]["podManagementPolicy"] = json!("OrderedReady");
        live["spec"]["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
    }
    live["status"] = json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3,
        "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
            "lastTransitionTime": "2026-06-08T08:56:30Z", "lastUpdateTime": "2026-06-08T08:56:30Z"}]});
    Pair { desired, live }
}

fn managed_fields(desired: &Value, drift: bool, i: usize) -> Value {
    let container_fields = json!({".": {}, "f:env": {".": {}, "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}},
            "k:{\"name\":\"PORT\"}": {".": {}, "f:name": {}, "f:value": {}},
            "k:{\"name\":\"POD_NAME\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:fieldRef": {}}},
            "k:{\"name\":\"DB_URL\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:secretKeyRef": {}}}},
        "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
        "f:livenessProbe": {".": {}, "f:failureThreshold": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}},
            "f:initialDelaySeconds": {}, "f:periodSeconds": {}, "f:successThreshold": {}, "f:timeoutSeconds": {}},
        "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}},
            "k:{\"containerPort\":9090,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
        "f:readinessProbe": {".": {}, "f:failureThreshold": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}},
            "f:periodSeconds": {}, "f:successThreshold": {}, "f:timeoutSeconds": {}},
        "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
        "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {},
        "f:volumeMounts": {".": {}, "k:{\"mountPath\":\"/etc/app\"}": {".": {}, "f:mountPath": {}, "f:name": {}}}});
    let gitops = json!({"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
            "f:labels": {".": {}, "f:app": {}, "f:app.kubernetes.io/instance": {}, "f:app.kubernetes.io/part-of": {}, "f:team": {}}},
        "f:spec": {"f:replicas": {}, "f:revisionHistoryLimit": {}, "f:selector": {},
            "f:template": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": container_fields.clone(), "k:{\"name\":\"proxy\"}": container_fields},
                    "f:dnsPolicy": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {},
                    "f:terminationGracePeriodSeconds": {},
                    "f:volumes": {".": {}, "k:{\"name\":\"config\"}": {".": {}, "f:configMap": {".": {}, "f:defaultMode": {}, "f:name": {}}, "f:name": {}}}}}}});
    let mut entries = vec![
        json!({"apiVersion": desired["apiVersion"], "fieldsType": "FieldsV1", "fieldsV1": gitops,
               "manager": "argocd-controller", "operation": "Update", "time": "2026-03-15T10:00:00Z"}),
        json!({"apiVersion": desired["apiVersion"], "fieldsType": "FieldsV1",
               "fieldsV1": {"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}},
                            "f:status": {"f:availableReplicas": {}, "f:conditions": {}, "f:observedGeneration": {}, "f:readyReplicas": {}, "f:replicas": {}}},
               "manager": "kube-controller-manager", "operation": "Update", "subresource": "status", "time": "2026-06-08T08:56:30Z"}),
    ];
    if drift {
        let (manager, fields) = match i % 3 {
            0 => ("kubectl-edit", json!({"f:resources": {"f:limits": {"f:memory": {}}}})),
            1 => ("kubectl-set", json!({"f:env": {"k:{\"name\":\"DEBUG\"}": {".": {}, "f:name": {}, "f:value": {}}}})),
            _ => ("kubectl-set", json!({"f:image": {}})),
        };
        entries.push(json!({"apiVersion": desired["apiVersion"], "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": fields}}}}},
            "manager": manager, "operation": "Update", "time": "2026-04-26T08:10:00Z"}));
    }
    Value::Array(entries)
}

fn service(namespace: &str, name: &str) -> Pair {
    let desired = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                                                     {"name": "metrics", "port": 9090, "targetPort": 9090}]}});
    let mut live = desired.clone();
    live["metadata"] = json!({"name": name, "namespace": namespace, "labels": {"app": name, "app.kubernetes.io/instance": "shop"},
        "uid": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "resourceVersion": "104233", "creationTimestamp": "2026-01-12T14:02:11Z",
        "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kustomize-controller", "operation": "Apply",
            "time": "2026-01-12T14:02:11Z", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}, "f:app.kubernetes.io/instance": {}}},
            "f:spec": {"f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}},
                                   "k:{\"port\":9090,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}}},
                       "f:selector": {}}}}]});
    let spec = live["spec"].as_object_mut().expect("spec");
    spec.extend([
        ("clusterIP".into(), json!("10.96.41.17")),
        ("clusterIPs".into(), json!(["10.96.41.17"])),
        ("internalTrafficPolicy".into(), json!("Cluster")),
        ("ipFamilies".into(), json!(["IPv4"])),
        ("ipFamilyPolicy".into(), json!("SingleStack")),
        ("sessionAffinity".into(), json!("None")),
        ("type".into(), json!("ClusterIP")),
    ]);
    for port in live["spec"]["ports"].as_array_mut().expect("ports") {
        port["protocol"] = json!("TCP");
    }
    live["status"] = json!({"loadBalancer": {}});
    Pair { desired, live }
}

fn config_map(namespace: &str, name: &str, drift: bool) -> Pair {
    let data: serde_json::Map<String, Value> =
        (0..12).map(|k| (format!("SETTING_{k}"), json!(format!("value-{k}-{name}")))).collect();
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data});
    let mut live = desired.clone();
    if drift {
        live["data"]["SETTING_3"] = json!("edited-by-hand");
    }
    live["metadata"] = json!({"name": name, "namespace": namespace, "uid": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
        "resourceVersion": "640112", "creationTimestamp": "2026-01-12T14:02:11Z",
        "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "argocd-controller", "operation": "Update",
            "time": "2026-03-15T10:00:00Z", "fieldsV1": {"f:data": {}}}]});
    Pair { desired, live }
}

/// Desired objects as manifest files of 10 documents each.
pub fn write_desired<'v>(dir: &std::path::Path, objects: impl Iterator<Item = &'v Value>) {
    let objects: Vec<&Value> = objects.collect();
    for (file, chunk) in objects.chunks(10).enumerate() {
        let docs: Vec<String> = chunk.iter().map(|o| yaml_serde::to_string(o).expect("yaml")).collect();
        std::fs::write(dir.join(format!("objects-{file:05}.yaml")), docs.join("---\n")).expect("write");
    }
}
