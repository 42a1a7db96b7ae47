#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../benches/support/mod.rs"]
mod support;
fn main() {
    let pairs = support::pairs(1000);
    let (d, l) = support::manifests(&pairs);
    let r = kdrift::engine::compare_app(&kdrift::engine::EngineConfig::default(), "shop", "default", Some(1_780_909_800), d, l).unwrap();
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    for res in &r.resources { for f in &res.findings { *by.entry(format!("{} {} {}", res.kind, f.category.as_str(), f.display_path)).or_default() += 1; } }
    for (k, v) in by { println!("{v:5} {k}"); }
}
