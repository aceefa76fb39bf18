//! The blob store and packs: atomic adopt, the store lock, identities at the edge.

use std::fs;
use std::time::{Duration, Instant};

use synapse_core::blobs::{self, AdoptMode};
use synapse_core::ids::PackName;
use synapse_core::model::AssetKind;
use synapse_core::packs::{self, NewFile};
use synapse_core::progress::{CancelToken, Control, NoProgress};
use synapse_core::{ErrorCode, Sha256, Store};

use crate::support::{content, sha_of, Fixture};

fn ctl(cancel: &CancelToken) -> Control<'_> {
    Control::new(&NoProgress, cancel)
}

fn tmp_is_empty(f: &Fixture) -> bool {
    fs::read_dir(f.store.layout().tmp()).map(|mut d| d.next().is_none()).unwrap_or(true)
}

#[test]
fn adopt_copies_hashes_and_reports_already_present() {
    let f = Fixture::new();
    let src = f.dir.path().join("model.safetensors");
    let bytes = content("model", 3 << 20);
    fs::write(&src, &bytes).unwrap();
    let cancel = CancelToken::new();
    let a = blobs::adopt_file(f.store.layout(), &src, AdoptMode::Copy, None, None, &cancel).unwrap();
    assert_eq!(a.sha256, sha_of(&bytes));
    assert!(!a.already_present);
    assert_eq!(fs::read(f.local_path(&a.sha256)).unwrap(), bytes);
    assert!(src.exists(), "copy leaves the source alone");
    let again = blobs::adopt_file(f.store.layout(), &src, AdoptMode::Copy, None, None, &cancel).unwrap();
    assert!(again.already_present);
    assert!(tmp_is_empty(&f));
}

#[test]
fn adopt_move_takes_the_file_only_once_the_blob_is_in_place() {
    let f = Fixture::new();
    let src = f.dir.path().join("move-me.ckpt");
    fs::write(&src, content("move", 5000)).unwrap();
    let cancel = CancelToken::new();
    let a = blobs::adopt_file(f.store.layout(), &src, AdoptMode::Move, None, None, &cancel).unwrap();
    assert!(!src.exists());
    assert_eq!(blobs::hash_file(&f.local_path(&a.sha256), None, &cancel).unwrap().0, a.sha256);
}

#[test]
fn adopt_stream_with_wrong_hash_keeps_nothing() {
    let f = Fixture::new();
    let cancel = CancelToken::new();
    let wrong = sha_of(b"something else");
    let err = blobs::adopt_reader(f.store.layout(), &b"payload"[..], Some(&wrong), None, None, &cancel).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Integrity);
    assert!(blobs::scan(&f.store.layout().blobs()).unwrap().blobs.is_empty());
    assert!(tmp_is_empty(&f));
}

#[test]
fn cancelled_adopt_leaves_no_blob_and_no_partial() {
    let f = Fixture::new();
    let src = f.dir.path().join("big.bin");
    fs::write(&src, content("big", 8 << 20)).unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    let err = blobs::adopt_file(f.store.layout(), &src, AdoptMode::Copy, None, None, &cancel).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    let scan = blobs::scan(&f.store.layout().blobs()).unwrap();
    assert!(scan.blobs.is_empty() && scan.partials.is_empty());
    assert!(tmp_is_empty(&f));
}

#[test]
fn second_mutating_operation_waits_then_reports_who_is_busy() {
    let f = Fixture::new();
    let held = f.store.lock("backup sync").unwrap();
    let start = Instant::now();
    let err = f.store.lock_wait("cleanup", Duration::from_millis(300)).unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(300), "it waited");
    assert_eq!(err.code(), ErrorCode::Busy);
    let msg = err.to_string();
    assert!(msg.starts_with("store is busy: backup sync since "), "{msg}");
    assert!(msg.contains(&format!("(pid {})", std::process::id())), "{msg}");

    // Released on drop: the next one gets it, even from another thread.
    let store = f.store.clone();
    let waiter = std::thread::spawn(move || store.lock_wait("cleanup", Duration::from_secs(5)).map(|_| ()));
    std::thread::sleep(Duration::from_millis(100));
    drop(held);
    waiter.join().unwrap().unwrap();
}

#[test]
fn pack_create_show_and_delete() {
    let f = Fixture::new();
    let a = f.dir.path().join("a.safetensors");
    let b = f.dir.path().join("b.safetensors");
    fs::write(&a, content("a", 1000)).unwrap();
    fs::write(&b, content("b", 2000)).unwrap();
    let name = PackName::parse("My Pack").unwrap();
    let cancel = CancelToken::new();
    let files = [NewFile { path: a.clone(), kind: Some(AssetKind::Lora) }, NewFile { path: b, kind: None }];
    let r = packs::create(&f.store, &name, &files, ctl(&cancel)).unwrap();
    assert!(r.created);
    assert_eq!(r.added.len(), 2);
    assert_eq!(r.added[1].kind, AssetKind::Unknown);

    let info = packs::PackInfo::of(f.store.layout(), &packs::load(f.store.layout(), &name).unwrap());
    assert_eq!(info.blobs.len(), 2);
    assert_eq!(info.local_blobs, 2);
    assert_eq!(info.total_bytes, 3000);
    assert_eq!(info.blobs[0].display_name, "a.safetensors");

    let again = packs::create(&f.store, &name, &files[..1], ctl(&cancel)).unwrap_err();
    assert_eq!(again.code(), ErrorCode::AlreadyExists);

    let d = packs::delete(&f.store, &name).unwrap();
    assert_eq!(d.orphaned.len(), 2);
    assert!(!f.store.layout().pack_dir(&name).exists());
    // Blobs stay: deleting a pack never deletes models.
    for added in &r.added {
        assert!(f.local_path(&added.sha256).exists());
    }
    assert_eq!(packs::delete(&f.store, &name).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn open_of_a_missing_store_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(&dir.path().join("nope")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    // The core names the store; the CLI adds `synapse init` (the app offers its own first run).
    assert!(err.to_string().contains("no store at") && !err.to_string().contains("synapse "), "{err}");
}

#[test]
fn identities_refuse_traversal_before_touching_the_disk() {
    for bad in ["../evil", "a/b", "..", ".git", "/abs"] {
        assert!(PackName::parse(bad).is_err(), "{bad}");
    }
    assert!(Sha256::parse("../../../../etc/passwd").is_err());
    let wire = synapse_core::Error::from(PackName::parse("../evil").unwrap_err()).to_wire();
    assert_eq!(wire.code, ErrorCode::InvalidArgument);
    assert_eq!(serde_json::to_value(&wire.details).unwrap()["pack"], "../evil");
}
