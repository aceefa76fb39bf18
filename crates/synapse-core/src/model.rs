//! Every wire type in one place: what the CLI prints with `--json` and what
//! the desktop app receives (and ts-rs turns into TypeScript). Each type lives
//! where it belongs — the shared words in [`crate::vocab`], the results several
//! operations share in [`crate::results`], the rest beside its operation — and
//! is re-exported here, for the CLI, the app and the tests; the core's own
//! modules import them from where they live. Field names and enum values are
//! the SPEC's (snake_case); change them only together with SPEC.md.

pub use crate::adopt::{AdoptBlob, AdoptResult, AdoptSkip};
pub use crate::cleanup::{CleanupEntry, CleanupError, CleanupResult};
pub use crate::download::{RedownloadResult, UrlError};
pub use crate::inventory::guard::{BlobDetail, DeleteResult, DeleteTarget, FileInfo, Remaining};
pub use crate::links::{UnuseResult, UseResult, UseSkip};
pub use crate::package::{
    CommitResult, DuplicatedPack, ExportResult, ImportStrategy, PackClassification, PackageFormat, PackageItem, PackageTotals, SkippedPack,
    ValidationReport,
};
pub use crate::results::*;
pub use crate::state_sync::{StateFileChange, StateSyncResult, StateSyncStatus};
pub use crate::target::backup::{BackupConfigResult, BackupStatus};
pub use crate::ui_targets::{UiRemoveResult, UiTargetInfo, UiTargetList};
pub use crate::verify::{InvalidBlob, VerifyResult};
pub use crate::vocab::{AssetKind, BackupSource, BlobStatus, IssueSeverity, Location, Side, SyncDirection, TargetState, UiKind};
