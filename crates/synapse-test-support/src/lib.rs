//! Helpers shared by the integration tests of synapse-core and synapse-cli,
//! and by the benchmarks that script the same servers. Nothing here ships in
//! `synapse` or the app.
//!
//! - [`http`]: a local HTTP server for downloads (`redownload`, `workflow use`);
//! - [`civitai_stub`]: a stand-in for Civitai's by-hash endpoint (`identify`);
//! - [`moto`]: a real S3-compatible server (bucket targets);
//! - [`files`]: test contents, big files, and what is below a folder, to compare before and after;
//! - [`mount`]: a tmpfs mounted for one test (a full drive).

pub mod civitai_stub;
pub mod files;
pub mod http;
pub mod moto;
pub mod mount;

pub use files::{big_file, content, files_under, snapshot};
pub use mount::Tmpfs;
