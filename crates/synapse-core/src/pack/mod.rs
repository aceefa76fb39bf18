//! Packs (SPEC §3.1): [`packs`] (the pack and lock files, adding files, the
//! pack list) and [`link_record`] (`data/ui-links.json`, every link made in a
//! UI folder from a pack's blob).

pub(crate) mod link_record;
pub mod packs;
