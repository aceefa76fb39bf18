//! UI targets, `use` and `unuse`: links in, exactly the same links out, name
//! clashes refused, backup-only blobs restored first, and UI use guarding deletes.

use std::fs;
use std::path::{Path, PathBuf};

use synapse_core::links::{self as views, UseOptions};
use synapse_core::model::{AssetKind, DeleteTarget, UiKind};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::{cleanup, guard, ui_targets as ui, Error, ErrorCode, PackName, Sha256};
/// Also what the workflow tests compare before and after.
pub use synapse_test_support::snapshot;

use crate::support::{content, sha_of, Fixture};

/// A ComfyUI folder with a checkpoint of the user's own, registered as target `comfy`.
fn comfy(f: &Fixture) -> PathBuf {
    let root = f.dir.path().join("ComfyUI");
    fs::create_dir_all(root.join("models/checkpoints")).unwrap();
    fs::write(root.join("models/checkpoints/mine.safetensors"), b"user's own model").unwrap();
    ui::add(&f.store, "comfy", UiKind::Comfyui, &root).unwrap();
    root
}

fn use_pack(f: &Fixture, pack: &str, restore: bool) -> synapse_core::Result<synapse_core::model::UseResult> {
    let cancel = CancelToken::new();
    let opts = UseOptions { ui: None, restore };
    views::use_pack(&f.store, &PackName::parse(pack).unwrap(), &opts, Control::new(&NoProgress, &cancel))
}

fn unuse(f: &Fixture, pack: &str) -> synapse_core::model::UnuseResult {
    views::unuse(&f.store, &PackName::parse(pack).unwrap(), None).unwrap()
}

#[test]
fn use_then_unuse_leaves_the_ui_folder_exactly_as_before() {
    let f = Fixture::with_backup();
    let root = comfy(&f);
    let ckpt = f.put_local(&content("ckpt", 300));
    let lora = f.put_local(&content("lora", 100));
    f.put_backup(&content("lora", 100));
    f.write_pack(
        "Styles",
        &[
            ("main", &ckpt, AssetKind::Checkpoint, 300, "juggernaut.safetensors"),
            ("detail", &lora, AssetKind::Lora, 100, "detail.safetensors"),
        ],
    );
    let before = snapshot(&root);

    let r = use_pack(&f, "Styles", false).unwrap();
    assert_eq!(r.linked.len(), 2);
    assert!(r.restored_blobs.is_empty());
    let link = root.join("models/loras/detail.safetensors");
    assert_eq!(fs::read(&link).unwrap(), content("lora", 100), "the UI opens the blob's bytes");
    assert_eq!(fs::read(root.join("models/checkpoints/juggernaut.safetensors")).unwrap(), content("ckpt", 300));

    let inv = f.inventory();
    assert_eq!(inv.get(&lora).unwrap().active_in_uis, vec!["comfy".to_owned()]);
    let impacts = guard::impacts(&inv, &lora).unwrap();
    assert!(impacts.affected_packs.iter().all(|p| p.is_active));
    assert_eq!(ui::list(&f.store).unwrap().ui_targets[0].active_links, 2);
    // The detail names every path of the model, the link in the UI too.
    let d = guard::detail(&inv, &lora).unwrap();
    assert_eq!(d.autov2, lora.as_str()[..10].to_ascii_uppercase());
    assert_eq!(d.links.iter().map(|l| (l.ui.as_str(), l.path.clone())).collect::<Vec<_>>(), vec![("comfy", link.clone())]);
    assert_eq!(d.names, vec!["detail.safetensors".to_owned()], "the link's name is its display name: listed once");
    assert!(d.local.is_some() && d.backup.is_some());
    assert!(guard::detail(&f.inventory(), &ckpt).unwrap().backup.is_none());

    // A second use changes nothing.
    let again = use_pack(&f, "Styles", false).unwrap();
    assert_eq!((again.linked.len(), again.already_linked.len()), (0, 2));

    let u = unuse(&f, "Styles");
    assert_eq!(u.removed.len(), 2);
    assert_eq!(snapshot(&root), before, "unuse removes exactly what use made, folders included");
    assert!(f.inventory().get(&lora).unwrap().active_in_uis.is_empty());
    assert!(unuse(&f, "Styles").removed.is_empty(), "a second unuse has nothing to do");
}

#[test]
fn a_name_clash_with_a_real_file_is_refused_and_the_file_is_untouched() {
    let f = Fixture::new();
    let root = comfy(&f);
    let ckpt = f.put_local(&content("ckpt", 300));
    let lora = f.put_local(&content("lora", 100));
    f.write_pack(
        "Clash",
        &[("main", &ckpt, AssetKind::Checkpoint, 300, "mine.safetensors"), ("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")],
    );
    let before = snapshot(&root);
    let err = use_pack(&f, "Clash", true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NameClash);
    let Error::UseClash { clashes, .. } = &err else { panic!("{err:?}") };
    assert_eq!(clashes.len(), 1);
    assert_eq!(clashes[0].path, root.join("models/checkpoints/mine.safetensors"));
    assert_eq!(clashes[0].found, "file");
    assert_eq!(fs::read(root.join("models/checkpoints/mine.safetensors")).unwrap(), b"user's own model");
    assert_eq!(snapshot(&root), before, "nothing was linked, not even the dependencies without a clash");
    assert_eq!(views::plan_use(&f.store, &PackName::parse("Clash").unwrap(), None).unwrap_err().code(), ErrorCode::NameClash);
}

#[test]
fn use_restores_a_backup_only_blob_first_when_confirmed() {
    let f = Fixture::with_backup();
    let root = comfy(&f);
    let bytes = content("vae on the drive", 700);
    let vae = f.put_backup(&bytes);
    f.write_pack("Parked", &[("vae", &vae, AssetKind::Vae, 700, "parked_vae.safetensors")]);

    let plan = views::plan_use(&f.store, &PackName::parse("Parked").unwrap(), None).unwrap();
    assert_eq!(plan.restored_blobs.len(), 1);
    assert_eq!(plan.bytes_restored, 700);
    let refused = use_pack(&f, "Parked", false).unwrap_err();
    assert!(matches!(refused, Error::RestoreNeeded { .. }), "{refused:?}");
    assert!(!f.local_path(&vae).exists());

    let r = use_pack(&f, "Parked", true).unwrap();
    assert_eq!(r.restored_blobs.iter().map(|b| b.sha256.clone()).collect::<Vec<_>>(), vec![vae.clone()]);
    assert_eq!(fs::read(f.local_path(&vae)).unwrap(), bytes);
    assert_eq!(fs::read(root.join("models/vae/parked_vae.safetensors")).unwrap(), bytes);
}

#[test]
fn deleting_a_local_copy_a_ui_uses_is_guarded_even_for_an_orphan() {
    let f = Fixture::with_backup();
    comfy(&f);
    let bytes = content("lora in use", 100);
    let lora = f.put_local(&bytes);
    f.put_backup(&bytes);
    f.write_pack("Used", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    use_pack(&f, "Used", false).unwrap();
    fs::remove_dir_all(f.store.layout().packs().join("Used")).unwrap();
    let item = f.inventory().get(&lora).unwrap().clone();
    assert_eq!(item.active_in_uis, vec!["comfy".to_owned()]);
    let err = guard::delete(&f.store, &lora, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InUse, "{err}");
    let cancel = CancelToken::new();
    let c =
        cleanup::cleanup(&f.store, cleanup::CleanupOptions { execute: true, max_items: None }, Control::new(&NoProgress, &cancel)).unwrap();
    assert_eq!(c.orphans_deleted, 0, "cleanup leaves a blob a UI uses");
    assert!(f.local_path(&lora).exists());
    // unuse still knows the links of a deleted pack.
    assert_eq!(unuse(&f, "Used").removed.len(), 1);
}

#[test]
fn a_link_shared_by_two_packs_stays_until_both_are_unused() {
    let f = Fixture::new();
    let root = comfy(&f);
    let lora = f.put_local(&content("shared lora", 100));
    f.write_pack("A", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    f.write_pack("B", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    use_pack(&f, "A", false).unwrap();
    use_pack(&f, "B", false).unwrap();
    let link = root.join("models/loras/detail.safetensors");
    let a = unuse(&f, "A");
    assert_eq!(a.kept_for_other_packs.len(), 1);
    assert!(fs::symlink_metadata(&link).is_ok());
    let b = unuse(&f, "B");
    assert_eq!(b.removed.len(), 1);
    assert!(fs::symlink_metadata(&link).is_err());
}

#[test]
fn unuse_leaves_a_path_that_is_no_longer_our_link() {
    let f = Fixture::new();
    let root = comfy(&f);
    let lora = f.put_local(&content("lora", 100));
    f.write_pack("A", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    use_pack(&f, "A", false).unwrap();
    let link = root.join("models/loras/detail.safetensors");
    fs::remove_file(&link).unwrap();
    fs::write(&link, b"the user's file now").unwrap();
    let r = unuse(&f, "A");
    assert_eq!(r.changed.len(), 1);
    assert_eq!(fs::read(&link).unwrap(), b"the user's file now");
}

#[test]
fn ui_targets_are_added_listed_and_removed() {
    let f = Fixture::new();
    let root = f.dir.path().join("webui");
    fs::create_dir_all(&root).unwrap();
    let info = ui::add(&f.store, "webui", UiKind::A1111, &root).unwrap();
    assert_eq!(info.folders[&AssetKind::Lora], "models/Lora");
    assert_eq!(ui::add(&f.store, "webui", UiKind::A1111, &root).unwrap_err().code(), ErrorCode::AlreadyExists);
    assert_eq!(ui::add(&f.store, "../x", UiKind::A1111, &root).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert!(ui::add(&f.store, "nowhere", UiKind::Forge, &f.dir.path().join("missing")).is_err());
    assert_eq!(ui::list(&f.store).unwrap().ui_targets.len(), 1);
    ui::remove(&f.store, "webui").unwrap();
    assert_eq!(ui::remove(&f.store, "webui").unwrap_err().code(), ErrorCode::NotFound);
    assert!(f.store.config().unwrap().ui_targets.is_empty());
}

#[test]
fn push_free_keeps_the_local_copy_a_ui_links_to() {
    let f = Fixture::with_backup();
    comfy(&f);
    let bytes = content("lora pushed while in use", 100);
    let lora = f.put_local(&bytes);
    f.put_backup(&bytes);
    f.write_pack("Used", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    use_pack(&f, "Used", false).unwrap();
    let cancel = CancelToken::new();
    let r = synapse_core::sync::push(
        &f.store,
        &PackName::parse("Used").unwrap(),
        synapse_core::sync::PushOptions { dry_run: false, free: true },
        Control::new(&NoProgress, &cancel),
    )
    .unwrap();
    assert!(r.freed.is_empty(), "{r:?}");
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert_eq!(r.errors[0].code, ErrorCode::InUse);
    assert!(r.errors[0].message.contains("stop using pack"), "{}", r.errors[0].message);
    assert!(f.local_path(&lora).exists(), "the UI's link still opens the blob");
}

#[test]
fn use_of_a_pack_whose_blob_is_nowhere_names_it_and_says_whether_redownload_can_fetch_it() {
    let f = Fixture::new();
    let root = comfy(&f);
    let here = f.put_local(&content("here", 100));
    let gone = sha_of(&content("gone with a url", 200));
    let lost = sha_of(&content("gone without a url", 300));
    f.write_pack(
        "Holes",
        &[
            ("here", &here, AssetKind::Lora, 100, "here.safetensors"),
            ("gone", &gone, AssetKind::Lora, 200, "gone.safetensors"),
            ("lost", &lost, AssetKind::Vae, 300, "lost.safetensors"),
        ],
    );
    // The lock of `lost` records no download URL.
    let lock_path = f.store.layout().packs().join("Holes").join("lock.json");
    let mut lock: serde_json::Value = serde_json::from_slice(&fs::read(&lock_path).unwrap()).unwrap();
    lock["resolved"][2]["artifact"]["download"]["urls"] = serde_json::json!([]);
    fs::write(&lock_path, serde_json::to_vec(&lock).unwrap()).unwrap();
    let inv = f.inventory();
    assert!(inv.get(&gone).unwrap().has_download_url);
    assert!(!inv.get(&lost).unwrap().has_download_url);
    assert!(inv.get(&here).unwrap().has_download_url);

    let before = snapshot(&root);
    let err = use_pack(&f, "Holes", true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let Error::UseBlobsMissing { blobs, .. } = &err else { panic!("{err:?}") };
    let mut found: Vec<(Sha256, bool)> = blobs.iter().map(|b| (b.sha256.clone(), b.has_download_url)).collect();
    let mut want = vec![(gone.clone(), true), (lost.clone(), false)];
    found.sort();
    want.sort();
    assert_eq!(found, want, "every missing blob, each with whether a URL can bring it back");
    let message = err.to_string();
    assert!(message.contains(&format!("{}): it can be downloaded again", gone.short())), "{message}");
    assert!(message.contains(&format!("{}): no download URL", lost.short())), "{message}");
    assert!(!message.contains("synapse "), "no CLI command in a message the app shows: {message}");
    let wire = err.to_wire();
    let details = serde_json::to_value(&wire.details).unwrap();
    let of = |sha: &Sha256| details["blobs"].as_array().unwrap().iter().find(|b| b["sha256"] == sha.as_str()).unwrap().clone();
    assert_eq!((of(&gone)["has_download_url"].clone(), of(&lost)["has_download_url"].clone()), (true.into(), false.into()));
    assert_eq!(snapshot(&root), before, "nothing was linked");
}

#[test]
fn ui_list_names_the_packs_use_made_active_in_each_target() {
    let f = Fixture::new();
    comfy(&f);
    let other = f.dir.path().join("forge");
    fs::create_dir_all(&other).unwrap();
    ui::add(&f.store, "forge", UiKind::Forge, &other).unwrap();
    let lora = f.put_local(&content("lora", 100));
    f.write_pack("B", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    f.write_pack("A", &[("detail", &lora, AssetKind::Lora, 100, "detail.safetensors")]);
    let cancel = CancelToken::new();
    let in_comfy = UseOptions { ui: Some("comfy".into()), restore: false };
    for p in ["B", "A"] {
        views::use_pack(&f.store, &PackName::parse(p).unwrap(), &in_comfy, Control::new(&NoProgress, &cancel)).unwrap();
    }
    let list = ui::list(&f.store).unwrap().ui_targets;
    let by_name = |n: &str| list.iter().find(|t| t.name == n).unwrap().active_packs.clone();
    assert_eq!(by_name("comfy"), vec!["A".to_owned(), "B".to_owned()]);
    assert!(by_name("forge").is_empty());
    views::unuse(&f.store, &PackName::parse("A").unwrap(), Some("comfy")).unwrap();
    let list = ui::list(&f.store).unwrap().ui_targets;
    assert_eq!(list.iter().find(|t| t.name == "comfy").unwrap().active_packs, vec!["B".to_owned()]);
}

#[test]
fn set_targets_checks_names_kinds_and_folders_and_keeps_unchanged_targets_whose_folder_is_gone() {
    let f = Fixture::new();
    let root = comfy(&f);
    let edit =
        |name: &str, kind: &str, path: &Path| ui::TargetEdit { name: name.into(), kind: kind.into(), path: path.display().to_string() };
    let forge = f.dir.path().join("forge");
    fs::create_dir_all(&forge).unwrap();
    let refused = |edits: &[ui::TargetEdit], what: &str| {
        let err = ui::set_targets(&f.store, edits).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{what}: {err}");
        assert_eq!(f.store.config().unwrap().ui_targets.len(), 1, "{what}: nothing saved");
        err.to_string()
    };
    assert!(refused(&[edit("", "comfyui", &root)], "empty name").contains("invalid UI target name"));
    assert!(refused(&[edit("comfy", "comfyui", &root), edit("comfy", "forge", &forge)], "twice").contains("used twice"));
    assert!(refused(&[edit("comfy", "invokeai", &root)], "kind").contains("comfy"));
    assert!(
        refused(&[edit("comfy", "comfyui", &root), edit("forge", "forge", Path::new("relative/forge"))], "relative").contains("absolute")
    );
    assert!(
        refused(&[edit("comfy", "comfyui", &root), edit("forge", "forge", &f.dir.path().join("nope"))], "missing").contains("not a folder")
    );

    assert!(ui::set_targets(&f.store, &[edit("comfy", "comfyui", &root), edit("forge", "forge", &forge)]).unwrap());
    assert!(!ui::set_targets(&f.store, &[edit("comfy", "comfyui", &root), edit("forge", "forge", &forge)]).unwrap(), "no change");
    // A target whose drive is unplugged can be kept as it is, not added anew.
    fs::rename(&forge, f.dir.path().join("forge.away")).unwrap();
    assert!(ui::set_targets(&f.store, &[edit("forge", "forge", &forge)]).unwrap());
    let names: Vec<String> = f.store.config().unwrap().ui_targets.into_iter().map(|t| t.name).collect();
    assert_eq!(names, vec!["forge".to_owned()]);
}
