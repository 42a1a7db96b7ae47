//! The lines of audit log files, streamed: a file or a directory of them (rotated logs),
//! gzip-compressed or not, read a buffer at a time so a log of gigabytes never sits in
//! memory; lines past `MAX_LINE` are skipped, and every byte read (after decompression)
//! counts against `limits.audit_bytes`.

use crate::sources::audit::AuditError;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

/// Bytes of one line kept: a Metadata-level event is a few KiB; one with request and
/// response bodies (a big ConfigMap) can be a few MiB, and only its metadata matters.
const MAX_LINE: usize = 8 * 1024 * 1024;
/// Files read from one directory.
const MAX_FILES: usize = 10_000;

/// What one call of `next_line` found.
pub(super) enum Line {
    Text,
    /// Longer than `MAX_LINE`: skipped whole.
    TooLong,
    End,
}

/// The files `path` names: itself, or a directory's audit logs (names holding `audit`, or
/// ending in `.jsonl`, compressed or not; links followed; hidden ones skipped), newest
/// first, so a budget that runs out leaves the oldest unread.
pub(super) fn files(path: &Path) -> Result<Vec<PathBuf>, AuditError> {
    let unreadable =
        |error: std::io::Error| AuditError::Unreadable { path: path.to_owned(), reason: error.to_string() };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(path).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let audit_like = name.contains("audit") || name.ends_with(".jsonl") || name.ends_with(".jsonl.gz");
        let Ok(metadata) = std::fs::metadata(entry.path()) else { continue };
        if !name.starts_with('.') && audit_like && metadata.is_file() {
            found.push((metadata.modified().ok(), entry.path()));
        }
        if found.len() > MAX_FILES {
            return Err(AuditError::TooManyFiles { path: path.to_owned(), limit: MAX_FILES });
        }
    }
    if found.is_empty() {
        let reason = "the directory holds no audit log (a file named *audit* or *.jsonl)".to_owned();
        return Err(AuditError::Unreadable { path: path.to_owned(), reason });
    }
    found.sort_by(|a, b| b.cmp(a));
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

/// A reader of `path`'s text, decompressed when it is gzip. Special files are refused
/// without blocking on them.
pub(super) fn open(path: &Path) -> Result<Box<dyn BufRead>, AuditError> {
    let unreadable =
        |error: std::io::Error| AuditError::Unreadable { path: path.to_owned(), reason: error.to_string() };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(unreadable)?;
    let file_type = file.metadata().map_err(unreadable)?.file_type();
    if let Some(kind) = crate::sources::bounded::special_kind(file_type) {
        return Err(AuditError::Unreadable {
            path: path.to_owned(),
            reason: format!("it is {kind}, not a regular file"),
        });
    }
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let gzip = reader.fill_buf().map_err(unreadable)?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::with_capacity(256 * 1024, flate2::bufread::MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    })
}

/// Reads the next line into `line` (without its newline), counting bytes into `read`.
pub(super) fn next_line(reader: &mut dyn BufRead, line: &mut Vec<u8>, read: &mut u64) -> std::io::Result<Line> {
    line.clear();
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::End,
                (false, false) => Line::Text,
            });
        }
        let (taken, done) = match memchr::memchr(b'\n', buffer) {
            Some(at) => (at, true),
            None => (buffer.len(), false),
        };
        if !too_long && line.len() + taken <= MAX_LINE {
            line.extend_from_slice(&buffer[..taken]);
        } else {
            too_long = true;
            line.clear();
        }
        let consumed = if done { taken + 1 } else { taken };
        reader.consume(consumed);
        *read += consumed as u64;
        if done {
            return Ok(if too_long { Line::TooLong } else { Line::Text });
        }
    }
}

/// `reader`, stopped after `limit` bytes.
pub(super) fn bounded(reader: Box<dyn BufRead>, limit: u64) -> Box<dyn BufRead> {
    Box::new(reader.take(limit))
}
