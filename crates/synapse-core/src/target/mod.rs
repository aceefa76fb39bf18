//! Backup targets (SPEC §3.12): the places besides the local store that hold
//! copies of blobs, and the copies policy.
//!
//! The `backup` of `config.json` stays the original program's single target,
//! so the original keeps working on the same store; it is named `backup`
//! unless renamed. Further targets, the name of the first one, the identity
//! each was last seen with and the policy live in `state/targets.json`, which
//! the original never reads.
//!
//! A target is a name and a place; whether it is connected right now is
//! [`crate::backup::BackupState`]'s business. Its catalog, verification ledger
//! and sync times are kept locally, in files named after its `backup-id`
//! (`data/cache/catalogs/<id>.json`, `data/cache/verified/<id>.json`,
//! `data/cache/syncs/<id>.json`), so they follow the drive, not the name. The
//! first target's files from before there were several
//! (`backup-catalog.json`, `verified-backup.json`, `backup-syncs.json`) are
//! read until its first session moves them.

pub mod autobackup;
pub mod backup;
pub mod catalog;
pub(crate) mod queue;
pub mod s3;
pub(crate) mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::results::{BlobCopy, CopyPlace, InventoryItem, TargetChange, TargetList, Whereis};
use crate::store::layout::{BackupLayout, StoreLayout};
use crate::store::schema::ConfigFile;
use crate::store::Store;
use crate::vocab::AssetKind;

/// The name of the original program's target unless the user renamed it.
pub(crate) const PRIMARY: &str = "backup";

/// How copies name the local store (`copies[].target`).
pub const LOCAL: &str = "local";

/// Names that mean something else where a target can be named
/// (`inventory delete --target local|both|everywhere`, copies' `local`).
pub(crate) const RESERVED: [&str; 3] = ["local", "both", "everywhere"];

const VERSION: u32 = 1;

/// `state/targets.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetsFile {
    #[serde(default = "version")]
    pub version: u32,
    /// What Synapse adds to the original's target of `config.json`.
    #[serde(default)]
    pub backup: PrimaryEntry,
    /// The targets besides the original's, in the order they were added.
    #[serde(default)]
    pub targets: Vec<TargetEntry>,
    #[serde(default)]
    pub policy: Policy,
}

fn version() -> u32 {
    VERSION
}

impl Default for TargetsFile {
    fn default() -> Self {
        Self { version: VERSION, backup: PrimaryEntry::default(), targets: Vec::new(), policy: Policy::default() }
    }
}

/// The original's target as Synapse knows it: its name and identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimaryEntry {
    #[serde(default = "primary_name")]
    pub name: String,
    /// The drive's `backup-id` when a session last opened it, and the folder
    /// it was at (an id says nothing about another folder).
    #[serde(default)]
    pub backup_id: Option<String>,
    #[serde(default)]
    pub path: Option<PathBuf>,
}

fn primary_name() -> String {
    PRIMARY.to_owned()
}

impl Default for PrimaryEntry {
    fn default() -> Self {
        Self { name: primary_name(), backup_id: None, path: None }
    }
}

/// A further target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetEntry {
    pub name: String,
    #[serde(default)]
    pub kind: TargetKind,
    /// The folder (a `folder` target): `<path>/.synapse/store` is its tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// The bucket (an `s3` target, SPEC §3.13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<crate::s3::S3Location>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Written when the target is added (the drive's `backup-id`).
    #[serde(default)]
    pub backup_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// What a target is made of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    #[default]
    Folder,
    /// An S3-compatible bucket (SPEC §3.13).
    S3,
}

/// How many good copies must remain (SPEC §3.12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Policy {
    /// Good copies (the local one included) a referenced blob keeps; 1 is the last-copy rule.
    #[serde(default = "one")]
    pub min_copies: u32,
    /// With `min_copies` ≥ 2, the copies that count must have been verified this recently.
    #[serde(default = "ninety")]
    pub verify_max_age_days: u32,
    /// Per kind, overriding `min_copies`.
    #[serde(default)]
    pub kinds: BTreeMap<AssetKind, u32>,
    /// Per pack, overriding the kind and the global value (the highest of a blob's packs counts).
    #[serde(default)]
    pub packs: BTreeMap<String, u32>,
}

fn one() -> u32 {
    1
}

fn ninety() -> u32 {
    90
}

impl Default for Policy {
    fn default() -> Self {
        Self { min_copies: 1, verify_max_age_days: 90, kinds: BTreeMap::new(), packs: BTreeMap::new() }
    }
}

impl Policy {
    /// The copies a blob of `kind` used by `packs` must keep (at least 1).
    /// A pack's own value wins over the kind's, which wins over the global
    /// one; with several packs the strictest counts.
    pub fn required(&self, kind: AssetKind, packs: &[String]) -> u32 {
        let by_pack = packs.iter().filter_map(|p| self.packs.get(p)).max().copied();
        by_pack.or_else(|| self.kinds.get(&kind).copied()).unwrap_or(self.min_copies).max(1)
    }

    /// The oldest verification that still counts for a policy of two or more.
    pub(crate) fn max_age(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.verify_max_age_days) * 86_400)
    }
}

/// One target, resolved from both files.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    /// The original's target of `config.json`.
    pub primary: bool,
    pub kind: TargetKind,
    /// None: enabled without a folder (the original's target only), or a bucket.
    pub path: Option<PathBuf>,
    /// The bucket of an `s3` target.
    pub s3: Option<crate::s3::S3Location>,
    pub enabled: bool,
    /// The identity this store knows the drive by, if it has met it.
    pub backup_id: Option<String>,
}

impl Target {
    /// The drive's layout, when the target has a folder.
    pub fn drive(&self) -> Option<BackupLayout> {
        self.path.as_ref().map(BackupLayout::new)
    }

    /// Where the target is, as its catalog records it and messages show it:
    /// the folder, or the bucket's `s3://bucket/prefix` (a bucket has no path
    /// on this machine; its identity is its `backup-id`).
    pub fn place(&self) -> Option<PathBuf> {
        match &self.s3 {
            Some(l) => Some(PathBuf::from(l.url())),
            None => self.path.clone(),
        }
    }

    /// The catalog file: named after the drive's id; the first target's old
    /// single file until its first session moves it.
    pub(crate) fn catalog_file(&self, layout: &StoreLayout) -> PathBuf {
        self.cache_file(layout, "catalogs", layout.backup_catalog())
    }

    /// What this target's blob folder held per fan-out folder when each last
    /// changed (`data/cache/scans/`, see `blobs::ScanMemory`): a cache of this
    /// store's, for the drive this target is now.
    pub fn scan_file(&self, layout: &StoreLayout) -> PathBuf {
        keyed(layout, "scans", self.backup_id.as_deref().unwrap_or(if self.primary { "primary" } else { "unknown" }))
    }

    /// The verification ledger of this target's copies.
    pub fn ledger_file(&self, layout: &StoreLayout) -> PathBuf {
        self.cache_file(layout, "verified", layout.backup_ledger())
    }

    /// When this target was last synced.
    pub(crate) fn syncs_file(&self, layout: &StoreLayout) -> PathBuf {
        self.cache_file(layout, "syncs", layout.backup_syncs())
    }

    fn cache_file(&self, layout: &StoreLayout, dir: &str, legacy: PathBuf) -> PathBuf {
        match &self.backup_id {
            Some(id) => {
                let keyed = keyed(layout, dir, id);
                if self.primary && !keyed.exists() && legacy.exists() {
                    legacy
                } else {
                    keyed
                }
            }
            None if self.primary => legacy,
            // A target always has an id once added; without one it has no files.
            None => keyed(layout, dir, "unknown"),
        }
    }
}

fn keyed(layout: &StoreLayout, dir: &str, id: &str) -> PathBuf {
    layout.cache().join(dir).join(format!("{id}.json"))
}

/// Reads `state/targets.json`; a store without one has the defaults. A file
/// that cannot be parsed is an error naming it (it holds the policy).
pub fn load(layout: &StoreLayout) -> Result<TargetsFile> {
    let path = layout.targets();
    if !path.exists() {
        return Ok(TargetsFile::default());
    }
    layout.read_json(&path)
}

/// Writes `state/targets.json` atomically.
pub fn save(layout: &StoreLayout, file: &TargetsFile) -> Result<()> {
    layout.write_json(&layout.targets(), file)
}

/// Every target, the original's first (whether or not it is configured).
pub fn all(layout: &StoreLayout, config: &ConfigFile) -> Result<Vec<Target>> {
    let file = load(layout)?;
    Ok(all_of(layout, config, &file))
}

/// [`all`] from files already read.
pub fn all_of(layout: &StoreLayout, config: &ConfigFile, file: &TargetsFile) -> Vec<Target> {
    let mut out = vec![primary_of(layout, config, file)];
    out.extend(file.targets.iter().map(|t| Target {
        name: t.name.clone(),
        primary: false,
        kind: t.kind,
        path: t.path.clone().filter(|_| t.kind == TargetKind::Folder),
        s3: t.s3.clone().filter(|_| t.kind == TargetKind::S3),
        enabled: t.enabled,
        backup_id: t.backup_id.clone(),
    }));
    out
}

/// The original's target. Its id is the one its sessions recorded, or, on a
/// store from before there were several targets, the one its old catalog
/// recorded for the same folder.
pub fn primary_of(layout: &StoreLayout, config: &ConfigFile, file: &TargetsFile) -> Target {
    let path = config.backup.path.as_deref().filter(|p| !p.trim().is_empty()).map(PathBuf::from);
    let recorded = file.backup.backup_id.clone().filter(|_| file.backup.path.is_some() && file.backup.path == path);
    let backup_id = recorded.or_else(|| {
        let h = crate::catalog::header_of(&layout.backup_catalog())?;
        (h.path.is_some() && h.path == path).then_some(h.backup_id).flatten()
    });
    Target {
        name: file.backup.name.clone(),
        primary: true,
        kind: TargetKind::Folder,
        path,
        s3: None,
        enabled: config.backup.enabled,
        backup_id,
    }
}

/// The target called `name` (`None`: the original's). `not_found` names the
/// targets there are.
pub fn find(layout: &StoreLayout, config: &ConfigFile, name: Option<&str>) -> Result<Target> {
    let mut all = all(layout, config)?;
    let at = position(&all, name)?;
    Ok(all.swap_remove(at))
}

/// Where the target called `name` (`None`: the original's, always first) is
/// in `all`; `not_found` names the targets there are.
pub fn position(all: &[Target], name: Option<&str>) -> Result<usize> {
    match name {
        None => Ok(0),
        Some(n) => all
            .iter()
            .position(|t| t.name == n)
            .ok_or_else(|| Error::TargetNotFound { name: n.to_owned(), known: all.iter().map(|t| t.name.clone()).collect() }),
    }
}

/// Checks a new target name: short, printable, not reserved, not taken.
pub fn validate_name(name: &str, taken: &[Target]) -> Result<()> {
    let bad = |why: &str| Err(Error::invalid(format!("invalid target name {name:?}: {why}")));
    if name.is_empty() || name.len() > 64 {
        return bad("use 1 to 64 characters");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        || name.starts_with(['.', ' '])
        || name.ends_with(' ')
    {
        return bad("use letters, digits, spaces, '-', '_' and '.', not at the start");
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return bad("local, both and everywhere mean something else where a target is named");
    }
    if taken.iter().any(|t| t.name.eq_ignore_ascii_case(name)) {
        return Err(Error::TargetExists { name: name.to_owned() });
    }
    Ok(())
}

/// Records the id a session found on a target's drive, when it is new (under the store lock).
pub(crate) fn remember_id(layout: &StoreLayout, target: &Target, id: &str) -> Result<()> {
    let mut file = load(layout)?;
    if target.primary {
        if file.backup.backup_id.as_deref() == Some(id) && file.backup.path == target.path {
            return Ok(());
        }
        file.backup.backup_id = Some(id.to_owned());
        file.backup.path = target.path.clone();
    } else if target.backup_id.as_deref() == Some(id) {
        return Ok(());
    } else if let Some(t) = file.targets.iter_mut().find(|t| t.name == target.name) {
        t.backup_id = Some(id.to_owned());
    }
    save(layout, &file)
}

/// Moves the first target's files from before there were several to their
/// names by id (under the store lock; a cache, so a failure only leaves them).
pub(crate) fn migrate_legacy(layout: &StoreLayout, id: &str) {
    for (dir, legacy) in [("catalogs", layout.backup_catalog()), ("verified", layout.backup_ledger()), ("syncs", layout.backup_syncs())] {
        let keyed = keyed(layout, dir, id);
        if legacy.exists()
            && !keyed.exists()
            && crate::copy::mkdirs_under(layout.root(), keyed.parent().expect("keyed files sit in a folder")).is_ok()
        {
            // Through the store's tree: never through a link inside it.
            let _ = layout.tree().and_then(|t| t.rename_noreplace(&legacy, &keyed));
        }
    }
}

/// Whether `path` is the folder of a target other than `except`, by identity
/// (a link or bind mount to the same folder is the same target).
///
/// Each folder is asked on a probe thread: a target whose mount hangs does
/// not answer within the glance timeout and is not taken for `path` (which
/// did answer, so it is not on that mount).
pub(crate) fn same_place<'a>(targets: &'a [Target], path: &Path, except: Option<&str>) -> Option<&'a Target> {
    let want = crate::tree::ancestry_within(path, crate::probe::metadata_timeout())?;
    let want = want.first()?;
    targets.iter().filter(|t| Some(t.name.as_str()) != except).find(|t| {
        t.path
            .as_ref()
            .is_some_and(|p| crate::tree::ancestry_within(p, crate::probe::glance_timeout()).is_some_and(|a| a.first() == Some(want)))
    })
}

/// The store's targets and policy, for `target list`.
pub fn list(store: &Store) -> Result<(Vec<Target>, Policy)> {
    let file = load(store.layout())?;
    let config = store.config()?;
    Ok((all_of(store.layout(), &config, &file), file.policy))
}

/// `target add NAME --path P`: initialises a backup in the folder (or adopts
/// the one there) and records it as a target. Refused: a bad or taken name, a
/// path inside the store or holding it, the folder of another target (by
/// identity, so a link to it is refused too), a drive that already is
/// another target (same `backup-id`).
pub fn add(store: &Store, name: &str, path: &Path) -> Result<TargetChange> {
    let _lock = store.lock("target add")?;
    let layout = store.layout();
    let config = store.config()?;
    let mut file = load(layout)?;
    let all = all_of(layout, &config, &file);
    validate_name(name, &all)?;
    crate::probe::answers(path)?;
    let path = crate::backup::validate_path(store.root(), path)?;
    if let Some(other) = same_place(&all, &path, None) {
        return Err(Error::invalid(format!(
            "refused: {} is the folder of the backup target {:?} already (the same folder, maybe through a link): one place holds one copy. Choose a folder on another drive",
            path.display(),
            other.name
        )));
    }
    let drive = BackupLayout::new(&path);
    let refuse = |drive: &BackupLayout| match crate::backup::aliasing(store.root(), drive) {
        Some(reason) => Err(Error::invalid(format!("refused: {reason}"))),
        None => Ok(()),
    };
    refuse(&drive)?;
    let (initialized, _) = crate::backup::initialise(&drive)?;
    refuse(&drive)?;
    let id = crate::backup::read_id(&drive)
        .ok_or_else(|| Error::internal(format!("{} has no backup-id after it was initialised", path.display())))?;
    if let Some(other) = all.iter().find(|t| t.backup_id.as_deref() == Some(id.as_str())) {
        return Err(Error::invalid(format!(
            "refused: {} holds the same backup as the target {:?} (backup-id {id}): it is that drive, reached another way",
            path.display(),
            other.name
        )));
    }
    let entry = TargetEntry {
        name: name.to_owned(),
        kind: TargetKind::Folder,
        path: Some(path.clone()),
        s3: None,
        enabled: true,
        backup_id: Some(id.clone()),
    };
    file.targets.push(entry);
    save(layout, &file)?;
    let target = all_of(layout, &config, &file).pop().expect("the target just added");
    let scanned = crate::blobs::scan(&drive.blobs())?;
    let (mut catalog, _) = crate::catalog::Catalog::for_drive(layout, &target, &path, Some(&id));
    catalog.replace_blobs(&scanned.blobs);
    catalog.save(layout)?;
    Ok(TargetChange {
        name: name.to_owned(),
        old_name: None,
        path: Some(path),
        backup_id: Some(id),
        initialized,
        blobs: scanned.blobs.len() as u64,
        blobs_below_policy: 0,
        read_only: false,
    })
}

/// `target add NAME --s3 ENDPOINT --bucket B [--prefix P]` (SPEC §3.13):
/// records a bucket prefix as a target. A prefix nobody owns yet becomes this
/// store's (its `backup-id` object is written); one another store owns is
/// added read-only (restore from it, never write or delete there). Its
/// catalog is filled from a listing. Refused: a bad or taken name, bad
/// location fields, the same bucket prefix as another target, a prefix that
/// is another target already (same `backup-id`); every problem reaching the
/// bucket is an [`Error::Remote`] naming it.
pub fn add_s3(store: &Store, name: &str, location: &crate::s3::S3Location) -> Result<TargetChange> {
    let _lock = store.lock("target add")?;
    let layout = store.layout();
    let config = store.config()?;
    let mut file = load(layout)?;
    let all = all_of(layout, &config, &file);
    validate_name(name, &all)?;
    location.validate()?;
    let same = |l: &crate::s3::S3Location| {
        l.endpoint.trim_end_matches('/') == location.endpoint.trim_end_matches('/')
            && l.bucket == location.bucket
            && l.prefix.trim_matches('/') == location.prefix.trim_matches('/')
    };
    if let Some(other) = all.iter().find(|t| t.s3.as_ref().is_some_and(same)) {
        return Err(Error::invalid(format!(
            "refused: {} is the target {:?} already: one place holds one copy. Use another bucket or prefix",
            location.url(),
            other.name
        )));
    }
    let (credentials, _) = crate::s3::credentials_for(location).unzip();
    let bucket = crate::s3::Bucket::open(name, location, credentials.as_ref())?;
    let ours = crate::s3::store_identity(layout)?;
    let (identity, initialized) = bucket.claim(&ours)?;
    if let Some(other) = all.iter().find(|t| t.backup_id.as_deref() == Some(identity.backup_id.as_str())) {
        return Err(Error::invalid(format!(
            "refused: {} holds the same target as {:?} (backup-id {}): it is that target, reached another way",
            location.url(),
            other.name,
            identity.backup_id
        )));
    }
    let read_only = identity.owner != ours;
    file.targets.push(TargetEntry {
        name: name.to_owned(),
        kind: TargetKind::S3,
        path: None,
        s3: Some(location.clone()),
        enabled: true,
        backup_id: Some(identity.backup_id.clone()),
    });
    save(layout, &file)?;
    let target = all_of(layout, &config, &file).pop().expect("the target just added");
    let listed = crate::catalog::refresh_bucket(layout, &target, &bucket, Some(&identity.backup_id))?;
    Ok(TargetChange {
        name: name.to_owned(),
        old_name: None,
        path: target.place(),
        backup_id: Some(identity.backup_id),
        initialized,
        blobs: listed.len() as u64,
        blobs_below_policy: 0,
        read_only,
    })
}

/// `target test NAME`: checks that the target can be used now and says the
/// first thing that is wrong (for a bucket: unreachable, key refused, bucket
/// missing, clock skew, no permission to list, write, read or delete — the
/// write probe only on a prefix this store owns). Refreshes a bucket's
/// catalog from the listing it makes.
pub fn test(store: &Store, name: &str) -> Result<crate::results::TargetTest> {
    let layout = store.layout();
    let config = store.config()?;
    let target = find(layout, &config, Some(name))?;
    let state = crate::backup::BackupState::of(layout, &target);
    let mut checks = Vec::new();
    let Some(location) = &target.s3 else {
        state.require()?;
        checks.push("the folder answers and holds a Synapse backup that is this target's".to_owned());
        let blobs = crate::catalog::backup_blobs(layout, &target, &state)?.blobs.len() as u64;
        return Ok(crate::results::TargetTest {
            name: target.name.clone(),
            kind: target.kind,
            path: target.place(),
            credentials: None,
            checks,
            read_only: false,
            blobs,
        });
    };
    let found = crate::s3::credentials_for(location).map(|(k, s)| (k, Some(s)));
    let (bucket, mut more, identity, read_only) = check_bucket(store, &target.name, location, found.as_ref())?;
    checks.append(&mut more);
    if let (Some(i), Some(known)) = (&identity, &target.backup_id) {
        if &i.backup_id != known {
            state.usable()?;
        }
    }
    let listed = crate::catalog::refresh_bucket(layout, &target, &bucket, identity.as_ref().map(|i| i.backup_id.as_str()))?;
    checks.push(format!("{} blob(s) listed", listed.len()));
    Ok(crate::results::TargetTest {
        name: target.name.clone(),
        kind: target.kind,
        path: target.place(),
        credentials: found.and_then(|(_, s)| s),
        checks,
        read_only,
        blobs: listed.len() as u64,
    })
}

/// `target test` for a bucket that is not a target yet (the Add dialog's
/// Test connection): the same checks in the same words, with `key` as typed
/// (not kept) or else the one found for the bucket. Nothing is recorded, and
/// on a prefix another store owns nothing is written either.
pub fn test_location(
    store: &Store,
    name: &str,
    location: &crate::s3::S3Location,
    key: Option<crate::s3::Credentials>,
) -> Result<crate::results::TargetTest> {
    location.validate()?;
    let found = match key {
        Some(k) => Some((k, None)),
        None => crate::s3::credentials_for(location).map(|(k, s)| (k, Some(s))),
    };
    let (bucket, mut checks, _, read_only) = check_bucket(store, name, location, found.as_ref())?;
    let blobs = bucket.list()?.len() as u64;
    checks.push(format!("{blobs} blob(s) listed"));
    Ok(crate::results::TargetTest {
        name: name.to_owned(),
        kind: TargetKind::S3,
        path: Some(PathBuf::from(location.url())),
        credentials: found.and_then(|(_, s)| s),
        checks,
        read_only,
        blobs,
    })
}

/// The checks of a bucket, in order, each in words: a key, the server, the
/// bucket, the clock, and (on a prefix this store may write) list, write,
/// read and delete. Returns the bucket, the checks passed, the prefix's
/// identity and whether another store owns it; the first problem is the error.
fn check_bucket(
    store: &Store,
    name: &str,
    location: &crate::s3::S3Location,
    found: Option<&(crate::s3::Credentials, Option<crate::s3::CredentialSource>)>,
) -> Result<(crate::s3::Bucket, Vec<String>, Option<crate::s3::Identity>, bool)> {
    use crate::target::s3::CredentialSource as C;
    let bucket = crate::s3::Bucket::open(name, location, found.map(|(c, _)| c))?;
    let from = match found.map(|(_, s)| *s) {
        Some(None) => "as typed here",
        Some(Some(C::Environment)) => "AWS_ACCESS_KEY_ID in the environment",
        Some(Some(C::SharedFile)) => "the shared credentials file",
        Some(Some(C::Keyring)) => "the OS keyring",
        None => "none",
    };
    let mut checks = vec![format!("an access key was found ({from})")];
    let identity = bucket.identity()?;
    checks.push(format!("{} answers, the key is accepted and bucket {:?} exists", location.endpoint, location.bucket));
    // Only read: a test records nothing, not even this store's id.
    let read_only = identity.as_ref().is_some_and(|i| i.foreign_to(store.layout()));
    if read_only {
        checks.push("the prefix belongs to another store: listing and reading only (nothing is written there)".to_owned());
    } else {
        bucket.test()?;
        checks.push("the key may list, write, read and delete under the prefix".to_owned());
    }
    Ok((bucket, checks, identity, read_only))
}

/// `target remove NAME`: forgets a target; nothing on it is deleted. Refused
/// (`below_min_copies`) while a referenced blob would keep fewer good copies
/// than the policy asks without the target's, unless `force`. The
/// original's target is configured in `config.json` and is turned off there
/// instead.
pub fn remove(store: &Store, name: &str, force: bool) -> Result<TargetChange> {
    let _lock = store.lock("target remove")?;
    let layout = store.layout();
    let config = store.config()?;
    let mut file = load(layout)?;
    let target = find_in(&all_of(layout, &config, &file), name)?;
    if target.primary {
        return Err(Error::invalid(format!(
            "{name:?} is the original program's backup (config.json), which it shares with this store: turn it off in the backup settings instead of removing it"
        )));
    }
    let store_now = store.on_target(None)?;
    let inv = crate::inventory::build(&store_now)?;
    let short: Vec<&InventoryItem> = inv
        .items
        .iter()
        .filter(|it| it.min_copies > 0 && it.good_on(&target.name))
        .filter(|it| {
            let others: Vec<&BlobCopy> = it.copies.iter().filter(|c| !c.corrupt && c.target != target.name).collect();
            (crate::guard::counted(&others, it.min_copies, &inv.policy).len() as u32) < it.min_copies
        })
        .collect();
    if let (Some(first), false) = (short.first(), force) {
        return Err(Error::TargetNeeded {
            target: target.name.clone(),
            blobs: short.len() as u64,
            first: first.display_name.clone(),
            required: first.min_copies,
        });
    }
    file.targets.retain(|t| t.name != target.name);
    save(layout, &file)?;
    // Its records here are caches about a drive no longer used; the drive keeps everything.
    if let Ok(tree) = layout.tree() {
        for p in [target.catalog_file(layout), target.ledger_file(layout), target.syncs_file(layout)] {
            let _ = tree.remove_file(&p);
        }
    }
    let _ = crate::integrity::forget_place(layout, &target.name);
    // A bucket's key in the OS keyring goes with it, unless another target
    // uses the same bucket (keys are kept per endpoint and bucket).
    if let Some(location) = &target.s3 {
        let same_bucket = |l: &crate::s3::S3Location| l.endpoint == location.endpoint && l.bucket == location.bucket;
        if !file.targets.iter().any(|t| t.s3.as_ref().is_some_and(same_bucket)) {
            let _ = crate::s3::forget_key(location);
        }
    }
    Ok(TargetChange {
        name: target.name.clone(),
        old_name: None,
        path: target.place(),
        backup_id: target.backup_id,
        initialized: false,
        blobs: 0,
        blobs_below_policy: short.len() as u64,
        read_only: false,
    })
}

/// `target rename OLD NEW`: the name changes; its records follow (they are
/// kept by the drive's id, and the integrity record by name is rewritten).
pub fn rename(store: &Store, old: &str, new: &str) -> Result<TargetChange> {
    let _lock = store.lock("target rename")?;
    let layout = store.layout();
    let config = store.config()?;
    let mut file = load(layout)?;
    let all = all_of(layout, &config, &file);
    let target = find_in(&all, old)?;
    let others: Vec<Target> = all.iter().filter(|t| t.name != target.name).cloned().collect();
    validate_name(new, &others)?;
    if target.primary {
        file.backup.name = new.to_owned();
    } else if let Some(t) = file.targets.iter_mut().find(|t| t.name == target.name) {
        t.name = new.to_owned();
    }
    crate::integrity::rename_place(layout, &target.name, new)?;
    save(layout, &file)?;
    Ok(TargetChange {
        name: new.to_owned(),
        old_name: Some(target.name.clone()),
        path: target.place(),
        backup_id: target.backup_id,
        initialized: false,
        blobs: 0,
        blobs_below_policy: 0,
        read_only: false,
    })
}

/// `target enable|disable NAME`: whether Synapse uses the target. Nothing on
/// it is touched either way; a disabled target's copies are not counted
/// while it stays off (its catalog is kept), so the result says how many
/// referenced blobs are below the policy afterwards. The original's target is
/// switched in `config.json`, as `backup config --enable/--disable` does.
pub fn set_enabled(store: &Store, name: &str, enabled: bool) -> Result<TargetChange> {
    let target = find(store.layout(), &store.config()?, Some(name))?;
    if target.primary {
        let update = crate::backup::ConfigUpdate { enabled: Some(enabled), ..Default::default() };
        crate::backup::configure(store, &update)?;
    } else {
        let _lock = store.lock(if enabled { "target enable" } else { "target disable" })?;
        let mut file = load(store.layout())?;
        let entry = file
            .targets
            .iter_mut()
            .find(|t| t.name == target.name)
            .ok_or_else(|| Error::TargetNotFound { name: name.to_owned(), known: Vec::new() })?;
        entry.enabled = enabled;
        save(store.layout(), &file)?;
    }
    let inv = crate::inventory::build(&store.on_target(None)?)?;
    Ok(TargetChange {
        name: target.name.clone(),
        old_name: None,
        path: target.place(),
        backup_id: target.backup_id,
        initialized: false,
        blobs: 0,
        blobs_below_policy: inv.summary.blobs_below_policy,
        read_only: false,
    })
}

fn find_in(all: &[Target], name: &str) -> Result<Target> {
    all.iter()
        .find(|t| t.name == name)
        .cloned()
        .ok_or_else(|| Error::TargetNotFound { name: name.to_owned(), known: all.iter().map(|t| t.name.clone()).collect() })
}

/// A change to the copies policy; `None` leaves a value as it is. A kind or
/// pack set to 0 loses its override.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct PolicyUpdate {
    pub min_copies: Option<u32>,
    pub verify_max_age_days: Option<u32>,
    pub kinds: BTreeMap<AssetKind, u32>,
    pub packs: BTreeMap<String, u32>,
}

/// `target policy`: validates and saves the policy; returns it as saved.
pub fn set_policy(store: &Store, update: &PolicyUpdate) -> Result<Policy> {
    let _lock = store.lock("target policy")?;
    let layout = store.layout();
    let mut file = load(layout)?;
    let p = &mut file.policy;
    let check = |what: &str, n: u32| {
        if n > 16 {
            Err(Error::invalid(format!("{what}: {n} copies is more than Synapse can keep track of; use 1 to 16")))
        } else {
            Ok(())
        }
    };
    if let Some(n) = update.min_copies {
        if n == 0 {
            return Err(Error::invalid("min copies must be at least 1 (1 is the last-copy rule)"));
        }
        check("min copies", n)?;
        p.min_copies = n;
    }
    if let Some(days) = update.verify_max_age_days {
        if days == 0 {
            return Err(Error::invalid("the verification age must be at least 1 day"));
        }
        p.verify_max_age_days = days;
    }
    for (kind, &n) in &update.kinds {
        check(kind.as_str(), n)?;
        if n == 0 {
            p.kinds.remove(kind);
        } else {
            p.kinds.insert(*kind, n);
        }
    }
    for (pack, &n) in &update.packs {
        crate::ids::PackName::parse(pack)?;
        check(pack, n)?;
        if n == 0 {
            p.packs.remove(pack);
        } else {
            p.packs.insert(pack.clone(), n);
        }
    }
    let policy = file.policy.clone();
    save(layout, &file)?;
    Ok(policy)
}

/// `target list`: every target as an inventory build sees it, and the policy.
pub fn list_all(store: &Store) -> Result<TargetList> {
    let inv = crate::inventory::build(store)?;
    Ok(TargetList { targets: inv.summary.targets.clone(), policy: inv.policy.clone(), blobs_below_policy: inv.summary.blobs_below_policy })
}

/// `whereis <sha|prefix|name>`: every copy of one blob. A name matches the
/// display name or any name a pack gives the blob, case-insensitively; a
/// name that matches several blobs is refused with their hashes.
pub fn whereis(store: &Store, input: &str) -> Result<Whereis> {
    let inv = crate::inventory::build(store)?;
    let sha = match inv.resolve(input) {
        Ok(sha) => sha,
        Err(Error::InvalidId(_) | Error::NoMatch { .. } | Error::InvalidArgument { .. }) => by_name(&inv, input)?,
        Err(e) => return Err(e),
    };
    let it = inv.get(&sha).ok_or_else(|| Error::NoMatch { prefix: input.to_owned() })?;
    let copies = it
        .copies
        .iter()
        .map(|c| {
            let seen = inv.targets.iter().find(|t| t.target.name == c.target);
            let path = match seen {
                None => Some(inv.local_path(&sha)),
                Some(t) => t.target.drive().map(|d| d.blobs().blob(&sha)).or_else(|| {
                    t.target.s3.as_ref().map(|l| PathBuf::from(format!("{}/data/blobs/sha256/{}/{sha}", l.url(), sha.fanout())))
                }),
            };
            CopyPlace {
                target: c.target.clone(),
                connected: seen.is_none_or(|t| t.state.usable().is_ok()),
                source: c.source,
                verified_at: c.verified_at.clone(),
                corrupt: c.corrupt,
                path,
            }
        })
        .collect();
    let not_on = inv.targets.iter().filter(|t| t.state.enabled() && !it.file_on(&t.target.name)).map(|t| t.target.name.clone()).collect();
    Ok(Whereis {
        sha256: sha.clone(),
        display_name: it.display_name.clone(),
        kind: it.kind,
        size_bytes: it.size_bytes,
        status: it.status,
        copies_count: it.copies_count,
        min_copies: it.min_copies,
        copies,
        not_on,
    })
}

/// The one blob `name` names (see [`whereis`]).
fn by_name(inv: &crate::inventory::Inventory, name: &str) -> Result<crate::ids::Sha256> {
    let want = name.trim().to_lowercase();
    let hits: Vec<&InventoryItem> = inv
        .items
        .iter()
        .filter(|it| {
            it.display_name.to_lowercase() == want
                || it.origin.as_ref().and_then(|o| o.filename.as_deref()).is_some_and(|f| f.to_lowercase() == want)
        })
        .collect();
    match hits.as_slice() {
        [] => Err(Error::invalid(format!("no blob is named {name:?}, and it is not a hash or a hash prefix either: check the name (searching the inventory finds parts of names)"))),
        [one] => Ok(one.sha256.clone()),
        many => Err(Error::AmbiguousPrefix { prefix: name.to_owned(), matches: many.iter().map(|it| it.sha256.to_string()).collect() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strictest_pack_then_the_kind_then_the_global_value_counts() {
        let mut p = Policy { min_copies: 2, ..Policy::default() };
        assert_eq!(p.required(AssetKind::Lora, &[]), 2);
        p.kinds.insert(AssetKind::Lora, 3);
        assert_eq!(p.required(AssetKind::Lora, &[]), 3);
        assert_eq!(p.required(AssetKind::Vae, &[]), 2);
        p.packs.insert("A".into(), 1);
        p.packs.insert("B".into(), 4);
        assert_eq!(p.required(AssetKind::Lora, &["A".into()]), 1);
        assert_eq!(p.required(AssetKind::Lora, &["A".into(), "B".into()]), 4);
        p.min_copies = 0;
        assert_eq!(p.required(AssetKind::Vae, &[]), 1, "never below the last-copy rule");
    }

    #[test]
    fn names_are_checked() {
        let taken = vec![Target {
            name: "Home NAS".into(),
            primary: false,
            kind: TargetKind::Folder,
            path: None,
            s3: None,
            enabled: true,
            backup_id: None,
        }];
        assert!(validate_name("work", &taken).is_ok());
        assert!(validate_name("Work drive 2", &taken).is_ok());
        for bad in ["", "local", "Both", "everywhere", "a/b", "..", ".hidden", "x\n", &"x".repeat(65)] {
            assert!(validate_name(bad, &taken).is_err(), "{bad:?}");
        }
        assert!(matches!(validate_name("home nas", &taken), Err(Error::TargetExists { .. })));
    }
}
