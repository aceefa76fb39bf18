//! Free and total space of the filesystem holding a path: `statvfs` of that
//! path alone (fs4, as the copy engine's space checks). Asking the system for
//! every mounted filesystem (sysinfo's disk list) hung `inventory --summary`
//! whenever any FUSE mount on the machine was dead, even one Synapse never
//! uses (issue 13); a path on the store's own filesystem answers without
//! touching the others.

use std::path::Path;

use crate::results::DiskInfo;

/// Space of the filesystem `path` is on (what an unprivileged user may still
/// write, as copies check it); `None` when it cannot be asked (the path is gone).
pub(crate) fn disk_info(path: &Path) -> Option<DiskInfo> {
    let st = fs4::statvfs(path).ok()?;
    Some(DiskInfo { path: path.to_path_buf(), total_bytes: st.total_space(), free_bytes: st.available_space() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_temp_dir_has_a_disk() {
        let d = tempfile::tempdir().unwrap();
        let info = super::disk_info(d.path()).expect("a disk holds the temp dir");
        assert!(info.total_bytes > 0 && info.free_bytes <= info.total_bytes);
    }

    #[test]
    fn figures_match_df_for_the_same_path() {
        let d = tempfile::tempdir().unwrap();
        let info = super::disk_info(d.path()).unwrap();
        let out = std::process::Command::new("df").args(["-B1", "--output=size,avail"]).arg(d.path()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let nums: Vec<u64> = text.lines().nth(1).unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
        assert_eq!(info.total_bytes, nums[0], "total as df says");
        // Free space moves while tests write: within 64 MiB of df's figure.
        assert!(info.free_bytes.abs_diff(nums[1]) < 64 << 20, "{} vs df {}", info.free_bytes, nums[1]);
    }

    #[test]
    fn a_path_that_is_gone_has_no_disk() {
        assert!(super::disk_info(std::path::Path::new("/nonexistent/synapse/store")).is_none());
    }
}
