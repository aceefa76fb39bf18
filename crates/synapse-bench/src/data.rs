//! Generating benchmark data: pseudo-random files written straight into a
//! store's blob directory under their real SHA-256, and warming the page cache.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use sha2::{Digest, Sha256 as Hasher};
use synapse_core::layout::BlobDir;
use synapse_core::Sha256;

/// Generation chunk: big enough to amortise, small enough to stay in memory per core.
const CHUNK: usize = 8 << 20;

/// Fills `buf` with pseudo-random bytes (splitmix64): fast, deterministic per
/// seed, and incompressible, so no layer below can cheat.
pub fn fill(buf: &mut [u8], seed: u64) {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    let mut words = buf.chunks_exact_mut(8);
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for w in &mut words {
        w.copy_from_slice(&next().to_le_bytes());
    }
    let rest = words.into_remainder();
    let last = next().to_le_bytes();
    rest.copy_from_slice(&last[..rest.len()]);
}

/// Writes `size` pseudo-random bytes into `dir` as a blob named by their hash
/// (through a temporary file and a rename), fsynced so that later write-back
/// does not disturb the measurements. Returns the hash and the blob's path.
pub fn random_blob(dir: &BlobDir, tmp: &Path, size: u64, seed: u64) -> anyhow::Result<(Sha256, PathBuf)> {
    fs::create_dir_all(tmp)?;
    let tmp_path = tmp.join(format!("bench-{seed}.part"));
    let mut out = File::create(&tmp_path).with_context(|| format!("cannot create {}", tmp_path.display()))?;
    let mut hasher = Hasher::new();
    let chunks = size.div_ceil(CHUNK as u64);
    // Generate a batch of chunks in parallel, then hash and write them in order.
    let batch = (rayon::current_num_threads() * 2).max(2) as u64;
    let mut bufs: Vec<Vec<u8>> = Vec::new();
    let mut first = 0u64;
    while first < chunks {
        let n = batch.min(chunks - first);
        bufs.resize_with(n as usize, Vec::new);
        bufs.par_iter_mut().enumerate().for_each(|(i, buf)| {
            let idx = first + i as u64;
            let len = (size - idx * CHUNK as u64).min(CHUNK as u64) as usize;
            buf.resize(len, 0);
            fill(buf, seed.wrapping_mul(1_000_003).wrapping_add(idx));
        });
        for buf in &bufs {
            hasher.update(buf);
            out.write_all(buf).with_context(|| format!("cannot write {}", tmp_path.display()))?;
        }
        first += n;
    }
    out.sync_all()?;
    let sha = Sha256::from_digest(&hasher.finalize());
    let path = dir.blob(&sha);
    fs::create_dir_all(path.parent().expect("blob paths have a parent"))?;
    fs::rename(&tmp_path, &path)?;
    Ok((sha, path))
}

/// Reads a file to the end so it sits in the page cache; returns its size.
pub fn warm(path: &Path) -> anyhow::Result<u64> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha_of(bytes: &[u8]) -> Sha256 {
    Sha256::from_digest(&Hasher::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_blob_is_named_by_its_hash() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = BlobDir::new(tmp.path().join("blobs"));
        let size = CHUNK as u64 * 2 + 12_345;
        let (sha, path) = random_blob(&dir, &tmp.path().join("tmp"), size, 7).unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, size);
        assert_eq!(sha_of(&bytes), sha);
        let (again, _) = random_blob(&dir, &tmp.path().join("tmp"), size, 7).unwrap();
        assert_eq!(again, sha, "deterministic per seed");
    }
}
