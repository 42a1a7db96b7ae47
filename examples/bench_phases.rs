#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../benches/support/mod.rs"]
mod support;
use kdrift::engine::*;
use std::time::{Duration, Instant};
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let pairs = support::pairs(10_000);
    let cfg = EngineConfig::default();
    let mut t = [Duration::ZERO; 6];
    let mut n = 0;
    for p in &pairs {
        let (mut d, mut l) = (p.desired.clone(), p.live.clone());
        let s = Instant::now();
        let k = identity::key_of(&d, "default");
        let _k2 = identity::key_of(&l, "default");
        t[0] += s.elapsed(); let s = Instant::now();
        normalize::normalize(&mut d, &k.kind, false);
        let removed = normalize::normalize(&mut l, &k.kind, false);
        t[1] += s.elapsed(); let s = Instant::now();
        let trie = removed.managed_fields.as_ref().and_then(|f| ownership::OwnershipTrie::from_managed_fields(f, &cfg.managers));
        t[2] += s.elapsed(); let s = Instant::now();
        let ev = diff::LiveEvidence { kind: &k.kind, ownership: trie.as_ref(), last_applied: if std::env::var_os("NOLA").is_some() { None } else { removed.last_applied.as_deref() }, opaque_data: false, builtin_kind: true };
        n += diff::diff_objects(&d, &l, &ev).len();
        t[3] += s.elapsed(); let s = Instant::now();
        drop(trie); drop(removed);
        t[4] += s.elapsed(); let s = Instant::now();
        drop(d); drop(l);
        t[5] += s.elapsed();
    }
    eprintln!("keys {:?} normalize {:?} trie {:?} diff {:?} drop-trie+mf {:?} drop-objects {:?} ({n})", t[0], t[1], t[2], t[3], t[4], t[5]);
}
