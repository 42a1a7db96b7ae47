//! Unit tests of multi-app discovery (`discovery.rs`): the snapshot read once and shared.

use crate::engine::partition::LivePool;
use crate::engine::{DEFAULT_INSTANCE_LABEL, EngineConfig, compare_app};
use crate::sources::samples;
use serde_json::Value;

/// Every embedded sample compared as one app of a cluster holding all the samples' live
/// objects: fed its share of the pool, each reports what it reports fed everything.
#[test]
fn every_sample_fed_its_share_of_all_samples_reports_as_fed_everything() {
    let loaded: Vec<samples::Sample> =
        samples::names().into_iter().map(|n| samples::load(n).expect("sample")).collect();
    let everything: Vec<crate::engine::Manifest> = loaded.iter().flat_map(|s| s.live.iter().cloned()).collect();
    let mut pool = LivePool::new(DEFAULT_INSTANCE_LABEL);
    everything.iter().cloned().for_each(|m| pool.add(m));
    let config = EngineConfig::default();
    for sample in &loaded {
        let (app, namespace) = (&sample.meta.app, &sample.meta.namespace);
        let report = |live| {
            let report = compare_app(&config, app, namespace, sample.observed_at, sample.desired.clone(), live)
                .expect("compares");
            serde_json::to_value(report).expect("serializes")
        };
        let share = pool.share(app, &sample.desired);
        assert!(share.len() < everything.len(), "{app}: a share");
        let expected: Value = report(everything.clone());
        assert_eq!(report(share), expected, "{app}");
    }
}
