//! The copy engine of backup and restore (SPEC §3.6): one blob from one store
//! tree to another (local → backup or backup → local), hash-checked and crash
//! safe.
//!
//! The steps, in order:
//! 1. a blob already on the destination under its name and with its size is
//!    a no-op ("already present");
//! 2. free space on the destination is checked first, with a small margin
//!    (`insufficient_space`);
//! 3. the `.meta` manifest travels first (on a backup mirror to
//!    `data/meta/sha256/<aa>/`, never into a blob folder: SPEC §2), so an interruption between the two
//!    leaves a manifest waiting for its blob (the next sync brings the blob),
//!    never a blob that lost its name and kind;
//! 4. the bytes are copied to `data/tmp/<sha256>.<random>.part` on the
//!    destination while being hashed; the hash is compared with the name; the
//!    file is fsynced, renamed to its blob name, and the directory fsynced.
//!
//! A mismatch (`integrity`), an error, a cancel or a full disk removes the
//! `.part` (and a manifest this copy wrote), so no file ever carries a blob
//! name without the blob's bytes; a `kill -9` leaves at most the `.part` in
//! `data/tmp`, which cleanup (locally) or the next backup operation (on the
//! drive) removes.
//!
//! Speed (SPEC §7: one thread doing read → hash → write is ~2.3× slower than
//! `cp`): reading and hashing run on the calling thread, writing on a second
//! thread, connected by a bounded channel of large buffers, and the writer
//! pushes written ranges to the device early ([`crate::blob::writeback`]), so the
//! final fsync finds almost nothing left to write.
//!
//! Directories on the destination are created one level at a time below its
//! store root, never with `create_dir_all` from the top: if the backup drive
//! disappears mid-way, nothing recreates a phantom backup at its mount point.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::Instant;

use sha2::{Digest, Sha256 as Hasher};

use crate::blob::writeback::{self, WriteBack};
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::progress::{CancelToken, Tracker};
use crate::store::layout::StoreLayout;
use crate::store::tree::{FileId, Tree};

/// Size of each buffer passed from the reader to the writer.
pub const COPY_BUF: usize = 8 << 20;
/// Buffers in flight between the reader and the writer.
const IN_FLIGHT: usize = 3;
/// Space kept free on the destination beyond the blob: 1 % of the filesystem,
/// at most 64 MiB (a filesystem filled to the last byte misbehaves).
const MARGIN_MAX: u64 = 64 << 20;

/// What [`copy_blob`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// The bytes were copied and hash-checked.
    Done { bytes: u64 },
    /// The destination already had the blob (same name and size).
    AlreadyPresent { bytes: u64 },
}

impl Copied {
    /// The blob's size (copied or found).
    pub fn size(self) -> u64 {
        match self {
            Copied::Done { bytes } | Copied::AlreadyPresent { bytes } => bytes,
        }
    }

    /// Bytes actually written (0 when already present).
    pub fn bytes_copied(self) -> u64 {
        match self {
            Copied::Done { bytes } => bytes,
            Copied::AlreadyPresent { .. } => 0,
        }
    }
}

/// What [`copy_blob`] does with a copy already at the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// A copy of the right size is the blob: nothing is copied.
    Keep,
    /// It is replaced too (a refresh of copies that may have rotted).
    Refresh,
    /// It is known to be corrupt: replaced, and the bad file moved to this
    /// path (in the destination's `data/quarantine/`), never deleted.
    Quarantine(PathBuf),
}

impl Existing {
    /// `Quarantine` into `to`'s quarantine folder when `corrupt`, else `Keep`.
    pub(crate) fn unless_corrupt(corrupt: bool, sha: &Sha256, to: &StoreLayout) -> Existing {
        if corrupt {
            Existing::Quarantine(quarantine_path(to, sha))
        } else {
            Existing::Keep
        }
    }
}

/// A fresh name for a corrupt copy of `sha` in `tree`'s quarantine folder.
pub(crate) fn quarantine_path(tree: &StoreLayout, sha: &Sha256) -> PathBuf {
    let at = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    tree.quarantine().join(format!("{sha}.{at}"))
}

/// Copies blob `sha` from the store tree `from` to the store tree `to` (see
/// the module docs for the steps). `to.root()` must exist: only directories
/// below it are created. `existing` says what happens to a copy already at
/// the destination; a replacement is atomic and only happens once the new
/// bytes hashed right.
///
/// Errors: `not_found` (io) when the source blob is not there;
/// `insufficient_space` before copying, or when the disk fills up meanwhile;
/// `integrity` when the bytes read do not hash to `sha`; `cancelled`; `io` for
/// anything else (the caller decides whether a failing drive means
/// `backup_not_connected`).
pub fn copy_blob(
    sha: &Sha256,
    from: &StoreLayout,
    to: &StoreLayout,
    existing: &Existing,
    tracker: Option<&Tracker>,
    cancel: &CancelToken,
) -> Result<Copied> {
    let (src_tree, dst_tree) = (from.tree()?, to.tree()?);
    let src_dir = from.blobs();
    let dst_dir = to.blobs();
    let src = src_dir.blob(sha);
    let dst = dst_dir.blob(sha);
    // Never through a link: a link at the source is not the blob.
    let input = match src_tree.open_read(&src) {
        Err(Error::LinkInTree { .. }) | Err(Error::NotAFile { .. }) => {
            return Err(Error::Io { op: "open", path: src.clone(), source: io::Error::from(io::ErrorKind::NotFound) })
        }
        r => r?,
    };
    let src_meta = input.metadata().map_err(Error::io("stat", &src))?;
    let size = src_meta.len();
    // A copy is only another copy when it is a regular file with its own
    // inode: a hard link of the source (or the same tree seen twice) is
    // replaced by a real copy, a link at the destination by the real bytes.
    let found = match dst_tree.stat(&dst) {
        Ok(s) => s,
        Err(Error::LinkInTree { .. }) => None,
        Err(e) => return Err(e),
    };
    let is_copy = found.is_some_and(|m| m.is_file() && m.size == size && m.id != FileId::of(&src_meta));
    if *existing == Existing::Keep && is_copy {
        copy_manifest(sha, from, to)?;
        return Ok(Copied::AlreadyPresent { bytes: size });
    }
    let tmp_dir = to.tmp();
    dst_tree.mkdirs(&tmp_dir)?;
    check_space(&tmp_dir, size)?;
    cancel.check()?;

    let manifest_written = copy_manifest(sha, from, to)?;
    let part = tmp_dir.join(format!("{sha}.{}.part", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let out = dst_tree.create_new(&part, 0o644)?;
        let (actual, bytes) = pipe(input, &src, out, &part, tracker, cancel)?;
        if &actual != sha {
            return Err(Error::Integrity { path: src.clone(), expected: sha.to_string(), actual: actual.to_string() });
        }
        dst_tree.check_still_there()?;
        match existing {
            Existing::Quarantine(aside) if found.is_some_and(|m| m.is_file()) => replace_corrupt(&dst_tree, &part, &dst, aside)?,
            _ => place_blob(&dst_tree, &part, &dst)?,
        }
        Ok(Copied::Done { bytes })
    })();
    if result.is_err() {
        let _ = dst_tree.remove_file(&part);
        if manifest_written {
            let _ = dst_tree.remove_file(&dst_dir.meta(sha));
        }
    }
    result
}

/// `insufficient_space` unless `dir`'s filesystem has room for `size` bytes
/// plus the margin.
pub(crate) fn check_space(dir: &Path, size: u64) -> Result<()> {
    let stats = fs4::statvfs(dir).map_err(Error::io("check free space on", dir))?;
    let margin = (stats.total_space() / 100).min(MARGIN_MAX);
    let needed = size.saturating_add(margin);
    if stats.available_space() < needed {
        return Err(Error::InsufficientSpace { path: dir.to_path_buf(), needed, available: stats.available_space() });
    }
    Ok(())
}

/// Creates `dir` and its missing parents, but only below `root`, which must
/// exist, never through a link. Fsyncs the parent of each directory it creates.
pub(crate) fn mkdirs_under(root: &Path, dir: &Path) -> Result<()> {
    Tree::open(root)?.mkdirs(dir)
}

/// Copies the blob's manifest when the source has one and the destination
/// does not (manifests are write-once). Returns true when it wrote one. On a
/// backup mirror manifests live in `data/meta/`, never in a blob folder, and
/// the temporary file is in `data/tmp`.
fn copy_manifest(sha: &Sha256, from: &StoreLayout, to: &StoreLayout) -> Result<bool> {
    let (src_tree, dst_tree) = (from.tree()?, to.tree()?);
    let (src_dir, dst_dir) = (from.blobs(), to.blobs());
    let dst = dst_dir.meta(sha);
    if dst_tree.stat(&dst)?.is_some() {
        return Ok(false);
    }
    let mut sources = vec![src_dir.meta(sha)];
    if src_dir.is_mirror() {
        sources.push(src_dir.legacy_meta(sha));
    }
    let mut bytes = None;
    for src in &sources {
        match src_tree.read(src) {
            Ok(b) => {
                bytes = Some(b);
                break;
            }
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            Err(Error::LinkInTree { .. }) | Err(Error::NotAFile { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let Some(bytes) = bytes else { return Ok(false) };
    let tmp_dir = to.tmp();
    dst_tree.mkdirs(&tmp_dir)?;
    let fan = dst.parent().expect("manifest paths have a parent");
    dst_tree.mkdirs(fan)?;
    let tmp = tmp_dir.join(format!("{sha}.meta.{}.part", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut f = dst_tree.create_new(&tmp, 0o644)?;
        f.write_all(&bytes).map_err(Error::io("write", &tmp))?;
        f.sync_all().map_err(Error::io("fsync", &tmp))?;
        dst_tree.rename(&tmp, &dst)?;
        dst_tree.fsync_dir(fan)
    })();
    if result.is_err() {
        let _ = dst_tree.remove_file(&tmp);
    }
    result.map(|()| true)
}

/// Renames a finished, fsynced `.part` to its blob name, read-only, and makes it durable.
/// Puts a verified `part` in place as blob `dst` (read-only, directory fsynced).
pub(crate) fn place_blob(tree: &Tree, part: &Path, dst: &Path) -> Result<()> {
    let fan = dst.parent().expect("blob paths have a parent");
    tree.mkdirs(fan)?;
    tree.set_mode(part, crate::blob::blobs::BLOB_MODE)?;
    tree.rename(part, dst)?;
    tree.fsync_dir(fan)
}

/// Puts the verified `part` in place of the corrupt blob at `dst` and moves
/// the corrupt file to `aside`. With an atomic exchange the blob name never
/// goes missing; where the filesystem cannot exchange, the corrupt file moves
/// aside first and the new one follows at once.
pub(crate) fn replace_corrupt(tree: &Tree, part: &Path, dst: &Path, aside: &Path) -> Result<()> {
    tree.mkdirs(aside.parent().expect("quarantine paths have a parent"))?;
    tree.set_mode(part, crate::blob::blobs::BLOB_MODE)?;
    if tree.exchange(part, dst)? {
        // `part` now names the corrupt bytes.
        tree.rename_noreplace(part, aside)?;
    } else {
        tree.rename_noreplace(dst, aside)?;
        tree.rename(part, dst)?;
    }
    tree.fsync_dir(dst.parent().expect("blob paths have a parent"))?;
    tree.fsync_dir(aside.parent().expect("quarantine paths have a parent"))
}

thread_local! {
    /// Test hook: make the writer fail with ENOSPC once this many bytes are written.
    static FAIL_WRITES_AFTER: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Test hook (fault injection): until the returned guard is dropped, copies
/// started on this thread fail with "no space left on device" once `bytes`
/// bytes have been written, as a disk that fills up mid-copy would. Used by
/// the disk-full tests where no small filesystem can be mounted.
#[doc(hidden)]
pub fn inject_disk_full_after(bytes: u64) -> InjectedFault {
    FAIL_WRITES_AFTER.with(|c| c.set(Some(bytes)));
    InjectedFault(())
}

/// Removes the injected fault when dropped.
#[doc(hidden)]
pub struct InjectedFault(());

impl Drop for InjectedFault {
    fn drop(&mut self) {
        FAIL_WRITES_AFTER.with(|c| c.set(None));
    }
}

/// A filled buffer on its way to the writer; `None` marks the end of the file.
type Chunk = Option<(Vec<u8>, usize)>;

/// Reads and hashes `input` on this thread while a second thread writes the
/// same bytes to `out`, fsyncs it and closes it. Returns the hash and the
/// number of bytes copied.
fn pipe(mut input: File, src: &Path, out: File, part: &Path, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<(Sha256, u64)> {
    writeback::advise_sequential(&input);
    let fail_after = FAIL_WRITES_AFTER.with(Cell::get);
    std::thread::scope(|s| {
        let (full_tx, full_rx) = sync_channel::<Chunk>(IN_FLIGHT);
        let (free_tx, free_rx) = sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        let writer = std::thread::Builder::new()
            .name("synapse-copy-write".into())
            .spawn_scoped(s, move || write_all(out, full_rx, free_tx, fail_after))
            .map_err(Error::io("start a writer thread for", part))?;

        let mut hasher = Hasher::new();
        let mut total = 0u64;
        let mut allocated = 0;
        let read: Result<()> = loop {
            if let Err(e) = cancel.check() {
                break Err(e);
            }
            let mut buf = match free_rx.try_recv() {
                Ok(b) => b,
                Err(_) if allocated <= IN_FLIGHT => {
                    allocated += 1;
                    vec![0u8; COPY_BUF]
                }
                Err(_) => match free_rx.recv() {
                    Ok(b) => b,
                    // The writer stopped: its error is reported below.
                    Err(_) => break Ok(()),
                },
            };
            let n = match fill(&mut input, &mut buf) {
                Ok(n) => n,
                Err(e) => break Err(Error::io("read", src)(e)),
            };
            if n == 0 {
                let _ = full_tx.send(None);
                break Ok(());
            }
            hasher.update(&buf[..n]);
            total += n as u64;
            if full_tx.send(Some((buf, n))).is_err() {
                break Ok(());
            }
            if let Some(t) = tracker {
                t.add_bytes(n as u64);
            }
        };
        // Closing the channel without the end marker tells the writer to give up.
        drop(full_tx);
        let written = writer.join().unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
        read?;
        let written = written.map_err(Error::io("write", part))?;
        if written != total {
            return Err(Error::Io { op: "write", path: part.to_path_buf(), source: io::Error::other("the writer stopped early") });
        }
        Ok((Sha256::from_digest(&hasher.finalize()), total))
    })
}

/// Reads until `buf` is full or the file ends.
fn fill(input: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The writer thread: writes every chunk, pushing it to the device early, and
/// on the end marker waits for the rest and fsyncs. Returns the bytes written;
/// a closed channel without the end marker means the copy was abandoned.
fn write_all(mut out: File, full: Receiver<Chunk>, free: SyncSender<Vec<u8>>, fail_after: Option<u64>) -> io::Result<u64> {
    let started = Instant::now();
    let mut offset = 0u64;
    let mut wb = WriteBack::new(&out);
    loop {
        match full.recv() {
            Ok(Some((buf, n))) => {
                if fail_after.is_some_and(|limit| offset + n as u64 > limit) {
                    return Err(io::Error::from_raw_os_error(libc::ENOSPC));
                }
                (&out).write_all(&buf[..n])?;
                wb.written(offset, n as u64)?;
                offset += n as u64;
                let _ = free.send(buf);
            }
            Ok(None) => break,
            Err(_) => return Err(io::Error::other(format!("copy abandoned after {:.1} s", started.elapsed().as_secs_f64()))),
        }
    }
    wb.finish()?;
    drop(wb);
    out.flush()?;
    out.sync_all()?;
    Ok(offset)
}

/// This program's `.part` and temporary files in a store tree's `data/tmp`
/// (`tmp`): leftovers of interrupted copies. Only safe to delete while
/// holding that tree's lock; nothing else found there is listed.
pub fn leftovers(tmp: &Path) -> Vec<PathBuf> {
    let Some(root) = tmp.ancestors().nth(2) else { return Vec::new() };
    let Ok(tree) = Tree::open(root) else { return Vec::new() };
    let Ok(entries) = tree.read_dir(tmp) else { return Vec::new() };
    entries
        .into_iter()
        .filter(|e| e.kind != Some(crate::store::tree::Kind::Dir) && e.name_str().is_some_and(crate::blob::blobs::is_own_tmp_name))
        .map(|e| tmp.join(e.name))
        .collect()
}

/// Removes [`leftovers`] from the tree at `root` (holding its lock), through the tree.
pub(crate) fn remove_leftovers(root: &StoreLayout) {
    let Ok(tree) = root.tree() else { return };
    for p in leftovers(&root.tmp()) {
        let _ = tree.remove_file(&p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree(root: &Path) -> StoreLayout {
        let l = StoreLayout::new(root);
        fs::create_dir_all(l.blobs().root()).unwrap();
        l
    }

    fn put(l: &StoreLayout, bytes: &[u8]) -> Sha256 {
        let sha = Sha256::from_digest(&Hasher::digest(bytes));
        let p = l.blobs().blob(&sha);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
        sha
    }

    #[test]
    fn copies_across_buffer_boundaries_and_then_is_a_no_op() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (tree(&d.path().join("a")), tree(&d.path().join("b")));
        let bytes: Vec<u8> = (0..COPY_BUF * 2 + 12_345).map(|i| (i * 31 % 251) as u8).collect();
        let sha = put(&a, &bytes);
        fs::write(a.blobs().meta(&sha), b"{\"version\":1}").unwrap();
        let cancel = CancelToken::new();
        assert_eq!(copy_blob(&sha, &a, &b, &Existing::Keep, None, &cancel).unwrap(), Copied::Done { bytes: bytes.len() as u64 });
        assert_eq!(fs::read(b.blobs().blob(&sha)).unwrap(), bytes);
        assert_eq!(fs::read(b.blobs().meta(&sha)).unwrap(), b"{\"version\":1}");
        assert!(leftovers(&b.tmp()).is_empty());
        assert_eq!(copy_blob(&sha, &a, &b, &Existing::Keep, None, &cancel).unwrap(), Copied::AlreadyPresent { bytes: bytes.len() as u64 });
    }

    #[test]
    fn a_mismatch_leaves_nothing_behind() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (tree(&d.path().join("a")), tree(&d.path().join("b")));
        let sha = put(&a, b"the real bytes");
        fs::write(a.blobs().blob(&sha), b"rotten bytes!!").unwrap();
        fs::write(a.blobs().meta(&sha), b"{}").unwrap();
        let err = copy_blob(&sha, &a, &b, &Existing::Keep, None, &CancelToken::new()).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Integrity);
        assert!(!b.blobs().blob(&sha).exists() && !b.blobs().meta(&sha).exists());
        assert!(leftovers(&b.tmp()).is_empty());
    }

    #[test]
    fn an_injected_full_disk_is_insufficient_space_and_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (tree(&d.path().join("a")), tree(&d.path().join("b")));
        let bytes = vec![5u8; COPY_BUF + 10];
        let sha = put(&a, &bytes);
        let fault = inject_disk_full_after(1000);
        let err = copy_blob(&sha, &a, &b, &Existing::Keep, None, &CancelToken::new()).unwrap_err();
        drop(fault);
        assert_eq!(err.code(), crate::ErrorCode::InsufficientSpace, "{err}");
        assert!(!b.blobs().blob(&sha).exists());
        assert!(leftovers(&b.tmp()).is_empty());
        assert!(copy_blob(&sha, &a, &b, &Existing::Keep, None, &CancelToken::new()).is_ok(), "the fault is gone with its guard");
    }

    #[test]
    fn directories_are_only_created_below_an_existing_root() {
        let d = tempfile::tempdir().unwrap();
        let gone = d.path().join("unplugged/.synapse/store");
        let err = mkdirs_under(&gone, &gone.join("data/tmp")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(!d.path().join("unplugged").exists(), "nothing recreated at the mount point");
    }
}
