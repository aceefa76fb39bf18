//! The one door to the disk inside a store tree (the local store, or the
//! `.synapse/store` mirror on a backup drive): every open, create, rename and
//! delete below a tree's root goes through a [`Tree`] (STYLE 5a, SPEC §2).
//!
//! A [`Tree`] is an opened directory. Its root is the one path that is
//! resolved as the user gave it (a store root or a backup path may itself be a
//! symlink, resolved once, when the tree is opened); everything below it is
//! opened relative to that directory with `openat2(RESOLVE_BENEATH |
//! RESOLVE_NO_SYMLINKS)`, so a symbolic link anywhere below the root — a
//! `data/tmp` that points at a shared folder, a fan-out folder or a pack
//! folder that leads off the drive, a blob that is a link — is never followed:
//! the operation fails with [`Error::LinkInTree`] naming the link, and
//! `doctor` reports it. Where `openat2` is missing (kernels before 5.6, some
//! sandboxes) the same rule is kept by walking one component at a time with
//! `O_NOFOLLOW`, each step relative to the directory opened before it.
//!
//! Paths given to a tree are either relative to its root or absolute paths
//! that start with it (the paths [`crate::store::layout`] builds); `..`, `.` and
//! anything outside the root are refused before the disk is touched.
//!
//! A path is not an identity: two trees (or two files) are the same when
//! their [`FileId`]s (device, inode) are, whatever their paths say.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{self as rfs, AtFlags, Mode, OFlags, RenameFlags, ResolveFlags};
use rustix::io::Errno;

use crate::error::{Error, Result};

/// Device and inode: what makes two paths one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(meta: &std::fs::Metadata) -> FileId {
        FileId { dev: meta.dev(), ino: meta.ino() }
    }

    fn of_stat(st: &rfs::Stat) -> FileId {
        #[allow(clippy::unnecessary_cast)]
        FileId { dev: st.st_dev as u64, ino: st.st_ino as u64 }
    }
}

/// What a directory's own stat says about its entries: any entry made,
/// removed or renamed in it changes its modification and change times, so
/// an unchanged stamp means an unchanged listing (see [`DirStamp::settled`]
/// for the one exception, and `blobs::scan_remembered` for its use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirStamp {
    pub dev: u64,
    pub ino: u64,
    /// Modification time, seconds and nanoseconds since the epoch.
    pub mtime: (i64, i64),
    /// Change time (which nobody can set back), seconds and nanoseconds.
    pub ctime: (i64, i64),
}

impl DirStamp {
    /// How long after a change a stamp is trusted: filesystems keep times
    /// in coarse steps (a clock tick; FAT keeps 2 s), so a second change
    /// within one step leaves the same stamp. A stamp taken that soon after
    /// its directory last changed says nothing and is not kept.
    pub const SETTLE_SECS: i64 = 3;

    /// True when the directory last changed at least [`Self::SETTLE_SECS`] before `now`.
    pub fn settled(&self, now: std::time::SystemTime) -> bool {
        let now = now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        self.mtime.0.max(self.ctime.0) + Self::SETTLE_SECS < now
    }
}

/// What is at a path, seen without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// The `lstat` of one entry.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub kind: Kind,
    pub size: u64,
    pub id: FileId,
    /// Hard links to the inode (a blob with more than one shares its bytes with another path).
    pub nlink: u64,
    pub mtime: Option<std::time::SystemTime>,
    pub mode: u32,
}

impl Stat {
    fn from(st: &rfs::Stat) -> Stat {
        let ft = rfs::FileType::from_raw_mode(st.st_mode);
        let kind = match ft {
            rfs::FileType::RegularFile => Kind::File,
            rfs::FileType::Directory => Kind::Dir,
            rfs::FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        };
        #[allow(clippy::unnecessary_cast)]
        let mtime =
            (st.st_mtime >= 0).then(|| std::time::UNIX_EPOCH + std::time::Duration::new(st.st_mtime as u64, st.st_mtime_nsec as u32));
        #[allow(clippy::unnecessary_cast)]
        Stat { kind, size: st.st_size as u64, id: FileId::of_stat(st), nlink: st.st_nlink as u64, mtime, mode: st.st_mode as u32 }
    }

    pub fn is_file(&self) -> bool {
        self.kind == Kind::File
    }

    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: OsString,
    /// From the directory itself (`d_type`); `None` when the filesystem does not say.
    pub kind: Option<Kind>,
}

impl Entry {
    pub(crate) fn name_str(&self) -> Option<&str> {
        self.name.to_str()
    }
}

/// An opened directory tree (see the module docs).
#[derive(Debug)]
pub struct Tree {
    root: PathBuf,
    fd: OwnedFd,
    id: FileId,
}

const RESOLVE: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_SYMLINKS).union(ResolveFlags::NO_MAGICLINKS);

/// Which resolver this process uses: `openat2` unless the kernel refused it once.
static NO_OPENAT2: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Tree {
    /// Opens the tree at `root` (which must be a directory; it may be reached
    /// through a symlink, the one the user configured).
    pub fn open(root: &Path) -> Result<Tree> {
        let fd = rfs::open(root, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| Error::io("open directory", root)(e.into()))?;
        let st = rfs::fstat(&fd).map_err(|e| Error::io("stat", root)(e.into()))?;
        Ok(Tree { root: root.to_path_buf(), fd, id: FileId::of_stat(&st) })
    }

    /// The root as the caller named it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The identity of the root directory.
    pub fn id(&self) -> FileId {
        self.id
    }

    /// The stamp of the root directory now (see [`DirStamp`]).
    pub fn stamp(&self) -> Result<DirStamp> {
        let st = rfs::fstat(&self.fd).map_err(|e| Error::io("stat", &self.root)(e.into()))?;
        #[allow(clippy::unnecessary_cast)]
        Ok(DirStamp {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
        })
    }

    /// `Err(io NotFound)` unless the root path still leads to the directory
    /// this tree opened: a drive unplugged or remounted meanwhile (the open
    /// directory would otherwise still take writes that nobody will find).
    pub(crate) fn check_still_there(&self) -> Result<()> {
        match std::fs::metadata(&self.root) {
            Ok(m) if FileId::of(&m) == self.id => Ok(()),
            Ok(_) => Err(Error::io("find", &self.root)(io::Error::new(io::ErrorKind::NotFound, "another folder is at this path now"))),
            Err(e) => Err(Error::io("find", &self.root)(e)),
        }
    }

    /// `path` relative to the root; refuses paths outside it and `..`/`.` components.
    fn rel<'a>(&self, path: &'a Path) -> Result<&'a Path> {
        let rel = if path.is_absolute() {
            path.strip_prefix(&self.root).map_err(|_| {
                Error::invalid(format!(
                    "{} is outside {}: Synapse only touches files inside its trees",
                    path.display(),
                    self.root.display()
                ))
            })?
        } else {
            path
        };
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(Error::invalid(format!("{} is not a plain path inside {}", path.display(), self.root.display())));
        }
        Ok(rel)
    }

    fn full(&self, rel: &Path) -> PathBuf {
        if rel.as_os_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// Turns an errno met at `rel` into the core error, naming links as such.
    fn err(&self, op: &'static str, rel: &Path, e: Errno) -> Error {
        let path = self.full(rel);
        match e {
            // ELOOP: a symlink on the way (RESOLVE_NO_SYMLINKS or O_NOFOLLOW);
            // EXDEV: the resolution would leave the tree.
            Errno::LOOP | Errno::XDEV => Error::LinkInTree { path: self.first_link(rel).unwrap_or(path) },
            // O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR.
            Errno::NOTDIR => match self.first_link(rel) {
                Some(link) => Error::LinkInTree { path: link },
                None => Error::io(op, &path)(e.into()),
            },
            e => Error::io(op, &path)(e.into()),
        }
    }

    /// The first component of `rel` that is a symbolic link (for messages).
    fn first_link(&self, rel: &Path) -> Option<PathBuf> {
        let mut cur = self.root.clone();
        for c in rel.components() {
            cur.push(c);
            if std::fs::symlink_metadata(&cur).ok()?.file_type().is_symlink() {
                return Some(cur);
            }
        }
        None
    }

    /// Opens `rel` below the root without following any symlink.
    fn open_at(&self, rel: &Path, flags: OFlags, mode: Mode) -> std::result::Result<OwnedFd, Errno> {
        let rel: &Path = if rel.as_os_str().is_empty() { Path::new(".") } else { rel };
        let flags = flags | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        if !NO_OPENAT2.load(std::sync::atomic::Ordering::Relaxed) {
            match rfs::openat2(&self.fd, rel, flags, mode, RESOLVE) {
                Err(Errno::NOSYS) | Err(Errno::PERM) => NO_OPENAT2.store(true, std::sync::atomic::Ordering::Relaxed),
                // openat2 rejects unknown flags with EINVAL on some kernels; walk instead.
                Err(Errno::INVAL) => return walk(&self.fd, rel, flags, mode),
                Err(Errno::AGAIN) => return walk(&self.fd, rel, flags, mode),
                r => return r,
            }
        }
        walk(&self.fd, rel, flags, mode)
    }

    /// The parent directory of `rel` (opened) and its last component.
    fn parent<'a>(&self, rel: &'a Path) -> std::result::Result<(ParentFd<'_>, &'a OsStr), Errno> {
        let name = rel.file_name().ok_or(Errno::INVAL)?;
        let parent = rel.parent().unwrap_or(Path::new(""));
        // A name directly below the root (every entry of a scanned fan-out): no open at all.
        if parent.as_os_str().is_empty() {
            return Ok((ParentFd::Root(&self.fd), name));
        }
        Ok((ParentFd::Opened(self.open_at(parent, OFlags::PATH | OFlags::DIRECTORY, Mode::empty())?), name))
    }

    /// `lstat` of `path`: `None` when nothing is there. A link on the way
    /// (not at the end) is an error.
    pub fn stat(&self, path: &Path) -> Result<Option<Stat>> {
        let rel = self.rel(path)?;
        if rel.as_os_str().is_empty() {
            return rfs::fstat(&self.fd).map(|s| Some(Stat::from(&s))).map_err(|e| self.err("stat", rel, e));
        }
        let res = self.parent(rel).and_then(|(dir, name)| rfs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW));
        match res {
            Ok(st) => Ok(Some(Stat::from(&st))),
            Err(Errno::NOENT) => Ok(None),
            Err(Errno::NOTDIR) => match self.err("stat", rel, Errno::NOTDIR) {
                e @ Error::LinkInTree { .. } => Err(e),
                _ => Ok(None),
            },
            Err(e) => Err(self.err("stat", rel, e)),
        }
    }

    /// Opens an existing regular file for reading (a link at the path is refused).
    pub fn open_read(&self, path: &Path) -> Result<File> {
        let rel = self.rel(path)?;
        let fd = self.open_at(rel, OFlags::RDONLY, Mode::empty()).map_err(|e| self.err("open", rel, e))?;
        let f = File::from(fd);
        let meta = f.metadata().map_err(Error::io("stat", self.full(rel)))?;
        if !meta.is_file() {
            return Err(Error::NotAFile { path: self.full(rel) });
        }
        Ok(f)
    }

    /// Creates a new file (it must not exist) for writing, with `mode`.
    pub(crate) fn create_new(&self, path: &Path, mode: u32) -> Result<File> {
        let rel = self.rel(path)?;
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL;
        let fd = self.open_at(rel, flags, Mode::from_raw_mode(mode)).map_err(|e| self.err("create", rel, e))?;
        Ok(File::from(fd))
    }

    /// Opens a file for appending, creating it when missing (resumable downloads).
    pub(crate) fn open_append(&self, path: &Path) -> Result<File> {
        let rel = self.rel(path)?;
        let fd = self
            .open_at(rel, OFlags::WRONLY | OFlags::CREATE | OFlags::APPEND, Mode::from_raw_mode(0o644))
            .map_err(|e| self.err("open", rel, e))?;
        let f = File::from(fd);
        if !f.metadata().map_err(Error::io("stat", self.full(rel)))?.is_file() {
            return Err(Error::NotAFile { path: self.full(rel) });
        }
        Ok(f)
    }

    /// Reads a whole (small) file.
    pub fn read(&self, path: &Path) -> Result<Vec<u8>> {
        use std::io::Read;
        let mut f = self.open_read(path)?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).map_err(Error::io("read", path))?;
        Ok(out)
    }

    /// Reads and parses a JSON file.
    pub fn read_json<T: serde::de::DeserializeOwned>(&self, path: &Path) -> Result<T> {
        let bytes = self.read(path)?;
        let full = self.full(self.rel(path)?);
        serde_json::from_slice(&bytes).map_err(|source| Error::InvalidJson { path: full, source })
    }

    /// Removes a file (or a symlink itself: the link, never what it points at).
    /// Missing is not an error: returns whether something was removed.
    pub fn remove_file(&self, path: &Path) -> Result<bool> {
        let rel = self.rel(path)?;
        match self.parent(rel).and_then(|(dir, name)| rfs::unlinkat(&dir, name, AtFlags::empty())) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(self.err("delete", rel, e)),
        }
    }

    /// Removes a directory and everything in it, never following a link out
    /// of it (a link inside is removed as a link).
    pub fn remove_dir_all(&self, path: &Path) -> Result<()> {
        let rel = self.rel(path)?.to_path_buf();
        match self.stat(&rel)? {
            None => return Ok(()),
            Some(s) if !s.is_dir() => {
                self.remove_file(&rel)?;
                return Ok(());
            }
            Some(_) => {}
        }
        for e in self.read_dir(&rel)? {
            let child = rel.join(&e.name);
            match e.kind {
                Some(Kind::Dir) => self.remove_dir_all(&child)?,
                Some(_) => {
                    self.remove_file(&child)?;
                }
                None => self.remove_dir_all(&child)?,
            }
        }
        let (dir, name) = self.parent(&rel).map_err(|e| self.err("delete", &rel, e))?;
        rfs::unlinkat(&dir, name, AtFlags::REMOVEDIR).map_err(|e| self.err("delete", &rel, e))
    }

    /// Creates a symbolic link at `path` (the link itself is this tree's; what
    /// it points at is never touched by Synapse).
    pub fn symlink(&self, target: &Path, path: &Path) -> Result<()> {
        let rel = self.rel(path)?;
        let (dir, name) = self.parent(rel).map_err(|e| self.err("create link", rel, e))?;
        rfs::symlinkat(target, &dir, name).map_err(|e| self.err("create link", rel, e))
    }

    /// Renames `from` to `to`, both inside this tree; `to` is replaced if it exists.
    pub fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.rename_with(from, to, RenameFlags::empty())
    }

    /// Renames `from` to `to` only if `to` does not exist (`already_exists`).
    pub(crate) fn rename_noreplace(&self, from: &Path, to: &Path) -> Result<()> {
        self.rename_with(from, to, RenameFlags::NOREPLACE)
    }

    /// Swaps `a` and `b` in one atomic step (`renameat2(RENAME_EXCHANGE)`):
    /// at no instant is either name missing. `Ok(false)` when the filesystem
    /// cannot exchange (the caller then needs another plan).
    pub(crate) fn exchange(&self, a: &Path, b: &Path) -> Result<bool> {
        match self.rename_with(a, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(Error::Io { source, .. }) if matches!(source.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn rename_with(&self, from: &Path, to: &Path, flags: RenameFlags) -> Result<()> {
        let (rf, rt) = (self.rel(from)?, self.rel(to)?);
        let (fd_from, name_from) = self.parent(rf).map_err(|e| self.err("rename", rf, e))?;
        let (fd_to, name_to) = self.parent(rt).map_err(|e| self.err("rename into place", rt, e))?;
        match rfs::renameat_with(&fd_from, name_from, &fd_to, name_to, flags) {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) if flags.contains(RenameFlags::NOREPLACE) => Err(Error::AlreadyExists { path: self.full(rt) }),
            Err(e) => Err(self.err("rename into place", rt, e)),
        }
    }

    /// Creates `path` and its missing parents below the root (never the root
    /// itself: a vanished drive is not recreated), one level at a time, each
    /// new directory made durable in its parent. A link on the way is refused.
    pub(crate) fn mkdirs(&self, path: &Path) -> Result<()> {
        let rel = self.rel(path)?;
        let mut cur = PathBuf::new();
        for c in rel.components() {
            let parent = cur.clone();
            cur.push(c);
            let dir = self.open_at(&parent, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).map_err(|e| self.err("open", &parent, e))?;
            match rfs::mkdirat(&dir, c.as_os_str(), Mode::from_raw_mode(0o755)) {
                Ok(()) => rfs::fsync(&dir).map_err(|e| self.err("fsync directory", &parent, e))?,
                Err(Errno::EXIST) => match self.stat(&cur)? {
                    Some(s) if s.is_dir() => {}
                    Some(s) if s.kind == Kind::Symlink => return Err(Error::LinkInTree { path: self.full(&cur) }),
                    _ => return Err(Error::io("create directory", self.full(&cur))(io::Error::from(io::ErrorKind::AlreadyExists))),
                },
                Err(e) => return Err(self.err("create directory", &cur, e)),
            }
        }
        Ok(())
    }

    /// Lists a directory (without `.` and `..`). A missing directory is empty;
    /// a link where the directory should be is refused.
    pub fn read_dir(&self, path: &Path) -> Result<Vec<Entry>> {
        let rel = self.rel(path)?;
        let fd = match self.open_at(rel, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Vec::new()),
            Err(e) => return Err(self.err("list", rel, e)),
        };
        list(fd).map_err(|e| self.err("list", rel, e))
    }

    /// Opens a directory below the root as a tree of its own (to scan it
    /// without resolving its path again for each entry). `None` when missing.
    pub(crate) fn subtree(&self, path: &Path) -> Result<Option<Tree>> {
        let rel = self.rel(path)?;
        let fd = match self.open_at(rel, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(self.err("open", rel, e)),
        };
        let st = rfs::fstat(&fd).map_err(|e| self.err("stat", rel, e))?;
        Ok(Some(Tree { root: self.full(rel), fd, id: FileId::of_stat(&st) }))
    }

    /// Makes a rename or a new entry in directory `path` durable.
    pub fn fsync_dir(&self, path: &Path) -> Result<()> {
        let rel = self.rel(path)?;
        let fd = self.open_at(rel, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).map_err(|e| self.err("open", rel, e))?;
        rfs::fsync(&fd).map_err(|e| self.err("fsync directory", rel, e))
    }

    /// Writes `bytes` to `path` atomically (temporary file beside it, fsync,
    /// rename, fsync of the directory), creating parent directories.
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        let rel = self.rel(path)?.to_path_buf();
        let parent = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        if !parent.as_os_str().is_empty() {
            self.mkdirs(&parent)?;
        }
        let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // Short, so that a 255-byte name still leaves room: the suffix is what cleanup recognises.
        let short: String = name.chars().take(32).collect();
        let tmp = parent.join(format!(".{short}.{}{}", uuid::Uuid::new_v4().simple(), crate::store::fsutil::TMP_SUFFIX));
        let result = (|| {
            let mut f = self.create_new(&tmp, 0o644)?;
            f.write_all(bytes).map_err(Error::io("write", self.full(&tmp)))?;
            f.sync_all().map_err(Error::io("fsync", self.full(&tmp)))?;
            self.rename(&tmp, &rel)?;
            self.fsync_dir(&parent)
        })();
        if result.is_err() {
            let _ = self.remove_file(&tmp);
        }
        result
    }

    /// Serialises `value` as pretty JSON (trailing newline) and writes it atomically.
    pub fn write_json_atomic<T: serde::Serialize + ?Sized>(&self, path: &Path, value: &T) -> Result<()> {
        let mut bytes =
            serde_json::to_vec_pretty(value).map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
        bytes.push(b'\n');
        self.write_atomic(path, &bytes)
    }

    /// Sets the permission bits of a regular file (never through a link).
    pub fn set_mode(&self, path: &Path, mode: u32) -> Result<()> {
        let f = self.open_read(path)?;
        rfs::fchmod(&f, Mode::from_raw_mode(mode)).map_err(|e| Error::io("set permissions of", path)(e.into()))
    }
}

/// True when something is mounted strictly below `dir` (the mount points of
/// `/proc/self/mountinfo`), or when that cannot be told. A mount changes what
/// a name leads to without changing the folder that holds the name: a file
/// bind-mounted over a blob is another file under the same name in the same,
/// unchanged folder, so whoever trusts a folder's stamp must ask this first.
pub(crate) fn mounts_below(dir: &Path) -> bool {
    let Ok(dir) = std::fs::canonicalize(dir) else { return true };
    let Ok(info) = std::fs::read("/proc/self/mountinfo") else { return true };
    info.split(|b| *b == b'\n').filter_map(|line| line.split(|b| *b == b' ').nth(4)).any(|point| {
        let point = PathBuf::from(OsString::from_vec(unescape_mount_point(point)));
        point != dir && point.starts_with(&dir)
    })
}

/// A mount point as mountinfo writes it: space, tab, newline and backslash as octal escapes.
fn unescape_mount_point(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let octal = raw.get(i + 1..i + 4).filter(|d| raw[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(raw[i]);
                i += 1;
            }
        }
    }
    out
}

/// The identities of `dir` and of every directory above it, up to the
/// filesystem root, found by opening `..` from each directory (not by
/// reading the path), so symlinks and bind mounts cannot hide that one
/// folder is inside another. Empty when `dir` cannot be opened.
pub(crate) fn ancestry(dir: &Path) -> Vec<FileId> {
    let Ok(mut cur) = rfs::open(dir, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()) else { return Vec::new() };
    let mut out = Vec::new();
    // Bounded: a cycle is impossible, but a deep tree should not spin forever.
    for _ in 0..4096 {
        let Ok(st) = rfs::fstat(&cur) else { break };
        let id = FileId::of_stat(&st);
        if out.last() == Some(&id) {
            break;
        }
        out.push(id);
        match rfs::openat(&cur, "..", OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()) {
            Ok(up) => cur = up,
            Err(_) => break,
        }
    }
    out
}

/// [`ancestry`] asked on a probe thread (a target's folder may sit on a hung
/// mount): `None` when it did not answer within `limit`.
pub(crate) fn ancestry_within(dir: &Path, limit: std::time::Duration) -> Option<Vec<FileId>> {
    let asked = dir.to_path_buf();
    crate::store::probe::within(dir, limit, move || ancestry(&asked))
}

/// The directory holding an entry: the tree's own root, or one opened for it.
enum ParentFd<'t> {
    Root(&'t OwnedFd),
    Opened(OwnedFd),
}

impl AsFd for ParentFd<'_> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match self {
            ParentFd::Root(fd) => fd.as_fd(),
            ParentFd::Opened(fd) => fd.as_fd(),
        }
    }
}

/// Reads every entry of an opened directory.
fn list(fd: OwnedFd) -> std::result::Result<Vec<Entry>, Errno> {
    let mut dir = rfs::Dir::new(fd)?;
    let mut out = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let kind = match entry.file_type() {
            rfs::FileType::RegularFile => Some(Kind::File),
            rfs::FileType::Directory => Some(Kind::Dir),
            rfs::FileType::Symlink => Some(Kind::Symlink),
            rfs::FileType::Unknown => None,
            _ => Some(Kind::Other),
        };
        out.push(Entry { name: OsStr::from_bytes(name).to_owned(), kind });
    }
    Ok(out)
}

/// The resolver without `openat2`: one component at a time, each opened
/// relative to the last with `O_NOFOLLOW`, so no link is ever followed.
fn walk(root: &OwnedFd, rel: &Path, flags: OFlags, mode: Mode) -> std::result::Result<OwnedFd, Errno> {
    let comps: Vec<&OsStr> = rel.components().filter(|c| !matches!(c, Component::CurDir)).map(|c| c.as_os_str()).collect();
    let Some((last, dirs)) = comps.split_last() else {
        return rfs::openat(root, ".", flags, mode);
    };
    let mut cur: Option<OwnedFd> = None;
    for d in dirs {
        let base = cur.as_ref().map(|f| f.as_fd()).unwrap_or(root.as_fd());
        let next = rfs::openat(base, *d, OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| if e == Errno::NOTDIR { symlink_or(base, d, e) } else { e })?;
        cur = Some(next);
    }
    let base = cur.as_ref().map(|f| f.as_fd()).unwrap_or(root.as_fd());
    rfs::openat(base, *last, flags | OFlags::NOFOLLOW, mode).map_err(|e| if e == Errno::NOTDIR { symlink_or(base, last, e) } else { e })
}

/// `ELOOP` when `name` in `dir` is a symlink (O_DIRECTORY|O_NOFOLLOW on a link says ENOTDIR).
fn symlink_or(dir: std::os::fd::BorrowedFd<'_>, name: &OsStr, e: Errno) -> Errno {
    match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) if rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Symlink => Errno::LOOP,
        _ => e,
    }
}

/// Forces the component-walk resolver (tests of the fallback).
#[cfg(test)]
pub(crate) fn force_walk_resolver(on: bool) {
    NO_OPENAT2.store(on, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, Tree) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("store/data/tmp")).unwrap();
        std::fs::create_dir_all(d.path().join("outside")).unwrap();
        std::fs::write(d.path().join("outside/secret"), b"private").unwrap();
        let t = Tree::open(&d.path().join("store")).unwrap();
        (d, t)
    }

    #[test]
    fn links_inside_the_tree_are_never_followed() {
        for walk in [false, true] {
            force_walk_resolver(walk);
            let (d, t) = setup();
            symlink(d.path().join("outside"), d.path().join("store/data/shared")).unwrap();
            symlink(d.path().join("outside/secret"), d.path().join("store/data/tmp/link")).unwrap();
            let err = t.open_read(Path::new("data/shared/secret")).unwrap_err();
            assert!(matches!(err, Error::LinkInTree { .. }), "{err}");
            assert!(matches!(t.open_read(Path::new("data/tmp/link")).unwrap_err(), Error::LinkInTree { .. }));
            assert!(t.create_new(Path::new("data/shared/new"), 0o644).is_err());
            assert!(!d.path().join("outside/new").exists());
            assert!(matches!(t.read_dir(Path::new("data/shared")).unwrap_err(), Error::LinkInTree { .. }));
            assert!(t.mkdirs(Path::new("data/shared/x/y")).is_err());
            assert!(!d.path().join("outside/x").exists());
            // Removing the link removes the link only.
            assert!(t.remove_file(Path::new("data/tmp/link")).unwrap());
            assert_eq!(std::fs::read(d.path().join("outside/secret")).unwrap(), b"private");
            assert_eq!(t.stat(Path::new("data/shared")).unwrap().unwrap().kind, Kind::Symlink);
            assert!(t.stat(Path::new("data/shared/secret")).is_err());
        }
        force_walk_resolver(false);
    }

    #[test]
    fn paths_outside_or_with_dot_dot_are_refused_before_the_disk() {
        let (d, t) = setup();
        assert!(t.open_read(&d.path().join("outside/secret")).is_err());
        assert!(t.open_read(Path::new("data/../../outside/secret")).is_err());
        assert!(t.remove_file(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn remove_dir_all_removes_links_not_their_targets() {
        let (d, t) = setup();
        t.mkdirs(Path::new("data/tmp/stage/a")).unwrap();
        symlink(d.path().join("outside"), d.path().join("store/data/tmp/stage/a/out")).unwrap();
        t.remove_dir_all(Path::new("data/tmp/stage")).unwrap();
        assert!(!d.path().join("store/data/tmp/stage").exists());
        assert!(d.path().join("outside/secret").exists());
    }

    #[test]
    fn exchange_swaps_two_directories_atomically() {
        let (_d, t) = setup();
        t.write_atomic(Path::new("a/x"), b"A").unwrap();
        t.write_atomic(Path::new("b/x"), b"B").unwrap();
        if t.exchange(Path::new("a"), Path::new("b")).unwrap() {
            assert_eq!(t.read(Path::new("a/x")).unwrap(), b"B");
            assert_eq!(t.read(Path::new("b/x")).unwrap(), b"A");
        }
    }
}
