//! Black-box tests of the `synapse` binary: exit codes (SPEC §5) and the
//! `--json` shapes, on real stores in temporary directories. One module per
//! topic; the harness is in `support`.

mod support;
// The Civitai stub and the moto harness, shared with the core tests.
use synapse_test_support::{civitai_stub, moto};

mod adopt;
mod backup;
mod backup_faults;
mod cleanup;
mod concurrency;
mod delete;
mod demo;
mod doctor;
mod errors;
mod hung;
mod identify;
mod init;
mod inventory;
mod package;
mod packs;
mod redownload;
mod repair;
mod resolve;
mod s3;
mod shapes;
mod targets;
mod ui;
mod verify;
mod workflow;
