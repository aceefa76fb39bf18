//! A target on a hung mount (SPEC §3.12, §7 "a hung target"): a FUSE mount
//! (bindfs) whose daemon is stopped with SIGSTOP answers no question about
//! it, and a thread that asks waits until the daemon runs again. Commands
//! that do not need the target answer within a second; those that need it
//! fail within six with `unresponsive` (exit 4).
//!
//! Needs root and bindfs (scripts/test installs it); without them the test
//! says SKIPPED on stderr and passes. The mount's guard always sends SIGCONT
//! and unmounts, also when an assertion fails, or the machine would keep a
//! hung mount.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{content, Env};

/// A bindfs mount of `src` at `mnt`, run in the foreground so its pid is ours.
struct FuseMount {
    mnt: PathBuf,
    daemon: Child,
}

impl FuseMount {
    /// None (and why, on stderr) when this machine cannot mount one.
    fn start(src: &Path, mnt: &Path) -> Option<FuseMount> {
        let skip = |why: &str| {
            eprintln!("SKIPPED hung-mount test: {why}");
            None
        };
        if !Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n")) {
            return skip("needs root to mount FUSE");
        }
        if !Path::new("/dev/fuse").exists() {
            return skip("no /dev/fuse");
        }
        std::fs::create_dir_all(src).unwrap();
        std::fs::create_dir_all(mnt).unwrap();
        // No attribute or entry caching: every question reaches the daemon.
        let daemon = match Command::new("bindfs")
            .args(["-f", "-o", "attr_timeout=0,entry_timeout=0"])
            .arg(src)
            .arg(mnt)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(_) => return skip("bindfs is not installed (apt-get install bindfs)"),
        };
        let mount = FuseMount { mnt: mnt.to_path_buf(), daemon };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !mount.mounted() {
            if Instant::now() > deadline {
                return skip("bindfs did not mount within 10 s (no FUSE in this container?)");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(mount)
    }

    fn mounted(&self) -> bool {
        let table = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mnt = self.mnt.to_string_lossy();
        table.lines().any(|l| l.split(' ').nth(4) == Some(&*mnt))
    }

    fn signal(&self, sig: &str) {
        let _ = Command::new("kill").args([sig, &self.daemon.id().to_string()]).status();
    }
}

impl Drop for FuseMount {
    fn drop(&mut self) {
        self.signal("-CONT");
        if Command::new("umount").arg(&self.mnt).status().map_or(true, |s| !s.success()) {
            let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
        }
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// Runs synapse with `args`, returning its exit code, its JSON output and how long it took.
fn timed(env: &Env, args: &[&str]) -> (i32, serde_json::Value, Duration) {
    let t = Instant::now();
    let out = env.cmd().arg("--json").args(args).output().unwrap();
    let took = t.elapsed();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{args:?}: not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), v, took)
}

#[test]
fn a_hung_target_never_freezes_what_does_not_need_it_and_fails_what_does_within_six_seconds() {
    let env = Env::new();
    env.enable_backup();
    let Some(fuse) = FuseMount::start(&env.dir.path().join("nas-disk"), &env.dir.path().join("nas")) else { return };
    let nas = env.dir.path().join("nas/synapse");
    env.json(&["target", "add", "nas", "--path", nas.to_str().unwrap()]);
    let shas =
        env.pack("Styles", &[("a.safetensors", &content("hung-a", 4096)), ("b.safetensors", &content("hung-b", 4096))], Some("lora"));
    env.json(&["backup", "blob", &shas[0], "--target", "nas"]);
    env.json(&["backup", "blob", &shas[0]]);

    fuse.signal("-STOP");

    let (code, inv, took) = timed(&env, &["inventory", "--summary"]);
    assert_eq!(code, 0, "{inv}");
    assert!(took < Duration::from_secs(1), "inventory --summary took {took:?} with a hung target");
    let t = inv["targets"].as_array().unwrap().iter().find(|t| t["name"] == "nas").unwrap().clone();
    assert_eq!((t["state"].as_str(), t["connected"].as_bool()), (Some("unresponsive"), Some(false)), "{t}");
    assert_eq!((t["source"].as_str(), t["blobs"].as_u64()), (Some("cached"), Some(1)), "shown from its catalog: {t}");

    let (code, items, took) = timed(&env, &["inventory"]);
    assert!(code == 0 && took < Duration::from_secs(1), "inventory: exit {code} after {took:?}");
    let it =
        items["items"].as_array().unwrap().iter().find(|i| i["sha256"] == shas[0].as_str()).unwrap_or_else(|| panic!("{items}")).clone();
    assert_eq!(it["copies_count"], 3, "the hung target's copy is still known: {it}");

    let (code, st, took) = timed(&env, &["backup", "status"]);
    assert!(code == 0 && took < Duration::from_secs(1), "status of another target: exit {code} after {took:?}");
    assert_eq!(st["state"], "connected");

    let (code, st, took) = timed(&env, &["backup", "status", "--target", "nas"]);
    assert!(code == 0 && took < Duration::from_secs(6), "status of the hung target: exit {code} after {took:?}");
    assert_eq!((st["state"].as_str(), st["connected"].as_bool()), (Some("unresponsive"), Some(false)), "{st}");

    let (code, err, took) = timed(&env, &["backup", "blob", &shas[1], "--target", "nas"]);
    assert!(took < Duration::from_secs(6), "an operation on the hung target took {took:?}");
    assert_eq!((code, err["error"]["code"].as_str()), (4, Some("unresponsive")), "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("did not answer"), "{err}");

    let (code, err, took) = timed(&env, &["scrub", "--target", "nas"]);
    assert!(took < Duration::from_secs(6), "scrub of the hung target took {took:?}");
    assert_eq!((code, err["error"]["code"].as_str()), (4, Some("unresponsive")), "{err}");

    // A new target is added beside it without waiting for it.
    let other = env.dir.path().join("usb");
    let (code, added, took) = timed(&env, &["target", "add", "usb", "--path", other.to_str().unwrap()]);
    assert!(code == 0 && took < Duration::from_secs(2), "target add beside a hung target: exit {code} after {took:?}: {added}");

    // Nothing of the other target or the store waited or changed.
    assert!(env.blob_path(&shas[1]).is_file() && env.backup_blob_path(&shas[0]).is_file());

    fuse.signal("-CONT");
    let (code, st, _) = timed(&env, &["backup", "status", "--target", "nas"]);
    assert_eq!((code, st["state"].as_str()), (0, Some("connected")), "it answers again once the mount does: {st}");
    drop(fuse);
}
