//! S3-compatible bucket targets through the CLI (SPEC §3.13), against a real
//! server (moto, started by the harness in the core's tests).

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::moto::{self, Moto};
use crate::support::{content, Env};

/// `synapse` on `env` with the harness's key in the environment.
fn cmd(env: &Env, m: &Moto) -> Command {
    let mut c = Command::new(crate::support::bin());
    c.arg("--root").arg(&env.root).env("SYNAPSE_LOCK_WAIT_MS", "300").env_remove("SYNAPSE_ROOT").env("NO_COLOR", "1");
    c.envs(m.env()).env_remove("AWS_PROFILE").env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    c
}

fn run(env: &Env, m: &Moto, args: &[&str], code: i32) -> Value {
    let out = cmd(env, m).arg("--json").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

fn add_cloud(env: &Env, m: &Moto, bucket: &str, prefix: &str) -> Value {
    run(env, m, &["target", "add", "cloud", "--s3", &m.endpoint, "--bucket", bucket, "--prefix", prefix, "--path-style"], 0)
}

fn copy_on(env: &Env, m: &Moto, sha: &str, target: &str) -> Option<Value> {
    let w = run(env, m, &["whereis", sha], 0);
    w["copies"].as_array().unwrap().iter().find(|c| c["target"] == target).cloned()
}

#[test]
fn a_bucket_target_is_added_tested_backed_up_to_restored_from_and_guarded() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-roundtrip");
    let env = Env::new();
    let added = add_cloud(&env, m, &bucket, "team/models");
    assert_eq!((added["initialized"].as_bool(), added["path"].as_str()), (Some(true), Some("s3://cli-roundtrip/team/models")), "{added}");
    let t = run(&env, m, &["target", "test", "cloud"], 0);
    assert_eq!((t["credentials"].as_str(), t["read_only"].as_bool()), (Some("environment"), Some(false)), "{t}");
    let list = run(&env, m, &["target", "list"], 0);
    let cloud = list["targets"].as_array().unwrap().iter().find(|t| t["name"] == "cloud").unwrap().clone();
    assert_eq!(
        (cloud["kind"].as_str(), cloud["state"].as_str(), cloud["connected"].as_bool()),
        (Some("s3"), Some("connected"), Some(true)),
        "{cloud}"
    );
    assert_eq!(cloud["s3"]["bucket"], "cli-roundtrip");

    let sha = env.orphan(&content("cloud-model", 700_000));
    let r = run(&env, m, &["backup", "blob", &sha, "--target", "cloud"], 0);
    assert_eq!(r["bytes_copied"], 700_000, "{r}");
    let key = format!("team/models/data/blobs/sha256/{}/{sha}", &sha[..2]);
    assert_eq!(m.boto(&format!("print(s3.head_object(Bucket='{bucket}', Key='{key}')['ContentLength'])")).trim(), "700000");
    assert!(copy_on(&env, m, &sha, "cloud").is_some_and(|c| c["verified_at"].is_string()), "written and hash-checked counts as verified");
    // The inventory knows the copy, from the bucket's catalog.
    let item = env.item(&sha);
    assert_eq!((item["on_backup"].as_bool(), item["copies_count"].as_u64()), (Some(true), Some(2)), "{item}");

    // The bucket is the only other copy: deleting the local one is allowed, then restore brings it back.
    run(&env, m, &["inventory", "delete", &sha, "--target", "local", "--yes"], 0);
    assert!(!env.blob_path(&sha).exists());
    let r = run(&env, m, &["backup", "restore", &sha, "--target", "cloud"], 0);
    assert_eq!(r["bytes_copied"], 700_000, "{r}");
    assert_eq!(std::fs::read(env.blob_path(&sha)).unwrap(), content("cloud-model", 700_000));

    // Deleting the bucket copy, then the local one, meets the last-copy rule.
    run(&env, m, &["inventory", "delete", &sha, "--target", "cloud", "--yes"], 0);
    assert!(m.boto(&format!("print(s3.list_objects_v2(Bucket='{bucket}', Prefix='{key}').get('KeyCount'))")).trim() == "0");
    let e = run(&env, m, &["inventory", "delete", &sha, "--target", "local", "--yes"], 3);
    assert_eq!(e["error"]["code"], "last_copy");
    assert!(env.blob_path(&sha).exists());
}

#[test]
fn a_copy_deleted_behind_synapses_back_does_not_count_and_corruption_is_found_by_scrub() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-behind");
    let env = Env::new();
    add_cloud(&env, m, &bucket, "");
    let a = env.orphan(&content("gone-behind", 300_000));
    let b = env.orphan(&content("rot-behind", 300_000));
    run(&env, m, &["backup", "sync", "--target", "cloud", "--execute"], 0);
    // Deleted through the server's own API: the catalog still lists it, but a delete checks live.
    m.boto(&format!("s3.delete_object(Bucket='{bucket}', Key='data/blobs/sha256/{}/{a}')", &a[..2]));
    let e = run(&env, m, &["inventory", "delete", &a, "--target", "local", "--yes"], 3);
    assert_eq!(e["error"]["code"], "last_copy", "{e}");
    // Overwritten with other bytes: scrub finds it corrupt, and it no longer counts.
    m.boto(&format!("s3.put_object(Bucket='{bucket}', Key='data/blobs/sha256/{}/{b}', Body=b'x' * 300000)", &b[..2]));
    let s = run(&env, m, &["scrub", "--target", "cloud", "--budget", "1GB"], 7);
    assert!(s["corrupt"].as_array().unwrap().iter().any(|c| c["sha256"] == b.as_str()), "{s}");
    assert_eq!(copy_on(&env, m, &b, "cloud").unwrap()["corrupt"], true);
    let e = run(&env, m, &["inventory", "delete", &b, "--target", "local", "--yes"], 3);
    assert_eq!(e["error"]["code"], "last_copy", "{e}");
    // A sync replaces the corrupt object from the good local copy.
    run(&env, m, &["backup", "sync", "--target", "cloud", "--execute"], 0);
    let s = run(&env, m, &["scrub", "--target", "cloud", "--budget", "1GB"], 0);
    assert!(s["corrupt"].as_array().unwrap().is_empty(), "{s}");
}

#[test]
fn push_free_with_the_bucket_as_the_only_other_copy_follows_the_copies_policy() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-policy");
    let env = Env::new();
    add_cloud(&env, m, &bucket, "p");
    let shas = env.pack("Styles", &[("style.safetensors", &content("style-lora", 400_000))], Some("lora"));
    run(&env, m, &["target", "policy", "--min-copies", "2"], 0);
    let r = run(&env, m, &["backup", "push", "Styles", "--target", "cloud", "--free", "--execute"], 3);
    let text = r.to_string();
    assert!(text.contains("below_min_copies"), "{r}");
    assert!(env.blob_path(&shas[0]).exists(), "the local copy stays under policy 2");
    run(&env, m, &["target", "policy", "--min-copies", "1"], 0);
    run(&env, m, &["backup", "push", "Styles", "--target", "cloud", "--free", "--execute"], 0);
    assert!(!env.blob_path(&shas[0]).exists(), "freed under policy 1: the bucket holds a verified copy");
    run(&env, m, &["backup", "pull", "Styles", "--target", "cloud", "--execute"], 0);
    assert!(env.blob_path(&shas[0]).exists());
}

#[test]
fn a_second_store_on_the_same_prefix_restores_but_never_writes_or_deletes() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-shared");
    let owner = Env::new();
    add_cloud(&owner, m, &bucket, "lib");
    let sha = owner.orphan(&content("shared-model", 200_000));
    run(&owner, m, &["backup", "sync", "--target", "cloud", "--execute"], 0);

    let keys =
        || m.boto(&format!("print(sorted((o['Key'], o['ETag']) for o in s3.list_objects_v2(Bucket='{bucket}').get('Contents', [])))"));
    let before = keys();
    let other = Env::new();
    let added = add_cloud(&other, m, &bucket, "lib");
    assert_eq!((added["read_only"].as_bool(), added["blobs"].as_u64()), (Some(true), Some(1)), "{added}");
    run(&other, m, &["backup", "restore", &sha, "--target", "cloud"], 0);
    assert!(other.blob_path(&sha).exists());
    let mine = other.orphan(&content("not-shared", 100_000));
    let e = run(&other, m, &["backup", "blob", &mine, "--target", "cloud"], 3);
    assert_eq!(e["error"]["code"], "foreign_target", "{e}");
    let e = run(&other, m, &["inventory", "delete", &sha, "--target", "cloud", "--yes"], 3);
    assert_eq!(e["error"]["code"], "foreign_target", "{e}");
    let key = format!("lib/data/blobs/sha256/{}/{sha}", &sha[..2]);
    assert_eq!(m.boto(&format!("print(s3.head_object(Bucket='{bucket}', Key='{key}')['ContentLength'])")).trim(), "200000");
    assert_eq!(keys(), before, "nothing was written or deleted by the other store");
}

#[test]
fn wrong_keys_and_a_missing_bucket_each_get_their_own_error() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-errors");
    let env = Env::new();
    let mut c = env.cmd();
    c.env("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY").env("AWS_SECRET_ACCESS_KEY", "x").env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    let out = c.args(["--json", "target", "add", "cloud", "--s3", &m.endpoint, "--bucket", &bucket, "--path-style"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["details"]["problem"].as_str()),
        (Some("backup_not_connected"), Some("credentials")),
        "{v}"
    );
    let v = run(&env, m, &["target", "add", "cloud", "--s3", &m.endpoint, "--bucket", "no-such-bucket", "--path-style"], 4);
    assert_eq!(v["error"]["details"]["problem"], "bucket_missing", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("no-such-bucket"), "{v}");
    let v = run(&env, m, &["target", "add", "cloud", "--s3", "ftp://x", "--bucket", &bucket], 2);
    assert_eq!(v["error"]["code"], "invalid_argument");
    assert_eq!(run(&env, m, &["target", "list"], 0)["targets"].as_array().unwrap().len(), 1, "nothing was added");
}

#[test]
fn a_multipart_upload_killed_midway_resumes_with_only_the_missing_parts() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-resume");
    let env = Env::new();
    add_cloud(&env, m, &bucket, "");
    let bytes: Vec<u8> = (0..200u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let sha = env.orphan(&bytes);
    drop(bytes);
    let part_puts = || m.requests(&["PUT", "partNumber=", "cli-resume"]);
    let before = part_puts();
    let mut child = cmd(&env, m)
        .env("SYNAPSE_S3_PART_BYTES", (8u64 << 20).to_string())
        .args(["--quiet", "backup", "blob", &sha, "--target", "cloud"])
        .spawn()
        .unwrap();
    // Killed once several of the 25 parts are confirmed (the record lists them).
    let tmp = env.root.join("data/tmp");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let confirmed = std::fs::read_dir(&tmp)
            .ok()
            .and_then(|d| d.flatten().find(|e| e.file_name().to_string_lossy().ends_with(".s3upload.json")))
            .and_then(|e| std::fs::read_to_string(e.path()).ok())
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map_or(0, |v| v["parts"].as_array().unwrap().iter().filter(|p| p.is_string()).count());
        if confirmed >= 6 {
            break;
        }
        assert!(Instant::now() < deadline, "the upload never got going");
        assert!(child.try_wait().unwrap().is_none(), "the upload finished before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sent_first = part_puts() - before;
    assert!(sent_first < 25, "killed midway ({sent_first} parts sent)");
    let key = format!("data/blobs/sha256/{}/{sha}", &sha[..2]);
    assert!(
        m.boto(&format!("print(s3.list_objects_v2(Bucket='{bucket}', Prefix='{key}').get('KeyCount'))")).trim() == "0",
        "no object under the blob's name yet"
    );

    let out = cmd(&env, m)
        .env("SYNAPSE_S3_PART_BYTES", (8u64 << 20).to_string())
        .args(["--json", "backup", "blob", &sha, "--target", "cloud"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let sent_again = part_puts() - before - sent_first;
    // Only what was not confirmed goes up again (a part in flight at the kill may be sent twice).
    assert!(sent_again <= 25 - 6 + 3 && sent_again + sent_first >= 25, "first {sent_first}, then {sent_again} of 25 parts");
    assert_eq!(
        m.boto(&format!("print(s3.head_object(Bucket='{bucket}', Key='{key}')['ContentLength'])")).trim(),
        (200u64 << 20).to_string()
    );
    let s = run(&env, m, &["scrub", "--target", "cloud", "--budget", "1GB"], 0);
    assert_eq!(s["valid"], 1, "the completed object hashes to its name: {s}");
}

#[test]
fn a_key_kept_in_the_os_keyring_is_used_and_a_machine_without_one_is_told_so() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-keyring");
    let env = Env::new();
    add_cloud(&env, m, &bucket, "");
    let bare = || {
        let mut c = Command::new(crate::support::bin());
        c.arg("--root").arg(&env.root).env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
        c.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent").env("NO_COLOR", "1");
        c
    };
    // No key anywhere: the test says where to put one.
    let out = bare().args(["--json", "target", "test", "cloud"]).env_remove("DBUS_SESSION_BUS_ADDRESS").output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["details"]["problem"], "credentials", "{v}");
    // No keyring on this machine: a clear message, nothing kept, no crash.
    let mut c = bare();
    c.args(["--json", "target", "key", "cloud"]).env_remove("DBUS_SESSION_BUS_ADDRESS").env("XDG_RUNTIME_DIR", env.dir.path());
    let out = c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().and_then(|mut ch| {
        use std::io::Write;
        ch.stdin.take().unwrap().write_all(format!("{} {}", m.key_id, m.secret).as_bytes())?;
        ch.wait_with_output()
    });
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("keyring"));

    // With a Secret Service (gnome-keyring on a private session bus) the kept key is used.
    let have = |p: &str| Command::new("sh").args(["-c", &format!("command -v {p}")]).output().is_ok_and(|o| o.status.success());
    if !have("dbus-run-session") || !have("gnome-keyring-daemon") {
        assert!(std::env::var("SYNAPSE_REQUIRE_S3").map_or(true, |v| v != "1"), "SYNAPSE_REQUIRE_S3=1 but gnome-keyring is not installed");
        eprintln!("SKIPPED: the keyring half needs dbus-run-session and gnome-keyring-daemon");
        return;
    }
    let bin = crate::support::bin().display().to_string();
    let root = env.root.display().to_string();
    let script = format!(
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; \
         echo '{} {}' | {bin} --root {root} --quiet target key cloud && {bin} --root {root} --json target test cloud",
        m.key_id, m.secret
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("HOME", env.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["credentials"], "keyring", "{v}");
    assert!(!std::fs::read_to_string(env.root.join("state/targets.json")).unwrap().contains(&m.secret), "the key is never in state/");
}

#[test]
fn sync_all_copies_to_and_from_a_bucket_without_writing_to_this_disk() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-sync-all");
    let env = Env::new();
    env.enable_backup();
    add_cloud(&env, m, &bucket, "");
    let shas = env.pack(
        "Set",
        &[("a.safetensors", &content("sync-all-a", 300_000)), ("b.safetensors", &content("sync-all-b", 200_000))],
        Some("lora"),
    );
    run(&env, m, &["target", "policy", "--min-copies", "3"], 0);
    let plan = run(&env, m, &["backup", "sync", "--all"], 0);
    assert_eq!(plan["plan"]["copies"].as_array().unwrap().len(), 4, "each blob to the folder and to the bucket: {plan}");
    run(&env, m, &["backup", "sync", "--all", "--execute"], 0);
    for sha in &shas {
        let w = run(&env, m, &["whereis", sha], 0);
        let places: Vec<&str> = w["copies"].as_array().unwrap().iter().map(|c| c["target"].as_str().unwrap()).collect();
        assert_eq!(places.len(), 3, "{w}");
        assert!(w["copies"].as_array().unwrap().iter().all(|c| c["verified_at"].is_string()), "written and hash-checked: {w}");
    }
    // A blob whose copies are on the bucket only comes to the folder target from the bucket.
    std::fs::remove_file(env.backup_blob_path(&shas[0])).unwrap();
    run(&env, m, &["inventory", "delete", &shas[0], "--target", "local", "--yes", "--force"], 0);
    let before: Vec<_> = crate::support::Env::files_under(&env.root.join("data/blobs"));
    run(&env, m, &["target", "policy", "--min-copies", "2"], 0);
    let r = run(&env, m, &["backup", "sync", "--all", "--execute"], 0);
    assert!(r["copied"].as_array().unwrap().iter().any(|c| c["from"] == "cloud" && c["to"] == "backup"), "{r}");
    assert_eq!(std::fs::read(env.backup_blob_path(&shas[0])).unwrap(), content("sync-all-a", 300_000));
    assert_eq!(crate::support::Env::files_under(&env.root.join("data/blobs")), before, "nothing was written to this disk");
}

#[test]
fn a_local_copy_known_to_be_corrupt_is_replaced_from_the_bucket_and_kept_in_quarantine() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("cli-quarantine");
    let env = Env::new();
    add_cloud(&env, m, &bucket, "");
    let good = content("quarantine-me", 250_000);
    let sha = env.orphan(&good);
    run(&env, m, &["backup", "blob", &sha, "--target", "cloud"], 0);
    // The local file rots (same size), and a scrub of this disk records it.
    let path = env.blob_path(&sha);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, vec![b'x'; good.len()]).unwrap();
    run(&env, m, &["scrub", "--target", "local", "--budget", "1GB"], 7);
    // Restoring it is not "already present": the good bytes come back, the bad ones go aside.
    let r = run(&env, m, &["backup", "restore", &sha, "--target", "cloud"], 0);
    assert_eq!((r["already_present"].as_bool(), r["bytes_copied"].as_u64()), (Some(false), Some(250_000)), "{r}");
    assert_eq!(std::fs::read(&path).unwrap(), good);
    let quarantined: Vec<_> = std::fs::read_dir(env.root.join("data/quarantine")).unwrap().flatten().collect();
    assert_eq!(quarantined.len(), 1, "the corrupt copy is kept, not deleted");
    assert_eq!(std::fs::read(quarantined[0].path()).unwrap(), vec![b'x'; good.len()]);
}
