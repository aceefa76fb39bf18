//! Synapse core: the content-addressed model store and everything that reasons
//! about it — blobs, packs, the inventory, guard rails, verification, doctor.
//!
//! The crate is laid out like jj's `lib/src`: flat files for the verbs, a
//! folder for each subsystem under them. From the bottom up:
//! - vocabulary and plumbing, used by every module: [`vocab`] (the words the
//!   wire shares, below everything: kinds, statuses, locations, sides, error
//!   codes), [`ids`] (`Sha256`, `PackName`), [`error`] (the one `Error` and its
//!   wire shape), [`results`] (the result types several parts share, and those
//!   the errors carry), [`plan`] (the stamp of `--save-plan` files),
//!   [`progress`] (progress and cancel); [`model`] re-exports every wire type
//!   (for the CLI, the app and ts-rs; the core's own modules never import it);
//! - `store/` — the disk: [`store`] (the `Store`), [`tree`] (the one door: every
//!   open, create, rename and delete inside the store or a drive tree, never
//!   through a link), [`layout`] (paths), [`fsutil`], [`schema`] (the JSON files),
//!   [`lock`], [`ledger`] (verification times), [`integrity`] (corrupt copies),
//!   [`probe`] (questions that could hang), [`disk`] (free space);
//! - `blob/` — [`blobs`] (scan, adopt, manifests), [`kind`], [`autov3`], and the
//!   copy engine, [`copy`] over [`writeback`];
//! - `pack/` — [`packs`] (pack and lock files, the pack list) and
//!   [`link_record`] (`data/ui-links.json`);
//! - `target/` — [`target`] (the interface: `state/targets.json`, names, the
//!   copies policy, `whereis`), [`state`](target::state) (is a target connected,
//!   ours, unresponsive), [`backup`] (config, status, the `Session` and `Drives`
//!   of operations that write to targets, `Place`), [`s3`] (buckets),
//!   [`catalog`] (what a target holds while unplugged), [`queue`](target::queue)
//!   and [`autobackup`] (`auto_backup_new`);
//! - `inventory/` — [`inventory`] (build and query) and [`guard`] (impacts and delete);
//! - the verbs, each a module over those: [`cleanup`], [`verify`], [`scrub`],
//!   [`repair`] (corrupt copies from good ones), [`doctor`], [`sync`] (blobs,
//!   packs, whole store), [`replicate`] (`backup sync --all`), [`state_sync`]
//!   (`state/`), [`adopt`] (bring a model tree in), [`download`] (redownload),
//!   [`package`] (export, validate, import), [`ui_targets`] (UI targets and
//!   their kind → folder maps), [`links`] (use/unuse links), [`workflow`] (from
//!   a ComfyUI or A1111 workflow to the models it needs; `workflow use` in
//!   [`workflow_use`]), [`identify`] (what a model is, asked of Civitai by its
//!   hash), [`settings`] (the Settings page saved in one call). The result
//!   types of a verb live beside it.
//!
//! A subsystem imports a verb in two places only: the inventory reads
//! [`identify`]'s metadata index, and [`results`] carries its `ModelMetadata`.
//! The subsystems' modules are re-exported at the crate root under their own
//! names (`synapse_core::blobs`, `synapse_core::catalog`, ...), which is how
//! the CLI, the app, the demo crate, the benchmarks and the tests reach them.
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
pub(crate) mod results;
pub(crate) mod vocab;

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
pub use blob::{blobs, copy};
pub use inventory::guard;
pub use pack::packs;
pub use store::{fsutil, integrity, layout, ledger, lock, probe, schema, tree};
pub use target::{autobackup, backup, catalog, s3};
pub use workflow::workflow_use;
// ...and the internal ones under their old names too, for the core itself.
pub(crate) use pack::link_record;
pub(crate) use store::disk;

pub use error::{Error, ErrorCode, ErrorDetails, Result, WireError};
pub use ids::{PackName, Sha256};
pub use store::Store;
