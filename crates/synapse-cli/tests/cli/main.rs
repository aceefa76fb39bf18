//! Black-box tests of the `synapse` binary: exit codes (SPEC §5) and the
//! `--json` shapes, on real stores in temporary directories. One module per
//! topic; the harness is in `support`.

mod support;

mod cleanup;
mod concurrency;
mod delete;
mod demo;
mod doctor;
mod errors;
mod init;
mod inventory;
mod packs;
mod resolve;
mod verify;
