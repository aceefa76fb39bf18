//! Packs: reading every pack of a store (reporting, never skipping, the ones
//! that cannot be read), and `pack create | add | delete`.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use crate::blob::blobs::{self, AdoptMode};
use crate::blob::kind;
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::pack::link_record;
use crate::progress::{Control, Tracker};
use crate::results::{Origin, PackError, UiLink};
use crate::store::fsutil::{now_rfc3339, read_json};
use crate::store::layout::StoreLayout;
use crate::store::schema::{
    Artifact, BlobManifest, Dependency, Expose, Extra, LockFile, PackFile, Provider, Resolved, LOCK_SCHEMA, PACK_SCHEMA,
};
use crate::store::Store;
use crate::tree::Tree;
use crate::vocab::AssetKind;

/// A pack as read from disk.
#[derive(Debug, Clone)]
pub struct Pack {
    pub name: PackName,
    pub pack: PackFile,
    /// `None` when the pack has no `lock.json` yet (nothing resolved).
    pub lock: Option<LockFile>,
}

/// One resolved dependency that points at a blob.
#[derive(Debug, Clone)]
pub struct BlobRef {
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub size_bytes: Option<u64>,
    pub expose_filename: Option<String>,
    pub origin: Option<Origin>,
    pub urls: Vec<String>,
}

impl BlobRef {
    /// The file name the pack gives the blob: its expose name, else its origin's
    /// (a name that is empty is none).
    pub fn file_name(&self) -> Option<String> {
        self.expose_filename.clone().or_else(|| self.origin.as_ref().and_then(|o| o.filename.clone()).filter(|f| !f.is_empty()))
    }
}

impl Pack {
    /// Every blob reference of the lock, in lock order. Fails on a malformed hash.
    pub fn blob_refs(&self) -> std::result::Result<Vec<BlobRef>, String> {
        let Some(lock) = &self.lock else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity(lock.resolved.len());
        for r in &lock.resolved {
            let Some(sha) = parse_blob(&r.dependency_id, r.artifact.blob())? else { continue };
            let dep = self.pack.dependencies.iter().find(|d| d.id == r.dependency_id);
            out.push(BlobRef {
                dependency_id: r.dependency_id.clone(),
                sha256: sha,
                kind: kind_of(r.artifact.kind.as_deref(), dep.and_then(|d| d.kind.as_deref())),
                size_bytes: r.artifact.size_bytes,
                expose_filename: non_empty(dep.and_then(|d| d.expose.as_ref()).and_then(|e| e.filename.as_ref())),
                origin: r.artifact.provider.as_ref().map(Provider::origin),
                urls: r.artifact.urls(),
            });
        }
        Ok(out)
    }
}

fn parse_blob(
    dependency_id: &str,
    blob: std::result::Result<Option<Sha256>, crate::ids::IdError>,
) -> std::result::Result<Option<Sha256>, String> {
    blob.map_err(|e| format!("lock.json, dependency {dependency_id:?}: {e}"))
}

/// The lock's kind, else the pack dependency's, else unknown.
fn kind_of(artifact: Option<&str>, dependency: Option<&str>) -> AssetKind {
    artifact.or(dependency).map(AssetKind::parse_loose).unwrap_or(AssetKind::Unknown)
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.filter(|f| !f.is_empty()).cloned()
}

/// The blob references of one pack, without the rest of the pack: what the
/// inventory and cleanup need.
#[derive(Debug, Clone)]
pub struct PackRefs {
    pub name: PackName,
    pub refs: Vec<BlobRef>,
}

/// Every pack's references, and the packs that cannot be read.
#[derive(Debug, Default)]
pub struct RefSet {
    pub packs: Vec<PackRefs>,
    pub errors: Vec<PackError>,
}

/// Read-only views of `pack.json` and `lock.json` with only the fields blob
/// references are made of. Serde skips everything else, so nothing of the
/// rest is parsed into maps or kept: on 5,000 real-sized packs this is several
/// times faster and lighter than [`load`], whose `extra` maps keep every
/// unknown field for rewriting. The typed fields are the same as the full
/// schema's, so a file one of them rejects the other rejects too.
mod view {
    use serde::Deserialize;
    use serde_json::Value;

    use crate::results::Origin;

    #[derive(Deserialize)]
    pub struct Pack {
        #[serde(rename = "name")]
        pub _name: String,
        #[serde(default)]
        pub dependencies: Vec<Dependency>,
    }

    #[derive(Deserialize)]
    pub struct Dependency {
        pub id: String,
        #[serde(default)]
        pub kind: Option<String>,
        #[serde(default)]
        pub expose: Option<Expose>,
    }

    #[derive(Deserialize)]
    pub struct Expose {
        #[serde(default)]
        pub filename: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Lock {
        #[serde(default)]
        pub resolved: Vec<Resolved>,
    }

    #[derive(Deserialize)]
    pub struct Resolved {
        pub dependency_id: String,
        pub artifact: Artifact,
    }

    #[derive(Deserialize)]
    pub struct Artifact {
        #[serde(default)]
        pub kind: Option<String>,
        #[serde(default)]
        pub sha256: Option<String>,
        #[serde(default)]
        pub size_bytes: Option<u64>,
        #[serde(default)]
        pub provider: Option<Provider>,
        #[serde(default)]
        pub download: Option<Value>,
    }

    /// The provider object: `name` typed, the rest read as loosely as the
    /// full schema's `extra` map reads them.
    #[derive(Deserialize)]
    pub struct Provider {
        #[serde(default)]
        pub name: Option<String>,
        #[serde(default)]
        pub model_id: Option<Value>,
        #[serde(default)]
        pub version_id: Option<Value>,
        #[serde(default)]
        pub file_id: Option<Value>,
        #[serde(default)]
        pub filename: Option<Value>,
        #[serde(default)]
        pub repo_id: Option<Value>,
    }

    impl Provider {
        pub fn origin(self) -> Origin {
            let s = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
            let v = |v: Option<Value>| v.filter(|v| !v.is_null());
            Origin {
                provider: self.name,
                model_id: v(self.model_id),
                version_id: v(self.version_id),
                file_id: v(self.file_id),
                filename: s(self.filename),
                repo_id: s(self.repo_id),
            }
        }
    }

    impl Artifact {
        pub fn urls(&self) -> Vec<String> {
            self.download
                .as_ref()
                .and_then(|d| d.get("urls"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        }
    }
}

/// Reads one pack's blob references (see [`view`]).
pub(crate) fn load_refs(layout: &StoreLayout, name: &PackName) -> Result<PackRefs> {
    load_refs_in(&layout.tree()?, layout, name)
}

/// [`load_refs`] through a store tree opened once for every pack.
fn load_refs_in(tree: &Tree, layout: &StoreLayout, name: &PackName) -> Result<PackRefs> {
    let not_found = |e: &Error| matches!(e, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound);
    let pack: view::Pack = match tree.read_json(&layout.pack_json(name)) {
        Ok(p) => p,
        Err(e) if not_found(&e) && !layout.pack_dir(name).is_dir() => return Err(Error::PackNotFound { name: name.to_string() }),
        Err(e) => return Err(e),
    };
    // `lock.json` may be absent.
    let lock: Option<view::Lock> = match tree.read_json(&layout.lock_json(name)) {
        Ok(l) => Some(l),
        Err(e) if not_found(&e) => None,
        Err(e) => return Err(e),
    };
    let mut refs = Vec::new();
    for r in lock.map(|l| l.resolved).unwrap_or_default() {
        let blob = match r.artifact.sha256.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => Sha256::parse(s).map(Some),
        };
        let Some(sha) = parse_blob(&r.dependency_id, blob).map_err(Error::invalid)? else { continue };
        let dep = pack.dependencies.iter().find(|d| d.id == r.dependency_id);
        let urls = r.artifact.urls();
        refs.push(BlobRef {
            sha256: sha,
            kind: kind_of(r.artifact.kind.as_deref(), dep.and_then(|d| d.kind.as_deref())),
            size_bytes: r.artifact.size_bytes,
            expose_filename: non_empty(dep.and_then(|d| d.expose.as_ref()).and_then(|e| e.filename.as_ref())),
            origin: r.artifact.provider.map(view::Provider::origin),
            urls,
            dependency_id: r.dependency_id,
        });
    }
    Ok(PackRefs { name: name.clone(), refs })
}

/// Every pack directory's name, and an error for each directory whose name is
/// not a valid pack name. Dot-directories (editors, VCS) are not packs.
fn pack_names(layout: &StoreLayout) -> Result<(Vec<PackName>, Vec<PackError>)> {
    let dir = layout.packs();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(Error::io("list", &dir)(e)),
    };
    let (mut names, mut errors) = (Vec::new(), Vec::new());
    for entry in entries {
        let entry = entry.map_err(Error::io("list", &dir))?;
        let raw = entry.file_name().to_string_lossy().into_owned();
        let ft = entry.file_type().ok();
        if raw.starts_with('.') || !ft.is_some_and(|t| t.is_dir() || t.is_symlink()) {
            continue;
        }
        // A linked pack folder is not read through the link, and not skipped
        // either: its blobs would look like orphans to cleanup.
        if ft.is_some_and(|t| t.is_symlink()) {
            let reason =
                "the pack folder is a symbolic link; Synapse never follows links in state/packs. Replace the link with the folder itself"
                    .to_owned();
            errors.push(PackError { pack: raw, path: entry.path(), reason });
            continue;
        }
        match PackName::parse(&raw) {
            Ok(n) => names.push(n),
            Err(e) => errors.push(PackError { pack: raw, path: entry.path(), reason: e.to_string() }),
        }
    }
    names.sort();
    Ok((names, errors))
}

fn pack_error(layout: &StoreLayout, name: &PackName, e: Error) -> PackError {
    PackError { pack: name.to_string(), path: layout.pack_dir(name), reason: e.to_string() }
}

/// Reads every pack's blob references in parallel, sorted by name.
pub fn load_all_refs(layout: &StoreLayout) -> Result<RefSet> {
    let (names, mut errors) = pack_names(layout)?;
    if names.is_empty() {
        return Ok(RefSet { packs: Vec::new(), errors });
    }
    let tree = layout.tree()?;
    let loaded: Vec<std::result::Result<PackRefs, PackError>> =
        names.par_iter().map(|n| load_refs_in(&tree, layout, n).map_err(|e| pack_error(layout, n, e))).collect();
    let mut packs = Vec::with_capacity(loaded.len());
    for r in loaded {
        match r {
            Ok(p) => packs.push(p),
            Err(e) => errors.push(e),
        }
    }
    errors.sort_by(|a, b| a.pack.cmp(&b.pack));
    Ok(RefSet { packs, errors })
}

/// `pack list` for the CLI's `--json` and the app alike (one shape, SPEC
/// §3.11): the readable packs and the ones that cannot be read, never
/// silently skipped (SPEC §2.2).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackList {
    pub packs: Vec<PackInfo>,
    pub pack_errors: Vec<PackError>,
}

/// Every pack of the store, summarised.
pub fn list(layout: &StoreLayout) -> Result<PackList> {
    let set = load_all(layout)?;
    let links = link_record::active_links(layout);
    Ok(PackList { packs: set.packs.iter().map(|p| PackInfo::with_links(layout, p, &links)).collect(), pack_errors: set.errors })
}

/// All packs of a store: the readable ones and the errors of the others.
#[derive(Debug, Default)]
pub struct PackSet {
    pub packs: Vec<Pack>,
    pub errors: Vec<PackError>,
}

/// Reads one pack. `lock.json` may be absent; anything unreadable is an error.
pub fn load(layout: &StoreLayout, name: &PackName) -> Result<Pack> {
    let dir = layout.pack_dir(name);
    if !dir.is_dir() {
        return Err(Error::PackNotFound { name: name.to_string() });
    }
    let pack: PackFile = layout.read_json(&layout.pack_json(name))?;
    let lock_path = layout.lock_json(name);
    let lock = if lock_path.exists() { Some(read_json::<LockFile>(&lock_path)?) } else { None };
    Ok(Pack { name: name.clone(), pack, lock })
}

/// Reads every pack directory under `state/packs`, sorted by name.
pub fn load_all(layout: &StoreLayout) -> Result<PackSet> {
    let (names, mut errors) = pack_names(layout)?;
    let mut packs = Vec::with_capacity(names.len());
    for name in names {
        let loaded = load(layout, &name).and_then(|p| match p.blob_refs() {
            Ok(_) => Ok(p),
            Err(reason) => Err(Error::invalid(reason)),
        });
        match loaded {
            Ok(p) => packs.push(p),
            Err(e) => errors.push(pack_error(layout, &name, e)),
        }
    }
    errors.sort_by(|a, b| a.pack.cmp(&b.pack));
    Ok(PackSet { packs, errors })
}

/// A pack as shown by `pack list` and `pack show`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackInfo {
    pub name: String,
    pub pack_type: Option<String>,
    pub dependencies: usize,
    pub blobs: Vec<PackBlob>,
    pub unresolved: usize,
    pub total_bytes: u64,
    pub local_blobs: usize,
    pub path: PathBuf,
    /// Where the pack's files are linked now, by `use` or by `adopt --link`:
    /// UI target names, or the adopted folder for links outside every target.
    pub active_in: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackBlob {
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub display_name: String,
    pub size_bytes: Option<u64>,
    pub on_local: bool,
}

impl PackInfo {
    pub fn of(layout: &StoreLayout, pack: &Pack) -> PackInfo {
        PackInfo::with_links(layout, pack, &link_record::active_links(layout))
    }

    /// The summary, given the store's live links (read once for a whole list).
    fn with_links(layout: &StoreLayout, pack: &Pack, links: &[UiLink]) -> PackInfo {
        let refs = pack.blob_refs().unwrap_or_default();
        let blobs_dir = layout.blobs();
        let blobs: Vec<PackBlob> = refs
            .into_iter()
            .map(|r| {
                let local_size = blobs::size(&blobs_dir, &r.sha256).ok().flatten();
                PackBlob {
                    display_name: r.file_name().unwrap_or_else(|| r.sha256.short().to_owned()),
                    dependency_id: r.dependency_id,
                    kind: r.kind,
                    size_bytes: r.size_bytes.or(local_size),
                    on_local: local_size.is_some(),
                    sha256: r.sha256,
                }
            })
            .collect();
        PackInfo {
            name: pack.name.to_string(),
            pack_type: pack.pack.pack_type.clone(),
            dependencies: pack.pack.dependencies.len(),
            unresolved: pack.lock.as_ref().map_or(0, |l| l.unresolved.len()),
            total_bytes: blobs.iter().filter_map(|b| b.size_bytes).sum(),
            local_blobs: blobs.iter().filter(|b| b.on_local).count(),
            blobs,
            path: layout.pack_dir(&pack.name),
            active_in: links
                .iter()
                .filter(|l| l.pack == pack.name.as_str())
                .map(|l| l.ui.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

/// A file to put into a pack.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: PathBuf,
    /// `None`: guess from the safetensors header, else `unknown`.
    pub kind: Option<AssetKind>,
}

/// What `pack create` / `pack add` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackWriteResult {
    pub pack: String,
    pub created: bool,
    pub added: Vec<AddedFile>,
    /// What `auto_backup_new` did with the new blobs (absent when it is off).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub auto_backup: Option<crate::results::AutoBackupReport>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AddedFile {
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub filename: String,
    pub size_bytes: u64,
    pub already_present: bool,
}

/// Creates a pack from local files: adopts each file (copy), then writes
/// `pack.json` and `lock.json` with provider `local`. Blobs go in first and
/// pack files last, so a crash leaves at worst orphan blobs.
pub fn create(store: &Store, name: &PackName, files: &[NewFile], ctl: Control) -> Result<PackWriteResult> {
    if files.is_empty() {
        return Err(Error::invalid("a pack needs at least one file"));
    }
    let store_lock = store.lock("pack create")?;
    let layout = store.layout();
    if layout.pack_dir(name).exists() {
        return Err(Error::PackExists { name: name.to_string() });
    }
    let added = adopt_files(layout, files, &[], ctl)?;
    write_new(layout, name, &added)?;
    drop(store_lock);
    let auto_backup = auto_backup(store, &added, ctl);
    Ok(PackWriteResult { pack: name.to_string(), created: true, added, auto_backup })
}

/// Writes `pack.json` and `lock.json` of a new pack (provider `local`) whose
/// blobs are already in the store. The caller holds the store lock and has
/// checked that the pack does not exist.
pub(crate) fn write_new(layout: &StoreLayout, name: &PackName, added: &[AddedFile]) -> Result<()> {
    let pack_type = added.first().map(|a| a.kind.as_str().to_owned());
    let mut pack =
        PackFile { schema: PACK_SCHEMA.into(), name: name.to_string(), pack_type, dependencies: Vec::new(), extra: Extra::new() };
    pack.extra.insert("pack_category".into(), json!("custom"));
    pack.extra.insert("source".into(), json!({"provider": "local"}));
    pack.extra.insert("created_at".into(), json!(now_rfc3339()));
    let mut lock = LockFile {
        schema: LOCK_SCHEMA.into(),
        pack: Some(name.to_string()),
        resolved: Vec::new(),
        unresolved: Vec::new(),
        extra: Extra::new(),
    };
    lock.extra.insert("resolved_at".into(), json!(now_rfc3339()));
    append(&mut pack, &mut lock, added);
    write_pack(layout, name, &pack, &lock)
}

/// Adds local files to an existing pack, keeping every field of its files.
pub fn add(store: &Store, name: &PackName, files: &[NewFile], ctl: Control) -> Result<PackWriteResult> {
    let store_lock = store.lock("pack add")?;
    let layout = store.layout();
    let mut existing = load(layout, name)?;
    let taken: Vec<String> = existing.pack.dependencies.iter().map(|d| d.id.clone()).collect();
    let added = adopt_files(layout, files, &taken, ctl)?;
    let mut lock = existing.lock.take().unwrap_or_else(|| LockFile {
        schema: LOCK_SCHEMA.into(),
        pack: Some(name.to_string()),
        resolved: Vec::new(),
        unresolved: Vec::new(),
        extra: Extra::new(),
    });
    append(&mut existing.pack, &mut lock, &added);
    write_pack(layout, name, &existing.pack, &lock)?;
    drop(store_lock);
    let auto_backup = auto_backup(store, &added, ctl);
    Ok(PackWriteResult { pack: name.to_string(), created: false, added, auto_backup })
}

/// Acts on `auto_backup_new` for the blobs this write brought into the store
/// (called once the store lock is released: it takes the locks it needs).
fn auto_backup(store: &Store, added: &[AddedFile], ctl: Control) -> Option<crate::results::AutoBackupReport> {
    let new: Vec<Sha256> = added.iter().filter(|a| !a.already_present).map(|a| a.sha256.clone()).collect();
    crate::autobackup::after_adopt(store, &new, ctl)
}

fn adopt_files(layout: &StoreLayout, files: &[NewFile], taken_ids: &[String], ctl: Control) -> Result<Vec<AddedFile>> {
    let mut sizes = Vec::with_capacity(files.len());
    for f in files {
        let m = fs::metadata(&f.path).map_err(Error::io("read", &f.path))?;
        if !m.is_file() {
            return Err(Error::NotAFile { path: f.path.clone() });
        }
        sizes.push(m.len());
    }
    let tracker = Tracker::new(ctl, "adopt", files.len() as u64, sizes.iter().sum());
    let mut ids: Vec<String> = taken_ids.to_vec();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let filename = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        tracker.start_item(&filename);
        let kind = f.kind.or_else(|| kind::kind_from_safetensors(&f.path)).unwrap_or(AssetKind::Unknown);
        let manifest = BlobManifest::local(&filename, kind);
        let adopted = blobs::adopt_file(layout, &f.path, AdoptMode::Copy, Some(&manifest), Some(&tracker), ctl.cancel)?;
        tracker.item_done();
        let id = unique_id(&dependency_id(&filename), &ids);
        ids.push(id.clone());
        out.push(AddedFile {
            dependency_id: id,
            sha256: adopted.sha256,
            kind,
            filename,
            size_bytes: adopted.size,
            already_present: adopted.already_present,
        });
    }
    tracker.finish();
    Ok(out)
}

/// A dependency id made of a file name (`juggernaut-xl-v9` for `Juggernaut XL v9.safetensors`).
pub fn dependency_id(filename: &str) -> String {
    let stem = Path::new(filename).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let id: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let id = id.trim_matches('-').to_owned();
    if id.is_empty() {
        "file".into()
    } else {
        id
    }
}

fn unique_id(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_owned();
    }
    (2..).map(|i| format!("{base}-{i}")).find(|c| !taken.iter().any(|t| t == c)).expect("infinite range")
}

fn append(pack: &mut PackFile, lock: &mut LockFile, added: &[AddedFile]) {
    for a in added {
        let pin = Pinned {
            dependency_id: &a.dependency_id,
            kind: a.kind,
            filename: &a.filename,
            selector: json!({"strategy": "local_file", "local_path": a.filename}),
            sha256: &a.sha256,
            size_bytes: a.size_bytes,
            url: None,
        };
        push_pinned(pack, lock, &pin);
    }
}

/// One blob a pack pins by hash, as `pack create` and `workflow pack` write it.
pub(crate) struct Pinned<'a> {
    pub dependency_id: &'a str,
    pub kind: AssetKind,
    /// The file name the pack exposes (may carry sub-folders).
    pub filename: &'a str,
    /// The dependency's `selector` in the original program's format.
    pub selector: Value,
    pub sha256: &'a Sha256,
    pub size_bytes: u64,
    /// Where it can be downloaded (the provider is then `url`, else `local`).
    pub url: Option<&'a str>,
}

/// Adds `pin` to `pack.json`'s dependencies and `lock.json`'s resolved
/// entries, in the original program's format (every field it writes).
pub(crate) fn push_pinned(pack: &mut PackFile, lock: &mut LockFile, pin: &Pinned) {
    let mut dep_extra = Extra::new();
    dep_extra.insert("required".into(), json!(true));
    dep_extra.insert("selector".into(), pin.selector.clone());
    dep_extra.insert("update_policy".into(), json!({"mode": "pinned"}));
    let mut expose_extra = Extra::new();
    expose_extra.insert("trigger_words".into(), json!([]));
    pack.dependencies.push(Dependency {
        id: pin.dependency_id.to_owned(),
        kind: Some(pin.kind.as_str().into()),
        expose: Some(Expose { filename: Some(pin.filename.to_owned()), extra: expose_extra }),
        extra: dep_extra,
    });
    let mut provider_extra = Extra::new();
    for k in ["model_id", "version_id", "file_id", "repo_id"] {
        provider_extra.insert(k.into(), Value::Null);
    }
    provider_extra.insert("filename".into(), json!(pin.filename.rsplit('/').next().unwrap_or(pin.filename)));
    provider_extra.insert("revision".into(), Value::Null);
    let mut art_extra = Extra::new();
    art_extra.insert("download".into(), json!({"urls": pin.url.iter().collect::<Vec<_>>()}));
    art_extra.insert("integrity".into(), json!({"sha256_verified": true}));
    lock.resolved.push(Resolved {
        dependency_id: pin.dependency_id.to_owned(),
        artifact: Artifact {
            kind: Some(pin.kind.as_str().into()),
            sha256: Some(pin.sha256.to_string()),
            size_bytes: Some(pin.size_bytes),
            provider: Some(Provider { name: Some(if pin.url.is_some() { "url" } else { "local" }.into()), extra: provider_extra }),
            extra: art_extra,
        },
        extra: Extra::new(),
    });
}

fn write_pack(layout: &StoreLayout, name: &PackName, pack: &PackFile, lock: &LockFile) -> Result<()> {
    // lock.json first: a pack directory with a lock but no pack.json is reported
    // as unreadable (and so blocks cleanup) rather than silently losing references.
    layout.write_json(&layout.lock_json(name), lock)?;
    layout.write_json(&layout.pack_json(name), pack)?;
    layout.tree()?.fsync_dir(&layout.packs())
}

/// What `pack set-kind` changed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SetKindResult {
    pub pack: String,
    pub kind: AssetKind,
    /// The dependencies whose kind changed (an unchanged one is not listed).
    pub changed: Vec<String>,
}

/// `pack set-kind <name> <dependency|--all> <kind>`: the kind of one
/// dependency (or of every one, then also the pack's type) in `pack.json`
/// and `lock.json`, every other field kept. The kind decides which UI folder
/// `use` links a model into, so a pack adopted as `unknown` becomes usable.
/// Errors: `not_found` (pack), `invalid_argument` for a dependency the pack
/// does not have (naming the ones it has), `busy`.
pub fn set_kind(store: &Store, name: &PackName, dependency: Option<&str>, kind: AssetKind) -> Result<SetKindResult> {
    let _lock = store.lock("pack set-kind")?;
    let layout = store.layout();
    let mut pack = load(layout, name)?;
    let ids: Vec<String> = pack.pack.dependencies.iter().map(|d| d.id.clone()).collect();
    if let Some(dep) = dependency {
        if !ids.iter().any(|i| i == dep) {
            return Err(Error::invalid(format!("pack {name} has no dependency {dep:?} (its dependencies: {})", ids.join(", "))));
        }
    }
    let wanted = |id: &str| dependency.is_none_or(|d| d == id);
    let mut changed = Vec::new();
    for d in pack.pack.dependencies.iter_mut().filter(|d| wanted(&d.id)) {
        if d.kind.as_deref() != Some(kind.as_str()) {
            d.kind = Some(kind.as_str().to_owned());
            changed.push(d.id.clone());
        }
    }
    let mut lock = pack.lock.take();
    if let Some(lock) = lock.as_mut() {
        for r in lock.resolved.iter_mut().filter(|r| wanted(&r.dependency_id)) {
            if r.artifact.kind.as_deref() != Some(kind.as_str()) {
                r.artifact.kind = Some(kind.as_str().to_owned());
                if !changed.contains(&r.dependency_id) {
                    changed.push(r.dependency_id.clone());
                }
            }
        }
    }
    if dependency.is_none() || ids.len() == 1 {
        pack.pack.pack_type = Some(kind.as_str().to_owned());
    }
    if !changed.is_empty() {
        match &lock {
            Some(lock) => write_pack(layout, name, &pack.pack, lock)?,
            None => layout.write_json(&layout.pack_json(name), &pack.pack)?,
        }
    }
    Ok(SetKindResult { pack: name.to_string(), kind, changed })
}

/// What `pack delete` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackDeleteResult {
    pub pack: String,
    /// Blobs no other pack references any more (they are orphans now, not deleted).
    pub orphaned: Vec<Sha256>,
    /// The profiles (`state/profiles/<name>/profile.json`) whose pack list
    /// named the pack and no longer does, sorted.
    pub removed_from_profiles: Vec<String>,
}

/// A profile to rewrite without the deleted pack: its name, file, and the
/// bytes before and after.
struct ProfileEdit {
    name: String,
    path: PathBuf,
    before: Vec<u8>,
    after: Vec<u8>,
}

/// The profiles whose pack list names `pack`, each with its new contents:
/// the pack's entries removed, every other field and entry kept as it was
/// (the original's `Profile.remove_pack`). Worked out before anything is
/// deleted, so an unreadable profile refuses the delete instead of leaving a
/// profile that names a pack that no longer exists.
fn profiles_without(layout: &StoreLayout, pack: &PackName) -> Result<Vec<ProfileEdit>> {
    profiles_edited(layout, |list| {
        let len = list.len();
        list.retain(|p| entry_name(p) != Some(pack.as_str()));
        list.len() != len
    })
}

/// The name a profile's pack entry stands for (`"Name"` or `{"name": "Name", ...}`).
fn entry_name(p: &Value) -> Option<&str> {
    p.get("name").or(Some(p)).and_then(Value::as_str)
}

/// Every profile whose pack list `edit` changes (it returns true when it did),
/// with its old and new bytes; the others are left alone.
fn profiles_edited(layout: &StoreLayout, edit: impl Fn(&mut Vec<Value>) -> bool) -> Result<Vec<ProfileEdit>> {
    let root = layout.profiles();
    let entries = match fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("list", &root)(e)),
    };
    let mut edits = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io("list", &root))?;
        let path = entry.path().join("profile.json");
        let before = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => continue,
            Err(e) => return Err(Error::io("read", &path)(e)),
        };
        let mut profile: Value = serde_json::from_slice(&before).map_err(|source| Error::InvalidJson { path: path.clone(), source })?;
        let Some(list) = profile.get_mut("packs").and_then(Value::as_array_mut) else { continue };
        if !edit(list) {
            continue;
        }
        let mut after =
            serde_json::to_vec_pretty(&profile).map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
        after.push(b'\n');
        edits.push(ProfileEdit { name: entry.file_name().to_string_lossy().into_owned(), path, before, after });
    }
    edits.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(edits)
}

/// What `pack rename` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackRenameResult {
    pub from: String,
    pub to: String,
    /// Profiles whose pack list now names the new name.
    pub profiles: Vec<String>,
    /// Recorded UI links (made by `use` or `adopt --link`) now under the new name.
    pub links: u64,
}

/// `pack rename <old> <new>`: the pack's folder, its `pack.json` name and
/// `lock.json` pack, the profiles that list it and the record of its UI links
/// all take the new name (the links themselves point at blobs and stay).
/// Errors: `not_found`, `already_exists` (the new name is taken), `busy`, and
/// `invalid_file` for an unreadable pack or profile (nothing is changed).
pub fn rename(store: &Store, from: &PackName, to: &PackName) -> Result<PackRenameResult> {
    let _lock = store.lock("pack rename")?;
    let layout = store.layout();
    let tree = layout.tree()?;
    if tree.stat(&layout.pack_dir(to))?.is_some() {
        return Err(Error::PackExists { name: to.to_string() });
    }
    let mut pack = load(layout, from)?;
    let edits = profiles_edited(layout, |list| {
        let mut changed = false;
        for p in list.iter_mut().filter(|p| entry_name(p) == Some(from.as_str())) {
            match p {
                Value::Object(o) => {
                    o.insert("name".into(), Value::String(to.to_string()));
                }
                other => *other = Value::String(to.to_string()),
            }
            changed = true;
        }
        changed
    })?;
    let mut record = link_record::LinkRecord::load(layout)?;
    let mut links = 0;
    for l in record.links.iter_mut().filter(|l| l.pack == from.as_str()) {
        l.pack = to.to_string();
        links += 1;
    }
    tree.rename_noreplace(&layout.pack_dir(from), &layout.pack_dir(to))?;
    let written = (|| {
        pack.pack.name = to.to_string();
        match pack.lock.as_mut() {
            Some(lock) => {
                lock.pack = Some(to.to_string());
                write_pack(layout, to, &pack.pack, lock)?;
            }
            None => layout.write_json(&layout.pack_json(to), &pack.pack)?,
        }
        for edit in &edits {
            tree.write_atomic(&edit.path, &edit.after)?;
        }
        if links > 0 {
            record.save(layout)?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        // Back as it was: the profiles' old bytes, and the folder under its old name.
        for edit in &edits {
            let _ = tree.write_atomic(&edit.path, &edit.before);
        }
        let _ = tree.rename_noreplace(&layout.pack_dir(to), &layout.pack_dir(from));
        return Err(e);
    }
    Ok(PackRenameResult { from: from.to_string(), to: to.to_string(), profiles: edits.into_iter().map(|e| e.name).collect(), links })
}

/// Deletes a pack's state directory and removes it from every profile's pack
/// list (SPEC §3.8, as the original does). Its blobs stay in the store; the
/// ones no other pack uses become orphans. Errors: `not_found`, `busy`, and
/// `invalid_file` for a profile that cannot be parsed (nothing is deleted).
pub fn delete(store: &Store, name: &PackName) -> Result<PackDeleteResult> {
    let _lock = store.lock("pack delete")?;
    let layout = store.layout();
    let dir = layout.pack_dir(name);
    if !dir.is_dir() {
        return Err(Error::PackNotFound { name: name.to_string() });
    }
    let mine: Vec<Sha256> =
        load(layout, name).ok().and_then(|p| p.blob_refs().ok()).unwrap_or_default().into_iter().map(|r| r.sha256).collect();
    let others = load_all(layout)?;
    let still_used: std::collections::HashSet<Sha256> = others
        .packs
        .iter()
        .filter(|p| &p.name != name)
        .flat_map(|p| p.blob_refs().unwrap_or_default().into_iter().map(|r| r.sha256))
        .collect();
    let edits = profiles_without(layout, name)?;
    // Move aside first (atomic), then remove: a crash never leaves half a pack.
    let trash = layout.tmp().join(format!("deleted-pack-{}", uuid::Uuid::new_v4().simple()));
    // Through the tree: a pack folder that is a link is moved (the link), and
    // what it points at is never deleted.
    let tree = layout.tree()?;
    tree.mkdirs(&layout.tmp())?;
    tree.rename_noreplace(&dir, &trash)?;
    tree.fsync_dir(&layout.packs())?;
    // Each profile is rewritten atomically; if one fails, the ones already
    // rewritten get their old bytes back and the pack returns, so the delete
    // happens whole or not at all.
    for (i, edit) in edits.iter().enumerate() {
        if let Err(e) = tree.write_atomic(&edit.path, &edit.after) {
            for done in &edits[..i] {
                let _ = tree.write_atomic(&done.path, &done.before);
            }
            let _ = tree.rename_noreplace(&trash, &dir);
            return Err(e);
        }
    }
    tree.remove_dir_all(&trash)?;
    let mut orphaned: Vec<Sha256> = mine.into_iter().filter(|s| !still_used.contains(s)).collect();
    orphaned.sort();
    orphaned.dedup();
    Ok(PackDeleteResult { pack: name.to_string(), orphaned, removed_from_profiles: edits.into_iter().map(|e| e.name).collect() })
}
