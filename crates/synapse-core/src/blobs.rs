//! The content-addressed blob store (SPEC §3.1): listing, hashing, adopting
//! files atomically, removing, and the blob manifests. The functions work on a
//! [`BlobDir`], so the local store and the backup mirror share them.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use sha2::{Digest, Sha256 as Hasher};

use crate::error::{Error, Result};
use crate::fsutil::{fsync_dir, read_json, write_json_atomic};
use crate::ids::Sha256;
use crate::layout::{BlobDir, StoreLayout};
use crate::model::{PartialFile, Side};
use crate::progress::{CancelToken, Tracker};
use crate::schema::BlobManifest;

/// Read size for hashing and copying: large enough to amortise syscalls.
pub const CHUNK: usize = 1 << 20;

/// One blob file found on disk.
#[derive(Debug, Clone)]
pub struct BlobEntry {
    pub sha256: Sha256,
    pub size: u64,
    pub mtime: Option<SystemTime>,
}

/// Everything found under a `blobs/sha256` directory.
#[derive(Debug, Default)]
pub struct BlobScan {
    pub blobs: Vec<BlobEntry>,
    /// `<sha256>.part` files beside blobs (interrupted downloads or copies).
    pub partials: Vec<PartialFile>,
    /// Files that are neither blobs, manifests nor partials (bad names, wrong fan-out).
    pub strays: Vec<PathBuf>,
}

fn is_fanout(name: &str) -> bool {
    name.len() == 2 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lists a blob directory. A directory that does not exist is empty.
pub fn scan(dir: &BlobDir) -> Result<BlobScan> {
    let root = dir.root();
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BlobScan::default()),
        Err(e) => return Err(Error::io("list", root)(e)),
    };
    let mut fanouts = Vec::new();
    let mut out = BlobScan::default();
    for entry in entries {
        let entry = entry.map_err(Error::io("list", root))?;
        let name = entry.file_name();
        match name.to_str() {
            Some(n) if is_fanout(n) && entry.file_type().map(|t| t.is_dir()).unwrap_or(false) => fanouts.push(n.to_owned()),
            _ => out.strays.push(entry.path()),
        }
    }
    // Each fan-out sorts its own blobs (in parallel); as every name starts with
    // its fan-out, concatenating the fan-outs in order gives the sorted whole.
    fanouts.sort_unstable();
    let parts: Vec<Result<BlobScan>> = fanouts.par_iter().map(|f| scan_fanout(&root.join(f), f)).collect();
    for part in parts {
        let part = part?;
        out.blobs.extend(part.blobs);
        out.partials.extend(part.partials);
        out.strays.extend(part.strays);
    }
    Ok(out)
}

fn scan_fanout(dir: &Path, fanout: &str) -> Result<BlobScan> {
    let mut out = BlobScan::default();
    for entry in fs::read_dir(dir).map_err(Error::io("list", dir))? {
        let entry = entry.map_err(Error::io("list", dir))?;
        // The path is only built for what is not a blob (it costs an allocation per file).
        let path = || entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            out.strays.push(path());
            continue;
        };
        // Manifests belong to their blob (or outlive it harmlessly): skip them
        // before the stat, as they are nearly as many as the blobs.
        if name.strip_suffix(".meta").is_some_and(Sha256::is_blob_file_name) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            // Deleted between listing and stat: it is simply gone.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("stat", path())(e)),
        };
        if Sha256::is_blob_file_name(name) && name.starts_with(fanout) && meta.is_file() {
            let sha256 = Sha256::parse(name).expect("checked name");
            out.blobs.push(BlobEntry { sha256, size: meta.len(), mtime: meta.modified().ok() });
        } else if name.ends_with(".part") {
            out.partials.push(PartialFile { path: path(), size_bytes: meta.len() });
        } else {
            out.strays.push(path());
        }
    }
    out.blobs.sort_unstable_by(|a, b| a.sha256.cmp(&b.sha256));
    Ok(out)
}

/// Size of a blob, or `None` when it is not there.
pub fn size(dir: &BlobDir, sha: &Sha256) -> Result<Option<u64>> {
    let p = dir.blob(sha);
    match fs::metadata(&p) {
        Ok(m) if m.is_file() => Ok(Some(m.len())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("stat", &p)(e)),
    }
}

pub fn exists(dir: &BlobDir, sha: &Sha256) -> bool {
    dir.blob(sha).is_file()
}

/// Streams a reader through SHA-256, reporting bytes and honouring cancel.
pub fn hash_reader(mut r: impl Read, path: &Path, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<(Sha256, u64)> {
    let mut hasher = Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        cancel.check()?;
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("read", path)(e)),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        if let Some(t) = tracker {
            t.add_bytes(n as u64);
        }
    }
    Ok((Sha256::from_digest(&hasher.finalize()), total))
}

/// Hashes a file.
pub fn hash_file(path: &Path, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<(Sha256, u64)> {
    let f = File::open(path).map_err(Error::io("open", path))?;
    hash_reader(f, path, tracker, cancel)
}

/// Reads a blob's manifest, if it has a readable one.
pub fn read_manifest(dir: &BlobDir, sha: &Sha256) -> Option<BlobManifest> {
    read_json(&dir.meta(sha)).ok()
}

/// Writes a manifest unless the blob already has one (manifests are write-once).
pub fn write_manifest_if_absent(dir: &BlobDir, sha: &Sha256, manifest: &BlobManifest) -> Result<()> {
    let p = dir.meta(sha);
    if p.exists() {
        return Ok(());
    }
    write_json_atomic(&p, manifest)
}

/// Removes a blob and its manifest; returns the bytes freed.
pub fn remove(dir: &BlobDir, sha: &Sha256, side: Side) -> Result<u64> {
    let p = dir.blob(sha);
    let size = size(dir, sha)?.ok_or_else(|| Error::BlobNotFound { sha256: sha.to_string(), side })?;
    fs::remove_file(&p).map_err(Error::io("delete", &p))?;
    let meta = dir.meta(sha);
    match fs::remove_file(&meta) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("delete", &meta)(e)),
    }
    if let Some(parent) = p.parent() {
        fsync_dir(parent)?;
    }
    Ok(size)
}

/// How [`adopt_file`] treats the source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptMode {
    /// Copy the bytes; the source is untouched.
    Copy,
    /// Take the file: hard-link it into the store when on the same filesystem
    /// (no copy), else copy; the source is removed only once the blob is durable.
    Move,
    /// Share the source's bytes: hard-link it into the store when on the same
    /// filesystem, else copy; the source is left in place. Only for a caller
    /// that replaces the source by a link to the blob right after (`adopt
    /// --link`): a source edited in place would otherwise change the blob.
    Link,
}

/// What [`adopt_file`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub sha256: Sha256,
    pub size: u64,
    pub already_present: bool,
}

/// Brings a file into the store: hashes it while writing `data/tmp/<random>.part`,
/// fsyncs, renames to its final name and fsyncs the directory. A crash at any
/// point leaves at most a temporary file in `data/tmp`, never a blob with a
/// wrong name.
pub fn adopt_file(
    layout: &StoreLayout,
    src: &Path,
    mode: AdoptMode,
    manifest: Option<&BlobManifest>,
    tracker: Option<&Tracker>,
    cancel: &CancelToken,
) -> Result<Adopted> {
    let meta = fs::metadata(src).map_err(Error::io("read", src))?;
    if !meta.is_file() {
        return Err(Error::NotAFile { path: src.to_path_buf() });
    }
    let tmp_dir = layout.tmp();
    fs::create_dir_all(&tmp_dir).map_err(Error::io("create directory", &tmp_dir))?;
    let tmp = tmp_dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let linked = mode != AdoptMode::Copy && fs::hard_link(src, &tmp).is_ok();
        let (sha, size) = if linked { hash_file(&tmp, tracker, cancel)? } else { copy_hashing(src, &tmp, tracker, cancel)? };
        let adopted = place(layout, &tmp, &sha, size)?;
        if let Some(m) = manifest {
            write_manifest_if_absent(&layout.blobs(), &sha, m)?;
        }
        if mode == AdoptMode::Move {
            fs::remove_file(src).map_err(Error::io("remove adopted source", src))?;
        }
        Ok(adopted)
    })();
    if tmp.exists() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Adopts a byte stream (a download, a package entry). `expected`, when given,
/// must match or nothing is kept (`integrity`).
pub fn adopt_reader(
    layout: &StoreLayout,
    reader: impl Read,
    expected: Option<&Sha256>,
    manifest: Option<&BlobManifest>,
    tracker: Option<&Tracker>,
    cancel: &CancelToken,
) -> Result<Adopted> {
    let tmp_dir = layout.tmp();
    fs::create_dir_all(&tmp_dir).map_err(Error::io("create directory", &tmp_dir))?;
    let tmp = tmp_dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut out = File::create(&tmp).map_err(Error::io("create", &tmp))?;
        let (sha, size) = hash_reader(TeeReader { inner: reader, out: &mut out, path: &tmp }, &tmp, tracker, cancel)?;
        out.sync_all().map_err(Error::io("fsync", &tmp))?;
        if let Some(exp) = expected {
            if exp != &sha {
                return Err(Error::Integrity { path: tmp.clone(), expected: exp.to_string(), actual: sha.to_string() });
            }
        }
        let adopted = place(layout, &tmp, &sha, size)?;
        if let Some(m) = manifest {
            write_manifest_if_absent(&layout.blobs(), &sha, m)?;
        }
        Ok(adopted)
    })();
    if tmp.exists() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Copies `src` to a new file `dst` while hashing, then fsyncs `dst`.
fn copy_hashing(src: &Path, dst: &Path, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<(Sha256, u64)> {
    let input = File::open(src).map_err(Error::io("open", src))?;
    let mut out = File::create(dst).map_err(Error::io("create", dst))?;
    let res = hash_reader(TeeReader { inner: input, out: &mut out, path: dst }, src, tracker, cancel)?;
    out.sync_all().map_err(Error::io("fsync", dst))?;
    Ok(res)
}

/// Puts a finished, fsynced file of `data/tmp` whose SHA-256 the caller
/// computed from the bytes it wrote (a download) under its blob name. A blob
/// already present is kept and the file is left for the caller to remove.
pub fn place_verified(layout: &StoreLayout, tmp: &Path, sha: &Sha256, size: u64) -> Result<Adopted> {
    place(layout, tmp, sha, size)
}

/// Moves a finished, fsynced temporary file to its blob name.
fn place(layout: &StoreLayout, tmp: &Path, sha: &Sha256, size: u64) -> Result<Adopted> {
    let blobs = layout.blobs();
    let final_path = blobs.blob(sha);
    if final_path.is_file() {
        return Ok(Adopted { sha256: sha.clone(), size, already_present: true });
    }
    let fan = final_path.parent().expect("blob path has a parent");
    let created = !fan.exists();
    fs::create_dir_all(fan).map_err(Error::io("create directory", fan))?;
    fs::rename(tmp, &final_path).map_err(Error::io("rename into place", &final_path))?;
    fsync_dir(fan)?;
    if created {
        fsync_dir(blobs.root())?;
    }
    Ok(Adopted { sha256: sha.clone(), size, already_present: false })
}

/// A reader that writes everything it reads to `out` (write errors surface as read errors).
struct TeeReader<'a, R> {
    inner: R,
    out: &'a mut File,
    path: &'a Path,
}

impl<R: Read> Read for TeeReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n]).map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", self.path.display())))?;
        Ok(n)
    }
}

/// Lists temporary files in `data/tmp` and `.part` files beside blobs (it deletes nothing;
/// cleanup does). Trust the list only while holding the store lock: then no running operation owns them.
pub fn stale_partials(layout: &StoreLayout) -> Result<Vec<PartialFile>> {
    let mut out = scan(&layout.blobs())?.partials;
    let tmp = layout.tmp();
    match fs::read_dir(&tmp) {
        Ok(entries) => {
            for e in entries.flatten() {
                if let Ok(m) = e.metadata() {
                    if m.is_file() {
                        out.push(PartialFile { path: e.path(), size_bytes: m.len() });
                    }
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("list", &tmp)(e)),
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}
