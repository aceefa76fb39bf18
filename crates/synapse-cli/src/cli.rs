//! The command line as clap types. Values the core can check (pack names,
//! hashes) are taken as plain strings here and parsed by the command, so a bad
//! value produces the core's `invalid_argument` error with its details.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use synapse_core::inventory::SortKey;
use synapse_core::model::{AssetKind, BlobStatus, ImportStrategy, Location, SyncDirection, UiKind};

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
    /// The backup drive: status, configuration, backup and restore of blobs and packs, sync, state backup.
    Backup {
        /// The backup target to work on (default: the original's, `backup`); see `synapse target list`.
        #[arg(long, global = true, value_name = "NAME")]
        target: Option<String>,
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Backup targets: the drives and folders besides this disk that hold copies, and the copies policy.
    Target {
        #[command(subcommand)]
        command: TargetCommand,
    },
    /// Re-hash the copies on a target verified longest ago first, within a budget; --repair replaces corrupt ones from good copies.
    Scrub {
        /// The target to scrub (default: the original's, `backup`); `local` scrubs this disk.
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// How much to read this time: a time (20min, 2h) or bytes (50GB). Default: every copy.
        #[arg(long, value_name = "20min|2h|50GB")]
        budget: Option<synapse_core::scrub::Budget>,
        /// Replace the corrupt copies found from a good copy elsewhere (the bad file goes to quarantine).
        #[arg(long)]
        repair: bool,
    },
    /// Every copy of a blob: on this disk and on each target, when each was last verified, whether its target is connected.
    Whereis {
        /// Full SHA-256, a unique prefix of at least 8 characters, or a name (file name, display name).
        blob: String,
    },
    /// Bring a UI's model folder into the store: one blob per distinct file, a pack per file (dry run unless --execute).
    Adopt {
        /// The folder to walk (a ComfyUI `models/` folder, an A1111/Forge installation, ...).
        folder: PathBuf,
        /// Really adopt (default: only show files, duplicates and the space --link would save).
        #[arg(long)]
        execute: bool,
        /// Replace every original by a link to its blob (the UI keeps working; duplicates stop costing space).
        #[arg(long)]
        link: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// UI targets: the UI installations packs can be exposed in.
    Ui {
        #[command(subcommand)]
        command: UiCommand,
    },
    /// Expose a pack's models in UI folders as links (restores backup-only blobs first with --yes).
    Use {
        pack: String,
        /// Only this UI target (default: every target).
        #[arg(long, value_name = "NAME")]
        ui: Option<String>,
        /// Only show what would be linked and restored.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Remove the links `use` made for a pack.
    Unuse {
        pack: String,
        /// Only this UI target (default: every target).
        #[arg(long, value_name = "NAME")]
        ui: Option<String>,
        /// Only show which links (and empty folders) would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Replace corrupt copies from good ones; the corrupt file goes to data/quarantine/, never deleted.
    Repair {
        /// Full SHA-256s or unique prefixes of at least 8 characters.
        #[arg(required_unless_present_any = ["all", "apply"])]
        sha256: Vec<String>,
        /// Every blob with a corrupt copy.
        #[arg(long, conflicts_with = "sha256")]
        all: bool,
        /// Only show what would be replaced, from where.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Ask Civitai what models are, by their SHA-256 only (names, base model, trigger words, a preview);
    /// cached in data/cache/metadata/, and nothing is sent unless you run this.
    Identify {
        /// Full SHA-256s, unique prefixes of at least 8 characters, or AutoV2 hashes (10 characters).
        #[arg(required_unless_present_any = ["orphans", "unnamed", "all"], conflicts_with_all = ["orphans", "unnamed", "all"])]
        sha256: Vec<String>,
        /// Every blob no pack references.
        #[arg(long, conflicts_with_all = ["unnamed", "all"])]
        orphans: bool,
        /// Every blob without a provider origin (no manifest, or one from a local file or a bare URL).
        #[arg(long, conflicts_with = "all")]
        unnamed: bool,
        /// Every blob known anywhere.
        #[arg(long)]
        all: bool,
        /// Ask again: blobs that already have a provider origin, cached answers and recent "not found" ones too.
        #[arg(long)]
        refresh: bool,
    },
    /// Download a missing blob again from its lock's URLs (resumes an interrupted download, checks the hash).
    Redownload {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
    },
    /// Workflows: which models a ComfyUI workflow (JSON or PNG) or an A1111/Forge image needs (check),
    /// getting and linking them into a UI (use), keeping them as a pack (pack).
    Workflow {
        #[command(subcommand)]
        command: WorkflowCommand,
    },
    /// Packages: move packs and their blobs between machines (export, validate, import).
    Package {
        #[command(subcommand)]
        command: PackageCommand,
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
    #[arg(long, conflicts_with_all = ["kind", "status", "location", "search", "corrupt", "copies_below", "below_policy", "sort", "limit", "offset"])]
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

    /// Only blobs with a copy known to be corrupt (found by verify; `synapse repair` replaces them).
    #[arg(long)]
    pub corrupt: bool,

    /// Only blobs with fewer good copies than N (this disk and every target counted).
    #[arg(long, value_name = "N")]
    pub copies_below: Option<u32>,

    /// Only referenced blobs with fewer good copies than the copies policy asks.
    #[arg(long)]
    pub below_policy: bool,

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
        #[arg(long, conflicts_with = "save_plan")]
        execute: bool,
        /// At most this many orphans, largest first.
        #[arg(long, value_name = "N", conflicts_with = "apply")]
        max_items: Option<usize>,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Re-hash blobs and compare with their names (default: every local blob).
    Verify(VerifyArgs),
    /// Delete copies of a blob, with guard rails.
    Delete {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
        /// Which copies to delete: local, backup (the original's target), both (those two),
        /// a target's name, or everywhere (this disk and every target).
        #[arg(long, value_name = "local|backup|both|NAME|everywhere", default_value = "local")]
        target: String,
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
    /// Rename a pack (its folder, files, profiles and recorded UI links follow).
    Rename { old: String, new: String },
    /// Change the kind of one dependency (or of all): it decides the UI folder `use` links into.
    SetKind {
        name: String,
        /// `<dependency-id> <kind>`, or `--all <kind>` (ids: `synapse pack show`; kinds: checkpoint,
        /// lora, vae, controlnet, upscaler, clip, text_encoder, diffusion_model, embedding, unet, ...).
        #[arg(value_name = "DEPENDENCY KIND", required = true, num_args = 1..=2)]
        args: Vec<String>,
        /// Every dependency of the pack.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Is the backup drive connected, what it holds, and what is not backed up.
    Status,
    /// Show or change the backup configuration (--enable on a folder initialises a backup there).
    Config(BackupConfigArgs),
    /// Copy a local blob to the backup drive (hash-checked).
    Blob {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
    },
    /// Copy a blob from the backup drive into the local store (hash-checked).
    Restore {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
    },
    /// Delete a blob's copy on the backup drive, with guard rails.
    Delete {
        /// Full SHA-256 or a unique prefix of at least 8 characters.
        sha256: String,
        /// Delete even the last copy, or a blob packs still use.
        #[arg(long)]
        force: bool,
    },
    /// Copy every blob the other side lacks (dry run unless --execute).
    Sync {
        /// to_backup (every local blob the drive lacks) or from_backup (every referenced blob only the drive has).
        #[arg(long, value_name = "to_backup|from_backup")]
        direction: Option<SyncDirection>,
        /// Really copy (default: only show what would be copied).
        #[arg(long)]
        execute: bool,
        /// Re-copy the blobs the destination already has too (each replacement is hash-checked first).
        #[arg(long, conflicts_with = "all")]
        refresh: bool,
        /// Bring every blob up to the copies policy over every connected target (not only this one).
        #[arg(long, conflicts_with = "direction")]
        all: bool,
        /// from_backup: restore backup-only orphans too; with --all: bring orphans up to the global min_copies too.
        #[arg(long)]
        include_orphans: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Re-hash every blob on the backup drive and compare with its name.
    Verify,
    /// Back up a pack's local-only blobs; with --free, then delete the local copies that are safely on the backup.
    Push {
        pack: String,
        /// Really do it (default: only show what would be done).
        #[arg(long)]
        execute: bool,
        /// Delete the pack's local copies once their backup copy is known good (re-hashed when not written now).
        #[arg(long)]
        free: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Restore a pack's backup-only blobs (never downloads anything).
    Pull {
        pack: String,
        /// Really do it (default: only show what would be done).
        #[arg(long)]
        execute: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Where each blob of a pack is: local, backup, both, or nowhere.
    PackStatus { pack: String },
    /// Compare state/ (packs, previews, workflows, config) with its copy on the backup drive.
    StateStatus,
    /// Mirror state/ to or from the backup drive, like rsync without --delete (dry run unless --execute).
    StateSync {
        /// to_backup or from_backup.
        #[arg(long, value_name = "to_backup|from_backup", default_value = "to_backup")]
        direction: SyncDirection,
        /// Really copy (default: only show what would be copied).
        #[arg(long)]
        execute: bool,
        /// Mirror .git/ too (excluded by default); also allows pulling into a git working tree.
        #[arg(long)]
        include_git: bool,
        /// Compare file contents, not only sizes and times.
        #[arg(long)]
        checksum: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Add a target: a folder (usually on another drive, initialised as a backup there) or an
    /// S3-compatible bucket (the key from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials).
    Add {
        name: String,
        /// The folder (made absolute); `<DIR>/.synapse/store` holds the copies.
        #[arg(long, value_name = "DIR", required_unless_present = "s3", conflicts_with = "s3")]
        path: Option<PathBuf>,
        /// The bucket's server, e.g. https://s3.eu-central-1.amazonaws.com or http://nas.local:9000.
        #[arg(long, value_name = "ENDPOINT", requires = "bucket")]
        s3: Option<String>,
        /// The bucket (with --s3).
        #[arg(long, value_name = "BUCKET", requires = "s3")]
        bucket: Option<String>,
        /// A folder inside the bucket (with --s3; default: the bucket's root).
        #[arg(long, value_name = "PREFIX", requires = "s3", default_value = "")]
        prefix: String,
        /// The bucket's region (with --s3).
        #[arg(long, value_name = "REGION", requires = "s3", default_value = "us-east-1")]
        region: String,
        /// Address the bucket as ENDPOINT/BUCKET (MinIO, Garage, most NAS servers) instead of BUCKET.ENDPOINT.
        #[arg(long, requires = "s3")]
        path_style: bool,
    },
    /// Check that a target can be used now, and say exactly what is wrong: unreachable, key
    /// refused, bucket missing, clock skew, permissions.
    Test { name: String },
    /// Keep a bucket target's access key in the OS keyring (read from stdin as
    /// "ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN]"; never written to state/).
    Key {
        name: String,
        /// Remove the kept key instead.
        #[arg(long)]
        forget: bool,
    },
    /// Every target: where it is, whether it is connected, what it holds; and the policy.
    List,
    /// Forget a target (nothing on it is deleted); refused while the copies policy needs its copies.
    Remove {
        name: String,
        /// Remove it even if blobs fall below the copies policy.
        #[arg(long)]
        force: bool,
    },
    /// Rename a target (its catalog and records follow).
    Rename { old: String, new: String },
    /// Use the target again (its copies count again when it is connected).
    Enable { name: String },
    /// Stop using the target; nothing on it is touched, its copies stop counting until it is enabled.
    Disable { name: String },
    /// Show or change the copies policy.
    Policy {
        /// Good copies every referenced blob keeps (this disk counted); 1 is the last-copy rule.
        #[arg(long, value_name = "N")]
        min_copies: Option<u32>,
        /// Per kind: KIND=N (N=0 removes the override).
        #[arg(long = "kind", value_name = "KIND=N")]
        kinds: Vec<String>,
        /// Per pack: PACK=N (N=0 removes the override).
        #[arg(long = "pack", value_name = "PACK=N")]
        packs: Vec<String>,
        /// With 2 or more copies, only copies verified this recently count (e.g. 90d).
        #[arg(long, value_name = "DAYS")]
        verify_max_age: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct BackupConfigArgs {
    /// The backup folder, usually on an external drive (made absolute).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Enable backup storage (initialises the folder as a backup when it is not one yet).
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Disable backup storage (nothing on the drive is touched).
    #[arg(long)]
    pub disable: bool,
    /// Back up new blobs as soon as they enter the store (queued while the drive is away).
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub auto_backup_new: Option<bool>,
    /// Warn before deleting the last copy of a blob.
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub warn_last_copy: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum UiCommand {
    /// Add a UI target (its installation folder must exist).
    Add {
        name: String,
        /// comfyui, forge, a1111 or sdnext.
        #[arg(long, value_name = "KIND")]
        kind: UiKind,
        /// The UI's installation folder (the one holding models/).
        #[arg(long, value_name = "DIR")]
        path: PathBuf,
    },
    /// List the UI targets with their links.
    List,
    /// Forget a UI target (links `use` made there stay until `unuse`).
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Export packs and their blobs to a directory, or to one .tar file when OUT ends in .tar.
    Export {
        /// The packs to export.
        #[arg(required = true)]
        packs: Vec<String>,
        /// The package to create: a new (or empty) directory, or a file ending in .tar.
        #[arg(long, value_name = "DIR|FILE.tar")]
        out: PathBuf,
        /// Leave the blobs out (a metadata-only package).
        #[arg(long)]
        no_blobs: bool,
    },
    /// Check a package without writing anything: format, sizes and hashes, and how each pack relates to the store (exit 7 when invalid).
    Validate {
        /// A package directory or .tar file.
        path: PathBuf,
    },
    /// Import a package (shows the plan unless --execute).
    Import {
        /// A package directory or .tar file.
        path: PathBuf,
        /// What to do with packs whose name is already in the store.
        #[arg(long, value_name = "STRATEGY", default_value = "skip_if_exists")]
        strategy: ImportStrategy,
        /// The strategy for one pack, as PACK=STRATEGY (repeatable).
        #[arg(long = "set", value_name = "PACK=STRATEGY")]
        overrides: Vec<String>,
        /// Really import (default: validate and show what would happen).
        #[arg(long)]
        execute: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

/// Saving a dry run's plan and applying exactly that plan later (SPEC §3.11).
#[derive(Debug, Clone, Args, Default)]
pub struct PlanArgs {
    /// Write the dry run's plan to FILE (then review it, and apply it with --apply FILE).
    #[arg(long, value_name = "FILE", conflicts_with = "apply")]
    pub save_plan: Option<PathBuf>,
    /// Apply exactly the plan in FILE (made by --save-plan on this store, less than 24 hours ago):
    /// every item is checked again, and one that changed is skipped with its reason.
    #[arg(long, value_name = "FILE")]
    pub apply: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// List the models a workflow needs and where each is: present, on a backup target, downloadable, missing,
    /// ambiguous or unrecognised (reads only; exit 0 whatever the statuses, which the output gives).
    Check {
        /// A ComfyUI workflow (UI or API format .json), a PNG made by ComfyUI or A1111/Forge, or infotext (.txt).
        file: PathBuf,
        /// Also say whether each present model is linked into this UI target.
        #[arg(long, value_name = "NAME")]
        ui: Option<String>,
    },
    /// Make a workflow runnable in a UI: restore what is on backup targets, download (http(s) only) what has a URL,
    /// and link every model into the UI's folder for its kind under the file name the workflow expects.
    /// A dry run (the plan: hosts, sizes, free space, what cannot be done and why) unless --yes.
    Use {
        /// A ComfyUI workflow (.json), a PNG made by ComfyUI or A1111/Forge, or infotext (.txt).
        file: PathBuf,
        /// The UI target to link into (taken from the plan with --apply).
        #[arg(long, value_name = "NAME", required_unless_present = "apply")]
        ui: Option<String>,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Write a pack (type `workflow`) whose lock pins the blobs the workflow's models resolve to, with the
    /// workflow file in the pack's folder. Refused while a model does not resolve to one blob, unless --allow-missing.
    Pack {
        /// A ComfyUI workflow (.json), a PNG made by ComfyUI or A1111/Forge, or infotext (.txt).
        file: PathBuf,
        /// The new pack's name (an existing pack is never overwritten).
        #[arg(long, value_name = "N")]
        name: String,
        /// Also match model names against this UI target's links.
        #[arg(long, value_name = "NAME")]
        ui: Option<String>,
        /// Write the pack even when some models resolve to no blob or to several: they are listed in the
        /// result as not pinned and in the lock's `unresolved`.
        #[arg(long)]
        allow_missing: bool,
    },
}
