//! The command line as clap types. Values the core can check (pack names,
//! hashes) are taken as plain strings here and parsed by the command, so a bad
//! value produces the core's `invalid_argument` error with its details.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use synapse_core::inventory::SortKey;
use synapse_core::model::{AssetKind, BlobStatus, DeleteTarget, Location};

/// Synapse: every model file exactly once, on disk or on a backup drive.
#[derive(Debug, Parser)]
#[command(name = "synapse", version, about, propagate_version = true, max_term_width = 120)]
pub struct Cli {
    /// Store root (default: $SYNAPSE_ROOT, else ~/.synapse/store).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Machine-readable output on stdout (the result object, or {"error": ...}).
    #[arg(long, global = true)]
    pub json: bool,

    /// No progress bars, hints or confirmations of success.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Answer yes to confirmations.
    #[arg(long, short, global = true)]
    pub yes: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the store skeleton (harmless on an existing store).
    Init,
    /// Find problems in the store; --fix repairs what is safe.
    Doctor {
        /// Repair what can be repaired safely.
        #[arg(long)]
        fix: bool,
    },
    /// List the blobs of the store, or inspect, verify, clean up and delete them.
    Inventory(InventoryArgs),
    /// Packs: named groups of models.
    Pack {
        #[command(subcommand)]
        command: PackCommand,
    },
    /// Create a sample store and backup drive in DIR to try everything on.
    Demo {
        /// Directory for `store/` and `backup-drive/`.
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InventoryArgs {
    #[command(subcommand)]
    pub command: Option<InventoryCommand>,

    #[command(flatten)]
    pub list: ListArgs,
}

/// Filters, sort and page of `synapse inventory`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the summary of the whole store instead of the list.
    #[arg(long, conflicts_with_all = ["kind", "status", "location", "search", "sort", "limit", "offset"])]
    pub summary: bool,

    /// Only this kind (checkpoint, lora, vae, controlnet, upscaler, clip, text_encoder,
    /// diffusion_model, embedding, custom_node, unet, unknown).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<AssetKind>,

    /// Only this status (referenced, backup_only, missing, orphan).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<BlobStatus>,

    /// Only this location (local_only, backup_only, both, nowhere).
    #[arg(long, value_name = "LOCATION")]
    pub location: Option<Location>,

    /// Free text: display name, pack name or hash prefix.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,

    /// size_desc, size_asc, name_asc, name_desc, kind, status or location.
    #[arg(long, value_name = "KEY", default_value = "size_desc")]
    pub sort: SortKey,

    /// At most this many rows.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub limit: usize,

    /// Skip this many rows.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,
}

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Everything about one blob: fields, impacts, files.
    Show {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
    },
    /// What deleting a blob would affect.
    Impacts {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
    },
    /// Delete orphan blobs and stale partial files (dry run unless --execute).
    Cleanup {
        /// Really delete (default: only show what would be deleted).
        #[arg(long)]
        execute: bool,
        /// At most this many orphans, largest first.
        #[arg(long, value_name = "N")]
        max_items: Option<usize>,
    },
    /// Re-hash blobs and compare with their names (default: every local blob).
    Verify(VerifyArgs),
    /// Delete copies of a blob, with guard rails.
    Delete {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
        /// Which copies to delete.
        #[arg(long, value_name = "local|backup|both", default_value = "local")]
        target: DeleteTarget,
        /// Delete even the last copy, or a blob packs still use.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Every local blob (the default).
    #[arg(long, conflicts_with_all = ["backup", "sha256"])]
    pub all: bool,
    /// Every blob on the backup drive.
    #[arg(long, conflicts_with = "sha256")]
    pub backup: bool,
    /// These local blobs (full hashes or unique prefixes).
    pub sha256: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// List the packs (and the ones that cannot be read).
    List,
    /// One pack and its blobs.
    Show { name: String },
    /// Create a pack from local files (the files are copied into the store).
    Create {
        name: String,
        /// Model files to adopt.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Kind of every file (default: from the safetensors header, else unknown).
        #[arg(long, value_name = "KIND")]
        kind: Option<AssetKind>,
    },
    /// Add local files to an existing pack.
    Add {
        name: String,
        /// Model files to adopt.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Kind of every file (default: from the safetensors header, else unknown).
        #[arg(long, value_name = "KIND")]
        kind: Option<AssetKind>,
    },
    /// Delete a pack; its blobs stay in the store (orphans when nothing else uses them).
    Delete { name: String },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
