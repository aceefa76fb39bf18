//! Commit (phase 2 of an import, SPEC §3.10), under the store lock:
//!
//! 1. check the package again (it may have changed since it was validated)
//!    and plan each pack from its classification and strategy;
//! 2. hash every blob file of the package, copying the ones the store needs
//!    into a staging folder in `data/tmp` in the same read; any error refuses
//!    the whole import and removes the staging folder: nothing was written;
//! 3. move the staged blobs to their names (blobs first);
//! 4. write each pack directory in the staging folder and rename it into
//!    `state/packs/` (pack files last, atomic per pack).
//!
//! A crash in 3 or 4 leaves orphan blobs and a staging folder that cleanup
//! removes; never a pack pointing at a blob that is not there. A pack being
//! overwritten is set aside in `state/packs` (a dot-folder) for the instant
//! between two renames; the next import puts it back if the crash came then.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::read;
use super::validate::{self, Checked, PackagePack};
use crate::blob::blobs;
use crate::blob::copy::check_space;
use crate::error::{Error, Result};
use crate::ids::{PackName, Sha256};
use crate::package::{CommitResult, DuplicatedPack, ImportStrategy, PackClassification, SkippedPack};
use crate::progress::{Control, Tracker};
use crate::store::fsutil::now_rfc3339;
use crate::store::layout::StoreLayout;
use crate::store::schema::{BlobManifest, Extra, ManifestOrigin};
use crate::store::Store;
use crate::vocab::IssueSeverity;

/// How to import (also the desktop app's `package_import` argument).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct ImportOptions {
    /// For every pack without an override.
    pub strategy: ImportStrategy,
    /// Per-pack strategies (each must name a pack of the package).
    pub overrides: BTreeMap<PackName, ImportStrategy>,
    /// Only validate and plan: the result says what an import would do.
    pub dry_run: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { strategy: ImportStrategy::SkipIfExists, overrides: BTreeMap::new(), dry_run: false }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Imported,
    Overwritten,
    Duplicated,
}

/// What happens to one pack of the package.
enum Action {
    Write { target: PackName, outcome: Outcome },
    Skip { reason: String },
}

/// The decision table of SPEC §3.10: a new pack is always imported; a pack
/// whose name is taken follows the strategy.
fn decide(class: PackClassification, strategy: ImportStrategy) -> std::result::Result<Outcome, String> {
    use PackClassification as C;
    match (class, strategy) {
        (C::New, _) => Ok(Outcome::Imported),
        (_, ImportStrategy::CreateDuplicate) => Ok(Outcome::Duplicated),
        (_, ImportStrategy::AlwaysOverwrite) => Ok(Outcome::Overwritten),
        (C::DuplicateOlderInStore, ImportStrategy::UpdateIfNewer) => Ok(Outcome::Overwritten),
        (_, ImportStrategy::SkipIfExists) => Err("a pack of that name is in the store (strategy skip_if_exists)".into()),
        (C::DuplicateSameVersion, ImportStrategy::UpdateIfNewer) => Err("the store already has this version".into()),
        (C::DuplicateNewerInStore, ImportStrategy::UpdateIfNewer) => Err("the store's pack is newer".into()),
        (_, ImportStrategy::UpdateIfNewer) => {
            Err("the packs differ and neither is clearly newer: choose always_overwrite or create_duplicate for it".into())
        }
    }
}

/// `<Name> (2)`, `<Name> (3)`, ...: the first valid name nobody has.
fn duplicate_name(name: &PackName, taken: &BTreeSet<String>) -> Result<PackName> {
    for i in 2..10_000 {
        let suffix = format!(" ({i})");
        // Within both limits of a pack name: 128 characters and 255 bytes.
        let mut base = String::new();
        for c in name.as_str().chars().take(128 - suffix.chars().count()) {
            if base.len() + c.len_utf8() + suffix.len() > PackName::MAX_BYTES {
                break;
            }
            base.push(c);
        }
        let candidate = format!("{}{suffix}", base.trim_end());
        if !taken.contains(&candidate) {
            return Ok(PackName::parse(&candidate)?);
        }
    }
    Err(Error::invalid(format!("no free duplicate name for pack {:?}", name.as_str())))
}

/// The plan of an import (SPEC §3.11): the options the user chose and how
/// each pack was classified against the store when they reviewed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPlan {
    pub plan: crate::plan::PlanStamp,
    #[serde(serialize_with = "crate::results::lossy::path")]
    pub path: PathBuf,
    pub options: ImportOptions,
    /// Per pack of the package, its classification when planned.
    pub classes: BTreeMap<PackName, PackClassification>,
    /// The dry run the user reviewed.
    pub preview: CommitResult,
}

/// Plans an import (validates and hashes the package, writes nothing).
pub fn plan_import(store: &Store, path: &Path, options: &ImportOptions, ctl: Control) -> Result<ImportPlan> {
    let options = ImportOptions { dry_run: true, ..options.clone() };
    // One validation: the classes are the ones the dry run decided on.
    let (preview, classes) = run(store, path, &options, None, ctl)?;
    Ok(ImportPlan { plan: crate::plan::PlanStamp::new(store, "import")?, path: path.to_path_buf(), options, classes, preview })
}

/// Applies an import plan: the package is checked again (it may have changed),
/// and a pack whose classification against the store is no longer the one the
/// user reviewed (another pack of that name arrived, or it changed) is skipped
/// with the reason, never imported under a strategy chosen for another state.
pub fn apply_import(store: &Store, planned: &ImportPlan, ctl: Control) -> Result<CommitResult> {
    planned.plan.check(store, "import")?;
    let options = ImportOptions { dry_run: false, ..planned.options.clone() };
    run(store, &planned.path, &options, Some(&planned.classes), ctl).map(|(r, _)| r)
}

/// Imports a package as the user reviewed it (the app's import wizard sends
/// the classifications its validation report showed): a pack classified
/// otherwise now is skipped with the reason, as [`apply_import`] does.
pub fn import_reviewed(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    reviewed: &BTreeMap<PackName, PackClassification>,
    ctl: Control,
) -> Result<CommitResult> {
    run(store, path, options, Some(reviewed), ctl).map(|(r, _)| r)
}

/// Imports a package into the store (or, with `dry_run`, plans it). Refuses
/// an invalid package (`PackageInvalid`, exit 7) before writing anything.
pub fn import(store: &Store, path: &Path, options: &ImportOptions, ctl: Control) -> Result<CommitResult> {
    run(store, path, options, None, ctl).map(|(r, _)| r)
}

fn run(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    expected: Option<&BTreeMap<PackName, PackClassification>>,
    ctl: Control,
) -> Result<(CommitResult, BTreeMap<PackName, PackClassification>)> {
    let _lock = if options.dry_run { None } else { Some(store.lock("package import")?) };
    let layout = store.layout();
    if !options.dry_run {
        recover(layout)?;
    }
    let checked = validate::check(path, layout)?;
    if checked.has_errors() {
        return Err(Error::PackageInvalid { path: path.to_path_buf(), issues: checked.errors() });
    }
    for name in options.overrides.keys() {
        if !checked.packs.iter().any(|p| &p.name == name) {
            let names: Vec<&str> = checked.packs.iter().map(|p| p.name.as_str()).collect();
            return Err(Error::invalid(format!("pack {:?} is not in the package (it holds: {})", name.as_str(), names.join(", "))));
        }
    }

    // The plan.
    let mut result = CommitResult { dry_run: options.dry_run, ..CommitResult::default() };
    result.warnings = checked
        .issues
        .iter()
        .filter(|i| i.severity == IssueSeverity::Warning)
        .map(|i| match &i.path {
            Some(p) => format!("{p}: {}", i.message),
            None => i.message.clone(),
        })
        .collect();
    let mut taken: BTreeSet<String> = existing_packs(layout)?;
    taken.extend(checked.packs.iter().map(|p| p.name.to_string()));
    let mut plan = Vec::new();
    let mut classes = BTreeMap::new();
    for pack in &checked.packs {
        let (class, _) = validate::classify(layout, pack);
        classes.insert(pack.name.clone(), class);
        let strategy = options.overrides.get(&pack.name).copied().unwrap_or(options.strategy);
        let reviewed = expected.map(|e| e.get(&pack.name).copied());
        let decided = match reviewed {
            Some(None) => Err("it was not in the package when the import was reviewed".to_owned()),
            Some(Some(was)) if was != class => {
                Err(format!("it changed since the review (it was {}, now it is {})", was.as_str(), class.as_str()))
            }
            _ => decide(class, strategy),
        };
        let action = match decided {
            Ok(Outcome::Duplicated) => {
                let target = duplicate_name(&pack.name, &taken)?;
                taken.insert(target.to_string());
                Action::Write { target, outcome: Outcome::Duplicated }
            }
            Ok(outcome) => Action::Write { target: pack.name.clone(), outcome },
            Err(reason) => Action::Skip { reason },
        };
        if let Action::Skip { reason } = &action {
            result.skipped.push(SkippedPack { pack: pack.name.to_string(), classification: class, reason: reason.clone() });
        }
        plan.push((pack, action));
    }
    let local = layout.blobs();
    let needed: BTreeSet<Sha256> = plan
        .iter()
        .filter(|(_, a)| matches!(a, Action::Write { .. }))
        .flat_map(|(p, _)| p.refs.iter())
        .filter(|s| checked.blobs.contains_key(*s) && !blobs::exists(&local, s))
        .cloned()
        .collect();
    result.blobs_to_copy = needed.len() as u64;
    result.bytes_to_copy = needed.iter().map(|s| checked.blobs[s].entry.size).sum();

    let blob_bytes: u64 = checked.blobs.values().map(|b| b.entry.size).sum();
    let pack_bytes: u64 = plan
        .iter()
        .filter(|(_, a)| matches!(a, Action::Write { .. }))
        .flat_map(|(p, _)| p.files.iter())
        .filter_map(|(_, rel)| checked.scan.files.get(rel).map(|e| e.size))
        .sum();
    let writes = plan.iter().filter(|(_, a)| matches!(a, Action::Write { .. })).count();
    let tracker = Tracker::new(ctl, "import package", (checked.blobs.len() + writes) as u64, blob_bytes + pack_bytes);

    if options.dry_run {
        let hashed = validate::hash_blobs(&checked, None, &tracker)?;
        tracker.finish();
        refuse_on_errors(path, hashed.issues)?;
        for (pack, action) in &plan {
            if let Action::Write { target, outcome } = action {
                record(&mut result, pack, target, *outcome);
            }
        }
        return Ok((result, classes));
    }

    let tree = layout.tree()?;
    tree.mkdirs(&layout.tmp())?;
    check_space(&layout.tmp(), result.bytes_to_copy + pack_bytes)?;
    let staging = layout.tmp().join(format!("package-import-{}", uuid::Uuid::new_v4().simple()));
    tree.mkdirs(&staging)?;
    let outcome = commit(layout, path, &checked, &plan, &needed, &staging, &tracker, &mut result);
    tracker.finish();
    let _ = tree.remove_dir_all(&staging);
    outcome.map(|()| (result, classes))
}

fn refuse_on_errors(path: &Path, issues: Vec<crate::results::PackageIssue>) -> Result<()> {
    let errors: Vec<_> = issues.into_iter().filter(|i| i.severity == IssueSeverity::Error).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::PackageInvalid { path: path.to_path_buf(), issues: errors })
    }
}

fn record(result: &mut CommitResult, pack: &PackagePack, target: &PackName, outcome: Outcome) {
    match outcome {
        Outcome::Imported => result.imported.push(target.to_string()),
        Outcome::Overwritten => result.overwritten.push(target.to_string()),
        Outcome::Duplicated => result.duplicated.push(DuplicatedPack { pack: pack.name.to_string(), imported_as: target.to_string() }),
    }
}

/// The names of the pack directories in the store (valid or not: a duplicate must not collide with either).
fn existing_packs(layout: &StoreLayout) -> Result<BTreeSet<String>> {
    let dir = layout.packs();
    match fs::read_dir(&dir) {
        Ok(entries) => Ok(entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(Error::io("list", &dir)(e)),
    }
}

#[allow(clippy::too_many_arguments)]
fn commit(
    layout: &StoreLayout,
    path: &Path,
    checked: &Checked,
    plan: &[(&PackagePack, Action)],
    needed: &BTreeSet<Sha256>,
    staging: &Path,
    tracker: &Tracker,
    result: &mut CommitResult,
) -> Result<()> {
    // Every blob file is hashed; the needed ones are staged in the same read.
    let hashed = validate::hash_blobs(checked, Some((staging, needed)), tracker)?;
    refuse_on_errors(path, hashed.issues)?;
    if let Some(missing) = needed.iter().find(|s| !hashed.staged.contains_key(*s)) {
        return Err(Error::invalid(format!("blob {missing} could not be staged from the package")));
    }

    // Blobs first.
    for (sha, staged) in &hashed.staged {
        let blob = &checked.blobs[sha];
        let placed = blobs::place_verified(layout, staged, sha, blob.entry.size)?;
        if !placed.already_present {
            result.blobs_copied += 1;
            result.bytes_copied += blob.entry.size;
        }
        blobs::write_manifest_if_absent(&layout.blobs(), sha, &manifest_of(blob.descriptor.as_ref()))?;
    }

    // Pack files last, one pack directory at a time.
    let tree = layout.tree()?;
    tree.mkdirs(&layout.packs())?;
    let pack_staging = pack_staging_dir(layout, staging)?;
    for (n, (pack, action)) in plan.iter().enumerate() {
        let Action::Write { target, outcome } = action else { continue };
        if tracker.cancel().is_cancelled() {
            result.cancelled = true;
            break;
        }
        tracker.start_item(target.as_str());
        let written = write_pack(layout, checked, pack, target, *outcome == Outcome::Overwritten, &pack_staging, n, tracker);
        if pack_staging != staging {
            let _ = tree.remove_dir_all(&pack_staging.join(format!("pack-{n}")));
        }
        written?;
        tracker.item_done();
        record(result, pack, target, *outcome);
    }
    if pack_staging != staging {
        let _ = tree.remove_dir_all(&pack_staging);
    }
    Ok(())
}

/// Where pack directories are assembled: the staging folder, unless
/// `state/` is on another filesystem than `data/tmp` (a rename cannot cross
/// filesystems), then a dot-folder in `state/packs` (dot-folders are not packs).
fn pack_staging_dir(layout: &StoreLayout, staging: &Path) -> Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let packs = layout.packs();
    let dev = |p: &Path| fs::metadata(p).map(|m| m.dev()).map_err(Error::io("stat", p));
    if dev(staging)? == dev(&packs)? {
        return Ok(staging.to_path_buf());
    }
    let dir = packs.join(format!("{PACK_STAGING_PREFIX}{}", uuid::Uuid::new_v4().simple()));
    layout.tree()?.mkdirs(&dir)?;
    Ok(dir)
}

/// The blob manifest a package brings: the exported `.meta`, else one made
/// from the descriptor.
fn manifest_of(descriptor: Option<&super::Descriptor>) -> BlobManifest {
    let exported = descriptor.and_then(|d| d.custom_metadata.get("blob_manifest")).filter(|v| v.is_object());
    if let Some(m) = exported.and_then(|v| serde_json::from_value::<BlobManifest>(v.clone()).ok()) {
        return m;
    }
    let kind = descriptor
        .and_then(|d| d.custom_metadata.get("kind").and_then(Value::as_str).map(str::to_owned).or_else(|| d.labels.first().cloned()));
    let name = descriptor.and_then(|d| d.file_name.clone());
    let mut origin = Extra::new();
    if let Some(n) = &name {
        origin.insert("filename".into(), json!(n));
    }
    BlobManifest {
        version: 1,
        created_at: Some(now_rfc3339()),
        original_filename: name,
        kind,
        origin: Some(ManifestOrigin { provider: Some("package".into()), extra: origin }),
        extra: Extra::new(),
    }
}

/// `pack.json` / `lock.json` with the pack's new name (a duplicate).
fn renamed(doc: &[u8], field: &str, target: &PackName) -> Result<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(doc).map_err(|e| Error::invalid(format!("cannot rename the pack: {e}")))?;
    if let Some(obj) = v.as_object_mut() {
        if field == "name" || obj.contains_key(field) {
            obj.insert(field.into(), json!(target.as_str()));
        }
    }
    let mut out = serde_json::to_vec_pretty(&v).map_err(|e| Error::internal(format!("cannot rename the pack: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn write_pack(
    layout: &StoreLayout,
    checked: &Checked,
    pack: &PackagePack,
    target: &PackName,
    overwrite: bool,
    staging: &Path,
    n: usize,
    tracker: &Tracker,
) -> Result<()> {
    let tree = layout.tree()?;
    let dir = staging.join(format!("pack-{n}"));
    tree.mkdirs(&dir)?;
    let mut dirs = BTreeSet::from([dir.clone()]);
    let duplicate = &pack.name != target;
    for (rel, package_path) in &pack.files {
        // `rel` was checked when the package was listed: relative, no `..`.
        let dest = dir.join(rel);
        let parent = dest.parent().unwrap_or(&dir).to_path_buf();
        if !dirs.contains(&parent) {
            tree.mkdirs(&parent)?;
            dirs.extend(parent.ancestors().take_while(|d| d.starts_with(&dir)).map(Path::to_path_buf));
        }
        let mut out = tree.create_new(&dest, 0o644)?;
        // The checked documents are written, not re-read from the package.
        let doc = match rel.as_str() {
            "pack.json" if duplicate => Some(renamed(&pack.pack_doc, "name", target)?),
            "pack.json" => Some(pack.pack_doc.clone()),
            "lock.json" => match &pack.lock_doc {
                Some(d) if duplicate => Some(renamed(d, "pack", target)?),
                Some(d) => Some(d.clone()),
                None => None,
            },
            _ => None,
        };
        let entry = &checked.scan.files[package_path];
        match doc {
            Some(bytes) => out.write_all(&bytes).map_err(Error::io("write", &dest))?,
            None => {
                let mut input = read::open(&checked.scan.root, entry)?;
                let copied = io::copy(&mut input, &mut out).map_err(Error::io("write", &dest))?;
                if copied != entry.size {
                    let e = io::Error::new(io::ErrorKind::UnexpectedEof, format!("{package_path} changed while it was imported"));
                    return Err(Error::io("read", &checked.scan.root)(e));
                }
            }
        }
        out.sync_all().map_err(Error::io("fsync", &dest))?;
        tracker.add_bytes(entry.size);
    }
    for d in dirs.iter().rev() {
        tree.fsync_dir(d)?;
    }
    let final_dir = layout.pack_dir(target);
    let replaced = overwrite && tree.stat(&final_dir)?.is_some();
    if !replaced {
        tree.rename_noreplace(&dir, &final_dir)?;
        return tree.fsync_dir(&layout.packs());
    }
    // One atomic step where the filesystem offers it: the new folder and the
    // old one swap names, so at no instant is the pack missing (a crash
    // between two renames used to lose it). The old one, now at the staging
    // name, goes with the staging folder.
    if tree.exchange(&dir, &final_dir)? {
        tree.fsync_dir(&layout.packs())?;
        tree.fsync_dir(dir.parent().expect("staged packs have a parent"))?;
        let _ = tree.remove_dir_all(&dir);
        return Ok(());
    }
    // Without an exchange: the replaced pack waits beside the packs, not in
    // data/tmp: if the process dies between the two renames, the next import
    // puts it back (see `recover`) instead of cleanup deleting it.
    let aside = layout.packs().join(format!("{REPLACED_PREFIX}{}-{}", uuid::Uuid::new_v4().simple(), target.as_str()));
    tree.rename(&final_dir, &aside)?;
    if let Err(e) = tree.rename_noreplace(&dir, &final_dir) {
        let _ = tree.rename(&aside, &final_dir);
        return Err(e);
    }
    tree.fsync_dir(&layout.packs())?;
    let _ = tree.remove_dir_all(&aside);
    Ok(())
}

/// Prefix of a replaced pack directory set aside during an overwrite
/// (`.replaced-<uuid>-<Pack>` in `state/packs`; dot-folders are not packs).
const REPLACED_PREFIX: &str = ".replaced-";
/// Prefix of the folders packs are assembled in when `state/` is on another
/// filesystem than `data/tmp`.
const PACK_STAGING_PREFIX: &str = ".package-import-";

/// Repairs what a killed import left in `state/packs` (called holding the
/// store lock, so no running import owns it): a pack set aside for an
/// overwrite whose replacement never arrived goes back; one that was
/// replaced, and assembly folders, are removed.
fn recover(layout: &StoreLayout) -> Result<()> {
    let dir = layout.packs();
    let tree = layout.tree()?;
    let Ok(entries) = tree.read_dir(&dir) else { return Ok(()) };
    for e in entries {
        let name = e.name.to_string_lossy().into_owned();
        let path = dir.join(&e.name);
        if name.starts_with(PACK_STAGING_PREFIX) {
            tree.remove_dir_all(&path)?;
        } else if let Some(rest) = name.strip_prefix(REPLACED_PREFIX) {
            let Some((_, pack)) = rest.split_once('-') else { continue };
            let Ok(pack) = PackName::parse(pack) else { continue };
            let original = layout.pack_dir(&pack);
            if tree.stat(&original)?.is_some() {
                tree.remove_dir_all(&path)?;
            } else {
                tree.rename_noreplace(&path, &original)?;
            }
        }
    }
    tree.fsync_dir(&dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_table_of_the_spec() {
        use ImportStrategy as S;
        use PackClassification as C;
        for s in ImportStrategy::ALL {
            assert_eq!(decide(C::New, s), Ok(Outcome::Imported), "{s}");
        }
        let taken = [C::DuplicateSameVersion, C::DuplicateOlderInStore, C::DuplicateNewerInStore, C::ConflictOther];
        for c in taken {
            assert!(decide(c, S::SkipIfExists).is_err());
            assert_eq!(decide(c, S::AlwaysOverwrite), Ok(Outcome::Overwritten));
            assert_eq!(decide(c, S::CreateDuplicate), Ok(Outcome::Duplicated));
            let expected = if c == C::DuplicateOlderInStore { Ok(Outcome::Overwritten) } else { Err(()) };
            assert_eq!(decide(c, S::UpdateIfNewer).map_err(|_| ()), expected, "{c:?}");
        }
    }

    #[test]
    fn duplicates_take_the_next_free_number_and_stay_valid_names() {
        let name = PackName::parse("Pack").unwrap();
        let taken: BTreeSet<String> = ["Pack", "Pack (2)", "Pack (3)"].map(String::from).into();
        assert_eq!(duplicate_name(&name, &taken).unwrap().as_str(), "Pack (4)");
        let long = PackName::parse(&"n".repeat(128)).unwrap();
        let dup = duplicate_name(&long, &BTreeSet::new()).unwrap();
        assert_eq!(dup.as_str().chars().count(), 128);
        assert!(dup.as_str().ends_with(" (2)"));
    }
}
