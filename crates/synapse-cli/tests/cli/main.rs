//! Black-box tests of the `synapse` binary: exit codes (SPEC §5) and the
//! `--json` shapes, on real stores in temporary directories. One module per
//! topic; the harness is in `support`.

#[path = "../../../synapse-core/tests/core/civitai_stub.rs"]
mod civitai_stub;
#[path = "../../../synapse-core/tests/core/moto.rs"]
mod moto;
mod support;

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
