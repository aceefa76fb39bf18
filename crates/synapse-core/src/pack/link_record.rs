//! `data/ui-links.json`: every link Synapse made in a UI folder — by `use`,
//! or by `adopt --link` replacing an original file — with the pack, the blob
//! and the link's target, and the folders `use` had to create. Read by the
//! inventory (`active_in_uis`), the pack list (`active_in`), `ui list` and
//! doctor; written only by [`crate::links`] and `adopt`.

use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::Sha256;
use crate::results::UiLink;
use crate::store::layout::StoreLayout;
use crate::vocab::AssetKind;

/// Who made a recorded link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MadeBy {
    /// `use <pack>`: `unuse <pack>` removes it.
    Use,
    /// `adopt --link` replaced the user's original file by it: it stays.
    Adopt,
}

/// One recorded link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEntry {
    /// The UI target's name (for `adopt --link` outside every target: the adopted folder).
    pub ui: String,
    pub pack: String,
    pub dependency_id: String,
    pub sha256: Sha256,
    pub kind: AssetKind,
    pub path: PathBuf,
    pub target: PathBuf,
    pub made_by: MadeBy,
}

impl LinkEntry {
    pub(crate) fn link(&self) -> UiLink {
        UiLink {
            ui: self.ui.clone(),
            pack: self.pack.clone(),
            dependency_id: self.dependency_id.clone(),
            sha256: self.sha256.clone(),
            kind: self.kind,
            path: self.path.clone(),
            target: self.target.clone(),
        }
    }

    pub(crate) fn from_link(l: &UiLink, made_by: MadeBy) -> LinkEntry {
        LinkEntry {
            ui: l.ui.clone(),
            pack: l.pack.clone(),
            dependency_id: l.dependency_id.clone(),
            sha256: l.sha256.clone(),
            kind: l.kind,
            path: l.path.clone(),
            target: l.target.clone(),
            made_by,
        }
    }

    /// True when the path holds this link and the blob behind it exists.
    pub(crate) fn is_live(&self) -> bool {
        fs::read_link(&self.path).is_ok_and(|t| t == self.target) && self.target.is_file()
    }
}

/// A folder `use` created in a UI (removed by `unuse` once empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirEntry {
    pub ui: String,
    pub path: PathBuf,
}

/// `data/ui-links.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LinkRecord {
    #[serde(default = "one")]
    pub version: u32,
    #[serde(default)]
    pub links: Vec<LinkEntry>,
    #[serde(default)]
    pub dirs: Vec<DirEntry>,
}

fn one() -> u32 {
    1
}

impl LinkRecord {
    /// Reads the record; a store without one has no links. An unreadable
    /// record is an error: rewriting it would forget links.
    pub fn load(layout: &StoreLayout) -> Result<LinkRecord> {
        let p = layout.ui_links();
        if !p.exists() {
            return Ok(LinkRecord { version: 1, ..Default::default() });
        }
        layout.read_json(&p)
    }

    pub fn save(&self, layout: &StoreLayout) -> Result<()> {
        layout.write_json(&layout.ui_links(), self)
    }
}

/// Every recorded link that exists now and points at a blob that is there
/// (what the inventory shows as `active_in_uis`). Reads only; an unreadable
/// record shows no links rather than failing the inventory (doctor reports it).
pub fn active_links(layout: &StoreLayout) -> Vec<UiLink> {
    let Ok(record) = LinkRecord::load(layout) else { return Vec::new() };
    record.links.iter().filter(|e| e.is_live()).map(LinkEntry::link).collect()
}

/// The live links `use` made (what `unuse` removes): which packs are active in which UI.
pub(crate) fn active_use_links(layout: &StoreLayout) -> Vec<UiLink> {
    let Ok(record) = LinkRecord::load(layout) else { return Vec::new() };
    record.links.iter().filter(|e| e.made_by == MadeBy::Use && e.is_live()).map(LinkEntry::link).collect()
}
