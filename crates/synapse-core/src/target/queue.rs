//! The queue of `auto_backup_new` (SPEC §3.6): `data/backup-queue.json`, the
//! blobs waiting for the backup drive, oldest first. Read by `backup status`
//! ([`crate::target::backup::status`]) and written by
//! [`crate::target::autobackup`], which backs them up when the drive is there.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::Sha256;
use crate::store::fsutil::read_json;
use crate::store::layout::StoreLayout;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Queue {
    #[serde(default)]
    version: u32,
    #[serde(default)]
    blobs: Vec<Sha256>,
}

/// The blobs waiting for the backup drive, oldest first.
pub fn queued(layout: &StoreLayout) -> Vec<Sha256> {
    read_json::<Queue>(&layout.backup_queue()).map(|q| q.blobs).unwrap_or_default()
}

/// Rewrites the queue (callers hold the store lock).
pub(crate) fn save_queue(layout: &StoreLayout, blobs: Vec<Sha256>) -> Result<()> {
    layout.write_json(&layout.backup_queue(), &Queue { version: 1, blobs })
}

/// Adds blobs to the queue (keeping its order, without duplicates); returns the queue.
pub(crate) fn enqueue(layout: &StoreLayout, blobs: &[Sha256]) -> Result<Vec<Sha256>> {
    let mut q = queued(layout);
    let before = q.len();
    for b in blobs {
        if !q.contains(b) {
            q.push(b.clone());
        }
    }
    if q.len() != before {
        save_queue(layout, q.clone())?;
    }
    Ok(q)
}
