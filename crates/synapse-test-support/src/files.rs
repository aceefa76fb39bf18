//! Files for tests: distinct contents, big files, and what is below a folder
//! (to check what an operation wrote, left behind or did not touch).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Distinct content for test blobs.
pub fn content(tag: &str, len: usize) -> Vec<u8> {
    let mut v = tag.as_bytes().to_vec();
    v.resize(len.max(tag.len()), b'.');
    v
}

/// A file of `mib` MiB written fast from a repeated pattern (large enough for a
/// test to catch an operation in the middle of copying it).
pub fn big_file(path: &Path, mib: usize) {
    let mut f = File::create(path).unwrap();
    let mut chunk = vec![0u8; 1 << 20];
    for (i, b) in chunk.iter_mut().enumerate() {
        *b = (i * 31 % 251) as u8;
    }
    for i in 0..mib {
        chunk[0] = i as u8;
        chunk[1] = (i >> 8) as u8;
        f.write_all(&chunk).unwrap();
    }
}

/// Every file below `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Everything below `dir`: relative path → what it is (file bytes, link target, or a folder).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for e in walkdir(dir) {
        let rel = e.strip_prefix(dir).unwrap().to_path_buf();
        let m = fs::symlink_metadata(&e).unwrap();
        let what = if m.is_symlink() {
            format!("link {}", fs::read_link(&e).unwrap().display())
        } else if m.is_dir() {
            "dir".to_owned()
        } else {
            format!("file {:?}", fs::read(&e).unwrap())
        };
        out.insert(rel, what);
    }
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}
