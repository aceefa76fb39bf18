//! Which filesystem events mean "something changed", for the two watchers of
//! the shell (the backup drive's in [`crate::watcher`], the store's in
//! [`crate::store_watch`]).
//!
//! `notify` subscribes to IN_OPEN and IN_CLOSE_NOWRITE on Linux, so every look
//! at a watched folder raises an event. A watcher that reacts to those by
//! looking again spins (issue 11: the backup watcher at 100 % of a core), and
//! a store watcher that refreshes on them would refresh on its own refresh's
//! reads. Reads are therefore never a change here.

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::EventKind;

/// A change of the backup folder or its parent that may mean the drive came
/// or went: an entry created, removed, renamed or re-permissioned. Opens,
/// reads and writes into files never are (the 1-second poll covers the rest).
pub fn is_backup_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Name(_) | ModifyKind::Metadata(_)) => true,
        // A queue overflow or an unclassified event: look once, it is rare.
        EventKind::Any | EventKind::Other => true,
        EventKind::Modify(_) | EventKind::Access(_) => false,
    }
}

/// A change of the store's packs or blobs that the inventory shows: what
/// [`is_backup_change`] accepts, plus a file closed after writing (an editor
/// saving `pack.json` in place). Opens and reads never are, so the window's
/// own reload cannot trigger another one.
pub fn is_store_change(kind: &EventKind) -> bool {
    is_backup_change(kind) || matches!(kind, EventKind::Access(AccessKind::Close(AccessMode::Write)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode};

    #[test]
    fn opening_or_reading_a_folder_is_never_a_change() {
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Any),
        ] {
            assert!(!is_backup_change(&kind), "{kind:?}");
            assert!(!is_store_change(&kind), "{kind:?}");
        }
    }

    #[test]
    fn entries_appearing_disappearing_or_renamed_are_changes() {
        for kind in [
            EventKind::Create(CreateKind::Folder),
            EventKind::Remove(RemoveKind::Folder),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
        ] {
            assert!(is_backup_change(&kind), "{kind:?}");
            assert!(is_store_change(&kind), "{kind:?}");
        }
    }

    #[test]
    fn a_written_file_changes_the_store_but_does_not_wake_the_drive_watcher() {
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(is_store_change(&closed));
        assert!(!is_backup_change(&closed));
        assert!(!is_backup_change(&EventKind::Modify(ModifyKind::Data(DataChange::Any))));
    }
}
