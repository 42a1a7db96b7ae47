//! The bounds on every input kdrift reads, so that a huge, endless or malicious file, API
//! answer, rule or hook costs a clear error instead of the machine: their defaults, and the
//! `[limits]` table of `config.toml` that changes them (README "Limits"). Set once when the
//! config is loaded; read wherever an input is.

use std::sync::atomic::{AtomicU64, Ordering};

const MIB: u64 = 1024 * 1024;

/// The bounds in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Bytes of one manifest, rules, config, theme or record file.
    pub file_bytes: u64,
    /// Bytes of one API server answer (and of an exec credential plugin's output).
    pub response_bytes: u64,
    /// Objects of one LIST, all pages together.
    pub list_objects: u64,
    /// Milliseconds one jq expression may run on one object.
    pub jq_millis: u64,
    /// Bytes the jq evaluator may hold.
    pub jq_memory_bytes: u64,
    /// Seconds `escalate.command` may run.
    pub hook_seconds: u64,
    /// Bytes of audit log read in one load, after decompression.
    pub audit_bytes: u64,
}

impl Limits {
    pub(crate) const DEFAULT: Limits = Limits {
        file_bytes: 256 * MIB,
        response_bytes: 512 * MIB,
        list_objects: 1_000_000,
        jq_millis: 1_000,
        jq_memory_bytes: 1024 * MIB,
        hook_seconds: 60,
        audit_bytes: 4096 * MIB,
    };
}

static FILE_BYTES: AtomicU64 = AtomicU64::new(Limits::DEFAULT.file_bytes);
static RESPONSE_BYTES: AtomicU64 = AtomicU64::new(Limits::DEFAULT.response_bytes);
static LIST_OBJECTS: AtomicU64 = AtomicU64::new(Limits::DEFAULT.list_objects);
static JQ_MILLIS: AtomicU64 = AtomicU64::new(Limits::DEFAULT.jq_millis);
static JQ_MEMORY_BYTES: AtomicU64 = AtomicU64::new(Limits::DEFAULT.jq_memory_bytes);
static HOOK_SECONDS: AtomicU64 = AtomicU64::new(Limits::DEFAULT.hook_seconds);
static AUDIT_BYTES: AtomicU64 = AtomicU64::new(Limits::DEFAULT.audit_bytes);

/// The bounds in force now.
pub(crate) fn current() -> Limits {
    Limits {
        file_bytes: FILE_BYTES.load(Ordering::Relaxed),
        response_bytes: RESPONSE_BYTES.load(Ordering::Relaxed),
        list_objects: LIST_OBJECTS.load(Ordering::Relaxed),
        jq_millis: JQ_MILLIS.load(Ordering::Relaxed),
        jq_memory_bytes: JQ_MEMORY_BYTES.load(Ordering::Relaxed),
        hook_seconds: HOOK_SECONDS.load(Ordering::Relaxed),
        audit_bytes: AUDIT_BYTES.load(Ordering::Relaxed),
    }
}

/// Puts `limits` in force for the rest of the process.
pub(crate) fn set(limits: Limits) {
    FILE_BYTES.store(limits.file_bytes, Ordering::Relaxed);
    RESPONSE_BYTES.store(limits.response_bytes, Ordering::Relaxed);
    LIST_OBJECTS.store(limits.list_objects, Ordering::Relaxed);
    JQ_MILLIS.store(limits.jq_millis, Ordering::Relaxed);
    JQ_MEMORY_BYTES.store(limits.jq_memory_bytes, Ordering::Relaxed);
    HOOK_SECONDS.store(limits.hook_seconds, Ordering::Relaxed);
    AUDIT_BYTES.store(limits.audit_bytes, Ordering::Relaxed);
}

/// `bytes` as people read sizes: "256 MiB", "900 KiB".
pub(crate) fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}
