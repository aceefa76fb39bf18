//! `adopt` on generated ComfyUI and A1111 trees: duplicates, kinds from
//! folders, the space `--link` saves, and originals that still open the same
//! bytes once they are links.

use std::fs;
use std::path::{Path, PathBuf};

use synapse_core::adopt::{self, AdoptOptions};
use synapse_core::guard;
use synapse_core::model::{AdoptResult, AssetKind, DeleteTarget};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::ErrorCode;

use crate::support::{content, sha_of, Fixture};

/// The files of a ComfyUI tree and an A1111 tree, with duplicates inside and across them.
pub struct Trees {
    pub comfy: PathBuf,
    pub a1111: PathBuf,
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

pub fn make_trees(base: &Path) -> Trees {
    let ckpt = content("checkpoint sdxl", 3000);
    let lora = content("lora detail", 500);
    let vae = content("vae sdxl", 800);
    let upscaler = content("upscaler 4x", 300);
    let embedding = content("embedding easyneg", 200);
    let vae2 = content("vae other", 400);
    let comfy = base.join("ComfyUI");
    let a1111 = base.join("stable-diffusion-webui");
    let files = vec![
        (comfy.join("models/checkpoints/sdxl.safetensors"), ckpt.clone()),
        (comfy.join("models/loras/detail.safetensors"), lora.clone()),
        (comfy.join("models/loras/style/detail-copy.safetensors"), lora.clone()),
        (comfy.join("models/vae/sdxl_vae.safetensors"), vae),
        (comfy.join("models/upscale_models/4x.pth"), upscaler.clone()),
        (a1111.join("models/Stable-diffusion/sdxl_base.safetensors"), ckpt),
        (a1111.join("models/Lora/detail.safetensors"), lora),
        (a1111.join("models/ESRGAN/4x.pth"), upscaler),
        (a1111.join("embeddings/easyneg.pt"), embedding),
        (a1111.join("models/VAE/other.ckpt"), vae2),
    ];
    for (p, bytes) in &files {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
    // Not model files: never adopted.
    fs::create_dir_all(comfy.join("models/configs")).unwrap();
    fs::write(comfy.join("models/configs/v1.yaml"), b"model: {}").unwrap();
    fs::write(a1111.join("models/Lora/detail.preview.png"), b"png").unwrap();
    Trees { comfy, a1111, files }
}

fn run(f: &Fixture, folder: &Path, execute: bool, link: bool) -> AdoptResult {
    let cancel = CancelToken::new();
    adopt::adopt(&f.store, folder, AdoptOptions { execute, link }, Control::new(&NoProgress, &cancel)).unwrap()
}

#[test]
fn dry_run_finds_files_and_duplicates_and_changes_nothing() {
    let f = Fixture::new();
    let t = make_trees(f.dir.path());
    let r = run(&f, f.dir.path(), false, false);
    assert!(r.dry_run);
    assert_eq!(r.files_found, 10);
    assert_eq!(r.blobs_distinct, 6);
    assert_eq!(r.duplicates, 4);
    let dup_bytes = 3000 + 500 + 500 + 300;
    assert_eq!(r.bytes_duplicates, dup_bytes);
    assert_eq!(r.bytes_saved_by_linking, dup_bytes, "a fresh store: linking saves exactly the duplicates");
    assert_eq!(r.bytes_to_store, r.bytes_found - dup_bytes);
    assert!(f.inventory().items.is_empty(), "a dry run puts nothing in the store");
    assert!(fs::read_dir(f.store.layout().packs()).unwrap().next().is_none(), "nor writes packs");
    for (p, bytes) in &t.files {
        assert!(!fs::symlink_metadata(p).unwrap().is_symlink());
        assert_eq!(&fs::read(p).unwrap(), bytes);
    }
    let kind_of = |bytes: &[u8]| r.blobs.iter().find(|b| b.sha256 == sha_of(bytes)).unwrap().kind;
    assert_eq!(kind_of(&t.files[0].1), AssetKind::Checkpoint);
    assert_eq!(kind_of(&t.files[1].1), AssetKind::Lora);
    assert_eq!(kind_of(&t.files[3].1), AssetKind::Vae);
    assert_eq!(kind_of(&t.files[4].1), AssetKind::Upscaler);
    assert_eq!(kind_of(&t.files[8].1), AssetKind::Embedding);
    assert_eq!(kind_of(&t.files[9].1), AssetKind::Vae);
}

#[test]
fn execute_with_link_stores_each_content_once_and_every_original_still_opens_the_same_bytes() {
    let f = Fixture::new();
    let t = make_trees(f.dir.path());
    let plan = run(&f, f.dir.path(), false, true);
    let r = run(&f, f.dir.path(), true, true);
    assert!(!r.dry_run && r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.blobs_added, 6);
    assert_eq!(r.packs_created.len(), 6);
    assert_eq!(r.files_linked, 10);
    assert_eq!(r.bytes_freed, plan.bytes_saved_by_linking, "the space freed is the space the plan announced");
    for (p, bytes) in &t.files {
        assert!(fs::symlink_metadata(p).unwrap().is_symlink(), "{} is a link now", p.display());
        assert_eq!(&fs::read(p).unwrap(), bytes, "{} opens the same bytes", p.display());
        assert_eq!(fs::read_link(p).unwrap(), f.local_path(&sha_of(bytes)).canonicalize().unwrap());
    }
    let inv = f.inventory();
    assert_eq!(inv.items.len(), 6);
    for it in &inv.items {
        assert_eq!(it.used_by_packs.len(), 1, "one pack per file");
        assert!(!it.active_in_uis.is_empty(), "the links count as UI use: {it:?}");
        assert!(f.store.layout().blobs().meta(&it.sha256).is_file(), "a .meta manifest was written");
    }
    // The Packs screen's "Active in" says the same as the inventory.
    let list = synapse_core::packs::list(f.store.layout()).unwrap();
    assert_eq!(list.packs.len(), 6);
    for p in &list.packs {
        let uis: std::collections::BTreeSet<String> =
            inv.items.iter().filter(|i| i.used_by_packs.contains(&p.name)).flat_map(|i| i.active_in_uis.clone()).collect();
        assert!(!p.active_in.is_empty(), "{} is linked from its adopted folder", p.name);
        assert_eq!(p.active_in, uis.into_iter().collect::<Vec<_>>(), "{}", p.name);
    }
    let lora = inv.get(&sha_of(&t.files[1].1)).unwrap();
    assert_eq!(lora.kind, AssetKind::Lora);
    assert_eq!(lora.display_name, "detail.safetensors");
    // Deleting a blob the links use is guarded.
    let err = guard::delete(&f.store, &lora.sha256, DeleteTarget::Local, false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LastCopy);
    // Adopting again finds only links.
    let again = run(&f, f.dir.path(), false, true);
    assert_eq!(again.files_found, 0);
    assert_eq!(again.already_linked, 10);
}

#[test]
fn a_second_tree_reuses_blobs_and_packs_of_the_first() {
    let f = Fixture::new();
    let t = make_trees(f.dir.path());
    let first = run(&f, &t.comfy, true, false);
    assert_eq!((first.files_found, first.blobs_distinct, first.duplicates), (5, 4, 1));
    assert_eq!(first.bytes_saved_by_linking, 500);
    for (p, bytes) in &t.files {
        assert!(!fs::symlink_metadata(p).unwrap().is_symlink(), "without --link the originals stay files");
        assert_eq!(&fs::read(p).unwrap(), bytes);
    }
    let plan = run(&f, &t.a1111, false, true);
    assert_eq!(plan.files_found, 5);
    let shared: Vec<_> = plan.blobs.iter().filter(|b| b.already_in_store).collect();
    assert_eq!(shared.len(), 3, "checkpoint, lora and upscaler are already in the store");
    assert!(shared.iter().all(|b| b.pack_exists), "and already have a pack: no second one");
    assert_eq!(plan.bytes_already_in_store, 3000 + 500 + 300);
    assert_eq!(plan.bytes_saved_by_linking, 3000 + 500 + 300, "linking the A1111 tree frees its copies of the shared files");
    let r = run(&f, &t.a1111, true, true);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.packs_created.len(), 2);
    assert_eq!(r.bytes_freed, 3000 + 500 + 300);
    assert_eq!(f.inventory().items.len(), 6);
}

#[test]
fn a_folder_inside_the_store_is_refused() {
    let f = Fixture::new();
    let cancel = CancelToken::new();
    let err = adopt::adopt(&f.store, f.store.root(), AdoptOptions::default(), Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    let missing = adopt::adopt(&f.store, &f.dir.path().join("nope"), AdoptOptions::default(), Control::new(&NoProgress, &cancel));
    assert!(missing.is_err());
}

#[test]
fn a_corrupt_blob_already_in_the_store_is_never_linked_to() {
    let f = Fixture::new();
    let bytes = content("lora whose blob rotted", 500);
    let sha = sha_of(&bytes);
    let file = f.dir.path().join("ComfyUI/models/loras/rotted.safetensors");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, &bytes).unwrap();
    let blob = f.local_path(&sha);
    fs::create_dir_all(blob.parent().unwrap()).unwrap();
    fs::write(&blob, content("not the same bytes", 500)).unwrap();
    let r = run(&f, &f.dir.path().join("ComfyUI"), true, true);
    assert_eq!(r.files_linked, 0);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].code, ErrorCode::Integrity);
    assert!(!fs::symlink_metadata(&file).unwrap().is_symlink(), "the user's file stays a file");
    assert_eq!(fs::read(&file).unwrap(), bytes);
}

#[test]
fn a_cancelled_adopt_changes_nothing() {
    let f = Fixture::new();
    let t = make_trees(f.dir.path());
    let cancel = CancelToken::new();
    cancel.cancel();
    let err = adopt::adopt(&f.store, &t.comfy, AdoptOptions { execute: true, link: true }, Control::new(&NoProgress, &cancel)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert!(f.inventory().items.is_empty());
    for (p, bytes) in &t.files {
        assert_eq!(&fs::read(p).unwrap(), bytes);
        assert!(!fs::symlink_metadata(p).unwrap().is_symlink());
    }
}
