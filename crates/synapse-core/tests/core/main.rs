//! Integration tests of synapse-core on real temporary directories.
//! One binary, one module per topic; shared fixtures in `support`.

mod support;

mod cleanup;
mod compat;
mod demo;
mod doctor;
mod guard;
mod inventory;
mod store;
mod verify;
