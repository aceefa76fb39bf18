//! Free and total space of the filesystem holding a path (via `sysinfo`).

use std::path::Path;

use sysinfo::Disks;

use crate::model::DiskInfo;

/// The disk whose mount point is the longest prefix of `path`.
pub fn disk_info(path: &Path) -> Option<DiskInfo> {
    let canon = path.canonicalize().ok()?;
    let disks = Disks::new_with_refreshed_list();
    disks.list().iter().filter(|d| canon.starts_with(d.mount_point())).max_by_key(|d| d.mount_point().as_os_str().len()).map(|d| DiskInfo {
        path: path.to_path_buf(),
        total_bytes: d.total_space(),
        free_bytes: d.available_space(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_temp_dir_has_a_disk() {
        let d = tempfile::tempdir().unwrap();
        let info = super::disk_info(d.path()).expect("a disk holds the temp dir");
        assert!(info.total_bytes > 0 && info.free_bytes <= info.total_bytes);
    }
}
