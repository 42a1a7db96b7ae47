#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../benches/support/mod.rs"]
mod support;
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let pairs = support::pairs(10_000);
    for _ in 0..3 {
        let (d, l) = support::manifests(&pairs);
        let t = std::time::Instant::now();
        let r = kdrift::engine::compare_app(&kdrift::engine::EngineConfig::default(), "shop", "default", Some(1_780_909_800), d, l).unwrap();
        eprintln!("{:?} {}", t.elapsed(), r.resources.len());
    }
}
