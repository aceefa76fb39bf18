//! `synapse ui add | list | remove`, `synapse use <pack>`, `synapse unuse <pack>`.

use std::fmt::Write as _;
use std::path::Path;

use comfy_table::Cell;
use synapse_core::links::{self, UseOptions, UsePlan};
use synapse_core::model::{UiKind, UiLink, UnuseResult, UseResult};
use synapse_core::plan;
use synapse_core::{ui_targets, Error, PackName};

use super::{Ctx, Done};
use crate::cli::{PlanArgs, UiCommand};
use crate::output::{self, bold, dim, size, yellow};

pub fn run(ctx: &Ctx, command: UiCommand) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    match command {
        UiCommand::Add { name, kind, path } => add(ctx, &store, &name, kind, &path),
        UiCommand::List => list(ctx, &store),
        UiCommand::Remove { name } => {
            let r = ui_targets::remove(&store, &name)?;
            if ctx.json {
                output::json(&r)?;
            } else if !ctx.quiet {
                let mut s = format!("removed UI target {}\n", bold(&r.name));
                if !r.links_remaining.is_empty() {
                    let _ = writeln!(
                        s,
                        "{} link(s) made by `synapse use` stay in its folders; `synapse unuse <pack>` removes them",
                        r.links_remaining.len()
                    );
                }
                output::emit(&s)?;
            }
            Ok(Done::Ok)
        }
    }
}

fn add(ctx: &Ctx, store: &synapse_core::Store, name: &str, kind: UiKind, path: &Path) -> anyhow::Result<Done> {
    let info = ui_targets::add(store, name, kind, path)?;
    if ctx.json {
        output::json(&info)?;
    } else if !ctx.quiet {
        output::emit(&format!("added UI target {} ({}) at {}\n", bold(&info.name), info.kind, info.path.display()))?;
    }
    Ok(Done::Ok)
}

fn list(ctx: &Ctx, store: &synapse_core::Store) -> anyhow::Result<Done> {
    let l = ui_targets::list(store)?;
    if ctx.json {
        output::json(&l)?;
        return Ok(Done::Ok);
    }
    if l.ui_targets.is_empty() {
        output::emit("no UI targets (add one with `synapse ui add <name> --kind comfyui|forge|a1111|sdnext --path <folder>`)\n")?;
        return Ok(Done::Ok);
    }
    let mut t = output::table(["NAME", "KIND", "PATH", "LINKS", ""]);
    for u in &l.ui_targets {
        t.add_row(vec![
            Cell::new(&u.name),
            Cell::new(u.kind),
            Cell::new(u.path.display()),
            Cell::new(u.active_links),
            Cell::new(if u.exists { "" } else { "folder missing" }),
        ]);
    }
    output::align_right(&mut t, &[3]);
    output::emit(&output::render(&t))?;
    Ok(Done::Ok)
}

fn pack_name(input: &str) -> Result<PackName, Error> {
    Ok(PackName::parse(input)?)
}

pub fn use_pack(ctx: &Ctx, pack: &str, ui_name: Option<String>, dry_run: bool, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let name = pack_name(pack)?;
    let store = ctx.open()?;
    let r = if let Some(file) = &plan_args.apply {
        // Applying a saved plan confirms the restores it lists (and only those).
        let planned: UsePlan = plan::read(file)?;
        if planned.pack != name {
            return Err(Error::invalid(format!(
                "{} is a plan for pack {:?}, not {:?}",
                file.display(),
                planned.pack.as_str(),
                name.as_str()
            ))
            .into());
        }
        ctx.long(|ctl| links::apply_use(&store, &planned, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let planned = links::plan_use_value(&store, &name, ui_name.as_deref())?;
        plan::write(file, &planned)?;
        super::backup::saved_note(ctx, file, &format!("use {pack}"));
        planned.preview
    } else if dry_run {
        links::plan_use(&store, &name, ui_name.as_deref())?
    } else {
        let opts = UseOptions { ui: ui_name, restore: ctx.yes };
        ctx.long(|ctl| links::use_pack(&store, &name, &opts, ctl))?
    };
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        output::emit(&render_use(&r))?;
    }
    Ok(Done::Ok)
}

fn link_row(l: &UiLink) -> Vec<Cell> {
    vec![Cell::new(&l.ui), Cell::new(&l.dependency_id), Cell::new(l.kind), Cell::new(l.path.display())]
}

fn render_use(r: &UseResult) -> String {
    let mut s = String::new();
    let plan = r.dry_run;
    if !r.restored_blobs.is_empty() {
        let verb = if plan { "would restore" } else { "restored" };
        let _ = writeln!(s, "{verb} {} blob(s) ({}) from the backup drive", r.restored_blobs.len(), size(r.bytes_restored));
        if let Some(w) = &r.space_warning {
            let _ = writeln!(s, "{}", yellow(format!("warning: {w}")));
        }
    }
    let _ = writeln!(
        s,
        "pack {} in {}: {} link(s) {}, {} already there",
        bold(&r.pack),
        r.ui_targets.join(", "),
        r.linked.len(),
        if plan { "to make" } else { "made" },
        r.already_linked.len()
    );
    if !r.linked.is_empty() {
        let mut t = output::table(["UI", "DEPENDENCY", "KIND", "LINK"]);
        for l in &r.linked {
            t.add_row(link_row(l));
        }
        s.push_str(&output::render(&t));
    }
    for k in &r.skipped {
        let _ = writeln!(s, "{}", yellow(format!("skipped {} in {}: {}", k.dependency_id, k.ui, k.reason)));
    }
    for k in &r.skipped_changes {
        let _ = writeln!(s, "{}", yellow(format!("left out {}: {}", k.name, k.reason)));
    }
    if plan {
        let _ = writeln!(s, "{}", dim("dry run: nothing was changed (run without --dry-run, with --yes to confirm restores)"));
    } else {
        let _ = writeln!(s, "{}", dim(format!("`synapse unuse {}` removes these links", r.pack)));
    }
    s
}

pub fn unuse(ctx: &Ctx, pack: &str, ui_name: Option<&str>, dry_run: bool) -> anyhow::Result<Done> {
    let name = pack_name(pack)?;
    let store = ctx.open()?;
    let r = if dry_run { links::plan_unuse(&store, &name, ui_name)? } else { links::unuse(&store, &name, ui_name)? };
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        output::emit(&render_unuse(&r))?;
    }
    Ok(Done::Ok)
}

fn render_unuse(r: &UnuseResult) -> String {
    let mut s = String::new();
    if r.removed.is_empty() && r.kept_for_other_packs.is_empty() && r.already_gone.is_empty() && r.changed.is_empty() {
        let _ = writeln!(s, "pack {} has no links in any UI: nothing to do", bold(&r.pack));
        return s;
    }
    let verb = if r.dry_run { "would be removed (dry run: nothing changed)" } else { "removed" };
    let _ = writeln!(s, "pack {}: {} link(s) {verb}", bold(&r.pack), r.removed.len());
    if r.dry_run {
        for l in &r.removed {
            let _ = writeln!(s, "  {}", l.path.display());
        }
    }
    for l in &r.kept_for_other_packs {
        let _ = writeln!(s, "{}", dim(format!("kept {} (another pack uses it too)", l.path.display())));
    }
    for l in &r.already_gone {
        let _ = writeln!(s, "{}", dim(format!("{} was already gone", l.path.display())));
    }
    for l in &r.changed {
        let _ = writeln!(s, "{}", yellow(format!("left {} alone: it is no longer Synapse's link", l.path.display())));
    }
    for d in &r.dirs_removed {
        let _ = writeln!(s, "{}", dim(format!("removed empty folder {}", d.display())));
    }
    s
}
