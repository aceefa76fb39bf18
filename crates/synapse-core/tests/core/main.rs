//! Integration tests of synapse-core on real temporary directories.
//! One binary, one module per topic; shared fixtures in `support`.

mod support;
// The Civitai stub and the moto harness, shared with the CLI tests.
use synapse_test_support::{civitai_stub, moto};

mod adopt;
mod aliasing;
mod backup;
mod backup_faults;
mod backup_packs;
mod backup_state;
mod cleanup;
mod compat;
mod demo;
mod doctor;
mod guard;
mod identify;
mod integrity;
mod inventory;
mod package;
mod plans;
mod redownload;
mod s3;
mod store;
mod targets;
mod verify;
mod views;
mod workflow;
