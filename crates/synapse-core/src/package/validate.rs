//! Validation (phase 1 of an import, SPEC §3.10): every rule of the format,
//! the SHA-256 of every file, and how each pack relates to the store. Writes
//! nothing. [`super::import`] runs the same checks under the store lock.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::read::{self, error, issue, Entry, Scan};
use super::{
    Descriptor, Manifest, Metadata, DESCRIPTOR_SCHEMA_VERSION, EXTRA_DIR, FILES_DIR, FORMAT_VERSION, HASH_ALGORITHM, MANIFEST_PATH,
    METADATA_PATH, MODE_WITHOUT_BLOBS, MODE_WITH_BLOBS, PACKS_DIR, SPEC,
};
use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::pack::packs::Pack;
use crate::package::{PackClassification, PackageItem, PackageTotals, ValidationReport};
use crate::progress::{CancelToken, Control, Tracker};
use crate::results::{IssueCode, PackageIssue};
use crate::store::layout::StoreLayout;
use crate::store::schema::{LockFile, PackFile};
use crate::store::Store;
use crate::vocab::IssueSeverity;

/// A blob file of the package.
#[derive(Debug)]
pub(crate) struct PackageBlob {
    pub entry: Entry,
    pub descriptor: Option<Descriptor>,
}

/// A pack of the package whose files could be read.
#[derive(Debug)]
pub(crate) struct PackagePack {
    pub name: PackName,
    /// The exact bytes of `pack.json` and `lock.json` that were checked.
    pub pack_doc: Vec<u8>,
    pub lock_doc: Option<Vec<u8>>,
    pub pack_value: Value,
    pub lock_value: Option<Value>,
    /// The blobs the lock points at, each once, in lock order.
    pub refs: Vec<Sha256>,
    /// Every file of the pack: (path inside the pack, path inside the package).
    pub files: Vec<(String, String)>,
    pub updated_at: Option<String>,
}

/// A package after the structural checks (everything but the hashes).
#[derive(Debug)]
pub(crate) struct Checked {
    pub scan: Scan,
    pub manifest: Option<Manifest>,
    pub blobs: BTreeMap<Sha256, PackageBlob>,
    pub packs: Vec<PackagePack>,
    pub issues: Vec<PackageIssue>,
}

impl Checked {
    pub(crate) fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == IssueSeverity::Error)
    }

    pub fn errors(&self) -> Vec<PackageIssue> {
        self.issues.iter().filter(|i| i.severity == IssueSeverity::Error).cloned().collect()
    }
}

/// Validates the package at `path` against `store`: the format, every file's
/// size and SHA-256, and each pack's classification. Writes nothing. An
/// invalid package is a report with `valid: false`, not an error; errors are
/// for a package that cannot be opened at all, and cancellation.
pub fn validate(store: &Store, path: &Path, ctl: Control) -> Result<ValidationReport> {
    let layout = store.layout();
    let mut checked = check(path, layout)?;
    let tracker = Tracker::new(ctl, "validate package", checked.blobs.len() as u64, checked.blobs.values().map(|b| b.entry.size).sum());
    let hashed = hash_blobs(&checked, None, &tracker)?;
    tracker.finish();
    checked.issues.extend(hashed.issues);
    Ok(report(&checked, layout))
}

/// The validation report of a checked package.
pub(crate) fn report(checked: &Checked, layout: &StoreLayout) -> ValidationReport {
    let items: Vec<PackageItem> = checked.packs.iter().map(|p| item(checked, layout, p)).collect();
    let mut new_blobs = BTreeSet::new();
    for p in &checked.packs {
        new_blobs.extend(p.refs.iter().filter(|s| checked.blobs.contains_key(*s) && !blobs::exists(&layout.blobs(), s)));
    }
    let totals = PackageTotals {
        packs: checked.packs.len() as u64,
        files_count: checked.blobs.len() as u64,
        files_bytes: checked.blobs.values().map(|b| b.entry.size).sum(),
        blobs_new: new_blobs.len() as u64,
        bytes_new: new_blobs.iter().map(|s| checked.blobs[*s].entry.size).sum(),
        errors: checked.issues.iter().filter(|i| i.severity == IssueSeverity::Error).count() as u64,
        warnings: checked.issues.iter().filter(|i| i.severity == IssueSeverity::Warning).count() as u64,
    };
    ValidationReport {
        path: checked.scan.root.clone(),
        format: checked.scan.format,
        valid: !checked.has_errors(),
        package_id: checked.manifest.as_ref().and_then(|m| m.package_id.clone()),
        export_mode: checked.manifest.as_ref().and_then(|m| m.export_mode.clone()),
        issues: checked.issues.clone(),
        items,
        totals,
    }
}

fn item(checked: &Checked, layout: &StoreLayout, pack: &PackagePack) -> PackageItem {
    let (classification, store_updated_at) = classify(layout, pack);
    let new: Vec<&Sha256> = pack.refs.iter().filter(|s| checked.blobs.contains_key(*s) && !blobs::exists(&layout.blobs(), s)).collect();
    PackageItem {
        pack: pack.name.to_string(),
        classification,
        blobs_new: new.len() as u64,
        bytes_new: new.iter().map(|s| checked.blobs[*s].entry.size).sum(),
        blobs_total: pack.refs.len() as u64,
        package_updated_at: pack.updated_at.clone(),
        store_updated_at,
    }
}

/// How a pack of the package relates to the store's pack of the same name,
/// and the store pack's time.
pub(crate) fn classify(layout: &StoreLayout, pack: &PackagePack) -> (PackClassification, Option<String>) {
    if !layout.pack_dir(&pack.name).is_dir() {
        return (PackClassification::New, None);
    }
    let store_pack: Option<Value> = layout.read_json(&layout.pack_json(&pack.name)).ok();
    let lock_path = layout.lock_json(&pack.name);
    let store_lock: Option<Value> = if lock_path.exists() { layout.read_json(&lock_path).ok() } else { None };
    let Some(store_pack) = store_pack else {
        // The store's pack cannot be read: nothing tells which is newer.
        return (PackClassification::ConflictOther, None);
    };
    let store_time = updated_at(&store_pack, store_lock.as_ref());
    let same = pack.lock_value == store_lock && (pack.lock_value.is_some() || pack.pack_value == store_pack);
    if same {
        return (PackClassification::DuplicateSameVersion, store_time);
    }
    let order = match (pack.updated_at.as_deref().and_then(parse_time), store_time.as_deref().and_then(parse_time)) {
        (Some(p), Some(s)) if p > s => PackClassification::DuplicateOlderInStore,
        (Some(p), Some(s)) if p < s => PackClassification::DuplicateNewerInStore,
        _ => PackClassification::ConflictOther,
    };
    (order, store_time)
}

/// A pack's time: `pack.json` `updated_at`, else `lock.json` `resolved_at`,
/// else `pack.json` `created_at`.
fn updated_at(pack: &Value, lock: Option<&Value>) -> Option<String> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| parse_time(s).is_some()).map(str::to_owned);
    s(pack.get("updated_at")).or_else(|| s(lock.and_then(|l| l.get("resolved_at")))).or_else(|| s(pack.get("created_at")))
}

/// RFC 3339, or the original's zone-less ISO form (read as UTC).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc())
}

/// Lists the package and runs every check except the hashes.
pub(crate) fn check(path: &Path, layout: &StoreLayout) -> Result<Checked> {
    let mut scan = read::scan(path)?;
    let mut issues = std::mem::take(&mut scan.issues);
    let manifest = check_manifest(&scan, &mut issues);
    let with_blobs = manifest.as_ref().and_then(|m| m.export_mode.as_deref()) != Some(MODE_WITHOUT_BLOBS);
    let metadata = check_metadata(&scan, &mut issues);

    // Sort every file into its part of the package.
    let mut data_files: BTreeMap<Sha256, Entry> = BTreeMap::new();
    let mut descriptor_files: BTreeMap<Sha256, String> = BTreeMap::new();
    let mut pack_files: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (rel, entry) in &scan.files {
        let (top, rest) = rel.split_once('/').unwrap_or((rel.as_str(), ""));
        match top {
            _ if rel == MANIFEST_PATH || rel == METADATA_PATH => {}
            FILES_DIR => {
                let name = rest.strip_suffix(".json").unwrap_or(rest);
                match Sha256::is_blob_file_name(name).then(|| Sha256::parse(name)) {
                    Some(Ok(sha)) if rest.ends_with(".json") => {
                        descriptor_files.insert(sha, rel.clone());
                    }
                    Some(Ok(sha)) => {
                        data_files.insert(sha, entry.clone());
                    }
                    _ => issues.push(error(
                        IssueCode::UnexpectedEntry,
                        Some(rel),
                        "files/ holds only <sha256> (64 lowercase hex characters) and <sha256>.json",
                    )),
                }
            }
            PACKS_DIR => match rest.split_once('/') {
                Some((pack, inner)) => pack_files.entry(pack.to_owned()).or_default().push((inner.to_owned(), rel.clone())),
                None => issues.push(error(IssueCode::UnexpectedEntry, Some(rel), "packs/ holds only one folder per pack")),
            },
            EXTRA_DIR => {}
            _ => {
                issues.push(issue(IssueSeverity::Warning, IssueCode::UnexpectedEntry, Some(rel), "not part of the package format: ignored"))
            }
        }
    }

    // Blob files and their descriptors, in pairs.
    let mut package_blobs = BTreeMap::new();
    for (sha, entry) in data_files {
        let data_path = super::blob_path(&sha);
        let descriptor = match descriptor_files.remove(&sha) {
            None => {
                issues.push(error(IssueCode::DescriptorMissing, Some(&data_path), format!("{} is missing", super::descriptor_path(&sha))));
                None
            }
            Some(dpath) => check_descriptor(&scan, &dpath, &sha, entry.size, &mut issues),
        };
        package_blobs.insert(sha, PackageBlob { entry, descriptor });
    }
    for (sha, dpath) in descriptor_files {
        issues.push(error(IssueCode::FileMissing, Some(&dpath), format!("the descriptor's file {} is missing", super::blob_path(&sha))));
    }

    // Counts and byte totals against metadata.json.
    if let Some(m) = &metadata {
        let count = package_blobs.len() as u64;
        let bytes: u64 = package_blobs.values().map(|b| b.entry.size).sum();
        if m.total_files_count != count {
            issues.push(error(
                IssueCode::CountMismatch,
                Some(METADATA_PATH),
                format!("total_files_count is {} but the package holds {count} file(s)", m.total_files_count),
            ));
        }
        if m.total_files_bytes != bytes {
            issues.push(error(
                IssueCode::BytesMismatch,
                Some(METADATA_PATH),
                format!("total_files_bytes is {} but the files hold {bytes} bytes", m.total_files_bytes),
            ));
        }
    }

    // Packs.
    let mut packs = Vec::new();
    for (dir, files) in pack_files {
        if let Some(p) = check_pack(&scan, &dir, files, &mut issues) {
            packs.push(p);
        }
    }
    if let Some(m) = &manifest {
        let present: BTreeSet<&str> = scan.files.keys().filter_map(|r| r.strip_prefix("packs/")?.split_once('/').map(|(p, _)| p)).collect();
        for listed in &m.packs {
            if !present.contains(listed.as_str()) {
                issues.push(error(
                    IssueCode::PackMissing,
                    Some(MANIFEST_PATH),
                    format!("pack {listed:?} is listed but packs/{listed}/ is missing"),
                ));
            }
        }
        for p in present {
            if !m.packs.iter().any(|l| l == p) {
                issues.push(error(
                    IssueCode::PackUnlisted,
                    Some(&format!("{PACKS_DIR}/{p}")),
                    format!("pack {p:?} is not listed in package.json"),
                ));
            }
        }
    }

    // Every lock points at a blob that is in the package or the store.
    let mut referenced = BTreeSet::new();
    for p in &packs {
        for sha in &p.refs {
            referenced.insert(sha.clone());
            if package_blobs.contains_key(sha) || blobs::exists(&layout.blobs(), sha) {
                continue;
            }
            let (severity, tail) = if with_blobs {
                (IssueSeverity::Error, "the package should hold it")
            } else {
                (IssueSeverity::Warning, "the package has no blobs: the pack will list it as missing until it is restored or re-downloaded")
            };
            let path = super::pack_file_path(p.name.as_str(), "lock.json");
            issues.push(issue(
                severity,
                IssueCode::BlobUnavailable,
                Some(&path),
                format!("pack {:?} needs blob {sha}, which is neither in the package nor in the store: {tail}", p.name.as_str()),
            ));
        }
    }
    for sha in package_blobs.keys().filter(|s| !referenced.contains(*s)) {
        issues.push(issue(
            IssueSeverity::Warning,
            IssueCode::UnreferencedFile,
            Some(&super::blob_path(sha)),
            "no pack of the package uses this file: it is not imported",
        ));
    }

    Ok(Checked { scan, manifest, blobs: package_blobs, packs, issues })
}

fn parse_doc<T: serde::de::DeserializeOwned>(scan: &Scan, rel: &str) -> Option<std::result::Result<T, String>> {
    let bytes = scan.docs.get(rel)?;
    Some(serde_json::from_slice(bytes).map_err(|e| e.to_string()))
}

fn check_manifest(scan: &Scan, issues: &mut Vec<PackageIssue>) -> Option<Manifest> {
    let m: Manifest = match parse_doc(scan, MANIFEST_PATH) {
        None if scan.files.contains_key(MANIFEST_PATH) => return None, // unreadable: already reported
        None => {
            issues.push(error(IssueCode::ManifestMissing, Some(MANIFEST_PATH), "package.json is missing: is this a Synapse package?"));
            return None;
        }
        Some(Err(e)) => {
            issues.push(error(IssueCode::ManifestInvalid, Some(MANIFEST_PATH), format!("cannot read package.json: {e}")));
            return None;
        }
        Some(Ok(m)) => m,
    };
    if m.spec != SPEC {
        issues.push(error(IssueCode::ManifestInvalid, Some(MANIFEST_PATH), format!("spec is {:?}, expected {SPEC:?}", m.spec)));
    }
    if m.spec_version.split('.').next() != Some("1") {
        issues.push(error(
            IssueCode::UnsupportedVersion,
            Some(MANIFEST_PATH),
            format!("spec_version {:?} is not supported (this program reads 1.x): update Synapse", m.spec_version),
        ));
    }
    match m.export_mode.as_deref() {
        Some(MODE_WITH_BLOBS) | Some(MODE_WITHOUT_BLOBS) => {}
        other => issues.push(error(
            IssueCode::ManifestInvalid,
            Some(MANIFEST_PATH),
            format!("export_mode {other:?} is not {MODE_WITH_BLOBS:?} or {MODE_WITHOUT_BLOBS:?}"),
        )),
    }
    Some(m)
}

fn check_metadata(scan: &Scan, issues: &mut Vec<PackageIssue>) -> Option<Metadata> {
    let m: Metadata = match parse_doc(scan, METADATA_PATH) {
        None if scan.files.contains_key(METADATA_PATH) => return None,
        None => {
            issues.push(error(IssueCode::MetadataMissing, Some(METADATA_PATH), "metadata.json is missing"));
            return None;
        }
        Some(Err(e)) => {
            issues.push(error(IssueCode::MetadataInvalid, Some(METADATA_PATH), format!("cannot read metadata.json: {e}")));
            return None;
        }
        Some(Ok(m)) => m,
    };
    let mut unsupported = |what: String| issues.push(error(IssueCode::UnsupportedVersion, Some(METADATA_PATH), what));
    if m.format_version != FORMAT_VERSION {
        unsupported(format!("format_version {} is not supported (this program reads {FORMAT_VERSION})", m.format_version));
    }
    if !m.hash_algorithm.eq_ignore_ascii_case(HASH_ALGORITHM) {
        unsupported(format!("hash_algorithm {:?} is not supported (only {HASH_ALGORITHM})", m.hash_algorithm));
    }
    if m.file_descriptor_schema_version != DESCRIPTOR_SCHEMA_VERSION {
        unsupported(format!("file_descriptor_schema_version {} is not supported", m.file_descriptor_schema_version));
    }
    Some(m)
}

fn check_descriptor(scan: &Scan, rel: &str, sha: &Sha256, size: u64, issues: &mut Vec<PackageIssue>) -> Option<Descriptor> {
    let d: Descriptor = match parse_doc(scan, rel)? {
        Err(e) => {
            issues.push(error(IssueCode::DescriptorInvalid, Some(rel), format!("cannot read the descriptor: {e}")));
            return None;
        }
        Ok(d) => d,
    };
    if d.schema_version != DESCRIPTOR_SCHEMA_VERSION {
        issues.push(error(
            IssueCode::UnsupportedVersion,
            Some(rel),
            format!("descriptor schema_version {} is not supported", d.schema_version),
        ));
    }
    for (field, value) in [("file_id", &d.file_id), ("content_hash", &d.content_hash)] {
        if !value.eq_ignore_ascii_case(sha.as_str()) {
            issues.push(error(IssueCode::DescriptorInvalid, Some(rel), format!("{field} is {value:?}, not the file's name {sha}")));
        }
    }
    if d.size_bytes != size {
        issues.push(error(
            IssueCode::SizeMismatch,
            Some(&super::blob_path(sha)),
            format!("the descriptor says {} bytes, the file has {size}", d.size_bytes),
        ));
    }
    Some(d)
}

fn check_pack(scan: &Scan, dir: &str, files: Vec<(String, String)>, issues: &mut Vec<PackageIssue>) -> Option<PackagePack> {
    let dir_path = format!("{PACKS_DIR}/{dir}");
    let name = match PackName::parse(dir) {
        Ok(n) => n,
        Err(e) => {
            issues.push(error(IssueCode::PackInvalid, Some(&dir_path), e.to_string()));
            return None;
        }
    };
    let pack_rel = super::pack_file_path(dir, "pack.json");
    let lock_rel = super::pack_file_path(dir, "lock.json");
    let mut fail = |rel: &str, why: String| issues.push(error(IssueCode::PackInvalid, Some(rel), why));
    let Some(pack_doc) = scan.docs.get(&pack_rel).cloned() else {
        if !scan.files.contains_key(&pack_rel) {
            fail(&dir_path, format!("pack {dir:?} has no pack.json"));
        }
        return None;
    };
    let lock_doc = scan.docs.get(&lock_rel).cloned();
    if lock_doc.is_none() && scan.files.contains_key(&lock_rel) {
        return None; // oversized or unreadable: already reported
    }
    let pack_file: PackFile = match serde_json::from_slice(&pack_doc) {
        Ok(p) => p,
        Err(e) => {
            fail(&pack_rel, format!("cannot read pack.json: {e}"));
            return None;
        }
    };
    let lock_file: Option<LockFile> = match lock_doc.as_deref().map(serde_json::from_slice) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            fail(&lock_rel, format!("cannot read lock.json: {e}"));
            return None;
        }
    };
    let pack_value: Value = serde_json::from_slice(&pack_doc).unwrap_or(Value::Null);
    let lock_value: Option<Value> = lock_doc.as_deref().and_then(|b| serde_json::from_slice(b).ok());
    let typed = Pack { name: name.clone(), pack: pack_file, lock: lock_file };
    let refs = match typed.blob_refs() {
        Ok(r) => r,
        Err(why) => {
            fail(&lock_rel, why);
            return None;
        }
    };
    if typed.pack.name != dir {
        issues.push(issue(
            IssueSeverity::Warning,
            IssueCode::NameMismatch,
            Some(&pack_rel),
            format!("pack.json names the pack {:?}; it is imported as {dir:?} (its folder)", typed.pack.name),
        ));
    }
    let mut seen = BTreeSet::new();
    let refs: Vec<Sha256> = refs.into_iter().map(|r| r.sha256).filter(|s| seen.insert(s.clone())).collect();
    let updated_at = updated_at(&pack_value, lock_value.as_ref());
    Some(PackagePack { name, pack_doc, lock_doc, pack_value, lock_value, refs, files, updated_at })
}

/// What the hash pass found, and the staged copies it made.
pub(crate) struct Hashed {
    pub issues: Vec<PackageIssue>,
    /// Staged (fsynced) copies of the blobs asked for, by hash.
    pub staged: BTreeMap<Sha256, PathBuf>,
}

/// Hashes every blob file of the package, in archive order. The blobs in
/// `stage.1` are copied into `stage.0` while being hashed (one read), as
/// `<sha256>.part` files, fsynced. A staged file whose hash is wrong is
/// deleted at once.
pub(crate) fn hash_blobs(checked: &Checked, stage: Option<(&Path, &BTreeSet<Sha256>)>, tracker: &Tracker) -> Result<Hashed> {
    let mut order: Vec<(&Sha256, &PackageBlob)> = checked.blobs.iter().collect();
    order.sort_by_key(|(_, b)| match &b.entry.data {
        read::Data::Tar { offset } => *offset,
        read::Data::File(_) => 0,
    });
    let mut out = Hashed { issues: Vec::new(), staged: BTreeMap::new() };
    let root = &checked.scan.root;
    for (sha, blob) in order {
        tracker.check()?;
        let rel = super::blob_path(sha);
        tracker.start_item(&rel);
        let target = stage.filter(|(_, wanted)| wanted.contains(sha)).map(|(dir, _)| dir.join(format!("{sha}.part")));
        let result = match &target {
            None => read::open(root, &blob.entry).and_then(|r| blobs::hash_reader(r, Path::new(&rel), Some(tracker), tracker.cancel())),
            Some(t) => stage_one(root, &blob.entry, t, tracker, tracker.cancel()),
        };
        let (actual, len) = match result {
            Ok(v) => v,
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) if target.is_some() => return Err(e),
            Err(e) => {
                out.issues.push(error(IssueCode::ArchiveInvalid, Some(&rel), format!("cannot read: {e}")));
                continue;
            }
        };
        tracker.item_done();
        let bad = if len != blob.entry.size {
            Some(error(IssueCode::Truncated, Some(&rel), format!("{len} of {} bytes could be read", blob.entry.size)))
        } else if &actual != sha {
            Some(error(IssueCode::HashMismatch, Some(&rel), format!("the file hashes to {actual}, not to its name")))
        } else {
            None
        };
        match (bad, target) {
            (Some(i), t) => {
                if let Some(t) = t {
                    let _ = std::fs::remove_file(t);
                }
                out.issues.push(i);
            }
            (None, Some(t)) => {
                out.staged.insert(sha.clone(), t);
            }
            (None, None) => {}
        }
    }
    Ok(out)
}

fn stage_one(root: &Path, entry: &Entry, target: &Path, tracker: &Tracker, cancel: &CancelToken) -> Result<(Sha256, u64)> {
    let input = read::open(root, entry)?;
    // create_new (O_EXCL): never an existing file, never through a link; the
    // staging folder itself was made through the store's tree by the import.
    let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(target).map_err(Error::io("create", target))?;
    let result = blobs::hash_reader(Tee { inner: input, out: &mut out }, target, Some(tracker), cancel)
        .and_then(|r| out.sync_all().map_err(Error::io("fsync", target)).map(|()| r));
    if result.is_err() {
        let _ = std::fs::remove_file(target);
    }
    result
}

/// Writes everything it reads to `out` (write errors surface as read errors).
struct Tee<'a, R> {
    inner: R,
    out: &'a mut File,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_packs_time_comes_from_updated_at_then_resolved_at_then_created_at() {
        let pack = json!({"created_at": "2026-01-01T00:00:00Z"});
        let lock = json!({"resolved_at": "2026-01-24T08:00:00"});
        assert_eq!(updated_at(&pack, Some(&lock)).as_deref(), Some("2026-01-24T08:00:00"));
        assert_eq!(updated_at(&pack, None).as_deref(), Some("2026-01-01T00:00:00Z"));
        let newer = json!({"updated_at": "2026-03-01T10:00:00+01:00", "created_at": "x"});
        assert_eq!(updated_at(&newer, Some(&lock)).as_deref(), Some("2026-03-01T10:00:00+01:00"));
        assert_eq!(updated_at(&json!({"created_at": "yesterday"}), None), None, "unparseable times are no times");
        assert!(parse_time("2026-01-24T08:00:00.5").is_some());
        assert!(parse_time("2026-01-24T09:00:00+01:00") == parse_time("2026-01-24T08:00:00"));
    }
}
