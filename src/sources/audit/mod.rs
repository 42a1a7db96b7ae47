//! The Kubernetes API server's audit log as evidence of *who* made a write: JSON-lines files
//! (a directory of rotated ones, gzip accepted) or the webhook backend's `EventList`s, read
//! streaming, keeping only the completed writes near the times a drifted object's
//! managedFields name (`Wanted`), so a log of gigabytes costs memory for what drifted only.
//! `matching` turns a managedFields entry into the `Actor` behind it.

#[cfg(test)]
mod audit_tests;
mod event;
mod lines;
mod matching;

pub(crate) use event::{AuditWrite, ObjectId};

use crate::model::AuditCoverage;
use event::{RawEvent, Seen};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Seconds around a managedFields time within which writes are kept: the API server stamps
/// the entry during the request, so its event straddles that second.
pub(crate) const WINDOW: i64 = 2;
/// Writes kept for one object (a hot object written every second keeps its latest).
const MAX_PER_OBJECT: usize = 512;
/// Names looked for in a line before it is parsed at all; with more, every line is parsed.
const MAX_PREFILTER_NAMES: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("audit log {}: more than {limit} files in the directory", path.display())]
    TooManyFiles { path: PathBuf, limit: usize },
}

/// The objects and times whose writes are worth keeping.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    times: HashMap<ObjectId, Vec<i64>>,
    /// Keep every write (`kdrift serve`'s webhook window): what will drift is not known yet.
    everything: bool,
}

impl Wanted {
    /// Every write, whatever it changed.
    pub(crate) fn everything() -> Wanted {
        Wanted { times: HashMap::new(), everything: true }
    }

    /// Writes to `object` within `WINDOW` of `time` (seconds).
    pub(crate) fn add(&mut self, object: ObjectId, time: i64) {
        self.times.entry(object).or_default().push(time);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.times.is_empty() && !self.everything
    }

    fn wants(&self, object: &ObjectId, write: &AuditWrite) -> bool {
        let start = write.received.unwrap_or(write.completed);
        // A window keeps what can be an app's drift: not status, leases, events, endpoints.
        let noise = write.subresource.as_deref() == Some("status")
            || matches!(write.resource.as_str(), "leases" | "events" | "endpoints" | "endpointslices");
        (self.everything && !noise)
            || self
                .times
                .get(object)
                .is_some_and(|times| times.iter().any(|t| start - WINDOW <= *t && *t <= write.completed + WINDOW))
    }

    /// Finders for the wanted names: a line naming none of them need not be parsed.
    fn prefilter(&self) -> Option<Vec<memchr::memmem::Finder<'static>>> {
        let names: HashSet<&str> = self.times.keys().map(|object| object.name.as_str()).collect();
        (!self.everything && names.len() <= MAX_PREFILTER_NAMES).then(|| {
            names.into_iter().map(|name| memchr::memmem::Finder::new(&format!("\"{name}\"")).into_owned()).collect()
        })
    }
}

/// The writes kept, by object, and what the log covered.
#[derive(Debug, Clone)]
pub struct AuditIndex {
    writes: HashMap<ObjectId, Vec<AuditWrite>>,
    seen: HashSet<String>,
    pub coverage: AuditCoverage,
    /// Lines that were not audit events, and why the first was not: said once per source.
    pub notes: Vec<String>,
    first: Option<i64>,
    last: Option<i64>,
}

impl AuditIndex {
    pub(crate) fn new(source: String) -> AuditIndex {
        let coverage = AuditCoverage { source, events: 0, first: None, last: None, truncated: false };
        AuditIndex {
            writes: HashMap::new(),
            seen: HashSet::new(),
            coverage,
            notes: Vec::new(),
            first: None,
            last: None,
        }
    }

    /// Reads every file `paths` name (files or directories), within `limits.audit_bytes`.
    pub(crate) fn read_paths(paths: &[PathBuf], wanted: &Wanted) -> Result<AuditIndex, AuditError> {
        let label = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        let mut index = AuditIndex::new(label);
        let limit = crate::limits::current().audit_bytes;
        let mut budget = limit;
        let prefilter = wanted.prefilter();
        let mut files = Vec::new();
        for path in paths {
            files.extend(lines::files(path)?);
        }
        for (at, file) in files.iter().enumerate() {
            if budget == 0 {
                index.coverage.truncated = true;
                index.notes.push(format!(
                    "stopped reading the audit log after {} ([limits] audit_mb): {} and {} older file(s) not read",
                    crate::limits::size(limit),
                    file.display(),
                    files.len() - at - 1
                ));
                break;
            }
            let mut reader = lines::bounded(lines::open(file)?, budget);
            let read = index.read_stream(file, reader.as_mut(), wanted, prefilter.as_deref(), budget)?;
            budget = budget.saturating_sub(read);
        }
        Ok(index.finished())
    }

    /// An audit log held as text (a sample's).
    pub(crate) fn read_text(source: &str, text: &str, wanted: &Wanted) -> AuditIndex {
        let mut index = AuditIndex::new(source.to_owned());
        // Reading memory cannot fail.
        let _ = index.read_stream(Path::new(source), &mut text.as_bytes(), wanted, None, u64::MAX);
        index.finished()
    }

    /// Adds the events of one webhook `EventList` body: how many were events; `Err` says why
    /// the body is not an EventList. One odd item does not cost the others.
    pub(crate) fn add_event_list(&mut self, body: &[u8], wanted: &Wanted) -> Result<usize, String> {
        #[derive(serde::Deserialize)]
        struct List<'a> {
            #[serde(borrow)]
            items: Vec<&'a serde_json::value::RawValue>,
        }
        let list: List<'_> = serde_json::from_slice(body).map_err(|e| format!("not an audit EventList: {e}"))?;
        let mut count = 0;
        for item in list.items {
            if let Ok(event) = serde_json::from_str::<RawEvent>(item.get()) {
                self.add(event, wanted);
                count += 1;
            }
        }
        self.finish_span();
        Ok(count)
    }

    /// Forgets writes that completed before `before` (seconds): a long-running window, which
    /// then covers only from there.
    pub(crate) fn forget_before(&mut self, before: i64) {
        if self.first.is_some_and(|first| first < before) {
            self.first = Some(before);
            self.finish_span();
        }
        self.writes.retain(|_, writes| {
            writes.retain(|w| w.completed >= before);
            !writes.is_empty()
        });
        let kept: HashSet<&str> = self.writes.values().flatten().filter_map(|w| w.audit_id.as_deref()).collect();
        self.seen.retain(|id| kept.contains(id.as_str()));
    }

    /// Keeps at most `max` writes, the newest: past it, the oldest tenth and more go.
    pub(crate) fn keep_newest(&mut self, max: usize) {
        let mut times: Vec<i64> = self.writes.values().flatten().map(|w| w.completed).collect();
        if times.len() <= max {
            return;
        }
        let drop = times.len() - max * 9 / 10;
        let (_, cutoff, _) = times.select_nth_unstable(drop);
        let cutoff = *cutoff;
        self.forget_before(cutoff);
        // Many writes in the cutoff's second: that second goes too.
        if self.writes.values().map(Vec::len).sum::<usize>() > max {
            self.forget_before(cutoff + 1);
        }
    }

    /// The time of the newest event read (seconds).
    pub(crate) fn newest(&self) -> Option<i64> {
        self.last
    }

    /// The writes kept for `object`.
    pub(crate) fn writes(&self, object: &ObjectId) -> &[AuditWrite] {
        self.writes.get(object).map_or(&[], Vec::as_slice)
    }

    fn read_stream(
        &mut self,
        file: &Path,
        reader: &mut dyn std::io::BufRead,
        wanted: &Wanted,
        prefilter: Option<&[memchr::memmem::Finder<'static>]>,
        budget: u64,
    ) -> Result<u64, AuditError> {
        let (mut line, mut read, mut number, mut bad, mut long) = (Vec::new(), 0u64, 0u64, 0u64, 0u64);
        let mut first_bad = None;
        loop {
            let next = lines::next_line(reader, &mut line, &mut read)
                .map_err(|e| AuditError::Unreadable { path: file.to_owned(), reason: e.to_string() })?;
            number += 1;
            match next {
                lines::Line::End => break,
                lines::Line::TooLong => long += 1,
                lines::Line::Text if line.iter().all(u8::is_ascii_whitespace) => {}
                lines::Line::Text if prefilter.is_some_and(|names| !names.iter().any(|f| f.find(&line).is_some())) => {
                    match quick_stage_time(&line) {
                        Some(time) => self.note_time(Some(time)),
                        None if read >= budget => {}
                        None => {
                            bad += 1;
                            first_bad.get_or_insert_with(|| {
                                format!("{}:{number}:1: no stageTimestamp, not an audit event", file.display())
                            });
                        }
                    }
                }
                lines::Line::Text => match serde_json::from_slice::<RawEvent>(&line) {
                    Ok(event) => self.add(event, wanted),
                    // The budget cut this last line short: it is not a bad line.
                    Err(_) if read >= budget => {}
                    Err(error) => {
                        bad += 1;
                        // The line and column go first, as for any file; serde's own
                        // "at line 1" would name the line within the line.
                        let message = error.to_string();
                        let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
                        first_bad.get_or_insert_with(|| {
                            format!("{}:{number}:{}: {message}", file.display(), error.column())
                        });
                    }
                },
            }
        }
        if let Some(first) = first_bad {
            let lines = if bad == 1 {
                "line of the audit log is not an audit event"
            } else {
                "lines of the audit log are not audit events"
            };
            self.notes.push(format!("{bad} {lines} (the first: {first})"));
        }
        if long > 0 {
            let lines = if long == 1 { "line" } else { "lines" };
            self.notes.push(format!("{}: {long} {lines} over 8 MiB skipped", file.display()));
        }
        Ok(read)
    }

    fn add(&mut self, event: RawEvent, wanted: &Wanted) {
        self.note_time(event.time().and_then(crate::engine::time::parse_rfc3339));
        let Seen::Write(object, write) = event.into_seen() else {
            return;
        };
        if !wanted.wants(&object, &write) {
            return;
        }
        // The same event read twice (a log and its copy) counts once. A client can choose its
        // own audit ID, so the ID alone must not drop another user's write.
        if let Some(id) = &write.audit_id
            && !self.seen.insert(format!("{id}|{}|{}|{}", write.completed_text, write.username, object.name))
        {
            return;
        }
        let writes = self.writes.entry(object).or_default();
        if writes.len() == MAX_PER_OBJECT {
            writes.remove(0);
        }
        writes.push(*write);
    }

    fn note_time(&mut self, time: Option<i64>) {
        let Some(time) = time else { return };
        self.coverage.events += 1;
        self.first = Some(self.first.map_or(time, |first| first.min(time)));
        self.last = Some(self.last.map_or(time, |last| last.max(time)));
    }

    fn finish_span(&mut self) {
        use crate::engine::time::format_rfc3339;
        self.coverage.first = self.first.map(format_rfc3339);
        self.coverage.last = self.last.map(format_rfc3339);
    }

    fn finished(mut self) -> AuditIndex {
        self.finish_span();
        self
    }
}

/// The `stageTimestamp` of a line not worth parsing, found by its key: the log's span still
/// counts it.
fn quick_stage_time(line: &[u8]) -> Option<i64> {
    const KEY: &[u8] = b"\"stageTimestamp\"";
    let after = &line[memchr::memmem::find(line, KEY)? + KEY.len()..];
    // `"key":"value"`, or re-serialized with spaces: `"key": "value"`.
    let value = after.trim_ascii_start().strip_prefix(b":")?.trim_ascii_start().strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', value)?;
    crate::engine::time::parse_rfc3339(std::str::from_utf8(&value[..end]).ok()?)
}
