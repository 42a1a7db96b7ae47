//! A Flux artifact (a gzip tarball) unpacked into a directory without trusting it: regular
//! files and directories only (links, devices and the rest are skipped), every path kept
//! inside the directory (no absolute path, no `..`), and at most `MAX_BYTES` unpacked in at
//! most `MAX_ENTRIES` entries — a tarball bomb stops at the bound.

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// Bytes unpacked from one artifact.
const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Entries of one artifact.
const MAX_ENTRIES: usize = 100_000;

/// Unpacks `tarball` (gzip) into `into`; the error says why in one line.
pub(super) fn unpack(tarball: &[u8], into: &Path) -> Result<(), String> {
    let gzip = flate2::read::GzDecoder::new(tarball);
    let mut archive = tar::Archive::new(gzip);
    let (mut written, mut count) = (0u64, 0usize);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        let kind = entry.header().entry_type();
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        // source-controller names the archive's root `.`: nothing to create for it.
        if kind.is_dir() && path.components().all(|c| matches!(c, Component::CurDir)) {
            continue;
        }
        let Some(relative) = inside(&path) else {
            return Err(format!(
                "entry '{}' would land outside the directory",
                crate::sanitize::clean_line(&path.display().to_string())
            ));
        };
        let target = into.join(&relative);
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            continue;
        }
        if !kind.is_file() {
            // Symlinks and hard links could point anywhere: a kustomization never needs them.
            continue;
        }
        written += entry.header().size().map_err(|e| e.to_string())?;
        if written > MAX_BYTES {
            return Err(format!("more than {} unpacked", crate::limits::size(MAX_BYTES)));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut bytes = Vec::new();
        // The header's size is the bound: read no more than it says.
        (&mut entry).take(MAX_BYTES).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        std::fs::write(&target, bytes).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `path` as a relative path of plain components, or `None` when it would escape.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!relative.as_os_str().is_empty()).then_some(relative)
}
