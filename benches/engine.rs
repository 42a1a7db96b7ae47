//! Engine throughput: normalize + pair + diff + classify N resource pairs on one core.
//! Target (issue #2): 10,000 pairs in ≤ 250 ms. Inputs are cloned outside the timed region.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

mod support;

use kdrift::engine::{EngineConfig, Manifest, compare_app};

// The same allocator as the binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

#[divan::bench(args = [1_000, 10_000], sample_count = 10)]
fn compare_pairs(bencher: divan::Bencher, count: usize) {
    let pairs = support::pairs(count);
    let config = EngineConfig::default();
    bencher.with_inputs(|| support::manifests(&pairs)).bench_values(
        |(desired, live): (Vec<Manifest>, Vec<Manifest>)| {
            let report =
                compare_app(&config, "shop", "default", Some(1_780_909_800), desired, live).expect("no duplicates");
            assert_eq!(report.resources.len(), count);
            report
        },
    );
}
