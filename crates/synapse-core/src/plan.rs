//! Plans (SPEC §3.11): what the user confirmed is what runs.
//!
//! Every operation with a preview is two public calls, `plan_x(...) -> XPlan`
//! and `apply_x(&XPlan)`. A plan is a plain serialisable value: the exact
//! items, each with the state it was planned against, and a [`PlanStamp`]
//! saying which store it was made for and when. The CLI prints a dry run's
//! plan, can save it (`--save-plan FILE`) and apply exactly that file later
//! (`--apply FILE`); the desktop app sends back the very plan it showed.
//!
//! Apply trusts only the list of items: each one is worked out again from the
//! disk under the store lock, and an item that no longer matches what was
//! planned is skipped with its reason ([`Skipped`]). Nothing that is not in
//! the plan is ever touched, so an edited plan can never widen what runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::store::Store;

/// How long a saved plan stays applicable.
pub(crate) const MAX_AGE: chrono::Duration = chrono::Duration::hours(24);

/// Which store a plan was made for, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanStamp {
    /// The operation (`cleanup`, `sync`, ...): a plan of one cannot be applied as another.
    pub operation: String,
    /// The store root as it was opened.
    #[serde(serialize_with = "crate::results::lossy::path")]
    pub store: PathBuf,
    /// The store root's identity (device, inode): another store at the same path is another store.
    pub store_id: String,
    /// RFC 3339.
    pub made_at: String,
}

fn store_id(root: &Path) -> Result<String> {
    let id = crate::store::tree::Tree::open(root)?.id();
    Ok(format!("{}:{}", id.dev, id.ino))
}

impl PlanStamp {
    /// A stamp for a plan of `operation` on `store`, made now.
    pub fn new(store: &Store, operation: &str) -> Result<PlanStamp> {
        Ok(PlanStamp {
            operation: operation.to_owned(),
            store: store.root().to_path_buf(),
            store_id: store_id(store.root())?,
            made_at: crate::store::fsutil::now_rfc3339(),
        })
    }

    /// `invalid_argument` (exit 2) unless this plan is for `operation` on
    /// `store` and at most [`MAX_AGE`] old.
    pub fn check(&self, store: &Store, operation: &str) -> Result<()> {
        if self.operation != operation {
            return Err(Error::invalid(format!(
                "this is a plan of `{}`, not of `{operation}`: apply it with the command that made it",
                self.operation
            )));
        }
        if store_id(store.root())? != self.store_id {
            return Err(Error::invalid(format!(
                "this plan was made for the store at {}, not for {}: make a new plan on this store",
                self.store.display(),
                store.root().display()
            )));
        }
        let made = chrono::DateTime::parse_from_rfc3339(&self.made_at)
            .map_err(|e| Error::invalid(format!("the plan's time {:?} cannot be read ({e}): make a new plan", self.made_at)))?;
        let age = chrono::Utc::now().signed_duration_since(made.with_timezone(&chrono::Utc));
        if age > MAX_AGE {
            return Err(Error::invalid(format!(
                "this plan was made {} hours ago (at {}): the store may have changed since; make a new plan",
                age.num_hours(),
                self.made_at
            )));
        }
        Ok(())
    }
}

/// A planned item that apply left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skipped {
    pub sha256: Option<Sha256>,
    /// What it is, by name (the blob's display name, a pack, a file).
    pub name: String,
    pub reason: String,
}

/// Reads a plan saved with `--save-plan` (any plan type).
pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(Error::io("read the plan", path))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::invalid(format!("{} is not a plan this command can apply: {e}", path.display())))
}

/// Writes a plan for `--save-plan` (atomically; the file is the user's, outside the store).
pub fn write<T: Serialize>(path: &Path, plan: &T) -> Result<()> {
    crate::store::fsutil::write_json_atomic(path, plan)
}
