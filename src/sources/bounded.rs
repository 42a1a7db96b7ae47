//! Reading a file within bounds: regular files only (a FIFO, device or socket is refused
//! without blocking on it), at most `limits.file_bytes`, and valid UTF-8. Every file kdrift
//! reads (manifests, rules, config, themes, records) comes through here.

use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::Path;

/// What kind of special file `file_type` is, when it is not a regular one.
pub(crate) fn special_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_fifo() {
        Some("a FIFO")
    } else if file_type.is_socket() {
        Some("a socket")
    } else if file_type.is_block_device() || file_type.is_char_device() {
        Some("a device")
    } else if file_type.is_dir() {
        Some("a directory")
    } else {
        None
    }
}

/// The text of `path`; the error says why it cannot be read, in one line.
pub(crate) fn read_text(path: &Path) -> std::io::Result<String> {
    let limit = crate::limits::current().file_bytes;
    // Non-blocking, so opening a FIFO nobody writes to returns at once.
    let file =
        std::fs::OpenOptions::new().read(true).custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32).open(path)?;
    let metadata = file.metadata()?;
    if let Some(kind) = special_kind(metadata.file_type()) {
        return Err(std::io::Error::other(format!("it is {kind}, not a regular file")));
    }
    if metadata.len() > limit {
        return Err(too_large(metadata.len(), limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // The size can grow while reading (a log being written): the bound holds regardless.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    String::from_utf8(bytes).map_err(|error| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", error.utf8_error().valid_up_to()),
        )
    })
}

fn too_large(bytes: u64, limit: u64) -> std::io::Error {
    std::io::Error::other(format!(
        "{} is over the {} file limit (raise [limits] file_mb in config.toml)",
        crate::limits::size(bytes),
        crate::limits::size(limit)
    ))
}
