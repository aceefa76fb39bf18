//! `synapse inventory` and its subcommands.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use comfy_table::Cell;
use synapse_core::cleanup::{self, CleanupOptions, CleanupPlan};
use synapse_core::ids::parse_prefix;
use synapse_core::inventory::{self, Inventory, Query};
use synapse_core::model::{
    BlobDetail, CleanupResult, DeleteResult, DeleteTarget, Impacts, InventoryItem, InventoryPage, InventorySummary, Remaining, Side,
    VerifyResult,
};
use synapse_core::plan;
use synapse_core::progress::Control;
use synapse_core::verify::{self, Selection};
use synapse_core::{Error, Sha256, Store};

use super::{Ctx, Done};
use crate::cli::{InventoryArgs, InventoryCommand, ListArgs, PlanArgs, VerifyArgs};
use crate::output::{self, bold, dim, red, size, yellow};

pub fn run(ctx: &Ctx, args: InventoryArgs) -> anyhow::Result<Done> {
    match args.command {
        None if args.list.summary => summary(ctx),
        None => list(ctx, args.list),
        Some(InventoryCommand::Show { sha256 }) => show(ctx, &sha256),
        Some(InventoryCommand::Impacts { sha256 }) => impacts(ctx, &sha256),
        Some(InventoryCommand::Cleanup { execute, max_items, plan }) => cleanup(ctx, CleanupOptions { execute, max_items }, &plan),
        Some(InventoryCommand::Verify(v)) => verify(ctx, v),
        Some(InventoryCommand::Delete { sha256, target, force }) => delete(ctx, &sha256, &target, force),
    }
}

/// Checks hash arguments before touching the disk, then opens the store and
/// builds its inventory (which resolves prefixes).
fn open_for(ctx: &Ctx, hashes: &[&str]) -> Result<(Store, Inventory), Error> {
    for h in hashes {
        parse_prefix(h)?;
    }
    let store = ctx.open()?;
    let inv = inventory::build(&store)?;
    Ok((store, inv))
}

fn list(ctx: &Ctx, a: ListArgs) -> anyhow::Result<Done> {
    let (_, inv) = open_for(ctx, &[])?;
    let query = Query {
        kind: a.kind,
        status: a.status,
        location: a.location,
        search: a.search,
        corrupt: a.corrupt,
        copies_below: a.copies_below,
        below_policy: a.below_policy,
        sort: a.sort,
        limit: a.limit,
        offset: a.offset,
    };
    let page = inv.query(&query);
    if ctx.json {
        output::json(&page)?;
    } else {
        output::emit(&render_page(&page))?;
        warn_pack_errors(ctx, &page.summary);
    }
    Ok(Done::Ok)
}

fn summary(ctx: &Ctx) -> anyhow::Result<Done> {
    let (store, inv) = open_for(ctx, &[])?;
    if ctx.json {
        output::json(&inv.summary)?;
    } else {
        output::emit(&render_summary(&store, &inv.summary))?;
    }
    Ok(Done::Ok)
}

fn show(ctx: &Ctx, input: &str) -> anyhow::Result<Done> {
    let (_, inv) = open_for(ctx, &[input])?;
    let sha = inv.resolve(input)?;
    let detail = synapse_core::guard::detail(&inv, &sha)?;
    if ctx.json {
        output::json(&detail)?;
    } else {
        output::emit(&render_detail(&detail))?;
    }
    Ok(Done::Ok)
}

fn impacts(ctx: &Ctx, input: &str) -> anyhow::Result<Done> {
    let (_, inv) = open_for(ctx, &[input])?;
    let sha = inv.resolve(input)?;
    let impacts = synapse_core::guard::impacts(&inv, &sha)?;
    if ctx.json {
        output::json(&impacts)?;
    } else {
        let mut s = String::new();
        writeln!(s, "{} {}", bold(&impacts.display_name), dim(&impacts.sha256))?;
        render_impacts(&mut s, &impacts)?;
        output::emit(&s)?;
    }
    Ok(Done::Ok)
}

fn cleanup(ctx: &Ctx, opts: CleanupOptions, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let result = if let Some(file) = &plan_args.apply {
        let plan: CleanupPlan = plan::read(file)?;
        ctx.long(|ctl| cleanup::apply_cleanup(&store, &plan, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let plan = ctx.quick(|_| cleanup::plan_cleanup(&store, opts.max_items))?;
        plan::write(file, &plan)?;
        super::backup::saved_note(ctx, file, "inventory cleanup");
        plan.as_result()
    } else {
        let run = |ctl: Control<'_>| cleanup::cleanup(&store, opts, ctl);
        // Only deleting takes long enough for a bar; a dry run reads.
        if opts.execute {
            ctx.long(run)?
        } else {
            ctx.quick(run)?
        }
    };
    if ctx.json {
        output::json(&result)?;
    } else {
        output::emit(&render_cleanup(&result))?;
    }
    // Items that could not be deleted: the command did not do all it set out to.
    Ok(match result.errors.first() {
        Some(first) => Done::Failed {
            code: first.code,
            message: format!("{} item(s) could not be cleaned up; the first: {}", result.errors.len(), first.message),
        },
        None => Done::Ok,
    })
}

fn verify(ctx: &Ctx, v: VerifyArgs) -> anyhow::Result<Done> {
    let inputs: Vec<&str> = v.sha256.iter().map(String::as_str).collect();
    let (store, selection) = if v.backup {
        (ctx.open()?, Selection::AllBackup)
    } else if inputs.is_empty() {
        (ctx.open()?, Selection::AllLocal)
    } else {
        let (store, inv) = open_for(ctx, &inputs)?;
        let mut seen = BTreeSet::new();
        let mut blobs = Vec::with_capacity(inputs.len());
        for i in &inputs {
            let sha = inv.resolve(i)?;
            if seen.insert(sha.clone()) {
                blobs.push(sha);
            }
        }
        (store, Selection::Blobs(blobs))
    };
    let result = ctx.long(|ctl| verify::verify(&store, selection, None, ctl))?;
    if ctx.json {
        output::json(&result)?;
    } else {
        output::emit(&render_verify(&result))?;
        if let Some(e) = &result.ledger_error {
            output::warn(format!("the results could not be recorded in the verification ledger: {e}"));
        }
    }
    if !result.invalid.is_empty() {
        return Ok(Done::failed(&Error::VerifyFailed { invalid: result.invalid.len(), total: result.total as usize }));
    }
    if let Some(first) = result.missing.first() {
        // Asked to verify a blob that is not there: that is not a success.
        return Ok(Done::failed(&Error::BlobNotFound { sha256: first.to_string(), side: result.side }));
    }
    Ok(Done::Ok)
}

/// `--target`: a side (`local`, `backup`, `both`, `everywhere`) or a target's name.
fn delete(ctx: &Ctx, input: &str, target: &str, force: bool) -> anyhow::Result<Done> {
    let (ctx, target) = match target.parse::<DeleteTarget>() {
        Ok(side) => (ctx.on_target(None), side),
        Err(_) => (ctx.on_target(Some(target.to_owned())), DeleteTarget::Backup),
    };
    let ctx = &ctx;
    let (store, sha) = if input.len() == 64 {
        // A full hash needs no inventory to resolve.
        (ctx.open()?, Sha256::parse(input).map_err(Error::from)?)
    } else {
        let (store, inv) = open_for(ctx, &[input])?;
        let sha = inv.resolve(input)?;
        (store, sha)
    };
    let result = synapse_core::guard::delete(&store, &sha, target, force)?;
    if ctx.json {
        output::json(&result)?;
    } else {
        output::emit(&render_delete(&result))?;
        if let Some(w) = &result.warning {
            output::warn(w);
        }
    }
    Ok(Done::Ok)
}

fn warn_pack_errors(ctx: &Ctx, s: &InventorySummary) {
    if ctx.quiet || s.pack_errors.is_empty() {
        return;
    }
    let names: Vec<&str> = s.pack_errors.iter().map(|p| p.pack.as_str()).collect();
    output::warn(format!(
        "{} pack(s) cannot be read ({}): their blobs may show as orphans; see `synapse inventory --summary` or `synapse doctor`",
        names.len(),
        names.join(", ")
    ));
}

fn packs_cell(it: &InventoryItem) -> String {
    match it.used_by_packs.as_slice() {
        [] => "-".into(),
        [a] => a.clone(),
        [a, b] => format!("{a}, {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} +{}", rest.len()),
    }
}

/// The location, or in red which copies are corrupt (they count as no copy).
fn corrupt_or(it: &InventoryItem, location: Cell) -> Cell {
    let bad: Vec<&str> = it.copies.iter().filter(|c| c.corrupt).map(|c| c.target.as_str()).collect();
    if bad.is_empty() {
        return location;
    }
    Cell::new(format!("{} (corrupt: {})", output::location_text(it.location), bad.join(", "))).fg(comfy_table::Color::Red)
}

fn render_page(page: &InventoryPage) -> String {
    let mut s = String::new();
    if page.items.is_empty() {
        let _ = writeln!(s, "no blobs match ({} in the store)", page.summary.blobs_total);
        return s;
    }
    let mut t = output::table(["NAME", "KIND", "SIZE", "STATUS", "LOCATION", "USED BY", "SHA256"]);
    for it in &page.items {
        t.add_row(vec![
            Cell::new(&it.display_name),
            Cell::new(it.kind),
            Cell::new(size(it.size_bytes)),
            output::status_cell(it.status),
            corrupt_or(it, output::location_cell(it.location)),
            Cell::new(packs_cell(it)),
            Cell::new(it.sha256.short()),
        ]);
    }
    output::align_right(&mut t, &[2]);
    s.push_str(&output::render(&t));
    let first = page.offset + 1;
    let last = page.offset + page.items.len();
    let _ = write!(s, "{}", dim(format!("{first}-{last} of {} matching", page.total_matching)));
    if (last as u64) < page.total_matching {
        let _ = write!(s, "{}", dim(format!(" (next page: --offset {last})")));
    }
    s.push('\n');
    s
}

fn render_summary(store: &Store, s: &InventorySummary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} {}", bold("Store   "), store.root().display());
    let _ = writeln!(o, "{} {} blobs, {}", bold("Blobs   "), s.blobs_total, size(s.bytes_total));
    let mut t = output::table(["STATUS", "BLOBS", "SIZE"]);
    use synapse_core::model::BlobStatus as St;
    t.add_row(vec![output::status_cell(St::Referenced), Cell::new(s.blobs_referenced), Cell::new(size(s.bytes_referenced))]);
    t.add_row(vec![output::status_cell(St::BackupOnly), Cell::new(s.blobs_backup_only), Cell::new("-")]);
    t.add_row(vec![output::status_cell(St::Orphan), Cell::new(s.blobs_orphan), Cell::new(size(s.bytes_orphan))]);
    t.add_row(vec![output::status_cell(St::Missing), Cell::new(s.blobs_missing), Cell::new("-")]);
    output::align_right(&mut t, &[1, 2]);
    o.push_str(&indent(&output::render(&t)));
    if s.blobs_corrupt > 0 {
        let _ = writeln!(
            o,
            "  {}",
            red(format!("{} blob(s) with a corrupt copy (inventory --corrupt lists them; repair replaces them)", s.blobs_corrupt))
        );
    }
    if s.blobs_backup_only > 0 || s.blobs_missing > 0 {
        // The sizes are the local disk's (SPEC §3.2); "By kind" counts every blob.
        let _ = writeln!(o, "  {}", dim("sizes are of the local copies; \"By kind\" also counts blobs that are not local"));
    }
    if !s.bytes_by_kind.is_empty() {
        let _ = writeln!(o, "{}", bold("By kind"));
        let mut t = output::table(["KIND", "SIZE"]);
        let mut kinds: Vec<_> = s.bytes_by_kind.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (k, b) in kinds {
            t.add_row(vec![Cell::new(k), Cell::new(size(*b))]);
        }
        output::align_right(&mut t, &[1]);
        o.push_str(&indent(&output::render(&t)));
    }
    match &s.disk {
        Some(d) => {
            let _ = writeln!(o, "{} {} free of {} ({})", bold("Disk    "), size(d.free_bytes), size(d.total_bytes), d.path.display());
        }
        None => {
            let _ = writeln!(o, "{} unknown", bold("Disk    "));
        }
    }
    let b = &s.backup;
    let path = b.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "no path".into());
    let state = match (b.enabled, b.connected) {
        (false, _) => "not enabled".to_owned(),
        (true, true) => format!("connected ({})", source_name(b.source)),
        (true, false) => yellow(format!("not connected ({})", source_name(b.source))),
    };
    let _ = writeln!(o, "{} {state}, {path}", bold("Backup  "));
    if b.enabled {
        let _ = writeln!(
            o,
            "  local only {} ({}), backup only {} ({}), both {} ({})",
            b.blobs_local_only,
            size(b.bytes_local_only),
            b.blobs_backup_only,
            size(b.bytes_backup_only),
            b.blobs_both,
            size(b.bytes_synced)
        );
        if let Some(at) = &b.last_sync {
            let _ = writeln!(o, "  last sync {at}");
        }
    }
    if !s.pack_errors.is_empty() {
        let _ = writeln!(o, "{}", red(format!("{} pack(s) cannot be read:", s.pack_errors.len())));
        for p in &s.pack_errors {
            let _ = writeln!(o, "  {}", red(format!("{}: {}", p.pack, p.reason)));
        }
    }
    o
}

fn source_name(s: synapse_core::model::BackupSource) -> &'static str {
    match s {
        synapse_core::model::BackupSource::Live => "live",
        synapse_core::model::BackupSource::Cached => "cached catalog",
        synapse_core::model::BackupSource::None => "nothing known",
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn render_detail(d: &BlobDetail) -> String {
    let it = &d.item;
    let mut s = String::new();
    let _ = writeln!(s, "{}", bold(&it.display_name));
    let mut rows: Vec<(&str, String)> = vec![
        ("sha256", it.sha256.to_string()),
        ("autov2", d.autov2.clone()),
        ("kind", it.kind.to_string()),
        ("size", format!("{} ({} bytes)", size(it.size_bytes), it.size_bytes)),
        ("status", output::status_text(it.status)),
        ("location", output::location_text(it.location)),
        (
            "used by",
            if it.used_by_packs.is_empty() {
                "-".into()
            } else {
                format!("{} ({})", it.used_by_packs.join(", "), count(it.ref_count as u64, "reference"))
            },
        ),
    ];
    if d.names.len() > 1 {
        rows.push(("also named", d.names[1..].join(", ")));
    }
    if let Some(o) = &it.origin {
        let mut parts = Vec::new();
        if let Some(p) = &o.provider {
            parts.push(p.clone());
        }
        for (label, v) in [("model", &o.model_id), ("version", &o.version_id), ("file", &o.file_id)] {
            if let Some(v) = v {
                parts.push(format!("{label} {}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())));
            }
        }
        if let Some(r) = &o.repo_id {
            parts.push(format!("repo {r}"));
        }
        if let Some(f) = &o.filename {
            parts.push(f.clone());
        }
        rows.push(("origin", parts.join(", ")));
    }
    if let Some(m) = &it.metadata {
        let name = [m.model_name.as_deref(), m.version_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" — ");
        let ids = m.model_id.map(|id| format!(" (model {id}{})", m.version_id.map(|v| format!(", version {v}")).unwrap_or_default()));
        rows.push(("civitai", format!("{}{}", if name.is_empty() { "-" } else { &name }, ids.unwrap_or_default())));
        if let Some(b) = &m.base_model {
            rows.push(("base model", b.clone()));
        }
        if !m.trained_words.is_empty() {
            rows.push(("triggers", m.trained_words.join(", ")));
        }
        if let Some(p) = &m.preview {
            rows.push(("preview", p.display().to_string()));
        }
    }
    if !it.active_in_uis.is_empty() {
        rows.push(("active in", it.active_in_uis.join(", ")));
    }
    rows.push((
        "verified",
        match (it.verified, &it.verified_at) {
            (None, _) => "never".into(),
            (Some(ok), at) => {
                format!("{}{}", if ok { "ok" } else { "FAILED" }, at.as_ref().map(|a| format!(" at {a}")).unwrap_or_default())
            }
        },
    ));
    for (k, v) in rows {
        let _ = writeln!(s, "  {k:<10} {v}");
    }
    let _ = writeln!(s, "{}", bold("Impacts"));
    let _ = render_impacts(&mut s, &d.impacts);
    let _ = writeln!(s, "{}", bold("Files"));
    for (side, f) in [("local", &d.local), ("backup", &d.backup)] {
        match f {
            Some(f) => {
                let _ = writeln!(s, "  {side:<10} {}", f.path.display());
                let times: Vec<String> = [("created", &f.created), ("modified", &f.modified), ("accessed", &f.accessed)]
                    .into_iter()
                    .filter_map(|(l, t)| t.as_ref().map(|t| format!("{l} {t}")))
                    .collect();
                if !times.is_empty() {
                    let _ = writeln!(s, "  {:<10} {}", "", dim(times.join(", ")));
                }
            }
            None => {
                let _ = writeln!(s, "  {side:<10} -");
            }
        }
    }
    for l in &d.links {
        let _ = writeln!(s, "  {:<10} {}", l.ui, l.path.display());
    }
    s
}

fn render_impacts(s: &mut String, i: &Impacts) -> std::fmt::Result {
    writeln!(s, "  {:<18} {}", "status", output::status_text(i.status))?;
    writeln!(s, "  {:<18} {}", "location", output::location_text(i.location))?;
    writeln!(s, "  {:<18} {}", "last copy", if i.is_last_copy { red("yes") } else { "no".into() })?;
    writeln!(s, "  {:<18} {}", "can delete safely", yes_no(i.can_delete_safely))?;
    if i.affected_packs.is_empty() {
        writeln!(s, "  {:<18} -", "affected packs")?;
    } else {
        for (n, p) in i.affected_packs.iter().enumerate() {
            let label = if n == 0 { "affected packs" } else { "" };
            let active = if p.is_active { " (active in a UI)" } else { "" };
            writeln!(s, "  {label:<18} {} (dependency {}){active}", p.name, p.dependency_id)?;
        }
    }
    if !i.active_in_uis.is_empty() {
        writeln!(s, "  {:<18} {}", "active in", i.active_in_uis.join(", "))?;
    }
    if let Some(w) = &i.warning {
        writeln!(s, "  {}", yellow(format!("warning: {w}")))?;
    }
    Ok(())
}

/// "1 orphan", "2 orphans": a count with its noun in the right number.
fn count(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn render_cleanup(r: &CleanupResult) -> String {
    let mut s = String::new();
    let orphan_bytes: u64 = r.orphans.iter().map(|o| o.size_bytes).sum();
    let partial_bytes: u64 = r.partial_files.iter().map(|p| p.size_bytes).sum();
    let left_alone = |s: &mut String| {
        if !r.left_alone.is_empty() {
            let _ = writeln!(s, "{}", dim(format!("left alone in data/tmp (not written by Synapse): {}", r.left_alone.len())));
            for p in &r.left_alone {
                let _ = writeln!(s, "  {}", dim(p.display().to_string()));
            }
        }
    };
    if r.orphans.is_empty() && r.partial_files.is_empty() {
        let _ = writeln!(s, "nothing to clean up: no orphans and no partial files");
        left_alone(&mut s);
        return s;
    }
    if !r.orphans.is_empty() {
        let mut t = output::table(["NAME", "KIND", "SIZE", "SHA256", "COPIES"]);
        let entries = if r.dry_run { &r.orphans } else { &r.deleted };
        for o in entries {
            let note = if o.on_backup { Cell::new("backup copy kept") } else { Cell::new("only copy").fg(comfy_table::Color::Red) };
            // A blob without a name is named by its hash: show that once, in its column.
            let name = if o.display_name == o.sha256.short() { Cell::new("(no name)") } else { Cell::new(&o.display_name) };
            t.add_row(vec![name, Cell::new(o.kind), Cell::new(size(o.size_bytes)), Cell::new(o.sha256.short()), note]);
        }
        output::align_right(&mut t, &[2]);
        if !entries.is_empty() {
            s.push_str(&output::render(&t));
        }
    }
    if !r.partial_files.is_empty() {
        let _ = writeln!(s, "partial files{}:", if r.dry_run { "" } else { " (deleted)" });
        for p in &r.partial_files {
            let _ = writeln!(s, "  {}  {}", p.path.display(), size(p.size_bytes));
        }
    }
    let only_copies = r.orphans.iter().filter(|o| !o.on_backup).count();
    if r.dry_run {
        let _ = write!(s, "dry run: {} ({}) would be deleted", count(r.orphans.len() as u64, "orphan"), size(orphan_bytes));
        if !r.partial_files.is_empty() {
            let _ = write!(s, ", and {} ({})", count(r.partial_files.len() as u64, "partial file"), size(partial_bytes));
        }
        let _ = writeln!(s, " — run with --execute");
        if only_copies > 0 {
            let what = match (r.orphans.len(), only_copies) {
                (1, _) => "it is the only copy: deleting it is final".to_owned(),
                (_, 1) => "1 of them is the only copy: deleting it is final".to_owned(),
                (_, n) => format!("{n} of them are the only copy: deleting them is final"),
            };
            let _ = writeln!(s, "{}", red(what));
        }
    } else {
        let _ = writeln!(
            s,
            "deleted {} and {}, freed {}",
            count(r.orphans_deleted, "orphan"),
            count(r.partial_files_deleted, "partial file"),
            size(r.bytes_freed)
        );
    }
    if (r.orphans.len() as u64) < r.orphans_found {
        let more = count(r.orphans_found - r.orphans.len() as u64, "more orphan");
        let _ = writeln!(s, "{}", dim(format!("{more} not selected (--max-items)")));
    }
    left_alone(&mut s);
    for e in &r.errors {
        let what =
            e.sha256.as_ref().map(|h| h.to_string()).or_else(|| e.path.as_ref().map(|p| p.display().to_string())).unwrap_or_default();
        let _ = writeln!(s, "{}", red(format!("failed: {what}: {}", e.message)));
    }
    s
}

pub(crate) fn render_verify(r: &VerifyResult) -> String {
    let mut s = String::new();
    let side = match r.side {
        Side::Local => "local",
        Side::Backup => "backup",
    };
    let _ = writeln!(
        s,
        "verified {} {side} blobs ({}) in {:.1} s: {} valid, {}, {}",
        r.total,
        size(r.bytes_verified),
        r.duration_ms as f64 / 1000.0,
        r.valid.len(),
        if r.invalid.is_empty() { "0 invalid".to_owned() } else { red(format!("{} invalid", r.invalid.len())) },
        if r.missing.is_empty() { "0 missing".to_owned() } else { yellow(format!("{} missing", r.missing.len())) },
    );
    for i in &r.invalid {
        let _ = writeln!(s, "{} {}", red("invalid"), i.sha256);
        let _ = writeln!(s, "  path      {}", i.path.display());
        let _ = writeln!(s, "  expected  {}", i.expected);
        if let Some(a) = &i.actual {
            let _ = writeln!(s, "  actual    {a}");
        }
        if let Some(e) = &i.error {
            let _ = writeln!(s, "  error     {e}");
        }
    }
    for m in &r.missing {
        let _ = writeln!(s, "{} {m}", yellow("missing"));
    }
    s
}

pub(crate) fn render_delete(r: &DeleteResult) -> String {
    let remaining = match r.remaining_on {
        Remaining::Nowhere => "nowhere".to_owned(),
        _ => r.remaining_copies.join(", "),
    };
    format!("deleted {} from {} (freed {}); remaining on: {remaining}\n", r.sha256, r.deleted_from.join(" and "), size(r.bytes_freed))
}
