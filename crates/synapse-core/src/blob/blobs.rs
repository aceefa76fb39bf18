//! The content-addressed blob store (SPEC §3.1): listing, hashing, adopting
//! files atomically, removing, and the blob manifests. The functions work on a
//! [`BlobDir`], so the local store and the backup mirror share them.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256 as Hasher};

use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::progress::{CancelToken, Tracker};
use crate::results::PartialFile;
use crate::store::layout::{BlobDir, StoreLayout};
use crate::store::schema::BlobManifest;
use crate::store::tree::{DirStamp, FileId, Kind, Tree};
use crate::vocab::Side;

/// Read size for hashing and copying: large enough to amortise syscalls.
pub const CHUNK: usize = 1 << 20;

/// One blob file found on disk.
#[derive(Debug, Clone)]
pub struct BlobEntry {
    pub sha256: Sha256,
    pub size: u64,
    pub mtime: Option<SystemTime>,
    /// Device and inode (`None` from a cached catalog): a copy on another
    /// side counts only when this differs.
    pub id: Option<FileId>,
    /// Hard links to the file (more than one: its bytes are shared with another path).
    pub nlink: u64,
}

/// Everything found under a `blobs/sha256` directory.
#[derive(Debug, Default)]
pub struct BlobScan {
    pub blobs: Vec<BlobEntry>,
    /// `<sha256>.part` files beside blobs (interrupted downloads or copies).
    pub partials: Vec<PartialFile>,
    /// Files that are neither blobs, manifests nor partials (bad names, wrong fan-out).
    pub strays: Vec<PathBuf>,
    /// Symbolic links where a fan-out folder or a blob should be: never followed,
    /// never counted as a copy (doctor reports them).
    pub links: Vec<PathBuf>,
    /// The blobs with a `<sha256>.meta` manifest beside them, sorted: what
    /// the listing showed, so nobody opens a manifest that is not there.
    pub manifests: Vec<Sha256>,
}

fn is_fanout(name: &str) -> bool {
    name.len() == 2 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lists a blob directory. A directory that does not exist is empty. A link
/// on the way to it (`data` or `data/blobs` a symlink) is an error.
pub fn scan(dir: &BlobDir) -> Result<BlobScan> {
    let mut out = BlobScan::default();
    let Some((blobs, fanouts)) = open_fanouts(dir, &mut out)? else { return Ok(out) };
    // Each fan-out sorts its own blobs (in parallel); as every name starts with
    // its fan-out, concatenating the fan-outs in order gives the sorted whole.
    let parts: Vec<Result<BlobScan>> = fanouts.par_iter().map(|f| scan_fanout(&blobs, f)).collect();
    for part in parts {
        let part = part?;
        out.blobs.extend(part.blobs);
        out.partials.extend(part.partials);
        out.strays.extend(part.strays);
        out.links.extend(part.links);
        out.manifests.extend(part.manifests);
    }
    Ok(out)
}

/// Opens a blob folder's tree and lists its fan-out folders, sorted; links
/// and anything else at its top go into `out`. `None` when the folder does
/// not exist. A link on the way to it is an error.
fn open_fanouts(dir: &BlobDir, out: &mut BlobScan) -> Result<Option<(Tree, Vec<String>)>> {
    let root = dir.root();
    let tree = match dir.tree() {
        Ok(t) => t,
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(blobs) = tree.subtree(root)? else { return Ok(None) };
    let mut fanouts = Vec::new();
    for entry in blobs.read_dir(Path::new(""))? {
        let kind = match entry.kind {
            Some(k) => Some(k),
            None => blobs.stat(Path::new(&entry.name))?.map(|s| s.kind),
        };
        match (entry.name_str(), kind) {
            (Some(n), Some(Kind::Dir)) if is_fanout(n) => fanouts.push(n.to_owned()),
            (_, Some(Kind::Symlink)) => out.links.push(root.join(&entry.name)),
            _ => out.strays.push(root.join(&entry.name)),
        }
    }
    fanouts.sort_unstable();
    Ok(Some((blobs, fanouts)))
}

fn scan_fanout(blobs: &Tree, fanout: &str) -> Result<BlobScan> {
    // Listed a moment ago: a fan-out that vanished since is simply empty.
    match blobs.subtree(Path::new(fanout))? {
        Some(dir) => scan_fanout_in(&dir, fanout),
        None => Ok(BlobScan::default()),
    }
}

/// Lists and stats one opened fan-out folder.
fn scan_fanout_in(dir: &Tree, fanout: &str) -> Result<BlobScan> {
    let mut out = BlobScan::default();
    for entry in dir.read_dir(Path::new(""))? {
        // The path is only built for what is not a blob (it costs an allocation per file).
        let path = || dir.root().join(&entry.name);
        let Some(name) = entry.name_str() else {
            out.strays.push(path());
            continue;
        };
        // Manifests belong to their blob (or outlive it harmlessly): skip them
        // before the stat, as they are nearly as many as the blobs.
        if let Some(sha) = name.strip_suffix(".meta").filter(|s| Sha256::is_blob_file_name(s)) {
            out.manifests.push(Sha256::parse(sha).expect("checked name"));
            continue;
        }
        // Deleted between listing and stat: it is simply gone.
        let Some(meta) = dir.stat(Path::new(name))? else { continue };
        if meta.kind == Kind::Symlink {
            out.links.push(path());
        } else if Sha256::is_blob_file_name(name) && name.starts_with(fanout) && meta.is_file() {
            let sha256 = Sha256::parse(name).expect("checked name");
            out.blobs.push(BlobEntry { sha256, size: meta.size, mtime: meta.mtime, id: Some(meta.id), nlink: meta.nlink });
        } else if name.ends_with(".part") && meta.is_file() {
            out.partials.push(PartialFile { path: path(), size_bytes: meta.size });
        } else {
            out.strays.push(path());
        }
    }
    out.blobs.sort_unstable_by(|a, b| a.sha256.cmp(&b.sha256));
    out.manifests.sort_unstable();
    Ok(out)
}

/// What a blob folder held, per fan-out folder, when each last changed:
/// [`scan_remembered`] lists and stats again only the fan-outs whose stamp
/// ([`DirStamp`]) moved, so a backup drive of 100,000 blobs is looked at
/// with 256 stats instead of 100,000. Kept by the caller in the store's
/// `data/cache/scans/` (a cache: losing it costs one full scan), never on
/// the folder it describes.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScanMemory {
    #[serde(default)]
    fanouts: BTreeMap<String, RememberedFanout>,
    /// Something differs from what was loaded (it must be saved).
    #[serde(skip)]
    changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RememberedFanout {
    stamp: DirStamp,
    /// Each blob file: hash, size, modification time (ns since the epoch), inode, links.
    blobs: Vec<(Sha256, u64, Option<i64>, u64, u64)>,
}

impl RememberedFanout {
    /// What the scan of a fan-out with `stamp` found, if it can be kept: every
    /// blob on the folder's own device (a file on another is a mount).
    fn of(stamp: DirStamp, blobs: &[BlobEntry]) -> Option<RememberedFanout> {
        let nanos = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).ok().and_then(|d| i64::try_from(d.as_nanos()).ok());
        let blobs = blobs
            .iter()
            .map(|b| {
                let id = b.id.filter(|id| id.dev == stamp.dev)?;
                Some((b.sha256.clone(), b.size, b.mtime.and_then(nanos), id.ino, b.nlink))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(RememberedFanout { stamp, blobs })
    }

    fn entries(&self) -> impl Iterator<Item = BlobEntry> + '_ {
        self.blobs.iter().map(|(sha, size, mtime, ino, nlink)| BlobEntry {
            sha256: sha.clone(),
            size: *size,
            mtime: mtime.and_then(|n| u64::try_from(n).ok()).map(|n| SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(n)),
            id: Some(FileId { dev: self.stamp.dev, ino: *ino }),
            nlink: *nlink,
        })
    }
}

impl ScanMemory {
    /// The memory kept at `path` in the store (empty when there is none or it cannot be read).
    pub fn load(layout: &StoreLayout, path: &Path) -> ScanMemory {
        layout.tree().and_then(|t| t.read_json(path)).unwrap_or_default()
    }

    /// The blobs remembered for fan-out folder `fanout` of a folder nothing is
    /// mounted below ([`crate::tree::mounts_below`], the caller's question),
    /// when the folder's stamp is still `stamp`: sorted by hash, as [`scan`]
    /// would find them.
    pub fn unchanged(&self, fanout: &str, stamp: &DirStamp) -> Option<impl Iterator<Item = BlobEntry> + '_> {
        self.fanouts.get(fanout).filter(|r| r.stamp == *stamp).map(RememberedFanout::entries)
    }

    /// Saves it at `path` when it changed (compact; a failure only costs a full scan next time).
    pub fn save(&self, layout: &StoreLayout, path: &Path) {
        if !self.changed {
            return;
        }
        let Ok(bytes) = serde_json::to_vec(self) else { return };
        let _ = layout.tree().and_then(|t| {
            if let Some(dir) = path.parent() {
                t.mkdirs(dir)?;
            }
            t.write_atomic(path, &bytes)
        });
    }
}

/// The blobs of a blob folder, sorted, as [`scan`] finds them, with the
/// fan-outs whose stamp is unchanged since `memory` recorded them taken from
/// it: no entry was made, removed or renamed in such a folder, so the same
/// files are there under the same names. Nothing is taken from memory while
/// anything is mounted below the folder (a file mounted over a blob changes
/// what its name is without touching its folder), and a fan-out that changed
/// within [`DirStamp::SETTLE_SECS`] is not remembered. What is not a blob
/// (links, strays, partial files) is not reported: [`scan`] is for those.
/// `memory` is updated to what was found.
pub(crate) fn scan_remembered(dir: &BlobDir, memory: &mut ScanMemory) -> Result<Vec<BlobEntry>> {
    // What is not a fan-out folder is doctor's business (see `scan`).
    let Some((blobs, fanouts)) = open_fanouts(dir, &mut BlobScan::default())? else { return Ok(Vec::new()) };
    let trust = !crate::tree::mounts_below(dir.root());
    let now = SystemTime::now();
    enum Seen {
        Same,
        Fresh(Vec<BlobEntry>, Option<RememberedFanout>),
    }
    let old = std::mem::take(&mut memory.fanouts);
    let seen: Vec<Result<Seen>> = fanouts
        .par_iter()
        .map(|f| {
            let Some(sub) = blobs.subtree(Path::new(f))? else { return Ok(Seen::Fresh(Vec::new(), None)) };
            let stamp = sub.stamp()?;
            if trust && old.get(f).is_some_and(|r| r.stamp == stamp) {
                return Ok(Seen::Same);
            }
            let found = scan_fanout_in(&sub, f)?.blobs;
            let keep = (trust && stamp.settled(now)).then(|| RememberedFanout::of(stamp, &found)).flatten();
            Ok(Seen::Fresh(found, keep))
        })
        .collect();
    let seen: Vec<Seen> = seen.into_iter().collect::<Result<_>>()?;
    let total = seen
        .iter()
        .zip(&fanouts)
        .map(|(s, f)| match s {
            Seen::Same => old.get(f).map_or(0, |r| r.blobs.len()),
            Seen::Fresh(found, _) => found.len(),
        })
        .sum();
    let mut out = Vec::with_capacity(total);
    let mut fresh = BTreeMap::new();
    let mut changed = old.len() != fanouts.len();
    let mut old = old;
    for (f, seen) in fanouts.into_iter().zip(seen) {
        match seen {
            Seen::Same => {
                let r = old.remove(&f).expect("a fan-out seen the same was remembered");
                out.extend(r.entries());
                fresh.insert(f, r);
            }
            Seen::Fresh(found, keep) => {
                changed |= old.get(&f) != keep.as_ref();
                out.extend(found);
                if let Some(r) = keep {
                    fresh.insert(f, r);
                }
            }
        }
    }
    memory.fanouts = fresh;
    memory.changed |= changed;
    Ok(out)
}

/// The blob file of `sha` as it is on disk: `None` when nothing is there.
/// Only a regular file is a blob; a link or anything else at its path is
/// reported as [`BlobAt::NotAFile`].
pub fn stat(dir: &BlobDir, sha: &Sha256) -> Result<BlobAt> {
    let tree = match dir.tree() {
        Ok(t) => t,
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => return Ok(BlobAt::Missing),
        Err(e) => return Err(e),
    };
    Ok(match tree.stat(&dir.blob(sha)) {
        Ok(None) => BlobAt::Missing,
        Ok(Some(s)) if s.is_file() => BlobAt::File(s),
        Ok(Some(s)) => BlobAt::NotAFile(s.kind),
        // A link where the fan-out folder should be: the blob is not there.
        Err(Error::LinkInTree { .. }) => BlobAt::NotAFile(Kind::Symlink),
        Err(e) => return Err(e),
    })
}

/// What is at a blob's path.
#[derive(Debug, Clone, Copy)]
pub enum BlobAt {
    Missing,
    File(crate::tree::Stat),
    /// A link, a folder, a device: never a copy of the blob.
    NotAFile(Kind),
}

impl BlobAt {
    pub fn file(&self) -> Option<&crate::tree::Stat> {
        match self {
            BlobAt::File(s) => Some(s),
            _ => None,
        }
    }
}

/// Size of a blob, or `None` when it is not there (a link is not a blob).
pub fn size(dir: &BlobDir, sha: &Sha256) -> Result<Option<u64>> {
    Ok(stat(dir, sha)?.file().map(|s| s.size))
}

pub fn exists(dir: &BlobDir, sha: &Sha256) -> bool {
    size(dir, sha).ok().flatten().is_some()
}

/// Opens a blob for reading through its tree (never through a link).
pub fn open(dir: &BlobDir, sha: &Sha256) -> Result<File> {
    dir.tree()?.open_read(&dir.blob(sha))
}

/// Streams a reader through SHA-256, reporting bytes and honouring cancel.
pub(crate) fn hash_reader(mut r: impl Read, path: &Path, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<(Sha256, u64)> {
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

/// Reads a blob's manifest, if it has a readable one (on a backup mirror
/// from `data/meta/`, else from beside the blob where earlier versions left it).
pub fn read_manifest(dir: &BlobDir, sha: &Sha256) -> Option<BlobManifest> {
    read_manifest_in(&dir.tree().ok()?, dir, sha)
}

/// [`read_manifest`] through a tree the caller opened once for many blobs.
pub(crate) fn read_manifest_in(tree: &Tree, dir: &BlobDir, sha: &Sha256) -> Option<BlobManifest> {
    tree.read_json(&dir.meta(sha)).ok().or_else(|| dir.is_mirror().then(|| tree.read_json(&dir.legacy_meta(sha)).ok()).flatten())
}

/// Writes a manifest unless the blob already has one (manifests are write-once).
pub fn write_manifest_if_absent(dir: &BlobDir, sha: &Sha256, manifest: &BlobManifest) -> Result<()> {
    let tree = dir.tree()?;
    let p = dir.meta(sha);
    if tree.stat(&p)?.is_some() {
        return Ok(());
    }
    tree.write_json_atomic(&p, manifest)
}

/// Removes a blob and its manifest; returns the bytes freed. Only a regular
/// file at the blob's path is removed: a link there is `not_found` (it is not
/// a copy, and what it points at is never touched).
pub fn remove(dir: &BlobDir, sha: &Sha256, side: Side) -> Result<u64> {
    let tree = dir.tree()?;
    let p = dir.blob(sha);
    let size = match tree.stat(&p) {
        Ok(Some(s)) if s.is_file() => s.size,
        Ok(_) | Err(Error::LinkInTree { .. }) => return Err(Error::BlobNotFound { sha256: sha.to_string(), side }),
        Err(e) => return Err(e),
    };
    tree.remove_file(&p)?;
    tree.remove_file(&dir.meta(sha))?;
    if dir.is_mirror() {
        tree.remove_file(&dir.legacy_meta(sha))?;
    }
    tree.fsync_dir(p.parent().expect("blob path has a parent"))?;
    Ok(size)
}

/// Marker of a mirror whose manifests all live in `data/meta/` (so the blob
/// folders need not be listed again on every session).
const MANIFESTS_MOVED: &str = "data/meta/.moved-from-blob-folders";

/// Moves the `<sha>.meta` files that earlier versions wrote beside the blobs
/// of a backup mirror to `data/meta/sha256/<aa>/` (SPEC §2: the original
/// program counts every file in a blob folder as a blob, shows such a
/// manifest as a phantom orphan and its cleanup then deletes the *local*
/// manifest). Hold the drive's lock. Returns how many were moved; done once
/// per drive (a marker records it).
pub(crate) fn move_legacy_manifests(mirror: &StoreLayout) -> Result<u64> {
    let tree = mirror.tree()?;
    let marker = mirror.root().join(MANIFESTS_MOVED);
    if tree.stat(&marker)?.is_some() {
        return Ok(0);
    }
    let dir = mirror.blobs();
    let mut moved = 0;
    for fan in tree.read_dir(dir.root())? {
        let Some(f) = fan.name_str().filter(|f| is_fanout(f)) else { continue };
        if fan.kind != Some(Kind::Dir) {
            continue;
        }
        for e in tree.read_dir(&dir.root().join(f))? {
            let Some(sha) = e.name_str().and_then(|n| n.strip_suffix(".meta")).and_then(|n| Sha256::parse(n).ok()) else { continue };
            if e.kind != Some(Kind::File) {
                continue;
            }
            let (from, to) = (dir.legacy_meta(&sha), dir.meta(&sha));
            tree.mkdirs(to.parent().expect("manifest paths have a parent"))?;
            if tree.stat(&to)?.is_some() {
                // Already moved (manifests are write-once): the old one is a duplicate.
                tree.remove_file(&from)?;
            } else {
                tree.rename(&from, &to)?;
            }
            moved += 1;
        }
    }
    tree.write_atomic(&marker, b"1\n")?;
    Ok(moved)
}

/// Blob files are read-only once in place (both sides): nothing ever edits a
/// blob, and a stray write fails instead of corrupting the only copy.
pub(crate) const BLOB_MODE: u32 = 0o444;

/// How [`adopt_file`] treats the source file. Neither mode ever leaves a
/// user's file sharing an inode with a blob: an in-place edit of that file
/// (or a download manager appending to it) would change the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptMode {
    /// Copy the bytes (a copy-on-write clone where the filesystem offers one);
    /// the source is untouched.
    Copy,
    /// Copy, then remove the source once the blob is durable.
    Move,
}

/// What [`adopt_file`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub sha256: Sha256,
    pub size: u64,
    pub already_present: bool,
    /// A link (or another non-file) was where the blob should be; it was
    /// replaced by the real bytes (a link is never "already present").
    pub replaced_link: bool,
}

/// Brings a file into the store: hashes it while writing `data/tmp/<random>.part`,
/// fsyncs, renames to its final name and fsyncs the directory. A crash at any
/// point leaves at most a temporary file in `data/tmp`, never a blob with a
/// wrong name. A full disk is `insufficient_space`.
pub fn adopt_file(
    layout: &StoreLayout,
    src: &Path,
    mode: AdoptMode,
    manifest: Option<&BlobManifest>,
    tracker: Option<&Tracker>,
    cancel: &CancelToken,
) -> Result<Adopted> {
    let input = File::open(src).map_err(Error::io("read", src))?;
    if !input.metadata().map_err(Error::io("read", src))?.is_file() {
        return Err(Error::NotAFile { path: src.to_path_buf() });
    }
    let adopted = with_tmp(layout, |tree, tmp, out| {
        // A copy-on-write clone where the filesystem offers one; the bytes are hashed either way.
        let (sha, size) = if rustix::fs::ioctl_ficlone(&out, &input).is_ok() {
            out.sync_all().map_err(Error::io("fsync", tmp))?;
            hash_reader(tree.open_read(tmp)?, src, tracker, cancel)?
        } else {
            write_hashing(input, out, tmp, tracker, cancel)?
        };
        place_with_manifest(layout, tree, tmp, &sha, size, manifest)
    })?;
    if mode == AdoptMode::Move {
        fs::remove_file(src).map_err(Error::io("remove adopted source", src))?;
    }
    Ok(adopted)
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
    with_tmp(layout, |tree, tmp, out| {
        let (sha, size) = write_hashing(reader, out, tmp, tracker, cancel)?;
        if let Some(exp) = expected.filter(|e| *e != &sha) {
            return Err(Error::Integrity { path: tmp.to_path_buf(), expected: exp.to_string(), actual: sha.to_string() });
        }
        place_with_manifest(layout, tree, tmp, &sha, size, manifest)
    })
}

/// Replaces the blob `sha` by a fresh copy of `reader`'s bytes (which must
/// hash to `sha`), so the blob has an inode of its own: doctor's repair of a
/// blob hard-linked to a user's file. The old inode keeps its other names.
pub(crate) fn adopt_reader_replacing(layout: &StoreLayout, reader: impl Read, sha: &Sha256, cancel: &CancelToken) -> Result<()> {
    with_tmp(layout, |tree, tmp, out| {
        let (actual, _) = write_hashing(reader, out, tmp, None, cancel)?;
        if &actual != sha {
            return Err(Error::Integrity { path: layout.blobs().blob(sha), expected: sha.to_string(), actual: actual.to_string() });
        }
        let target = layout.blobs().blob(sha);
        tree.set_mode(tmp, BLOB_MODE)?;
        tree.rename(tmp, &target)?;
        tree.fsync_dir(target.parent().expect("blob path has a parent"))
    })
}

/// Runs `f` with a new temporary file of `data/tmp` (created through the
/// store's tree, open for writing) and removes that file afterwards, whatever
/// happened (after a successful rename there is nothing left to remove).
fn with_tmp<T>(layout: &StoreLayout, f: impl FnOnce(&Tree, &Path, File) -> Result<T>) -> Result<T> {
    let tree = layout.tree()?;
    tree.mkdirs(&layout.tmp())?;
    let tmp = layout.tmp().join(format!("{}.part", uuid::Uuid::new_v4().simple()));
    let result = tree.create_new(&tmp, 0o644).and_then(|out| f(&tree, &tmp, out));
    let _ = tree.remove_file(&tmp);
    result
}

/// Copies `reader` into `out` while hashing it, then fsyncs `out`.
fn write_hashing(reader: impl Read, mut out: File, tmp: &Path, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<(Sha256, u64)> {
    let res = hash_reader(TeeReader { inner: reader, out: &mut out, path: tmp }, tmp, tracker, cancel)?;
    out.sync_all().map_err(Error::io("fsync", tmp))?;
    Ok(res)
}

/// [`place_in`], then the manifest (write-once) when one is given.
fn place_with_manifest(
    layout: &StoreLayout,
    tree: &Tree,
    tmp: &Path,
    sha: &Sha256,
    size: u64,
    manifest: Option<&BlobManifest>,
) -> Result<Adopted> {
    let adopted = place_in(layout, tree, tmp, sha, size)?;
    if let Some(m) = manifest {
        write_manifest_if_absent(&layout.blobs(), sha, m)?;
    }
    Ok(adopted)
}

/// Puts a finished, fsynced file of `data/tmp` whose SHA-256 the caller
/// computed from the bytes it wrote (a download) under its blob name. A blob
/// already present is kept and the file is left for the caller to remove.
pub(crate) fn place_verified(layout: &StoreLayout, tmp: &Path, sha: &Sha256, size: u64) -> Result<Adopted> {
    place_in(layout, &layout.tree()?, tmp, sha, size)
}

/// Moves a finished, fsynced temporary file of the tree to its blob name,
/// read-only. A regular file already there is the blob ("already present");
/// a link or other non-file there is replaced (the rename replaces the link
/// itself, never what it points at); a folder there is an error.
fn place_in(layout: &StoreLayout, tree: &Tree, tmp: &Path, sha: &Sha256, size: u64) -> Result<Adopted> {
    let blobs = layout.blobs();
    let final_path = blobs.blob(sha);
    let fan = final_path.parent().expect("blob path has a parent");
    tree.mkdirs(fan)?;
    let replaced_link = match tree.stat(&final_path)? {
        Some(s) if s.is_file() => return Ok(Adopted { sha256: sha.clone(), size, already_present: true, replaced_link: false }),
        Some(s) if s.is_dir() => {
            return Err(Error::invalid(format!(
                "a folder is where blob {sha} should be ({}): move it away, then try again",
                final_path.display()
            )))
        }
        Some(_) => true,
        None => false,
    };
    tree.set_mode(tmp, BLOB_MODE)?;
    tree.rename(tmp, &final_path)?;
    tree.fsync_dir(fan)?;
    Ok(Adopted { sha256: sha.clone(), size, already_present: false, replaced_link })
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

/// True for the names this program gives its temporary files and folders in
/// `data/tmp` (and beside blobs): only those are ever deleted as leftovers.
/// Anything else found there (a user's file, the original program's
/// `download_<id>` in progress) is reported, never deleted (SPEC §3.4).
pub(crate) fn is_own_tmp_name(name: &str) -> bool {
    fn hex_run(s: &str) -> usize {
        let mut best = 0;
        let mut cur = 0;
        for b in s.bytes() {
            cur = if b.is_ascii_hexdigit() { cur + 1 } else { 0 };
            best = best.max(cur);
        }
        best
    }
    if name.ends_with(crate::fsutil::TMP_SUFFIX) {
        return true;
    }
    if let Some(stem) = name.strip_suffix(".part") {
        return hex_run(stem) >= 32;
    }
    ["deleted-pack-", "package-import-"].iter().any(|p| name.strip_prefix(p).is_some_and(|rest| hex_run(rest) >= 32))
}

/// What `data/tmp` holds that is not this program's: reported by cleanup and doctor, never deleted.
pub(crate) fn foreign_tmp(layout: &StoreLayout) -> Vec<PathBuf> {
    let Ok(tree) = layout.tree() else { return Vec::new() };
    let Ok(entries) = tree.read_dir(&layout.tmp()) else { return Vec::new() };
    let mut out: Vec<PathBuf> =
        entries.into_iter().filter(|e| !e.name_str().is_some_and(is_own_tmp_name)).map(|e| layout.tmp().join(e.name)).collect();
    out.sort();
    out
}

/// Lists this program's temporary files in `data/tmp` and `.part` files beside blobs
/// (it deletes nothing; cleanup does). Trust the list only while holding the store
/// lock: then no running operation owns them. A `data/tmp` that is a link is
/// not listed (it is not ours to clean; doctor reports it).
pub(crate) fn stale_partials(layout: &StoreLayout) -> Result<Vec<PartialFile>> {
    let mut out = scan(&layout.blobs())?.partials;
    let tree = layout.tree()?;
    let tmp = layout.tmp();
    let entries = match tree.read_dir(&tmp) {
        Ok(e) => e,
        Err(Error::LinkInTree { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    for e in entries {
        if e.kind == Some(Kind::Dir) || !e.name_str().is_some_and(is_own_tmp_name) {
            continue;
        }
        let path = tmp.join(&e.name);
        if let Some(m) = tree.stat(&path)?.filter(|m| m.is_file()) {
            out.push(PartialFile { path, size_bytes: m.size });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_temporary_names_are_ours() {
        let sha = "a".repeat(64);
        let id = "0123456789abcdef0123456789abcdef";
        for own in [
            format!("{id}.part"),
            format!("{sha}.{id}.part"),
            format!("{sha}.meta.{id}.part"),
            format!("{sha}.download.part"),
            format!(".x.json.{id}.synapse-tmp"),
            format!("deleted-pack-{id}"),
            format!("package-import-{id}"),
        ] {
            assert!(is_own_tmp_name(&own), "{own}");
        }
        for foreign in ["movie.part", "notes.txt", "download_0123456789abcdef0123456789abcdef", "deleted-pack-x", "holiday.mkv"] {
            assert!(!is_own_tmp_name(foreign), "{foreign}");
        }
    }
}
