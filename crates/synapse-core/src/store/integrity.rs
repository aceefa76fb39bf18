//! The integrity record (`data/integrity.json`, SPEC §3.12): the copies that
//! were hashed and did not match their name.
//!
//! It is a record, not a cache: losing it would make a corrupt copy count as
//! a good one again, so it lives outside `data/cache`, a file that cannot be
//! read is an error (never an empty record), and an entry goes away only when
//! Synapse itself saw the copy good again (a verify that hashed it right), or
//! replaced it (repair moved it to `data/quarantine/`), or the file is gone.
//! Unreadable files are not recorded: an I/O error may be a cable, not rot.
//!
//! Writers (verify, the copy engine's callers, repair) read the file, change
//! it and write it back atomically right away, so two of them racing lose at
//! most the other's last entry, never the file.

use std::collections::BTreeMap;
use std::io;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::store::fsutil::now_rfc3339;
use crate::store::layout::StoreLayout;

/// What is known about one corrupt copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CorruptCopy {
    /// When it was found (RFC 3339).
    pub found_at: String,
    /// What found it: `verify`, `copy` (a backup or restore read it), `scrub`.
    pub found_by: String,
    /// The hash its bytes have.
    pub actual: String,
}

/// The record: blob → copy (`local`, or the backup target's name) → what was found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrityRecord {
    #[serde(default = "version")]
    pub version: u32,
    #[serde(default)]
    pub corrupt: BTreeMap<Sha256, BTreeMap<String, CorruptCopy>>,
}

fn version() -> u32 {
    1
}

impl IntegrityRecord {
    /// Reads the store's record. A store without one has no corrupt copies; a
    /// record that cannot be read or parsed is an error naming the file.
    pub fn load(layout: &StoreLayout) -> Result<IntegrityRecord> {
        let path = layout.integrity();
        match layout.read_json::<IntegrityRecord>(&path) {
            Ok(r) => Ok(r),
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(IntegrityRecord::default()),
            Err(Error::InvalidJson { path, source }) => Err(Error::Io {
                op: "read the integrity record (it lists corrupt copies; fix or restore the file, do not delete it)",
                path,
                source: io::Error::new(io::ErrorKind::InvalidData, source.to_string()),
            }),
            Err(e) => Err(e),
        }
    }

    /// Whether the copy of `sha` on `place` (`local` or a target) is known to be corrupt.
    pub fn is_corrupt(&self, sha: &Sha256, place: &str) -> bool {
        self.corrupt.get(sha).is_some_and(|c| c.contains_key(place))
    }

    /// The corrupt copies of one blob.
    pub fn copies(&self, sha: &Sha256) -> Option<&BTreeMap<String, CorruptCopy>> {
        self.corrupt.get(sha)
    }

    /// Every blob with at least one corrupt copy.
    pub fn blobs(&self) -> impl Iterator<Item = (&Sha256, &BTreeMap<String, CorruptCopy>)> {
        self.corrupt.iter()
    }

    fn set(&mut self, change: Change) {
        match change {
            Change::Corrupt { sha, place, found_by, actual } => {
                let copy = CorruptCopy { found_at: now_rfc3339(), found_by: found_by.to_owned(), actual: actual.to_string() };
                self.corrupt.entry(sha).or_default().insert(place, copy);
            }
            Change::Good { sha, place } => {
                if let Some(copies) = self.corrupt.get_mut(&sha) {
                    copies.remove(&place);
                    if copies.is_empty() {
                        self.corrupt.remove(&sha);
                    }
                }
            }
        }
    }
}

/// One change of the record.
#[derive(Debug, Clone)]
pub enum Change {
    /// The copy hashed to `actual`, not to its name.
    Corrupt { sha: Sha256, place: String, found_by: &'static str, actual: Sha256 },
    /// The copy hashed right, was replaced, or is gone.
    Good { sha: Sha256, place: String },
}

/// Forgets a removed target's entries (under the store lock).
pub(crate) fn forget_place(layout: &StoreLayout, place: &str) -> Result<()> {
    let before = IntegrityRecord::load(layout)?;
    let mut after = before.clone();
    for copies in after.corrupt.values_mut() {
        copies.remove(place);
    }
    after.corrupt.retain(|_, copies| !copies.is_empty());
    if after == before {
        return Ok(());
    }
    layout.write_json(&layout.integrity(), &after)
}

/// Renames a target's entries (`target rename`, under the store lock).
pub(crate) fn rename_place(layout: &StoreLayout, from: &str, to: &str) -> Result<()> {
    let before = IntegrityRecord::load(layout)?;
    let mut after = before.clone();
    for copies in after.corrupt.values_mut() {
        if let Some(c) = copies.remove(from) {
            copies.insert(to.to_owned(), c);
        }
    }
    if after == before {
        return Ok(());
    }
    layout.write_json(&layout.integrity(), &after)
}

/// Applies `changes` to the record on disk (read, change, write atomically).
/// Nothing is written when nothing changes.
pub fn record(layout: &StoreLayout, changes: impl IntoIterator<Item = Change>) -> Result<()> {
    let before = IntegrityRecord::load(layout)?;
    let mut after = before.clone();
    for c in changes {
        after.set(c);
    }
    if after == before {
        return Ok(());
    }
    layout.write_json(&layout.integrity(), &after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(c: char) -> Sha256 {
        Sha256::parse(&c.to_string().repeat(64)).unwrap()
    }

    #[test]
    fn a_copy_is_corrupt_until_seen_good_and_the_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let layout = StoreLayout::new(dir.path());
        std::fs::create_dir_all(layout.data()).unwrap();
        assert_eq!(IntegrityRecord::load(&layout).unwrap(), IntegrityRecord::default());
        let bad = Change::Corrupt { sha: sha('a'), place: "local".into(), found_by: "verify", actual: sha('b') };
        record(&layout, [bad]).unwrap();
        let r = IntegrityRecord::load(&layout).unwrap();
        assert!(r.is_corrupt(&sha('a'), "local"));
        assert!(!r.is_corrupt(&sha('a'), "backup"));
        let text = std::fs::read_to_string(layout.integrity()).unwrap();
        assert!(text.contains("\"local\"") && text.contains(&"b".repeat(64)), "{text}");
        record(&layout, [Change::Good { sha: sha('a'), place: "local".into() }]).unwrap();
        assert!(IntegrityRecord::load(&layout).unwrap().corrupt.is_empty());
    }

    #[test]
    fn an_unreadable_record_is_an_error_not_an_empty_record() {
        let dir = tempfile::tempdir().unwrap();
        let layout = StoreLayout::new(dir.path());
        std::fs::create_dir_all(layout.data()).unwrap();
        std::fs::write(layout.integrity(), b"{ not json").unwrap();
        let err = IntegrityRecord::load(&layout).unwrap_err();
        assert!(err.to_string().contains("integrity.json"), "{err}");
    }
}
