//! Reading a package, directory or `.tar`, as hostile input: one pass lists
//! its entries (checking every path and entry type, reading only the small
//! JSON documents), and entries are opened later by their checked path.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use tar::EntryType;

use super::{FILES_DIR, MANIFEST_PATH, MAX_DOCUMENT_BYTES, METADATA_PATH, PACKS_DIR};
use crate::error::{Error, Result};
use crate::package::PackageFormat;
use crate::results::{IssueCode, PackageIssue};
use crate::vocab::IssueSeverity;

/// Where an entry's bytes are.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    /// A file of a directory package.
    File(PathBuf),
    /// The data of a tar entry, at this offset of the archive.
    Tar { offset: u64 },
}

/// A regular file of the package.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub size: u64,
    pub data: Data,
}

/// Everything one listing pass learned about a package.
#[derive(Debug)]
pub(crate) struct Scan {
    pub root: PathBuf,
    pub format: PackageFormat,
    /// Regular files by their checked relative path (`/`-separated, no `.`/`..`).
    pub files: BTreeMap<String, Entry>,
    /// The contents of the JSON documents the checks read (see [`is_document`]).
    pub docs: HashMap<String, Vec<u8>>,
    pub issues: Vec<PackageIssue>,
}

pub(crate) fn issue(severity: IssueSeverity, code: IssueCode, path: Option<&str>, message: impl Into<String>) -> PackageIssue {
    PackageIssue { severity, code, path: path.map(str::to_owned), message: message.into() }
}

pub(crate) fn error(code: IssueCode, path: Option<&str>, message: impl Into<String>) -> PackageIssue {
    issue(IssueSeverity::Error, code, path, message)
}

/// The documents the checks parse: the manifest, the metadata, descriptors,
/// and each pack's `pack.json` and `lock.json`.
pub(crate) fn is_document(rel: &str) -> bool {
    if rel == MANIFEST_PATH || rel == METADATA_PATH {
        return true;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        [dir, name] if *dir == FILES_DIR => name.ends_with(".json"),
        [dir, _, name] if *dir == PACKS_DIR => *name == "pack.json" || *name == "lock.json",
        _ => false,
    }
}

/// Checks an entry path and returns it normalised (`./` and empty
/// components dropped), or why it is refused.
pub(crate) fn normalise(raw: &[u8]) -> std::result::Result<String, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "the path is not valid UTF-8".to_owned())?;
    if text.contains('\0') {
        return Err("the path contains a NUL character".into());
    }
    if text.contains('\\') {
        return Err("the path contains a backslash".into());
    }
    if text.starts_with('/') {
        return Err("the path is absolute".into());
    }
    let mut parts = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("the path leaves the package ('..')".into()),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err("the path is empty".into());
    }
    Ok(parts.join("/"))
}

/// Lists a package: a directory, or any other file read as a tar archive.
pub(crate) fn scan(path: &Path) -> Result<Scan> {
    let meta = fs::metadata(path).map_err(Error::io("open package", path))?;
    let mut scan = Scan {
        root: path.to_path_buf(),
        format: if meta.is_dir() { PackageFormat::Directory } else { PackageFormat::Tar },
        files: BTreeMap::new(),
        docs: HashMap::new(),
        issues: Vec::new(),
    };
    match scan.format {
        PackageFormat::Directory => scan_dir(&mut scan),
        PackageFormat::Tar => scan_tar(&mut scan, meta.len())?,
    }
    // A tar can hold `a` as a file and `a/b` too; nothing could be written from it.
    let clashes: Vec<String> =
        scan.files.keys().filter(|rel| rel.match_indices('/').any(|(i, _)| scan.files.contains_key(&rel[..i]))).cloned().collect();
    for rel in clashes {
        scan.issues.push(error(IssueCode::DuplicateEntry, Some(&rel), "a parent folder of this path is also a file in the archive"));
    }
    Ok(scan)
}

fn scan_dir(scan: &mut Scan) {
    let root = scan.root.clone();
    for item in walkdir::WalkDir::new(&root).min_depth(1).follow_links(false).sort_by_file_name() {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                let rel = e.path().and_then(|p| p.strip_prefix(&root).ok()).map(|p| p.to_string_lossy().into_owned());
                scan.issues.push(error(IssueCode::ArchiveInvalid, rel.as_deref(), format!("cannot read: {e}")));
                continue;
            }
        };
        let rel_path = item.path().strip_prefix(&root).unwrap_or(item.path());
        let rel = match rel_path.to_str().map(|s| normalise(s.as_bytes())) {
            Some(Ok(r)) => r,
            Some(Err(why)) => {
                scan.issues.push(error(IssueCode::UnsafePath, Some(&rel_path.to_string_lossy()), why));
                continue;
            }
            None => {
                scan.issues.push(error(IssueCode::UnsafePath, Some(&rel_path.to_string_lossy()), "the path is not valid UTF-8"));
                continue;
            }
        };
        let ft = item.file_type();
        if ft.is_symlink() {
            scan.issues.push(error(IssueCode::LinkEntry, Some(&rel), "a symbolic link: packages hold plain files only"));
        } else if ft.is_dir() {
            continue;
        } else if ft.is_file() {
            let size = match item.metadata() {
                Ok(m) => m.len(),
                Err(e) => {
                    scan.issues.push(error(IssueCode::ArchiveInvalid, Some(&rel), format!("cannot read: {e}")));
                    continue;
                }
            };
            let entry = Entry { size, data: Data::File(item.path().to_path_buf()) };
            if is_document(&rel) {
                read_document(scan, &rel, &entry);
            }
            scan.files.insert(rel, entry);
        } else {
            scan.issues.push(error(IssueCode::UnexpectedEntry, Some(&rel), "not a regular file (a device, fifo or socket)"));
        }
    }
}

fn scan_tar(scan: &mut Scan, archive_len: u64) -> Result<()> {
    let file = File::open(&scan.root).map_err(Error::io("open package", &scan.root))?;
    let mut archive = tar::Archive::new(file);
    let entries = match archive.entries_with_seek() {
        Ok(e) => e,
        Err(e) => {
            scan.issues.push(error(IssueCode::ArchiveInvalid, None, format!("not a readable tar archive: {e}")));
            return Ok(());
        }
    };
    let mut dirs = BTreeSet::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                scan.issues.push(error(IssueCode::ArchiveInvalid, None, format!("the tar archive is damaged: {e}")));
                break;
            }
        };
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            continue;
        }
        let rel = match normalise(&raw) {
            Ok(r) => r,
            Err(why) => {
                scan.issues.push(error(IssueCode::UnsafePath, Some(&shown), why));
                continue;
            }
        };
        if kind.is_symlink() || kind.is_hard_link() {
            let what = if kind.is_symlink() { "a symbolic link" } else { "a hard link" };
            scan.issues.push(error(IssueCode::LinkEntry, Some(&rel), format!("{what}: packages hold plain files only")));
            continue;
        }
        let is_file = kind == EntryType::Regular || kind == EntryType::Continuous;
        if kind.is_dir() {
            if scan.files.contains_key(&rel) {
                scan.issues.push(error(IssueCode::DuplicateEntry, Some(&rel), "the path is both a file and a directory"));
            }
            dirs.insert(rel);
            continue;
        }
        if !is_file {
            scan.issues.push(error(IssueCode::UnexpectedEntry, Some(&rel), "not a regular file (a device, fifo or sparse entry)"));
            continue;
        }
        let (size, offset) = (entry.size(), entry.raw_file_position());
        if offset.saturating_add(size) > archive_len {
            let have = archive_len.saturating_sub(offset);
            scan.issues.push(error(
                IssueCode::Truncated,
                Some(&rel),
                format!("the entry says {size} bytes but the archive ends after {have}"),
            ));
            continue;
        }
        if scan.files.contains_key(&rel) || dirs.contains(&rel) {
            scan.issues.push(error(IssueCode::DuplicateEntry, Some(&rel), "the path appears more than once in the archive"));
            continue;
        }
        if is_document(&rel) && size <= MAX_DOCUMENT_BYTES {
            let mut bytes = Vec::with_capacity(size as usize);
            if let Err(e) = (&mut entry).take(size).read_to_end(&mut bytes) {
                scan.issues.push(error(IssueCode::ArchiveInvalid, Some(&rel), format!("cannot read: {e}")));
                continue;
            }
            if bytes.len() as u64 != size {
                scan.issues.push(error(IssueCode::Truncated, Some(&rel), format!("{} of {size} bytes could be read", bytes.len())));
                continue;
            }
            scan.docs.insert(rel.clone(), bytes);
        } else if is_document(&rel) {
            scan.issues.push(oversized(&rel, size));
        }
        scan.files.insert(rel, Entry { size, data: Data::Tar { offset } });
    }
    Ok(())
}

fn oversized(rel: &str, size: u64) -> PackageIssue {
    error(IssueCode::Oversized, Some(rel), format!("{size} bytes: a package's JSON documents are at most {MAX_DOCUMENT_BYTES} bytes"))
}

fn read_document(scan: &mut Scan, rel: &str, entry: &Entry) {
    if entry.size > MAX_DOCUMENT_BYTES {
        scan.issues.push(oversized(rel, entry.size));
        return;
    }
    let mut bytes = Vec::new();
    let read = open(&scan.root, entry).and_then(|r| r.take(MAX_DOCUMENT_BYTES + 1).read_to_end(&mut bytes).map_err(Error::io("read", rel)));
    match read {
        Ok(_) if bytes.len() as u64 > MAX_DOCUMENT_BYTES => scan.issues.push(oversized(rel, bytes.len() as u64)),
        Ok(_) => {
            scan.docs.insert(rel.to_owned(), bytes);
        }
        Err(e) => scan.issues.push(error(IssueCode::ArchiveInvalid, Some(rel), format!("cannot read: {e}"))),
    }
}

/// Opens an entry's bytes once, without following links (copy from the
/// returned reader, never reopen the path): at most `entry.size` of them (a file that grew
/// since the listing reads as it was listed; one that shrank reads short,
/// which the hash check reports).
pub(crate) fn open(root: &Path, entry: &Entry) -> Result<Box<dyn Read>> {
    match &entry.data {
        // Through the package folder's tree: a file swapped for a link since
        // the listing (to a private file elsewhere) is refused, not followed.
        Data::File(p) => {
            let f = crate::store::tree::Tree::open(root)?.open_read(p)?;
            Ok(Box::new(f.take(entry.size)))
        }
        Data::Tar { offset } => {
            let mut f = File::open(root).map_err(Error::io("open package", root))?;
            f.seek(SeekFrom::Start(*offset)).map_err(Error::io("read", root))?;
            Ok(Box::new(io::BufReader::with_capacity(crate::blob::blobs::CHUNK, f).take(entry.size)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_package_are_refused() {
        for bad in [&b"../x"[..], b"a/../../x", b"/etc/passwd", b"a\\..\\b", b"", b"./", b"a\0b", b"\xff\xfe"] {
            assert!(normalise(bad).is_err(), "{:?} was accepted", String::from_utf8_lossy(bad));
        }
        assert_eq!(normalise(b"./packs//A/./pack.json").unwrap(), "packs/A/pack.json");
        assert_eq!(normalise(b"files/").unwrap(), "files");
    }

    #[test]
    fn only_the_documents_of_the_format_are_read_whole() {
        for doc in ["package.json", "metadata.json", "files/abc.json", "packs/A/pack.json", "packs/A/lock.json"] {
            assert!(is_document(doc), "{doc}");
        }
        for other in ["files/abc", "packs/A/preview.png", "packs/A/sub/pack.json", "extra/x.json"] {
            assert!(!is_document(other), "{other}");
        }
    }

    #[test]
    fn a_file_swapped_for_a_link_after_the_listing_is_refused_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let pkg = d.path().join("pkg");
        std::fs::create_dir_all(pkg.join("packs/A")).unwrap();
        std::fs::write(pkg.join("packs/A/preview.png"), b"a preview").unwrap();
        std::fs::write(d.path().join("private"), b"the user's secret").unwrap();
        let listed = scan(&pkg).unwrap();
        let entry = &listed.files["packs/A/preview.png"];
        // Between the listing (and validation) and the copy, the file becomes a link.
        std::fs::remove_file(pkg.join("packs/A/preview.png")).unwrap();
        std::os::unix::fs::symlink(d.path().join("private"), pkg.join("packs/A/preview.png")).unwrap();
        let err = open(&listed.root, entry).err().expect("a link is not opened");
        assert!(matches!(err, Error::LinkInTree { .. }), "{err}");
    }
}
