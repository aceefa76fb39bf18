//! Integration tests of synapse-core on real temporary directories.
//! One binary, one module per topic; shared fixtures in `support`.

mod support;

mod compat;
mod inventory;
mod store;
