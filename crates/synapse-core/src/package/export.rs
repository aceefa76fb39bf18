//! Export: selected packs and their blobs into a package directory or `.tar`.
//!
//! Everything is written under a temporary name beside the target and renamed
//! into place at the end, so a failed or cancelled export leaves nothing
//! behind. Each blob is hashed while it is copied: a corrupt blob fails the
//! export (`integrity`) instead of producing a package that cannot validate.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{json, Value};
use sha2::{Digest, Sha256 as Hasher};

use super::{
    application_version, blob_path, descriptor_path, pack_file_path, Descriptor, Manifest, Metadata, DESCRIPTOR_SCHEMA_VERSION,
    FORMAT_VERSION, HASH_ALGORITHM, MANIFEST_PATH, METADATA_PATH, MODE_WITHOUT_BLOBS, MODE_WITH_BLOBS, SPEC, SPEC_VERSION,
    STORE_SCHEMA_VERSION,
};
use crate::blob::blobs;
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::pack::packs::{self, BlobRef};
use crate::package::{ExportResult, PackageFormat};
use crate::progress::{CancelToken, Control, Tracker};
use crate::store::fsutil::{fsync_dir, now_rfc3339, rfc3339, TMP_SUFFIX};
use crate::store::schema::{BlobManifest, Extra};
use crate::store::Store;
use crate::target::backup::BackupState;

/// What to export, and where (also the desktop app's `package_export` argument).
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportOptions {
    pub packs: Vec<PackName>,
    /// A path ending in `.tar` (any case) gets one tar file; anything else a
    /// directory. The path must not exist yet, or be an empty directory.
    pub out: PathBuf,
    /// False: a metadata-only package (the packs' files without the blobs).
    pub include_blobs: bool,
    /// Who exports (`package.json` `exported_by`), e.g. the user's name.
    #[serde(default)]
    pub exported_by: Option<String>,
}

/// A file of a pack's state directory.
struct PackFileSource {
    rel: String,
    path: PathBuf,
    size: u64,
    mtime: Option<SystemTime>,
}

/// A blob to put into the package, and where its bytes are.
struct BlobSource {
    sha: Sha256,
    path: PathBuf,
    size: u64,
    from_backup: bool,
    descriptor: Descriptor,
    mtime: Option<SystemTime>,
}

/// Exports packs into a package (SPEC §3.10). Blobs only on the backup drive
/// are read from the drive. Progress is in bytes; cancelling removes the
/// partial package.
pub fn export(store: &Store, options: &ExportOptions, ctl: Control) -> Result<ExportResult> {
    let layout = store.layout();
    let mut names: Vec<PackName> = Vec::new();
    for n in &options.packs {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    if names.is_empty() {
        return Err(Error::invalid("choose at least one pack to export"));
    }
    let mut warnings = Vec::new();
    let mut pack_files = Vec::new();
    let mut refs: Vec<(PackName, BlobRef)> = Vec::new();
    for name in &names {
        let pack = packs::load(layout, name)?;
        let pack_refs = pack.blob_refs().map_err(|why| Error::invalid(format!("pack {:?} cannot be exported: {why}", name.as_str())))?;
        refs.extend(pack_refs.into_iter().map(|r| (name.clone(), r)));
        pack_files.push((name.clone(), list_pack_files(&layout.pack_dir(name), name, &mut warnings)?));
    }
    let blobs = if options.include_blobs { blob_sources(store, &refs)? } else { Vec::new() };

    let format =
        if options.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("tar")) { PackageFormat::Tar } else { PackageFormat::Directory };
    let tmp = prepare_target(store, &options.out, format)?;
    let package_id = uuid::Uuid::new_v4().to_string();
    let manifest = Manifest {
        spec: SPEC.into(),
        spec_version: SPEC_VERSION.into(),
        package_id: Some(package_id.clone()),
        source_instance_id: Some(instance_id(store.root())),
        exported_at: Some(now_rfc3339()),
        exported_by: options.exported_by.clone(),
        export_mode: Some(if options.include_blobs { MODE_WITH_BLOBS } else { MODE_WITHOUT_BLOBS }.into()),
        packs: names.iter().map(|n| n.to_string()).collect(),
        extra: Extra::new(),
    };
    let blob_bytes: u64 = blobs.iter().map(|b| b.size).sum();
    let metadata = Metadata {
        format_version: FORMAT_VERSION,
        application_version: Some(application_version()),
        store_schema_version: Some(json!(STORE_SCHEMA_VERSION)),
        total_files_count: blobs.len() as u64,
        total_files_bytes: blob_bytes,
        hash_algorithm: HASH_ALGORITHM.into(),
        file_descriptor_schema_version: DESCRIPTOR_SCHEMA_VERSION,
        extensions: Vec::new(),
        extra: Extra::new(),
    };

    let pack_bytes: u64 = pack_files.iter().flat_map(|(_, f)| f.iter().map(|f| f.size)).sum();
    let items = (pack_files.iter().map(|(_, f)| f.len()).sum::<usize>() + blobs.len()) as u64;
    let tracker = Tracker::new(ctl, "export", items, pack_bytes + blob_bytes);
    let written = (|| {
        let mut out: Box<dyn PackageWriter> = match format {
            PackageFormat::Tar => Box::new(TarWriter::create(&tmp)?),
            PackageFormat::Directory => Box::new(DirWriter::create(&tmp)?),
        };
        let now = SystemTime::now();
        out.add_bytes(MANIFEST_PATH, &json_bytes(&manifest)?, now)?;
        out.add_bytes(METADATA_PATH, &json_bytes(&metadata)?, now)?;
        for (name, files) in &pack_files {
            for f in files {
                tracker.check()?;
                tracker.start_item(&format!("{name}/{}", f.rel));
                let input = File::open(&f.path).map_err(Error::io("open", &f.path))?;
                let mut reader = Source::new(input, &f.path, f.size, None, &tracker, ctl.cancel);
                let added = out.add(&pack_file_path(name.as_str(), &f.rel), f.size, f.mtime.unwrap_or(now), &mut reader);
                reader.result()?;
                added?;
                tracker.item_done();
            }
        }
        for b in &blobs {
            tracker.check()?;
            tracker.start_item(b.descriptor.file_name.as_deref().unwrap_or(b.sha.short()));
            out.add_bytes(&descriptor_path(&b.sha), &json_bytes(&b.descriptor)?, b.mtime.unwrap_or(now))?;
            let input = File::open(&b.path).map_err(Error::io("open", &b.path))?;
            let mut reader = Source::new(input, &b.path, b.size, Some(Hasher::new()), &tracker, ctl.cancel);
            let added = out.add(&blob_path(&b.sha), b.size, b.mtime.unwrap_or(now), &mut reader);
            let actual = reader.result()?;
            added?;
            if actual.as_ref() != Some(&b.sha) {
                let actual = actual.map(|a| a.to_string()).unwrap_or_default();
                return Err(Error::Integrity { path: b.path.clone(), expected: b.sha.to_string(), actual });
            }
            tracker.item_done();
        }
        out.finish()
    })();
    tracker.finish();
    let size_bytes = match written {
        Ok(size) => size,
        Err(e) => {
            remove_any(&tmp);
            return Err(e);
        }
    };
    if let Err(e) = fs::rename(&tmp, &options.out) {
        remove_any(&tmp);
        return Err(Error::io("rename into place", &options.out)(e));
    }
    fsync_dir(parent_of(&options.out))?;
    Ok(ExportResult {
        path: options.out.clone(),
        format,
        package_id,
        packs: manifest.packs,
        include_blobs: options.include_blobs,
        blobs: blobs.len() as u64,
        bytes: blob_bytes,
        blobs_from_backup: blobs.iter().filter(|b| b.from_backup).count() as u64,
        size_bytes,
        warnings,
    })
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value).map_err(|e| Error::internal(format!("cannot serialise package metadata: {e}")))?;
    v.push(b'\n');
    Ok(v)
}

fn parent_of(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn remove_any(p: &Path) {
    if p.is_dir() {
        let _ = fs::remove_dir_all(p);
    } else {
        let _ = fs::remove_file(p);
    }
}

/// Checks the target and returns the temporary path to write to beside it.
fn prepare_target(store: &Store, out: &Path, format: PackageFormat) -> Result<PathBuf> {
    match fs::symlink_metadata(out) {
        Ok(m) if format == PackageFormat::Directory && m.is_dir() => {
            let empty = fs::read_dir(out).map_err(Error::io("list", out))?.next().is_none();
            if !empty {
                return Err(Error::OutputExists { path: out.to_path_buf() });
            }
        }
        Ok(_) => return Err(Error::OutputExists { path: out.to_path_buf() }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("inspect", out)(e)),
    }
    let parent = parent_of(out);
    fs::create_dir_all(parent).map_err(Error::io("create directory", parent))?;
    if let (Ok(p), Ok(root)) = (parent.canonicalize(), store.root().canonicalize()) {
        if p.starts_with(&root) {
            return Err(Error::invalid(format!(
                "{} is inside the store {}: export the package somewhere else",
                out.display(),
                store.root().display()
            )));
        }
    }
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "package".into());
    Ok(parent.join(format!(".{name}.{}{TMP_SUFFIX}", uuid::Uuid::new_v4().simple())))
}

/// A stable identity of this store on this machine, without writing anything:
/// a UUID made from the store's canonical path and the machine id.
fn instance_id(root: &Path) -> String {
    let path = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let machine = fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let mut h = Hasher::new();
    h.update(b"synapse-store-instance\0");
    h.update(path.to_string_lossy().as_bytes());
    h.update(b"\0");
    h.update(machine.trim().as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

/// The regular files of a pack's directory. Symbolic links are not followed
/// (they could point anywhere) and are left out with a warning.
fn list_pack_files(dir: &Path, name: &PackName, warnings: &mut Vec<String>) -> Result<Vec<PackFileSource>> {
    let mut out = Vec::new();
    for item in walkdir::WalkDir::new(dir).min_depth(1).follow_links(false).sort_by_file_name() {
        let item = item.map_err(|e| {
            let p = e.path().unwrap_or(dir).to_path_buf();
            Error::io("read", p)(e.into())
        })?;
        let rel = item.path().strip_prefix(dir).unwrap_or(item.path());
        let Some(rel) = rel.to_str().map(|s| s.replace(std::path::MAIN_SEPARATOR, "/")) else {
            warnings.push(format!("pack {:?}: {} left out: its name is not valid UTF-8", name.as_str(), item.path().display()));
            continue;
        };
        let ft = item.file_type();
        if ft.is_symlink() {
            warnings.push(format!("pack {:?}: symbolic link {rel} left out (packages hold plain files only)", name.as_str()));
        } else if ft.is_file() {
            if rel.ends_with(TMP_SUFFIX) {
                continue; // a leftover of an interrupted write, not a pack file
            }
            let m = item.metadata().map_err(|e| Error::io("stat", item.path())(e.into()))?;
            out.push(PackFileSource { rel, path: item.path().to_path_buf(), size: m.len(), mtime: m.modified().ok() });
        } else if !ft.is_dir() {
            warnings.push(format!("pack {:?}: {rel} left out: not a regular file", name.as_str()));
        }
    }
    Ok(out)
}

/// Where each blob's bytes come from: the local store, else the backup drive.
fn blob_sources(store: &Store, refs: &[(PackName, BlobRef)]) -> Result<Vec<BlobSource>> {
    let layout = store.layout();
    let backup = BackupState::detect_for(layout, &store.config()?);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (pack, r) in refs {
        if !seen.insert(r.sha256.clone()) {
            continue;
        }
        let sha = &r.sha256;
        // The model by the name its pack gives it; the hash follows for the CLI.
        let name = || r.file_name().unwrap_or_else(|| r.dependency_id.clone());
        let local = layout.blobs();
        let (dir, from_backup) = if blobs::exists(&local, sha) {
            (local, false)
        } else {
            match &backup {
                BackupState::Connected { layout: drive } if blobs::exists(&drive.blobs(), sha) => (drive.blobs(), true),
                BackupState::Disconnected { path, reason } => {
                    return Err(Error::BackupNotConnected {
                        path: path.clone(),
                        reason: format!(
                            "{reason}; {} (blob {sha}) of pack {:?} is not in the local store, so it can only come from the drive (or export without model files)",
                            name(),
                            pack.as_str()
                        ),
                    })
                }
                _ => {
                    return Err(Error::PackageBlobMissing {
                        pack: pack.to_string(),
                        name: name(),
                        sha256: sha.to_string(),
                        reason: "is neither in the local store nor on the backup drive: restore or re-download it, or export without model files"
                            .to_owned(),
                    })
                }
            }
        };
        let path = dir.blob(sha);
        let meta = fs::metadata(&path).map_err(Error::io("stat", &path))?;
        let manifest = blobs::read_manifest(&dir, sha);
        out.push(BlobSource {
            descriptor: descriptor(r, meta.len(), meta.modified().ok(), manifest.as_ref()),
            sha: sha.clone(),
            path,
            size: meta.len(),
            from_backup,
            mtime: meta.modified().ok(),
        });
    }
    Ok(out)
}

fn descriptor(r: &BlobRef, size: u64, mtime: Option<SystemTime>, manifest: Option<&BlobManifest>) -> Descriptor {
    let file_name =
        r.file_name().or_else(|| manifest.and_then(|m| m.original_filename.clone())).unwrap_or_else(|| r.sha256.short().to_owned());
    let mut custom = Extra::new();
    custom.insert("kind".into(), json!(r.kind.as_str()));
    custom.insert("blob_manifest".into(), manifest.and_then(|m| serde_json::to_value(m).ok()).unwrap_or(Value::Null));
    let modified = mtime.map(rfc3339);
    Descriptor {
        schema_version: DESCRIPTOR_SCHEMA_VERSION,
        file_id: r.sha256.to_string(),
        relative_path: blob_path(&r.sha256),
        file_name: Some(file_name),
        content_hash: r.sha256.to_string(),
        size_bytes: size,
        mime_type: Some("application/octet-stream".into()),
        created_at: manifest.and_then(|m| m.created_at.clone()).or_else(|| modified.clone()),
        modified_at: modified,
        created_by: Some(application_version()),
        labels: vec![r.kind.as_str().to_owned()],
        custom_metadata: custom,
        extensions: Vec::new(),
        extra: Extra::new(),
    }
}

/// A source file read for the package: exactly `size` bytes (a file that
/// shrank meanwhile is an error, not a short entry), progress, cancel, and
/// optionally its SHA-256. Read errors are kept to be reported as such, not
/// as errors of the package being written.
struct Source<'a, R> {
    inner: R,
    path: &'a Path,
    remaining: u64,
    hasher: Option<Hasher>,
    tracker: &'a Tracker<'a>,
    cancel: &'a CancelToken,
    failure: Option<Error>,
}

impl<'a, R: Read> Source<'a, R> {
    fn new(inner: R, path: &'a Path, size: u64, hasher: Option<Hasher>, tracker: &'a Tracker<'a>, cancel: &'a CancelToken) -> Self {
        Self { inner, path, remaining: size, hasher, tracker, cancel, failure: None }
    }

    /// The read's own failure, if any; else the hash of what was read.
    fn result(&mut self) -> Result<Option<Sha256>> {
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        Ok(self.hasher.take().map(|h| Sha256::from_digest(&h.finalize())))
    }

    fn fail(&mut self, e: Error) -> io::Error {
        let err = io::Error::other(e.to_string());
        self.failure = Some(e);
        err
    }
}

impl<R: Read> Read for Source<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        if self.cancel.is_cancelled() {
            return Err(self.fail(Error::Cancelled));
        }
        let want = buf.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = match self.inner.read(&mut buf[..want]) {
            Ok(0) => {
                let e = io::Error::new(io::ErrorKind::UnexpectedEof, "the file became shorter during the export");
                return Err(self.fail(Error::io("read", self.path)(e)));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => return Err(self.fail(Error::io("read", self.path)(e))),
        };
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.remaining -= n as u64;
        self.tracker.add_bytes(n as u64);
        Ok(n)
    }
}

/// Where the package's files go: a directory tree or a tar stream.
trait PackageWriter {
    /// Adds a file of exactly `size` bytes read from `data`.
    fn add(&mut self, rel: &str, size: u64, mtime: SystemTime, data: &mut dyn Read) -> Result<()>;

    fn add_bytes(&mut self, rel: &str, bytes: &[u8], mtime: SystemTime) -> Result<()> {
        self.add(rel, bytes.len() as u64, mtime, &mut &bytes[..])
    }

    /// Makes everything durable; returns the package's size in bytes.
    fn finish(self: Box<Self>) -> Result<u64>;
}

struct DirWriter {
    root: PathBuf,
    dirs: BTreeSet<PathBuf>,
    bytes: u64,
}

impl DirWriter {
    fn create(root: &Path) -> Result<Self> {
        fs::create_dir(root).map_err(Error::io("create directory", root))?;
        Ok(Self { root: root.to_path_buf(), dirs: BTreeSet::from([root.to_path_buf()]), bytes: 0 })
    }
}

impl PackageWriter for DirWriter {
    fn add(&mut self, rel: &str, size: u64, _mtime: SystemTime, data: &mut dyn Read) -> Result<()> {
        let path = self.root.join(rel);
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        if !self.dirs.contains(&dir) {
            fs::create_dir_all(&dir).map_err(Error::io("create directory", &dir))?;
            for d in dir.ancestors().take_while(|d| d.starts_with(&self.root)) {
                self.dirs.insert(d.to_path_buf());
            }
        }
        let mut f = File::create(&path).map_err(Error::io("create", &path))?;
        let copied = io::copy(data, &mut f).map_err(Error::io("write", &path))?;
        if copied != size {
            return Err(Error::io("write", &path)(io::Error::new(io::ErrorKind::UnexpectedEof, "short copy")));
        }
        f.sync_all().map_err(Error::io("fsync", &path))?;
        self.bytes += size;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<u64> {
        for d in self.dirs.iter().rev() {
            fsync_dir(d)?;
        }
        Ok(self.bytes)
    }
}

struct TarWriter {
    path: PathBuf,
    builder: tar::Builder<BufWriter<File>>,
}

impl TarWriter {
    fn create(path: &Path) -> Result<Self> {
        let f = File::create(path).map_err(Error::io("create", path))?;
        Ok(Self { path: path.to_path_buf(), builder: tar::Builder::new(BufWriter::with_capacity(blobs::CHUNK, f)) })
    }
}

impl PackageWriter for TarWriter {
    fn add(&mut self, rel: &str, size: u64, mtime: SystemTime, data: &mut dyn Read) -> Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(mtime.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0));
        self.builder.append_data(&mut h, rel, data).map_err(Error::io("write", &self.path))
    }

    fn finish(self: Box<Self>) -> Result<u64> {
        let path = self.path;
        let buffered = self.builder.into_inner().map_err(Error::io("write", &path))?;
        let mut f = buffered.into_inner().map_err(|e| Error::io("write", &path)(e.into_error()))?;
        f.flush().map_err(Error::io("write", &path))?;
        f.sync_all().map_err(Error::io("fsync", &path))?;
        Ok(f.metadata().map_err(Error::io("stat", &path))?.len())
    }
}
