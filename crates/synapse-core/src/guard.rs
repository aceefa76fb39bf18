//! Impacts and delete with guard rails (SPEC §3.3). Every row of the decision
//! table is a branch here and a test in `tests/core/guard.rs`.

use crate::error::Result;
use crate::ids::Sha256;
use crate::inventory::Inventory;
use crate::model::{BlobDetail, DeleteResult, DeleteTarget, Impacts};
use crate::store::Store;

/// What deleting `sha` would affect. `not_found` when no side and no pack knows it.
pub fn impacts(inv: &Inventory, sha: &Sha256) -> Result<Impacts> {
    let _ = (inv, sha);
    todo!("guard helper")
}

/// The item, its impacts and file info of both copies.
pub fn detail(inv: &Inventory, sha: &Sha256) -> Result<BlobDetail> {
    let _ = (inv, sha);
    todo!("guard helper")
}

/// Deletes copies of a blob under the store lock, after the guard rails.
pub fn delete(store: &Store, sha: &Sha256, target: DeleteTarget, force: bool) -> Result<DeleteResult> {
    let _ = (store, sha, target, force);
    todo!("guard helper")
}
