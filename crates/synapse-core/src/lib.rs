//! Synapse core: the content-addressed model store and everything that reasons
//! about it — blobs, packs, the inventory, guard rails, verification, doctor.
//!
//! Layout of the crate (one module per concern, each with its own docs):
//! - identities and wire types: [`ids`], [`model`], [`error`];
//! - the disk: [`tree`] (the one door: every open, create, rename and delete
//!   inside the store or a drive tree, never through a link), [`layout`],
//!   [`fsutil`], [`schema`], [`store`], [`lock`];
//! - blobs and packs: [`blobs`], [`kind`], [`packs`];
//! - reasoning: [`inventory`], [`backup`], [`ledger`], [`integrity`] (corrupt copies), [`guard`] (impacts and
//!   delete), [`cleanup`], [`verify`], [`repair`] (corrupt copies from good ones), [`doctor`];
//! - the backup drive: [`backup`] (state, config, status, sessions), [`catalog`]
//!   (what it holds while unplugged), [`copy`] and [`writeback`] (the copy
//!   engine), [`sync`] (blobs, packs, whole store), [`state_sync`] (`state/`),
//!   [`autobackup`] (`auto_backup_new` and its queue);
//! - moving packs between machines: [`package`] (export, validate, import);
//! - model folders of the UIs: [`ui_targets`] (targets and folder maps), [`links`]
//!   (use/unuse links), [`adopt`] (bring a model tree in), [`download`] (redownload);
//! - from a workflow (ComfyUI JSON or PNG, A1111/Forge infotext) to the models
//!   it needs and where each stands: [`workflow`];
//! - what a model is, asked of Civitai by its hash only when the user asks: [`identify`];
//! - long operations report through [`progress`].
//!
//! This crate knows nothing of the CLI or the desktop shell: both call the same
//! functions, so they cannot disagree. The demo store is a crate of its own,
//! `synapse-demo`, written through this crate's public API.

// `unsafe` is denied everywhere except `writeback`, which wraps two libc calls
// std lacks (early write-back of large copies, SPEC §7).
#![deny(unsafe_code)]

// Vocabulary and plumbing every module uses.
pub mod error;
pub mod ids;
pub mod model;
pub mod plan;
pub mod progress;
pub mod results;
pub mod vocab;

// Subsystems, each a folder.
mod blob;
pub mod inventory;
mod pack;
pub mod store;
pub mod target;

// The verbs, each over the subsystems.
pub mod adopt;
pub mod cleanup;
pub mod doctor;
pub mod download;
pub mod identify;
pub mod links;
pub mod package;
pub mod repair;
pub mod replicate;
pub mod scrub;
pub mod settings;
pub mod state_sync;
pub mod sync;
pub mod ui_targets;
pub mod verify;
pub mod workflow;

// The modules of the subsystems, reachable at the crate root as before.
pub use blob::{autov3, blobs, copy, kind, writeback};
pub use inventory::guard;
pub use pack::{link_record, packs};
pub use store::{disk, fsutil, integrity, layout, ledger, lock, probe, schema, tree};
pub use target::{autobackup, backup, catalog, s3};
pub use workflow::workflow_use;

pub use error::{Error, ErrorCode, ErrorDetails, Result, WireError};
pub use ids::{PackName, Sha256};
pub use store::Store;
