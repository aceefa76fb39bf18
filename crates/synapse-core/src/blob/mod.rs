//! Blobs: the content-addressed files of a store or a drive tree and what is
//! known of them without reading a pack — [`blobs`] (scan, adopt, manifests,
//! leftovers), [`kind`] (what kind of model a file is), [`autov3`] (the A1111
//! short hash) — and the copy engine that moves one blob between trees:
//! [`copy`] (`.part`, hash, fsync, rename) over [`writeback`] (early write-back
//! of large copies, the crate's one `unsafe`).

pub(crate) mod autov3;
pub mod blobs;
pub mod copy;
pub(crate) mod kind;
pub(crate) mod writeback;
