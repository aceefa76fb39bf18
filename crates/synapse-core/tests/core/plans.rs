//! Plans (SPEC §3.11): what the user confirmed is what runs. Each test makes a
//! plan, changes the store behind its back, applies it, and checks that the
//! changed item is skipped with a reason and nothing unplanned is touched.

use std::fs;

use synapse_core::links::{self as views, UseOptions};
use synapse_core::model::{AssetKind, SyncDirection, UiKind};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::sync::{self, SyncOptions};
use synapse_core::{ui_targets as ui, PackName};

use crate::backup::enabled;
use crate::support::content;

fn ctl(cancel: &CancelToken) -> Control<'_> {
    Control::new(&NoProgress, cancel)
}

#[test]
fn a_sync_applies_only_the_planned_blobs_and_skips_one_that_is_already_there() {
    let f = enabled();
    let a = f.put_local(&content("planned a", 3000));
    let b = f.put_local(&content("planned b", 2000));
    let plan = sync::plan_sync(&f.store, SyncOptions { direction: SyncDirection::ToBackup, ..Default::default() }).unwrap();
    assert_eq!(plan.preview.blobs_to_sync, 2);
    // Meanwhile: b reaches the drive another way, and a new blob arrives.
    f.put_backup(&content("planned b", 2000));
    let newcomer = f.put_local(&content("not in the plan", 1000));
    let cancel = CancelToken::new();
    let r = sync::apply_sync(&f.store, &plan, ctl(&cancel)).unwrap();
    assert_eq!(r.blobs_synced, 1, "{r:?}");
    assert!(f.backup_path(&a).exists());
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].sha256.as_ref(), Some(&b));
    assert!(r.skipped[0].reason.contains("already on the backup"), "{}", r.skipped[0].reason);
    assert!(!f.backup_path(&newcomer).exists(), "a blob that was not planned is not copied");
}

#[test]
fn push_free_never_frees_a_copy_that_a_ui_started_to_use_after_the_plan() {
    let f = enabled();
    let ckpt = f.put_local(&content("checkpoint", 5000));
    f.put_backup(&content("checkpoint", 5000));
    let lora = f.put_local(&content("lora", 1500));
    f.put_backup(&content("lora", 1500));
    f.write_pack("P", &[("c", &ckpt, AssetKind::Checkpoint, 5000, "c.safetensors"), ("l", &lora, AssetKind::Lora, 1500, "l.safetensors")]);
    let name = PackName::parse("P").unwrap();
    let plan = sync::plan_transfer(&f.store, &name, SyncDirection::ToBackup, true).unwrap();
    assert_eq!(plan.preview.to_free.len(), 2, "{:?}", plan.preview);
    // Meanwhile the pack is put to use in ComfyUI: its local copies are linked now.
    let comfy = f.dir.path().join("ComfyUI");
    fs::create_dir_all(comfy.join("models")).unwrap();
    ui::add(&f.store, "comfy", UiKind::Comfyui, &comfy).unwrap();
    let cancel = CancelToken::new();
    views::use_pack(&f.store, &name, &UseOptions { ui: None, restore: false }, ctl(&cancel)).unwrap();
    let r = sync::apply_transfer(&f.store, &plan, ctl(&cancel)).unwrap();
    assert!(r.freed.is_empty(), "{r:?}");
    assert_eq!(r.skipped.len(), 2, "{:?}", r.skipped);
    assert!(r.skipped.iter().all(|k| k.reason.contains("comfy")), "{:?}", r.skipped);
    assert!(f.local_path(&ckpt).exists() && f.local_path(&lora).exists());
}

#[test]
fn a_pack_plan_is_refused_on_another_store() {
    let f = enabled();
    let other = enabled();
    let sha = f.put_local(&content("m", 100));
    f.write_pack("P", &[("m", &sha, AssetKind::Lora, 100, "m.safetensors")]);
    let plan = sync::plan_transfer(&f.store, &PackName::parse("P").unwrap(), SyncDirection::ToBackup, false).unwrap();
    let cancel = CancelToken::new();
    let err = sync::apply_transfer(&other.store, &plan, ctl(&cancel)).unwrap_err();
    assert_eq!(err.code(), synapse_core::ErrorCode::InvalidArgument, "{err}");
}

/// Adopt hashes the tree once, in the plan: applying it re-hashes nothing
/// but what it copies, and a file that changed since is refused by name.
#[test]
fn adopt_applies_its_plan_without_hashing_again_and_refuses_a_file_that_changed() {
    use std::sync::Mutex;
    use synapse_core::adopt::{self, AdoptOptions};
    use synapse_core::progress::{ProgressSink, ProgressUpdate};
    struct Ops(Mutex<Vec<String>>);
    impl ProgressSink for Ops {
        fn report(&self, u: &ProgressUpdate) {
            self.0.lock().unwrap().push(u.operation.clone());
        }
    }
    let f = crate::support::Fixture::new();
    let models = f.dir.path().join("models/loras");
    fs::create_dir_all(&models).unwrap();
    fs::write(models.join("a.safetensors"), content("lora a", 3000)).unwrap();
    fs::write(models.join("b.safetensors"), content("lora b", 3000)).unwrap();
    let cancel = CancelToken::new();
    let plan = adopt::plan_adopt(&f.store, &models, AdoptOptions::default(), ctl(&cancel)).unwrap();
    assert_eq!(plan.preview.blobs.len(), 2);
    // b is edited after the preview (same size, new bytes and time).
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(models.join("b.safetensors"), content("lora B", 3000)).unwrap();
    let ops = Ops(Mutex::new(Vec::new()));
    let r = adopt::apply_adopt(&f.store, &plan, Control::new(&ops, &cancel)).unwrap();
    assert!(!ops.0.lock().unwrap().iter().any(|o| o == "hash"), "apply hashed the tree again: {:?}", ops.0.lock().unwrap());
    assert_eq!(r.blobs_added, 1, "{r:?}");
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].message.contains("changed since it was hashed"), "{}", r.errors[0].message);
}

fn comfy_target(f: &crate::support::Fixture) -> std::path::PathBuf {
    let comfy = f.dir.path().join("ComfyUI");
    fs::create_dir_all(comfy.join("models")).unwrap();
    ui::add(&f.store, "comfy", UiKind::Comfyui, &comfy).unwrap();
    comfy
}

/// A use plan confirms exactly the restores it lists: a blob that became
/// backup-only after the plan is an unconfirmed restore, refused.
#[test]
fn a_use_plan_never_restores_what_the_user_did_not_confirm() {
    let f = enabled();
    let a = f.put_local(&content("ckpt a", 4000));
    f.put_backup(&content("ckpt a", 4000));
    let b = f.put_local(&content("lora b", 1000));
    f.put_backup(&content("lora b", 1000));
    f.write_pack("P", &[("a", &a, AssetKind::Checkpoint, 4000, "a.safetensors"), ("b", &b, AssetKind::Lora, 1000, "b.safetensors")]);
    comfy_target(&f);
    let name = PackName::parse("P").unwrap();
    let plan = views::plan_use_value(&f.store, &name, Some("comfy")).unwrap();
    assert!(plan.preview.restored_blobs.is_empty());
    // Meanwhile the local copy of b is freed: using P now needs a restore nobody confirmed.
    fs::remove_file(f.local_path(&b)).unwrap();
    let cancel = CancelToken::new();
    let err = views::apply_use(&f.store, &plan, ctl(&cancel)).unwrap_err();
    assert_eq!(err.code(), synapse_core::ErrorCode::RestoreNeeded, "{err}");
    assert!(!f.local_path(&b).exists(), "nothing was restored");
}

#[test]
fn use_with_nothing_to_link_is_an_error_that_says_why_and_a_fully_linked_pack_is_a_no_op() {
    let f = enabled();
    let unknown = f.put_local(&content("mystery", 500));
    f.write_pack("Mystery", &[("m", &unknown, AssetKind::Unknown, 500, "m.bin")]);
    let lora = f.put_local(&content("lora", 700));
    f.write_pack("Lora", &[("l", &lora, AssetKind::Lora, 700, "l.safetensors")]);
    comfy_target(&f);
    let cancel = CancelToken::new();
    let opts = UseOptions { ui: None, restore: false };
    let err = views::use_pack(&f.store, &PackName::parse("Mystery").unwrap(), &opts, ctl(&cancel)).unwrap_err();
    assert!(err.to_string().contains("nothing to link") && err.to_string().contains("unknown"), "{err}");
    let first = views::use_pack(&f.store, &PackName::parse("Lora").unwrap(), &opts, ctl(&cancel)).unwrap();
    assert_eq!(first.linked.len(), 1);
    let again = views::use_pack(&f.store, &PackName::parse("Lora").unwrap(), &opts, ctl(&cancel)).unwrap();
    assert!(again.linked.is_empty() && again.already_linked.len() == 1, "{again:?}");
}
