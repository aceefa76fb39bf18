//! Several backup targets and the copies policy (SPEC §3.12): copies counted
//! per target, the policy on delete and on target removal, targets that are
//! one place, names, whereis, and the records of the first target from
//! before there were several.

use std::fs;
use std::path::PathBuf;

use synapse_core::catalog::Catalog;
use synapse_core::error::{Error, ErrorCode};
use synapse_core::guard;
use synapse_core::inventory;
use synapse_core::layout::BackupLayout;
use synapse_core::model::{AssetKind, CopySource, DeleteTarget, Location, Remaining, SyncDirection};
use synapse_core::sync::{self, SyncOptions};
use synapse_core::target::{self, PolicyUpdate};
use synapse_core::verify::{self, Selection};
use synapse_core::Store;

use crate::backup::{enabled, quiet};
use crate::support::{content, Fixture};

/// A store with its original backup at `<tmp>/drive` and further targets at `<tmp>/<name>`.
fn with_targets(names: &[&str]) -> (Fixture, Vec<PathBuf>) {
    let f = enabled();
    let paths = names
        .iter()
        .map(|n| {
            let p = f.dir.path().join(n);
            target::add(&f.store, n, &p).unwrap();
            p
        })
        .collect();
    (f, paths)
}

/// A referenced blob, only local for now.
fn referenced(f: &Fixture, tag: &str) -> synapse_core::Sha256 {
    let bytes = content(tag, 2048);
    let sha = f.put_local(&bytes);
    f.write_pack(&format!("Pack {tag}"), &[(tag, &sha, AssetKind::Lora, bytes.len() as u64, &format!("{tag}.safetensors"))]);
    sha
}

fn on(store: &Store, name: Option<&str>) -> Store {
    store.on_target(name).unwrap()
}

fn policy(f: &Fixture, min: u32) {
    target::set_policy(&f.store, &PolicyUpdate { min_copies: Some(min), ..Default::default() }).unwrap();
}

fn copies(f: &Fixture, sha: &synapse_core::Sha256) -> Vec<String> {
    f.inventory().get(sha).unwrap().copies.iter().map(|c| c.target.clone()).collect()
}

#[test]
fn copies_are_counted_per_target_over_two_and_three_targets() {
    let (f, _) = with_targets(&["home", "nas"]);
    let sha = referenced(&f, "lora-a");
    assert_eq!(copies(&f, &sha), ["local"]);
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    let it = f.inventory().get(&sha).unwrap().clone();
    assert_eq!(it.copies.iter().map(|c| c.target.as_str()).collect::<Vec<_>>(), ["local", "backup", "home"]);
    assert_eq!((it.copies_count, it.location, it.on_backup), (3, Location::Both, true));
    assert!(it.copies.iter().all(|c| c.verified_at.is_some()), "a hash-checked copy is verified when written: {:?}", it.copies);
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("nas")), &sha, ctl)).unwrap();
    assert_eq!(f.inventory().get(&sha).unwrap().copies_count, 4);

    let s = f.inventory().summary;
    let names: Vec<(&str, u64, bool)> = s.targets.iter().map(|t| (t.name.as_str(), t.blobs, t.connected)).collect();
    assert_eq!(names, [("backup", 1, true), ("home", 1, true), ("nas", 1, true)]);
    assert_eq!(inventory::build(&f.store).unwrap().query(&inventory::Query { copies_below: Some(4), ..Default::default() }).items.len(), 0);
    assert_eq!(inventory::build(&f.store).unwrap().query(&inventory::Query { copies_below: Some(5), ..Default::default() }).items.len(), 1);
}

#[test]
fn an_unplugged_target_keeps_its_copies_in_its_own_catalog() {
    let (f, paths) = with_targets(&["home"]);
    let sha = referenced(&f, "away");
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    fs::rename(&paths[0], f.dir.path().join("home-away")).unwrap();
    let inv = f.inventory();
    let c = inv.get(&sha).unwrap().copies.iter().find(|c| c.target == "home").cloned().unwrap();
    assert_eq!(c.source, CopySource::Cached);
    let home = inv.summary.targets.iter().find(|t| t.name == "home").unwrap();
    assert!(!home.connected && home.error.is_some() && home.blobs == 1, "{home:?}");
    // The original's target knows nothing of it.
    assert!(Catalog::load(f.store.layout(), &f.store.target().unwrap()).blobs.is_empty());
}

#[test]
fn a_local_delete_with_policy_two_is_allowed_with_two_copies_left_and_refused_with_policy_three() {
    let (f, _) = with_targets(&["home"]);
    let sha = referenced(&f, "lora-b");
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();

    policy(&f, 3);
    let err = guard::delete(&f.store, &sha, DeleteTarget::Local, false).unwrap_err();
    assert_eq!((err.code(), err.code().exit_code()), (ErrorCode::BelowMinCopies, 3));
    let Error::BelowMinCopies { required, remaining, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*required, remaining.as_slice()), (3, ["backup".to_owned(), "home".to_owned()].as_slice()));
    assert!(f.local_path(&sha).exists(), "refused: nothing deleted");

    policy(&f, 2);
    // Still used by its pack: the in-use rule stands on its own.
    assert_eq!(guard::delete(&f.store, &sha, DeleteTarget::Local, false).unwrap_err().code(), ErrorCode::InUse);
    let r = guard::delete(&f.store, &sha, DeleteTarget::Local, true).unwrap();
    assert_eq!((r.deleted_from.as_slice(), r.remaining_on), (["local".to_owned()].as_slice(), Remaining::Backup));
    assert_eq!(r.remaining_copies, ["backup", "home"]);
}

#[test]
fn a_peer_copy_verified_too_long_ago_does_not_count() {
    let (f, _) = with_targets(&["home"]);
    let sha = referenced(&f, "lora-c");
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    policy(&f, 2);
    // The only record of home's copy being good is 100 days old.
    let home = target::find(f.store.layout(), &f.store.config().unwrap(), Some("home")).unwrap();
    let ledger_path = home.ledger_file(f.store.layout());
    let mut ledger = synapse_core::ledger::Ledger::load(&ledger_path);
    let old = (chrono::Utc::now() - chrono::Duration::days(100)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    ledger.0.get_mut(sha.as_str()).unwrap().at = old.clone();
    ledger.save(&ledger_path).unwrap();
    // Deleting the original target's copy would leave local (fresh) and home (stale): one that counts.
    let err = guard::delete(&f.store, &sha, DeleteTarget::Backup, false).unwrap_err();
    let Error::BelowMinCopies { remaining, .. } = &err else { panic!("{err:?}") };
    assert!(remaining.iter().any(|r| r.starts_with("home (last verified") && r.contains(&old)), "{remaining:?}");
    // Verified again, it counts again.
    quiet(|ctl| verify::verify(&on(&f.store, Some("home")), Selection::AllBackup, None, ctl)).unwrap();
    assert_eq!(guard::delete(&f.store, &sha, DeleteTarget::Backup, false).unwrap_err().code(), ErrorCode::InUse);
}

#[test]
fn everywhere_needs_every_target_with_a_copy_and_is_a_last_copy_delete() {
    let (f, paths) = with_targets(&["home"]);
    let bytes = content("orphan-everywhere", 900);
    let sha = f.put_local(&bytes);
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    fs::rename(&paths[0], f.dir.path().join("home-away")).unwrap();
    let err = guard::delete(&f.store, &sha, DeleteTarget::Everywhere, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    assert!(f.local_path(&sha).exists() && f.backup_path(&sha).exists(), "nothing deleted");
    fs::rename(f.dir.path().join("home-away"), &paths[0]).unwrap();
    assert_eq!(guard::delete(&f.store, &sha, DeleteTarget::Everywhere, false).unwrap_err().code(), ErrorCode::LastCopy);
    let r = guard::delete(&f.store, &sha, DeleteTarget::Everywhere, true).unwrap();
    assert_eq!(r.deleted_from, ["backup", "home", "local"]);
    assert_eq!((r.remaining_on, r.bytes_freed), (Remaining::Nowhere, 900));
    assert!(!BackupLayout::new(&paths[0]).blobs().blob(&sha).exists());
}

#[test]
fn removing_a_target_is_refused_while_the_policy_needs_its_copies_and_deletes_nothing_on_it() {
    let (f, paths) = with_targets(&["home"]);
    let sha = referenced(&f, "lora-d");
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    policy(&f, 3);
    let err = target::remove(&f.store, "home", false).unwrap_err();
    assert_eq!((err.code(), err.code().exit_code()), (ErrorCode::BelowMinCopies, 3));
    assert!(err.to_string().contains("home"), "{err}");
    policy(&f, 2);
    let r = target::remove(&f.store, "home", false).unwrap();
    assert_eq!((r.name.as_str(), r.blobs_below_policy), ("home", 0));
    assert!(BackupLayout::new(&paths[0]).blobs().blob(&sha).exists(), "nothing on the target is deleted");
    assert_eq!(f.inventory().get(&sha).unwrap().copies_count, 2);
    // The original's target is configured in config.json: not removed here.
    assert_eq!(target::remove(&f.store, "backup", true).unwrap_err().code(), ErrorCode::InvalidArgument);
}

#[test]
fn the_same_folder_through_a_link_or_as_the_original_target_is_refused_as_one() {
    let (f, paths) = with_targets(&["home"]);
    let link = f.dir.path().join("home-link");
    std::os::unix::fs::symlink(&paths[0], &link).unwrap();
    let err = target::add(&f.store, "again", &link).unwrap_err();
    assert!(err.to_string().contains("\"home\""), "{err}");
    let err = target::add(&f.store, "again", &f.drive).unwrap_err();
    assert!(err.to_string().contains("\"backup\""), "{err}");
    // A bind mount or a copied folder keeps the drive's id: still the same drive.
    let twin = f.dir.path().join("twin");
    fs::create_dir_all(twin.join(".synapse/store/data/blobs/sha256")).unwrap();
    fs::copy(paths[0].join(".synapse/backup-id"), twin.join(".synapse/backup-id")).unwrap();
    let err = target::add(&f.store, "twin", &twin).unwrap_err();
    assert!(err.to_string().contains("same backup"), "{err}");
    assert_eq!(target::list(&f.store).unwrap().0.len(), 2);
}

#[test]
fn names_are_unique_and_reserved_words_are_refused() {
    let (f, _) = with_targets(&["home"]);
    let spare = f.dir.path().join("spare");
    for bad in ["local", "everywhere", "both", "HOME", "backup"] {
        assert!(target::add(&f.store, bad, &spare).is_err(), "{bad}");
    }
    assert_eq!(target::add(&f.store, "Home", &spare).unwrap_err().code(), ErrorCode::AlreadyExists);
    assert_eq!(f.store.on_target(Some("nope")).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn rename_keeps_the_catalog_and_the_corrupt_records() {
    let (f, paths) = with_targets(&["home"]);
    let sha = referenced(&f, "lora-e");
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    // Rot home's copy and let verify find it.
    fs::write(BackupLayout::new(&paths[0]).blobs().blob(&sha), content("rotten", 2048)).unwrap();
    quiet(|ctl| verify::verify(&on(&f.store, Some("home")), Selection::AllBackup, None, ctl)).unwrap();
    assert!(f.inventory().get(&sha).unwrap().corrupt_on("home"));
    target::rename(&f.store, "home", "Home NAS").unwrap();
    let it = f.inventory().get(&sha).unwrap().clone();
    assert!(it.corrupt_on("Home NAS") && !it.good_on("Home NAS"), "{:?}", it.copies);
    fs::rename(&paths[0], f.dir.path().join("away")).unwrap();
    let inv = f.inventory();
    assert!(inv.get(&sha).unwrap().file_on("Home NAS"), "the catalog followed the rename");
    // The original's target can be renamed too; config.json stays the original's.
    target::rename(&f.store, "backup", "Work drive").unwrap();
    assert_eq!(target::list(&f.store).unwrap().0[0].name, "Work drive");
    assert!(f.store.config().unwrap().backup.enabled);
}

#[test]
fn whereis_finds_a_blob_by_hash_prefix_or_name() {
    let (f, _) = with_targets(&["home"]);
    let sha = referenced(&f, "where");
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    let w = target::whereis(&f.store, &sha.as_str()[..10]).unwrap();
    assert_eq!(w.copies.iter().map(|c| c.target.as_str()).collect::<Vec<_>>(), ["local", "home"]);
    assert_eq!(w.not_on, ["backup"]);
    assert!(w.copies.iter().all(|c| c.connected && c.path.as_ref().is_some_and(|p| p.is_file())));
    assert_eq!(target::whereis(&f.store, "WHERE.safetensors").unwrap().sha256, sha);
    assert!(target::whereis(&f.store, "nothing-called-this").is_err());
}

#[test]
fn the_first_targets_files_from_before_several_targets_move_to_their_id() {
    // A store of the previous release: one catalog, one ledger, no targets.json.
    let f = enabled();
    let sha = f.put_local(&content("legacy", 512));
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    let layout = f.store.layout();
    let id = fs::read_to_string(f.backup_layout().id_file()).unwrap().trim().to_owned();
    let keyed = layout.cache().join("catalogs").join(format!("{id}.json"));
    // Put the catalog back where the previous release kept it, and forget the id.
    fs::rename(&keyed, layout.backup_catalog()).unwrap();
    fs::remove_file(layout.targets()).unwrap();
    let away = f.unplug();
    assert_eq!(f.inventory().get(&sha).unwrap().location, Location::Both, "the old catalog is read while the drive is away");
    f.replug(&away);
    quiet(|ctl| sync::backup_blob(&f.store, &f.put_local(&content("legacy-2", 512)), ctl)).unwrap();
    assert!(keyed.is_file() && !layout.backup_catalog().exists(), "moved by the first session");
    assert_eq!(target::load(layout).unwrap().backup.backup_id.as_deref(), Some(id.as_str()));
}

#[test]
fn sync_all_plans_the_copies_the_policy_needs_and_names_the_target_that_would_fix_the_rest() {
    let (f, paths) = with_targets(&["home", "nas"]);
    let small = referenced(&f, "small");
    let big_bytes = content("big", 8192);
    let big = f.put_local(&big_bytes);
    f.write_pack("Big", &[("big", &big, AssetKind::Checkpoint, 8192, "big.safetensors")]);
    let orphan = f.put_local(&content("orphan", 100));
    policy(&f, 4);
    // nas is unplugged: only backup and home can take copies now.
    fs::rename(&paths[1], f.dir.path().join("nas-away")).unwrap();
    let plan = synapse_core::replicate::plan_sync_all(&f.store, Default::default()).unwrap();
    let planned: Vec<(&str, &str)> = plan.copies.iter().map(|c| (c.display_name.as_str(), c.to.as_str())).collect();
    assert_eq!(
        planned,
        [("small.safetensors", "backup"), ("small.safetensors", "home"), ("big.safetensors", "backup"), ("big.safetensors", "home")],
        "smallest first, never to the local disk, never the orphan"
    );
    assert!(plan.copies.iter().all(|c| c.from == "local"));
    assert_eq!(plan.short.len(), 2, "four copies need nas too: {:?}", plan.short);
    assert!(plan.short.iter().all(|s| s.would_fix == ["nas"] && s.copies == 3 && s.min_copies == 4), "{:?}", plan.short);
    assert_eq!(plan.connected, ["backup", "home"]);

    let r = quiet(|ctl| synapse_core::replicate::apply_sync_all(&f.store, &plan, ctl)).unwrap();
    assert_eq!((r.copied.len(), r.errors.len(), r.skipped.len()), (4, 0, 0), "{r:?}");
    for sha in [&small, &big] {
        assert_eq!(copies(&f, sha), ["local", "backup", "home"]);
    }
    assert_eq!(copies(&f, &orphan), ["local"]);
    // Applied again, the same plan skips what is done, with the reason.
    let again = quiet(|ctl| synapse_core::replicate::apply_sync_all(&f.store, &plan, ctl)).unwrap();
    assert!(again.copied.is_empty() && again.skipped.len() == 4, "{again:?}");
    // nas back: the rest is planned from the nearest good copy.
    fs::rename(f.dir.path().join("nas-away"), &paths[1]).unwrap();
    let plan = synapse_core::replicate::plan_sync_all(&f.store, Default::default()).unwrap();
    assert_eq!(plan.copies.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), ["nas", "nas"]);
    assert!(plan.short.is_empty());
    // Orphans only when asked, to the global policy.
    let with = synapse_core::replicate::plan_sync_all(&f.store, synapse_core::replicate::SyncAllOptions { include_orphans: true }).unwrap();
    assert_eq!(with.copies.iter().filter(|c| c.sha256 == orphan).count(), 3, "one per target, to the global four");
}

#[test]
fn sync_all_copies_from_a_target_when_the_local_copy_is_gone() {
    let (f, _) = with_targets(&["home"]);
    let sha = referenced(&f, "far");
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    fs::remove_file(f.local_path(&sha)).unwrap();
    policy(&f, 2);
    let plan = synapse_core::replicate::plan_sync_all(&f.store, Default::default()).unwrap();
    assert_eq!(plan.copies.iter().map(|c| (c.from.as_str(), c.to.as_str())).collect::<Vec<_>>(), [("backup", "home")]);
    quiet(|ctl| synapse_core::replicate::apply_sync_all(&f.store, &plan, ctl)).unwrap();
    assert_eq!(copies(&f, &sha), ["backup", "home"]);
    assert!(!f.local_path(&sha).exists(), "never written to the local disk");
}

#[test]
fn push_free_keeps_the_local_copies_the_policy_needs_and_says_so_in_the_plan() {
    let (f, _) = with_targets(&["home"]);
    let sha = referenced(&f, "pushed");
    policy(&f, 2);
    let pack = synapse_core::PackName::parse("Pack pushed").unwrap();
    let opts = sync::PushOptions { dry_run: true, free: true };
    let plan = quiet(|ctl| sync::push(&f.store, &pack, opts, ctl)).unwrap();
    assert!(plan.to_free.is_empty(), "{plan:?}");
    assert!(
        plan.errors.iter().any(|e| e.code == ErrorCode::BelowMinCopies && e.message.contains("pushed.safetensors")),
        "{:?}",
        plan.errors
    );
    let done = quiet(|ctl| sync::push(&f.store, &pack, sync::PushOptions { dry_run: false, free: true }, ctl)).unwrap();
    assert!(done.freed.is_empty() && f.local_path(&sha).exists());
    assert!(f.backup_path(&sha).exists(), "still backed up");
    // With a second copy elsewhere the local one may go.
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    let done = quiet(|ctl| sync::push(&f.store, &pack, sync::PushOptions { dry_run: false, free: true }, ctl)).unwrap();
    assert_eq!(done.freed, std::slice::from_ref(&sha));
    assert!(!f.local_path(&sha).exists());
}

// ---- scrub ------------------------------------------------------------------

fn verified_at(f: &Fixture, sha: &synapse_core::Sha256, place: &str) -> Option<String> {
    f.inventory().get(sha).unwrap().copies.iter().find(|c| c.target == place).and_then(|c| c.verified_at.clone())
}

#[test]
fn scrub_within_a_byte_budget_hashes_the_oldest_verified_first_and_updates_the_ledger() {
    let (f, _) = with_targets(&["home"]);
    let shas: Vec<_> = (0..4).map(|i| referenced(&f, &format!("scrub-{i}"))).collect();
    let home = on(&f.store, Some("home"));
    for sha in &shas {
        quiet(|ctl| sync::backup_blob(&home, sha, ctl)).unwrap();
    }
    // Make the ledger say: 0 and 1 verified long ago (1 the oldest), 2 and 3 recently.
    let target = home.target().unwrap();
    let path = target.ledger_file(f.store.layout());
    let mut ledger = synapse_core::ledger::Ledger::load(&path);
    for (i, days) in [(0, 200), (1, 300), (2, 1), (3, 2)] {
        let at = (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        ledger.0.get_mut(shas[i].as_str()).unwrap().at = at;
    }
    ledger.save(&path).unwrap();
    let before: Vec<_> = shas.iter().map(|s| verified_at(&f, s, "home")).collect();
    let local_before: Vec<_> = shas.iter().map(|s| verified_at(&f, s, "local")).collect();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a new verification gets a later second
    let opts = synapse_core::scrub::ScrubOptions { budget: Some(synapse_core::scrub::Budget::Bytes(4096)), repair: false };
    let r = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), opts, ctl)).unwrap();
    assert_eq!((r.scrubbed, r.bytes_scrubbed, r.left, r.stopped_by_budget), (2, 4096, 2, true), "{r:?}");
    let after: Vec<_> = shas.iter().map(|s| verified_at(&f, s, "home")).collect();
    assert!(after[0] > before[0] && after[1] > before[1], "the two oldest were hashed: {after:?}");
    assert_eq!((&after[2], &after[3]), (&before[2], &before[3]), "the recent ones were left for later");
    let local_after: Vec<_> = shas.iter().map(|s| verified_at(&f, s, "local")).collect();
    assert_eq!(local_after, local_before, "the local copies were not hashed");
}

#[test]
fn scrub_finds_a_corrupt_copy_and_repair_replaces_it_from_a_good_one_keeping_the_bad_file() {
    let (f, paths) = with_targets(&["home"]);
    let sha = referenced(&f, "rotting");
    let home = on(&f.store, Some("home"));
    quiet(|ctl| sync::backup_blob(&home, &sha, ctl)).unwrap();
    let on_home = BackupLayout::new(&paths[0]).blobs().blob(&sha);
    let rotten = content("bit rot", 2048);
    fs::write(&on_home, &rotten).unwrap();

    let r = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), Default::default(), ctl)).unwrap();
    assert_eq!(r.corrupt.iter().map(|c| &c.sha256).collect::<Vec<_>>(), [&sha]);
    assert!(r.repaired.is_empty(), "without --repair nothing is replaced");
    let record = synapse_core::integrity::IntegrityRecord::load(f.store.layout()).unwrap();
    assert_eq!(record.copies(&sha).unwrap()["home"].found_by, "scrub");
    assert_eq!(fs::read(&on_home).unwrap(), rotten, "nothing moved");

    let opts = synapse_core::scrub::ScrubOptions { budget: None, repair: true };
    let r = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), opts, ctl)).unwrap();
    assert_eq!(r.repaired.len(), 1, "{r:?}");
    assert_eq!(fs::read(&on_home).unwrap(), fs::read(f.local_path(&sha)).unwrap(), "replaced from the local copy");
    assert_eq!(fs::read(&r.repaired[0].quarantined).unwrap(), rotten, "the bad bytes are kept in quarantine, never deleted");
    assert!(f.inventory().get(&sha).unwrap().good_on("home"));
}

#[test]
fn a_corrupt_only_copy_stays_where_it_is_marked() {
    let (f, paths) = with_targets(&["home"]);
    let sha = referenced(&f, "only");
    let home = on(&f.store, Some("home"));
    quiet(|ctl| sync::backup_blob(&home, &sha, ctl)).unwrap();
    fs::remove_file(f.local_path(&sha)).unwrap();
    let on_home = BackupLayout::new(&paths[0]).blobs().blob(&sha);
    fs::write(&on_home, content("rot", 2048)).unwrap();
    let opts = synapse_core::scrub::ScrubOptions { budget: None, repair: true };
    let r = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), opts, ctl)).unwrap();
    assert!(r.repaired.is_empty());
    assert!(r.not_repaired.iter().any(|s| s.reason.contains("no good copy")), "{:?}", r.not_repaired);
    assert!(on_home.is_file(), "the only copy stays");
    let it = f.inventory().get(&sha).unwrap().clone();
    assert!(it.corrupt_on("home") && it.copies_count == 0, "{:?}", it.copies);
}

#[test]
fn scrub_of_an_unplugged_target_is_not_connected() {
    let (f, paths) = with_targets(&["home"]);
    fs::rename(&paths[0], f.dir.path().join("away")).unwrap();
    let err = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), Default::default(), ctl)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::BackupNotConnected);
    let r = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("local"), Default::default(), ctl)).unwrap();
    assert_eq!(r.target, "local");
}

#[test]
fn a_disabled_target_is_left_alone_and_its_copies_stop_counting_until_enabled() {
    let (f, paths) = with_targets(&["home"]);
    let sha = referenced(&f, "lora-d");
    quiet(|ctl| sync::backup_blob(&on(&f.store, Some("home")), &sha, ctl)).unwrap();
    policy(&f, 2);
    let blob = BackupLayout::new(&paths[0]).blobs().blob(&sha);

    let r = target::set_enabled(&f.store, "home", false).unwrap();
    assert_eq!(r.blobs_below_policy, 1, "the only other copy is on the disabled target");
    assert!(blob.is_file(), "disabling touches nothing on the target");
    assert_eq!(copies(&f, &sha), ["local"]);
    let err = guard::delete(&f.store, &sha, DeleteTarget::Local, false).unwrap_err();
    assert!(matches!(err, Error::LastCopy { .. }), "{err:?}");
    assert!(!target::list(&f.store).unwrap().0[1].enabled);

    let r = target::set_enabled(&f.store, "home", true).unwrap();
    assert_eq!((r.blobs_below_policy, copies(&f, &sha)), (0, vec!["local".to_owned(), "home".to_owned()]));

    // The original's target is switched in config.json, as the original reads it.
    target::set_enabled(&f.store, "backup", false).unwrap();
    assert!(!f.store.config().unwrap().backup.enabled);
    assert!(matches!(target::set_enabled(&f.store, "nope", true), Err(Error::TargetNotFound { .. })));
}

#[test]
fn a_corrupt_copy_on_one_target_is_repaired_from_another_when_the_local_copy_is_gone() {
    let (f, paths) = with_targets(&["home", "nas"]);
    let sha = referenced(&f, "far-rot");
    for name in ["home", "nas"] {
        quiet(|ctl| sync::backup_blob(&on(&f.store, Some(name)), &sha, ctl)).unwrap();
    }
    let good = fs::read(f.local_path(&sha)).unwrap();
    fs::remove_file(f.local_path(&sha)).unwrap();
    let on_home = BackupLayout::new(&paths[0]).blobs().blob(&sha);
    let rotten = content("far bit rot", 2048);
    fs::write(&on_home, &rotten).unwrap();

    let opts = synapse_core::scrub::ScrubOptions { budget: None, repair: true };
    let r = quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), opts, ctl)).unwrap();
    assert_eq!(r.repaired.len(), 1, "{r:?}");
    assert_eq!((r.repaired[0].side.as_str(), r.repaired[0].from.as_str()), ("home", "nas"));
    assert_eq!(fs::read(&on_home).unwrap(), good, "replaced from the nas copy");
    assert_eq!(fs::read(&r.repaired[0].quarantined).unwrap(), rotten, "the bad bytes are kept, never deleted");
    assert!(r.repaired[0].quarantined.starts_with(&paths[0]), "quarantined on its own drive: {:?}", r.repaired[0].quarantined);
    assert!(!f.local_path(&sha).exists(), "nothing is written to the local disk");
    let it = f.inventory().get(&sha).unwrap().clone();
    assert!(it.good_on("home") && it.good_on("nas") && it.copies_count == 2, "{:?}", it.copies);

    // With the only good copy's drive unplugged, the plan says which drive to plug in.
    fs::write(&on_home, &rotten).unwrap();
    quiet(|ctl| synapse_core::scrub::scrub(&f.store, Some("home"), Default::default(), ctl)).unwrap();
    fs::rename(&paths[1], f.dir.path().join("nas-away")).unwrap();
    let plan = synapse_core::repair::plan_repair(&f.store, Some(std::slice::from_ref(&sha))).unwrap();
    assert!(plan.items.is_empty(), "{plan:?}");
    assert!(plan.cannot[0].reason.contains("nas, which is not connected"), "{:?}", plan.cannot);
    assert_eq!(fs::read(&on_home).unwrap(), rotten, "the corrupt copy stays until it can be replaced");
}

/// Waits until folders changed now count as settled (their stamps are kept).
fn settle() {
    std::thread::sleep(std::time::Duration::from_secs(synapse_core::tree::DirStamp::SETTLE_SECS as u64 + 1));
}

fn scan_memory_of(f: &Fixture) -> serde_json::Value {
    let t = target::all(f.store.layout(), &f.store.config().unwrap()).unwrap().remove(0);
    serde_json::from_slice(&fs::read(t.scan_file(f.store.layout())).unwrap()).unwrap()
}

#[test]
fn a_drive_listing_is_remembered_per_folder_and_looked_at_again_where_a_folder_changed() {
    let f = enabled();
    let (a, b) = (referenced(&f, "lora-a"), referenced(&f, "lora-b"));
    quiet(|ctl| sync::backup_blob(&f.store, &a, ctl)).unwrap();
    quiet(|ctl| sync::backup_blob(&f.store, &b, ctl)).unwrap();
    // Folders that changed a moment ago are listed but not remembered: a second
    // change within the filesystem's time step would leave the same stamp.
    assert_eq!(f.inventory().get(&a).unwrap().copies_count, 2);
    assert!(scan_memory_of(&f)["fanouts"].as_object().unwrap().is_empty(), "nothing settled yet: {}", scan_memory_of(&f));
    settle();
    assert_eq!(f.inventory().get(&a).unwrap().copies_count, 2);
    let memory = scan_memory_of(&f);
    for sha in [&a, &b] {
        assert_eq!(memory["fanouts"][sha.fanout()]["blobs"][0][0], sha.as_str(), "{memory}");
    }

    // A copy removed from a remembered folder is gone at the next look; one
    // added to another folder is there.
    let drive = f.backup_layout().blobs();
    fs::remove_file(drive.blob(&a)).unwrap();
    let c = referenced(&f, "lora-c");
    quiet(|ctl| sync::backup_blob(&f.store, &c, ctl)).unwrap();
    let inv = f.inventory();
    assert_eq!(copies(&f, &a), ["local"]);
    assert_eq!((inv.get(&b).unwrap().copies_count, inv.get(&c).unwrap().copies_count), (2, 2));

    // The drive's copy replaced by a hard link to the local blob (a rename into
    // the remembered folder) is the same file as the local one: one copy.
    settle();
    assert_eq!(f.inventory().get(&b).unwrap().copies_count, 2);
    let link = drive.root().join("link.tmp");
    fs::hard_link(f.store.layout().blobs().blob(&b), &link).unwrap();
    fs::rename(&link, drive.blob(&b)).unwrap();
    assert_eq!(f.inventory().get(&b).unwrap().copies_count, 1, "a hard link to the local blob is no second copy");
}

#[test]
fn nothing_is_taken_from_a_remembered_listing_while_something_is_mounted_below_the_drive() {
    let f = enabled();
    let sha = referenced(&f, "lora-a");
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    settle();
    assert_eq!(f.inventory().get(&sha).unwrap().copies_count, 2);
    assert!(scan_memory_of(&f)["fanouts"][sha.fanout()].is_object(), "remembered");
    // The local blob mounted over the drive's copy: the folder is unchanged,
    // but the name now leads to the local file, which is no second copy.
    let local = f.store.layout().blobs().blob(&sha);
    let on_drive = f.backup_layout().blobs().blob(&sha);
    let mounted = std::process::Command::new("mount").arg("--bind").arg(&local).arg(&on_drive).status().is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "SKIPPED nothing_is_taken_from_a_remembered_listing_while_something_is_mounted_below_the_drive: `mount --bind` needs root"
        );
        return;
    }
    let count = f.inventory().get(&sha).unwrap().copies_count;
    let _ = std::process::Command::new("umount").arg(&on_drive).status();
    assert_eq!(count, 1, "the mounted file is the local blob itself");
    assert_eq!(f.inventory().get(&sha).unwrap().copies_count, 2, "unmounted, the drive's own copy is back");
}

#[test]
fn a_delete_looks_at_the_drive_copy_it_leans_on_not_at_the_remembered_listing() {
    let f = enabled();
    let sha = f.put_local(&content("orphan", 4096));
    quiet(|ctl| sync::backup_blob(&f.store, &sha, ctl)).unwrap();
    settle();
    assert_eq!(f.inventory().get(&sha).unwrap().copies_count, 2);
    assert!(scan_memory_of(&f)["fanouts"][sha.fanout()].is_object(), "remembered");
    // The drive's copy cut short in place: its folder does not change.
    let on_drive = f.backup_layout().blobs().blob(&sha);
    fs::set_permissions(&on_drive, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    fs::write(&on_drive, b"short").unwrap();
    let err = guard::delete(&f.store, &sha, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy, "{err:?}");
    assert!(f.local_path(&sha).exists(), "refused: nothing deleted");
}

#[test]
fn a_sync_takes_unchanged_drive_folders_from_memory_and_sees_what_changed_or_is_mounted() {
    let f = enabled();
    let (a, b) = (f.put_local(&content("model-a", 3000)), f.put_local(&content("model-b", 2000)));
    quiet(|ctl| sync::sync(&f.store, crate::backup::execute(SyncDirection::ToBackup), ctl)).unwrap();
    settle();
    f.inventory();
    assert!(scan_memory_of(&f)["fanouts"][a.fanout()].is_object(), "remembered");
    let dry = |f: &Fixture| quiet(|ctl| sync::sync(&f.store, SyncOptions::default(), ctl)).unwrap();
    assert!(dry(&f).already_synced);
    // A copy removed from a remembered folder: that folder is listed again.
    fs::remove_file(f.backup_layout().blobs().blob(&a)).unwrap();
    let plan = dry(&f);
    assert_eq!(plan.items.iter().map(|i| &i.sha256).collect::<Vec<_>>(), [&a]);
    quiet(|ctl| sync::sync(&f.store, crate::backup::execute(SyncDirection::ToBackup), ctl)).unwrap();
    settle();
    f.inventory();
    assert!(dry(&f).already_synced);
    // The local blob mounted over its drive copy is no copy (the folder is unchanged).
    let on_drive = f.backup_layout().blobs().blob(&b);
    let mounted = std::process::Command::new("mount")
        .arg("--bind")
        .arg(f.store.layout().blobs().blob(&b))
        .arg(&on_drive)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("SKIPPED the mount half of a_sync_takes_unchanged_drive_folders_from_memory_and_sees_what_changed_or_is_mounted: `mount --bind` needs root");
        return;
    }
    let plan = dry(&f);
    let _ = std::process::Command::new("umount").arg(&on_drive).status();
    assert_eq!(plan.items.iter().map(|i| &i.sha256).collect::<Vec<_>>(), [&b], "the mounted file is the local blob itself");
}
