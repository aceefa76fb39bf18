//! Synapse core: the content-addressed model store and everything that reasons
//! about it — blobs, packs, the inventory, guard rails, verification, doctor.
//!
//! Layout of the crate (one module per concern, each with its own docs):
//! - identities and wire types: [`ids`], [`model`], [`error`];
//! - the disk: [`layout`], [`fsutil`], [`schema`], [`store`], [`lock`];
//! - blobs and packs: [`blobs`], [`kind`], [`packs`];
//! - reasoning: [`inventory`], [`backup`], [`ledger`], [`guard`] (impacts and
//!   delete), [`cleanup`], [`verify`], [`doctor`], and the [`demo`] store;
//! - long operations report through [`progress`].
//!
//! This crate knows nothing of the CLI or the desktop shell: both call the same
//! functions, so they cannot disagree.

#![forbid(unsafe_code)]

pub mod backup;
pub mod blobs;
pub mod cleanup;
pub mod demo;
pub mod disk;
pub mod doctor;
pub mod error;
pub mod fsutil;
pub mod guard;
pub mod ids;
pub mod inventory;
pub mod kind;
pub mod layout;
pub mod ledger;
pub mod lock;
pub mod model;
pub mod packs;
pub mod progress;
pub mod schema;
pub mod store;
pub mod verify;

pub use error::{Error, ErrorCode, Result, WireError};
pub use ids::{PackName, Sha256};
pub use store::Store;
