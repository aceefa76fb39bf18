//! `synapse backup …`: the backup drive (SPEC §3.6, §3.7, §5).
//!
//! Every command that copies to or from the drive first runs the queue of
//! `auto_backup_new` (blobs that entered the store while the drive was away).

use std::fmt::Write as _;

use comfy_table::Cell;
use synapse_core::backup::{self, ConfigUpdate};
use synapse_core::guard;
use synapse_core::inventory;
use synapse_core::model::{
    BackupConfigResult, BackupSource, BackupStatus, BlobCopyResult, DeleteTarget, ItemError, PackBackupStatus, PackTransferResult,
    StateSyncResult, StateSyncStatus, SyncDirection, SyncItem, SyncResult,
};
use synapse_core::plan;
use synapse_core::replicate::{self, SyncAllOptions, SyncAllPlan, SyncAllResult};
use synapse_core::state_sync::{self, StateSyncOptions};
use synapse_core::sync::{self, PackTransferPlan, PushOptions, SyncOptions, SyncPlan};
use synapse_core::verify::{self, Selection};
use synapse_core::{Error, ErrorCode, PackName, Sha256, Store};

use super::inventory::{render_delete, render_verify};
use super::{Ctx, Done};
use crate::cli::{BackupCommand, BackupConfigArgs, PlanArgs};
use crate::output::{self, bold, dim, red, size, yellow};

/// Items listed by a preview before "... and N more".
const PREVIEW: usize = 10;

pub fn run(ctx: &Ctx, command: BackupCommand) -> anyhow::Result<Done> {
    match command {
        BackupCommand::Status => status(ctx),
        BackupCommand::Config(args) => config(ctx, args),
        BackupCommand::Blob { sha256 } => copy(ctx, &sha256, SyncDirection::ToBackup),
        BackupCommand::Restore { sha256 } => copy(ctx, &sha256, SyncDirection::FromBackup),
        BackupCommand::Delete { sha256, force } => delete(ctx, &sha256, force),
        BackupCommand::Sync { all: true, execute, include_orphans, plan, .. } => {
            sync_all(ctx, SyncAllOptions { include_orphans }, !execute, &plan)
        }
        BackupCommand::Sync { direction, execute, refresh, include_orphans, plan, .. } => sync(
            ctx,
            SyncOptions {
                direction: direction.unwrap_or(SyncDirection::ToBackup),
                only_missing: !refresh,
                dry_run: !execute,
                include_orphans,
            },
            &plan,
        ),
        BackupCommand::Verify => verify(ctx),
        BackupCommand::Push { pack, execute, free, plan } => transfer(ctx, &pack, SyncDirection::ToBackup, !execute, free, &plan),
        BackupCommand::Pull { pack, execute, plan } => transfer(ctx, &pack, SyncDirection::FromBackup, !execute, false, &plan),
        BackupCommand::PackStatus { pack } => pack_status(ctx, &pack),
        BackupCommand::StateStatus => state_status(ctx),
        BackupCommand::StateSync { direction, execute, include_git, checksum } => state_sync(
            ctx,
            StateSyncOptions { direction, dry_run: !execute, include_git, allow_git_overwrite: ctx.yes || include_git, checksum },
        ),
    }
}

/// Backs up what `auto_backup_new` queued while the drive was away. Never
/// fails the command that runs it: problems are warnings.
/// Says on stderr what the core's run of the auto-backup queue did first.
fn report_queue(ctx: &Ctx, report: Option<&synapse_core::model::AutoBackupReport>) {
    let Some(r) = report else { return };
    if !r.backed_up.is_empty() && ctx.chatty() {
        eprintln!("auto-backup: backed up {} new blob(s) queued while the drive was away ({})", r.backed_up.len(), size(r.bytes_copied));
    }
    for e in r.errors.iter().filter(|_| !ctx.quiet) {
        output::warn(format!("auto-backup: {}", e.message));
    }
}

/// Opens the store and resolves a hash argument (full, or a unique prefix).
fn resolve(ctx: &Ctx, input: &str) -> Result<(Store, Sha256), Error> {
    // Checked before the store is opened: a bad argument is a usage error whatever the store.
    synapse_core::ids::parse_prefix(input)?;
    let store = ctx.open()?;
    let sha = inventory::resolve_hashes(&store, &[input])?.remove(0);
    Ok((store, sha))
}

fn pack_name(input: &str) -> Result<PackName, Error> {
    Ok(PackName::parse(input)?)
}

/// The exit of a command whose result lists per-item errors: cancelled first,
/// then a drive that went away, then the first error.
fn outcome(cancelled: bool, errors: &[ItemError]) -> Done {
    if cancelled {
        return Done::failed(&Error::Cancelled);
    }
    let Some(first) = errors.iter().find(|e| e.code == ErrorCode::BackupNotConnected).or(errors.first()) else {
        return Done::Ok;
    };
    let more = if errors.len() > 1 { format!(" ({} item(s) failed in all)", errors.len()) } else { String::new() };
    Done::Failed { code: first.code, message: format!("{}{more}", first.message) }
}

fn status(ctx: &Ctx) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let s = backup::status(&store)?;
    if ctx.json {
        output::json(&s)?;
    } else {
        output::emit(&render_status(&s))?;
    }
    Ok(Done::Ok)
}

fn render_status(s: &BackupStatus) -> String {
    let mut o = String::new();
    let path = s.path.as_ref().map(|p| p.display().to_string());
    if !s.enabled {
        let _ = writeln!(o, "{} not enabled{}", bold("Backup  "), path.map(|p| format!(" (path {p})")).unwrap_or_default());
        let _ = writeln!(o, "{}", dim("enable it with `synapse backup config --path <dir> --enable`"));
        return o;
    }
    let path = path.map(|p| format!(", {p}")).unwrap_or_default();
    if s.connected {
        let _ = writeln!(o, "{} connected{path}", bold("Backup  "));
    } else {
        let _ = writeln!(o, "{} {}{path}", bold("Backup  "), yellow("NOT CONNECTED"));
        if let Some(e) = &s.error {
            let _ = writeln!(o, "  {}", yellow(e));
        }
    }
    if let Some(id) = &s.backup_id {
        let _ = writeln!(o, "  id          {id}");
    }
    if let (Some(free), Some(total)) = (s.free_space, s.total_space) {
        let _ =
            writeln!(o, "  space       {} used by {} blobs, {} free of {}", size(s.total_bytes), s.total_blobs, size(free), size(total));
    } else if s.source == BackupSource::Cached {
        let _ = writeln!(o, "  holds       {} blobs, {} {}", s.total_blobs, size(s.total_bytes), dim("(as last seen: cached catalog)"));
    }
    let _ = writeln!(o, "  both        {:>6}  {}", s.blobs_both, size(s.bytes_synced));
    let local = format!("{:>6}  {}", s.blobs_local_only, size(s.bytes_local_only));
    let _ = writeln!(o, "  local only  {}", if s.blobs_local_only > 0 { yellow(format!("{local}  not backed up")) } else { local });
    let _ = writeln!(o, "  backup only {:>6}  {}", s.blobs_backup_only, size(s.bytes_backup_only));
    let _ = writeln!(o, "  last sync   {}", s.last_sync.as_deref().unwrap_or("never"));
    let _ = writeln!(o, "  auto-backup {}", if s.auto_backup_new { "on" } else { "off" });
    if s.queued_auto_backups > 0 {
        let _ = writeln!(o, "  queued      {} new blob(s) waiting for the drive", s.queued_auto_backups);
    }
    o
}

fn config(ctx: &Ctx, a: BackupConfigArgs) -> anyhow::Result<Done> {
    let path = a.path.as_deref().map(std::path::absolute).transpose()?;
    let enabled = match (a.enable, a.disable) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let update = ConfigUpdate { path, enabled, auto_backup_new: a.auto_backup_new, warn_before_delete_last_copy: a.warn_last_copy };
    let store = ctx.open()?;
    let r = backup::configure(&store, &update)?;
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_config(&r))?;
    }
    Ok(Done::Ok)
}

fn render_config(r: &BackupConfigResult) -> String {
    let mut o = String::new();
    if r.initialized {
        let _ = writeln!(o, "initialised a new backup at {}", r.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
    } else if r.adopted {
        let _ = writeln!(o, "adopted the existing backup (it has an id now)");
    }
    let _ = writeln!(o, "{}", if r.changed { "backup configuration updated" } else { "backup configuration (unchanged)" });
    let _ = writeln!(o, "  path          {}", r.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "not set".into()));
    let _ = writeln!(o, "  enabled       {}", if r.enabled { "yes" } else { "no" });
    let _ = writeln!(o, "  auto-backup   {}", if r.auto_backup_new { "on" } else { "off" });
    let _ = writeln!(o, "  warn on last  {}", if r.warn_before_delete_last_copy { "yes" } else { "no" });
    if r.enabled {
        match (&r.error, r.connected) {
            (_, true) => {
                let _ = writeln!(o, "  drive         connected{}", r.backup_id.as_ref().map(|i| format!(" (id {i})")).unwrap_or_default());
            }
            (Some(e), false) => {
                let _ = writeln!(o, "  drive         {}", yellow(format!("not connected: {e}")));
            }
            (None, false) => {}
        }
    }
    o
}

fn copy(ctx: &Ctx, input: &str, direction: SyncDirection) -> anyhow::Result<Done> {
    let (store, sha) = resolve(ctx, input)?;
    let r = ctx.long(|ctl| match direction {
        SyncDirection::ToBackup => sync::backup_blob(&store, &sha, ctl),
        SyncDirection::FromBackup => sync::restore_blob(&store, &sha, ctl),
    })?;
    report_queue(ctx, r.auto_backup.as_ref());
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_copy(&r))?;
    }
    Ok(Done::Ok)
}

fn render_copy(r: &BlobCopyResult) -> String {
    let (verb, side) = match r.direction {
        SyncDirection::ToBackup => ("backed up", "on the backup"),
        SyncDirection::FromBackup => ("restored", "in the local store"),
    };
    if r.already_present {
        return format!("{} ({}) is already {side}: nothing to copy\n", r.display_name, size(r.size_bytes));
    }
    let secs = r.duration_ms as f64 / 1000.0;
    format!("{verb} {} ({}, hash checked) in {secs:.1} s\n  {}\n", r.display_name, size(r.bytes_copied), r.path.display())
}

fn delete(ctx: &Ctx, input: &str, force: bool) -> anyhow::Result<Done> {
    let (store, sha) = resolve(ctx, input)?;
    let r = guard::delete(&store, &sha, DeleteTarget::Backup, force)?;
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_delete(&r))?;
        if let Some(w) = &r.warning {
            output::warn(w);
        }
    }
    Ok(Done::Ok)
}

fn sync(ctx: &Ctx, opts: SyncOptions, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = if let Some(file) = &plan_args.apply {
        let planned: SyncPlan = plan::read(file)?;
        ctx.long(|ctl| sync::apply_sync(&store, &planned, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let planned = sync::plan_sync(&store, opts)?;
        plan::write(file, &planned)?;
        saved_note(ctx, file, "backup sync");
        planned.preview
    } else if opts.dry_run {
        ctx.quick(|ctl| sync::sync(&store, opts, ctl))?
    } else {
        ctx.long(|ctl| sync::sync(&store, opts, ctl))?
    };
    report_queue(ctx, r.auto_backup.as_ref());
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_sync(&r))?;
    }
    Ok(outcome(r.cancelled, &r.errors))
}

fn sync_all(ctx: &Ctx, opts: SyncAllOptions, dry_run: bool, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = if let Some(file) = &plan_args.apply {
        let planned: SyncAllPlan = plan::read(file)?;
        ctx.long(|ctl| replicate::apply_sync_all(&store, &planned, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let planned = replicate::plan_sync_all(&store, opts)?;
        plan::write(file, &planned)?;
        saved_note(ctx, file, "backup sync --all");
        planned.as_result()
    } else if dry_run {
        ctx.quick(|ctl| replicate::sync_all(&store, opts, true, ctl))?
    } else {
        ctx.long(|ctl| replicate::sync_all(&store, opts, false, ctl))?
    };
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_sync_all(&r))?;
    }
    Ok(outcome(r.cancelled, &r.errors))
}

fn render_sync_all(r: &SyncAllResult) -> String {
    let mut o = String::new();
    let p = &r.plan;
    if p.copies.is_empty() && p.short.is_empty() {
        let _ = writeln!(o, "every blob has the copies the policy asks for");
        return o;
    }
    if r.dry_run {
        let _ = writeln!(
            o,
            "{} cop{} to make ({}) over {}:",
            p.copies.len(),
            if p.copies.len() == 1 { "y" } else { "ies" },
            size(p.bytes_to_copy),
            p.connected.join(", ")
        );
        for c in p.copies.iter().take(PREVIEW) {
            let _ = writeln!(o, "  {} {} -> {} ({})", c.display_name, dim(&c.from), c.to, size(c.size_bytes));
        }
        if p.copies.len() > PREVIEW {
            let _ = writeln!(o, "  ... and {} more", p.copies.len() - PREVIEW);
        }
        for d in p.destinations.iter().filter_map(|d| d.space_warning.as_ref()) {
            let _ = writeln!(o, "{}", yellow(d));
        }
    } else {
        let _ = writeln!(o, "made {} cop{} ({})", r.copied.len(), if r.copied.len() == 1 { "y" } else { "ies" }, size(r.bytes_copied));
        for s in &r.skipped {
            let _ = writeln!(o, "{}", dim(format!("skipped {}: {}", s.name, s.reason)));
        }
        list_errors(&mut o, &r.errors);
    }
    if !p.short.is_empty() {
        let _ = writeln!(o, "{}", yellow(format!("{} blob(s) stay below the policy:", p.short.len())));
        for s in p.short.iter().take(PREVIEW) {
            let _ = writeln!(o, "  {} ({} of {}): {}", s.display_name, s.copies, s.min_copies, s.reason);
        }
        if p.short.len() > PREVIEW {
            let _ = writeln!(o, "  ... and {} more", p.short.len() - PREVIEW);
        }
    }
    if r.dry_run && !p.copies.is_empty() {
        let _ = writeln!(o, "{}", dim("dry run: nothing copied; add --execute to make these copies"));
    }
    o
}

fn arrow(d: SyncDirection) -> &'static str {
    match d {
        SyncDirection::ToBackup => "local -> backup",
        SyncDirection::FromBackup => "backup -> local",
    }
}

fn list_items(o: &mut String, items: &[SyncItem]) {
    for i in items.iter().take(PREVIEW) {
        let _ = writeln!(o, "  {} {} ({}) {}", i.display_name, dim(i.kind), size(i.size_bytes), dim(i.sha256.short()));
    }
    if items.len() > PREVIEW {
        let _ = writeln!(o, "  ... and {} more", items.len() - PREVIEW);
    }
}

fn list_errors(o: &mut String, errors: &[ItemError]) {
    for e in errors {
        let what = e.display_name.clone().or_else(|| e.sha256.as_ref().map(|s| s.to_string())).unwrap_or_default();
        let _ = writeln!(o, "{}", red(format!("failed: {what}: {}", e.message)));
    }
}

/// The backup-only orphans a `from_backup` sync left on the drive, and how to include them.
fn skipped_orphans(o: &mut String, r: &SyncResult) {
    if r.orphans_skipped > 0 {
        let what = if r.orphans_skipped == 1 { "orphan" } else { "orphans" };
        let _ = writeln!(
            o,
            "{}",
            dim(format!(
                "{} {what} ({}) only on the backup, used by no pack, left there: add --include-orphans to restore them too",
                r.orphans_skipped,
                size(r.bytes_orphans_skipped)
            ))
        );
    }
}

fn render_sync(r: &SyncResult) -> String {
    let mut o = String::new();
    if r.already_synced {
        let _ = writeln!(o, "already synced ({}): nothing to copy", arrow(r.direction));
        skipped_orphans(&mut o, r);
        return o;
    }
    if r.dry_run {
        let _ = writeln!(o, "{} ({})", bold("Sync preview"), arrow(r.direction));
        let _ = writeln!(o, "{} blob(s), {} to copy:", r.blobs_to_sync, size(r.bytes_to_sync));
        list_items(&mut o, &r.items);
        if let Some(w) = &r.space_warning {
            let _ = writeln!(o, "{}", yellow(format!("warning: {w}")));
        }
        skipped_orphans(&mut o, r);
        let _ = writeln!(o, "{}", dim("run with --execute to copy"));
        return o;
    }
    let _ =
        writeln!(o, "synced {} of {} blob(s) ({}), {} copied", r.blobs_synced, r.blobs_to_sync, arrow(r.direction), size(r.bytes_synced));
    skipped_orphans(&mut o, r);
    if r.cancelled {
        let _ = writeln!(o, "{}", yellow("cancelled: the blobs above were completed, nothing half-copied was kept"));
    }
    list_errors(&mut o, &r.errors);
    o
}

fn verify(ctx: &Ctx) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = ctx.long(|ctl| verify::verify(&store, Selection::AllBackup, None, ctl))?;
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_verify(&r))?;
    }
    if !r.invalid.is_empty() {
        return Ok(Done::failed(&Error::VerifyFailed { invalid: r.invalid.len(), total: r.total as usize }));
    }
    Ok(Done::Ok)
}

fn transfer(ctx: &Ctx, pack: &str, direction: SyncDirection, dry_run: bool, free: bool, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let name = pack_name(pack)?;
    let store = ctx.open()?;
    let opts = PushOptions { dry_run, free };
    let call = |ctl: synapse_core::progress::Control<'_>| match direction {
        SyncDirection::ToBackup => sync::push(&store, &name, opts, ctl),
        SyncDirection::FromBackup => sync::pull(&store, &name, dry_run, ctl),
    };
    let r = if let Some(file) = &plan_args.apply {
        let planned: PackTransferPlan = plan::read(file)?;
        if planned.pack != name || planned.direction != direction {
            return Err(Error::invalid(format!(
                "{} is a plan for {} of pack {:?}, not for this command",
                file.display(),
                if planned.direction == SyncDirection::ToBackup { "push" } else { "pull" },
                planned.pack.as_str()
            ))
            .into());
        }
        ctx.long(|ctl| sync::apply_transfer(&store, &planned, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let planned = sync::plan_transfer(&store, &name, direction, free)?;
        plan::write(file, &planned)?;
        let verb = if direction == SyncDirection::ToBackup { "backup push" } else { "backup pull" };
        saved_note(ctx, file, &format!("{verb} {pack}"));
        planned.preview
    } else if dry_run {
        ctx.quick(call)?
    } else {
        ctx.long(call)?
    };
    report_queue(ctx, r.auto_backup.as_ref());
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_transfer(&r))?;
    }
    // A plan's refusals (what it will keep, and why) are part of a dry run's answer, not a failure.
    if r.dry_run {
        return Ok(Done::Ok);
    }
    Ok(outcome(r.cancelled, &r.errors))
}

fn render_transfer(r: &PackTransferResult) -> String {
    let mut o = String::new();
    let (verb, done) = match r.direction {
        SyncDirection::ToBackup => ("back up", "backed up"),
        SyncDirection::FromBackup => ("restore", "restored"),
    };
    if r.nothing_to_do {
        let what = match r.direction {
            SyncDirection::ToBackup => "every blob is already on the backup",
            SyncDirection::FromBackup => "every blob on the backup is already local",
        };
        let _ = writeln!(o, "pack {}: nothing to do ({what})", r.pack);
    } else if r.dry_run {
        let _ = writeln!(o, "{} pack {} ({})", bold("Preview"), r.pack, arrow(r.direction));
        if !r.items.is_empty() {
            let _ = writeln!(o, "would {verb} {} blob(s), {}:", r.items.len(), size(r.bytes_to_copy));
            list_items(&mut o, &r.items);
        }
        if !r.to_free.is_empty() {
            let _ = writeln!(
                o,
                "would then free {} local blob(s), {} (each backup copy re-checked first):",
                r.to_free.len(),
                size(r.bytes_to_free)
            );
            list_items(&mut o, &r.to_free);
            for f in &r.frees_shared {
                let _ = writeln!(
                    o,
                    "{}",
                    yellow(format!(
                        "  {} is used by {} too: they will need a restore before a UI can use it",
                        f.display_name,
                        f.other_packs.join(", ")
                    ))
                );
            }
        }
        if let Some(w) = &r.space_warning {
            let _ = writeln!(o, "{}", yellow(format!("warning: {w}")));
        }
        let _ = writeln!(o, "{}", dim("run with --execute to do it"));
    } else {
        let _ = writeln!(o, "pack {}: {done} {} blob(s), {}", r.pack, r.blobs_copied, size(r.bytes_copied));
        if r.free {
            let _ = writeln!(o, "freed {} local blob(s), {}", r.freed.len(), size(r.bytes_freed));
        }
        if r.cancelled {
            let _ = writeln!(o, "{}", yellow("cancelled: what is listed above was completed"));
        }
    }
    if !r.missing.is_empty() {
        let _ = writeln!(o, "{}", yellow(format!("{} blob(s) of the pack are on neither side (never downloaded here):", r.missing.len())));
        list_items(&mut o, &r.missing);
    }
    list_errors(&mut o, &r.errors);
    o
}

fn pack_status(ctx: &Ctx, pack: &str) -> anyhow::Result<Done> {
    let name = pack_name(pack)?;
    let store = ctx.open()?;
    let st = sync::pack_status(&store, &name)?;
    if ctx.json {
        output::json(&st)?;
    } else {
        output::emit(&render_pack_status(&st))?;
    }
    Ok(Done::Ok)
}

fn render_pack_status(st: &PackBackupStatus) -> String {
    let mut o = String::new();
    let backup = match (st.backup_enabled, st.backup_connected, st.backup_source) {
        (false, _, _) => "backup not enabled".to_owned(),
        (true, true, _) => "backup connected".to_owned(),
        (true, false, BackupSource::Cached) => yellow("backup not connected (backup side from the cached catalog)"),
        (true, false, _) => yellow("backup not connected"),
    };
    let _ = writeln!(o, "{} {}, {backup}", bold("Pack"), st.pack);
    if !st.blobs.is_empty() {
        let mut t = output::table(["DEPENDENCY", "NAME", "KIND", "SIZE", "LOCATION", "SHA256"]);
        for b in &st.blobs {
            t.add_row(vec![
                Cell::new(&b.dependency_id),
                Cell::new(&b.display_name),
                Cell::new(b.kind),
                Cell::new(size(b.size_bytes)),
                output::location_cell(b.location),
                Cell::new(b.sha256.short()),
            ]);
        }
        output::align_right(&mut t, &[3]);
        o.push_str(&output::render(&t));
    }
    let _ = writeln!(
        o,
        "both {}, local only {}, backup only {}, missing {}",
        st.both,
        if st.local_only > 0 { yellow(st.local_only) } else { st.local_only.to_string() },
        st.backup_only,
        if st.missing > 0 { red(st.missing) } else { st.missing.to_string() }
    );
    o
}

fn state_status(ctx: &Ctx) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let st = state_sync::state_status(&store)?;
    if ctx.json {
        output::json(&st)?;
    } else {
        output::emit(&render_state_status(&st))?;
    }
    Ok(Done::Ok)
}

fn names(list: &[String]) -> String {
    match list.len() {
        0 => String::new(),
        n if n <= PREVIEW => format!(" ({})", list.join(", ")),
        n => format!(" ({}, and {} more)", list[..PREVIEW].join(", "), n - PREVIEW),
    }
}

fn render_state_status(st: &StateSyncStatus) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", bold("State backup"));
    let _ = writeln!(o, "  local packs   {} ({})", st.local_packs, size(st.local_bytes));
    let _ = writeln!(o, "  backup packs  {} ({})", st.backup_packs, size(st.backup_bytes));
    let _ = writeln!(o, "  local only    {}{}", st.packs_local_only.len(), names(&st.packs_local_only));
    let _ = writeln!(o, "  backup only   {}{}", st.packs_backup_only.len(), names(&st.packs_backup_only));
    let _ = writeln!(o, "  modified      {}{}", st.packs_modified.len(), names(&st.packs_modified));
    let _ = writeln!(o, "  last sync     {}", st.last_sync.as_deref().unwrap_or("never"));
    if st.has_git {
        let _ = writeln!(o, "  {}", yellow("state/ is a git repository: .git is not mirrored, and pulling needs --yes"));
    }
    o
}

fn state_sync(ctx: &Ctx, opts: StateSyncOptions) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = if opts.dry_run {
        ctx.quick(|ctl| state_sync::state_sync(&store, opts, ctl))?
    } else {
        ctx.long(|ctl| state_sync::state_sync(&store, opts, ctl))?
    };
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_state_sync(&r))?;
        for w in r.warnings.iter().filter(|_| !ctx.quiet) {
            output::warn(w);
        }
    }
    Ok(outcome(r.cancelled, &r.errors))
}

fn render_state_sync(r: &StateSyncResult) -> String {
    let mut o = String::new();
    if r.already_synced {
        let _ = writeln!(o, "state already synced ({}): nothing to copy", arrow(r.direction));
        return o;
    }
    let bytes: u64 = r.files.iter().map(|f| f.size_bytes).sum();
    if r.dry_run {
        let _ = writeln!(o, "{} ({})", bold("State sync preview"), arrow(r.direction));
        let _ = writeln!(o, "{} file(s) of {} pack(s), {}:", r.files.len(), r.packs_synced, size(bytes));
        for f in r.files.iter().take(PREVIEW * 2) {
            let _ = writeln!(o, "  {:<6} {} ({})", f.action, f.path, size(f.size_bytes));
        }
        if r.files.len() > PREVIEW * 2 {
            let _ = writeln!(o, "  ... and {} more", r.files.len() - PREVIEW * 2);
        }
        let _ = writeln!(o, "{}", dim("run with --execute to copy (nothing is ever deleted on either side)"));
    } else {
        let _ = writeln!(
            o,
            "state synced ({}): {} file(s) of {} pack(s), {}",
            arrow(r.direction),
            r.files_synced,
            r.packs_synced,
            size(r.bytes_synced)
        );
        if r.cancelled {
            let _ = writeln!(o, "{}", yellow("cancelled: the files above were completed"));
        }
    }
    list_errors(&mut o, &r.errors);
    o
}

/// Tells a human where the plan went and how to apply it (stderr: stdout stays the plan).
pub(crate) fn saved_note(ctx: &Ctx, file: &std::path::Path, command: &str) {
    if !ctx.json && !ctx.quiet {
        eprintln!("plan saved to {}: apply exactly it with `synapse {command} --apply {}`", file.display(), file.display());
    }
}
