//! A resource compared again alone gives exactly the report a full scan gives, on every
//! embedded sample (HPAs, webhooks, ignore rules in definitions, Events, orphans).

use super::*;
use crate::investigate::{Keep, Request, Simulation, SourceSpec, load_simulated};
use crate::sources::samples;
use std::collections::HashMap;

fn load(sample: &str, keep: &Keep, simulation: &Simulation) -> crate::investigate::Investigation {
    load_simulated(&Request::Sources(Box::new(SourceSpec::sample(sample))), keep, simulation).expect("the sample loads")
}

/// `change` applied to one live object, as a full scan sees it.
fn scanned_with(sample: &str, key: &ResourceKey, live: Option<Value>) -> AppData {
    let mut simulation = Simulation::new();
    simulation.insert(sample.to_owned(), HashMap::from([(key.clone(), live)]));
    load(sample, &Keep::Resident, &simulation).apps.remove(0)
}

/// Every sample resource with a live copy that is not context, edited (a label Git sets) or
/// deleted: compared again alone, it reads as the full scan reads it, and so does the app.
#[test]
fn one_object_compared_again_reads_as_a_full_scan_of_it() {
    let (mut compared, mut drifted) = (0, 0);
    for sample in samples::names() {
        let shown = load(sample, &Keep::Shown, &Simulation::new()).apps.remove(0);
        let resident = load(sample, &Keep::Resident, &Simulation::new()).apps.remove(0);
        assert!(resident.resident.is_some(), "{sample}: nothing kept");
        for resource in &resident.report.resources {
            let key = resource.key();
            let Some(live) = shown.objects.get(&key).and_then(|pair| pair.live()) else { continue };
            if resource.status == ResourceStatus::Orphan || is_context(&live) {
                continue;
            }
            // A label Git sets, changed live (drift), else a new field (no drift).
            let desired = resident.objects.get(&key).and_then(|pair| pair.desired());
            let label =
                desired.as_ref().and_then(|d| d.pointer("/metadata/labels")?.as_object()?.keys().next().cloned());
            let mut edited = live.clone();
            match label {
                Some(label) => edited["metadata"]["labels"][label] = Value::from("edited-by-hand"),
                None => edited["metadata"]["labels"]["kdrift-test"] = Value::from("yes"),
            }
            for change in [Some(edited), None, Some(live.clone())] {
                let expected = scanned_with(sample, &key, change.clone());
                let mut app = resident.clone();
                let (object, deleted) = match &change {
                    Some(object) => (object, false),
                    None => (&live, true),
                };
                let outcome = app.recompare(&key, object, deleted).expect("compares");
                assert_eq!(outcome, Recompared::Updated, "{sample} {key}");
                let fresh = app.report.resources.iter().find(|r| r.key() == key).expect("still reported");
                let full = expected.report.resources.iter().find(|r| r.key() == key).expect("scanned");
                assert_eq!(
                    fresh,
                    full,
                    "{sample} {key} after {}",
                    if change.is_some() { "a change" } else { "a delete" }
                );
                assert_eq!(app.report.sync_status, expected.report.sync_status, "{sample} {key}");
                compared += 1;
                drifted +=
                    usize::from(fresh.findings.iter().any(|f| f.live.as_ref().is_some_and(|v| v == "edited-by-hand")));
            }
        }
    }
    assert!(compared > 30, "only {compared} comparisons");
    assert!(drifted > 10, "only {drifted} edits made drift");
}

/// What the kept state cannot settle asks for a full scan (an HPA changed or deleted, an
/// orphan gone, an object newly tracked to the app); another app's object is not ours.
#[test]
fn context_orphans_and_newly_tracked_objects_ask_for_a_full_scan() {
    let sample = samples::names().into_iter().find(|name| {
        let app = load(name, &Keep::Resident, &Simulation::new()).apps.remove(0);
        app.report.resources.iter().any(|r| r.status == ResourceStatus::Orphan)
    });
    let sample = sample.expect("a sample with an orphan");
    let mut app = load(sample, &Keep::Resident, &Simulation::new()).apps.remove(0);
    let orphan = app.report.resources.iter().find(|r| r.status == ResourceStatus::Orphan).unwrap().key();
    let last = serde_json::json!({"apiVersion": "v1", "kind": orphan.kind, "metadata": {"name": orphan.name,
        "namespace": orphan.namespace}});
    assert!(matches!(app.recompare(&orphan, &last, true).unwrap(), Recompared::NeedsScan(_)));

    let hpa = serde_json::json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "any", "namespace": app.namespace}});
    for deleted in [false, true] {
        assert!(matches!(app.recompare(&key_of(&hpa), &hpa, deleted).unwrap(), Recompared::NeedsScan(_)));
    }

    let name = app.report.name.clone();
    let mut tracked = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "new-one", "namespace": app.namespace, "labels": {"app.kubernetes.io/instance": name}}});
    assert!(matches!(app.recompare(&key_of(&tracked), &tracked, false).unwrap(), Recompared::NeedsScan(_)));
    tracked["metadata"]["labels"]["app.kubernetes.io/instance"] = Value::from("someone-else");
    assert_eq!(app.recompare(&key_of(&tracked), &tracked, false).unwrap(), Recompared::NotOurs);
}
