//! `synapse pack list | show | create | add | delete`.

use std::fmt::Write as _;
use std::path::PathBuf;

use comfy_table::Cell;
use synapse_core::model::AssetKind;
use synapse_core::packs::{self, NewFile, PackDeleteResult, PackInfo, PackWriteResult};
use synapse_core::{Error, PackName};

use super::{Ctx, Done};
use crate::cli::PackCommand;
use crate::output::{self, bold, dim, red, size};

pub fn run(ctx: &Ctx, command: PackCommand) -> anyhow::Result<Done> {
    match command {
        PackCommand::List => list(ctx),
        PackCommand::Show { name } => show(ctx, &name),
        PackCommand::Create { name, files, kind } => write(ctx, &name, files, kind, true),
        PackCommand::Add { name, files, kind } => write(ctx, &name, files, kind, false),
        PackCommand::Delete { name } => delete(ctx, &name),
        PackCommand::Rename { old, new } => {
            let (old, new) =
                (PackName::parse(&old).map_err(synapse_core::Error::from)?, PackName::parse(&new).map_err(synapse_core::Error::from)?);
            let store = ctx.open()?;
            let r = packs::rename(&store, &old, &new)?;
            if ctx.json {
                output::json(&r)?;
            } else if !ctx.quiet {
                println!("pack {} is now {}", r.from, bold(&r.to));
            }
            Ok(Done::Ok)
        }
        PackCommand::SetKind { name, args, all } => {
            let (dependency, kind) = match (all, args.as_slice()) {
                (true, [kind]) => (None, kind),
                (false, [dep, kind]) => (Some(dep.as_str()), kind),
                (true, _) => {
                    return Err(synapse_core::Error::invalid("with --all give only the kind: `pack set-kind <name> --all <kind>`").into())
                }
                (false, _) => {
                    return Err(synapse_core::Error::invalid(
                        "give the dependency and the kind: `pack set-kind <name> <dependency-id> <kind>` (or --all <kind>)",
                    )
                    .into())
                }
            };
            let kind: AssetKind = kind.parse().map_err(|e: String| synapse_core::Error::invalid(e))?;
            set_kind(ctx, &name, dependency, kind)
        }
    }
}

/// Pack names are checked before the disk is touched (path traversal, R4).
fn pack_name(input: &str) -> Result<PackName, Error> {
    Ok(PackName::parse(input)?)
}

fn list(ctx: &Ctx) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let layout = store.layout();
    let list = packs::list(layout)?;
    if ctx.json {
        output::json(&list)?;
        return Ok(Done::Ok);
    }
    let mut s = String::new();
    if list.packs.is_empty() && list.pack_errors.is_empty() {
        writeln!(s, "no packs (create one with `synapse pack create <name> <file>...`)")?;
    } else if !list.packs.is_empty() {
        let mut t = output::table(["NAME", "TYPE", "BLOBS", "LOCAL", "SIZE", "UNRESOLVED"]);
        for p in &list.packs {
            let local = format!("{}/{}", p.local_blobs, p.blobs.len());
            let local = if p.local_blobs < p.blobs.len() { Cell::new(local).fg(comfy_table::Color::Yellow) } else { Cell::new(local) };
            t.add_row(vec![
                Cell::new(&p.name),
                Cell::new(p.pack_type.as_deref().unwrap_or("-")),
                Cell::new(p.blobs.len()),
                local,
                Cell::new(size(p.total_bytes)),
                Cell::new(p.unresolved),
            ]);
        }
        output::align_right(&mut t, &[2, 3, 4, 5]);
        s.push_str(&output::render(&t));
    }
    for e in &list.pack_errors {
        writeln!(s, "{}", red(format!("cannot read pack {}: {}", e.pack, e.reason)))?;
    }
    output::emit(&s)?;
    Ok(Done::Ok)
}

fn show(ctx: &Ctx, input: &str) -> anyhow::Result<Done> {
    let name = pack_name(input)?;
    let store = ctx.open()?;
    let pack = packs::load(store.layout(), &name)?;
    let info = PackInfo::of(store.layout(), &pack);
    if ctx.json {
        output::json(&info)?;
        return Ok(Done::Ok);
    }
    let mut s = String::new();
    writeln!(s, "{}", bold(&info.name))?;
    writeln!(s, "  type          {}", info.pack_type.as_deref().unwrap_or("-"))?;
    writeln!(s, "  path          {}", info.path.display())?;
    writeln!(s, "  dependencies  {} ({} unresolved)", info.dependencies, info.unresolved)?;
    writeln!(s, "  blobs         {} ({} local), {}", info.blobs.len(), info.local_blobs, size(info.total_bytes))?;
    let active = if info.active_in.is_empty() { "-".to_owned() } else { info.active_in.join(", ") };
    writeln!(s, "  active in     {active}")?;
    if !info.blobs.is_empty() {
        let mut t = output::table(["DEPENDENCY", "NAME", "KIND", "SIZE", "LOCAL", "SHA256"]);
        for b in &info.blobs {
            let local = if b.on_local { Cell::new("yes") } else { Cell::new("no").fg(comfy_table::Color::Yellow) };
            t.add_row(vec![
                Cell::new(&b.dependency_id),
                Cell::new(&b.display_name),
                Cell::new(b.kind),
                Cell::new(b.size_bytes.map(size).unwrap_or_else(|| "-".into())),
                local,
                Cell::new(b.sha256.short()),
            ]);
        }
        output::align_right(&mut t, &[3]);
        s.push_str(&output::render(&t));
    }
    output::emit(&s)?;
    Ok(Done::Ok)
}

fn write(ctx: &Ctx, input: &str, files: Vec<PathBuf>, kind: Option<AssetKind>, create: bool) -> anyhow::Result<Done> {
    let name = pack_name(input)?;
    let store = ctx.open()?;
    let files: Vec<NewFile> = files.into_iter().map(|path| NewFile { path, kind }).collect();
    let result = ctx.long(|ctl| if create { packs::create(&store, &name, &files, ctl) } else { packs::add(&store, &name, &files, ctl) })?;
    if ctx.json {
        output::json(&result)?;
    } else if !ctx.quiet {
        output::emit(&render_write(&result))?;
    }
    Ok(Done::Ok)
}

fn render_write(r: &PackWriteResult) -> String {
    let mut s = String::new();
    let verb = if r.created { "created pack" } else { "added to pack" };
    let _ = writeln!(s, "{verb} {} ({} files)", bold(&r.pack), r.added.len());
    let mut t = output::table(["DEPENDENCY", "FILE", "KIND", "SIZE", "SHA256", ""]);
    for a in &r.added {
        t.add_row(vec![
            Cell::new(&a.dependency_id),
            Cell::new(&a.filename),
            Cell::new(a.kind),
            Cell::new(size(a.size_bytes)),
            Cell::new(a.sha256.short()),
            Cell::new(if a.already_present { "already in the store" } else { "" }),
        ]);
    }
    output::align_right(&mut t, &[3]);
    s.push_str(&output::render(&t));
    if let Some(a) = &r.auto_backup {
        if !a.backed_up.is_empty() {
            let _ = writeln!(s, "auto-backup: backed up {} new blob(s) ({})", a.backed_up.len(), size(a.bytes_copied));
        }
        if !a.queued.is_empty() {
            let _ = writeln!(s, "auto-backup: {} blob(s) queued until the backup drive is connected", a.queued.len());
        }
        for e in &a.errors {
            let _ = writeln!(s, "{}", red(format!("auto-backup failed: {}", e.message)));
        }
    }
    s
}

fn delete(ctx: &Ctx, input: &str) -> anyhow::Result<Done> {
    let name = pack_name(input)?;
    let store = ctx.open()?;
    let result = packs::delete(&store, &name)?;
    if ctx.json {
        output::json(&result)?;
    } else if !ctx.quiet {
        output::emit(&render_delete(&result))?;
    }
    Ok(Done::Ok)
}

fn render_delete(r: &PackDeleteResult) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "deleted pack {}; its blobs stay in the store", bold(&r.pack));
    if !r.removed_from_profiles.is_empty() {
        let _ = writeln!(s, "removed it from the profile(s) {}", r.removed_from_profiles.join(", "));
    }
    if !r.orphaned.is_empty() {
        let _ = writeln!(s, "{} blob(s) are orphans now (no other pack uses them):", r.orphaned.len());
        for h in &r.orphaned {
            let _ = writeln!(s, "  {h}");
        }
        let _ = writeln!(s, "{}", dim("`synapse inventory cleanup` shows what deleting them would free"));
    }
    s
}

fn set_kind(ctx: &Ctx, name: &str, dependency: Option<&str>, kind: AssetKind) -> anyhow::Result<Done> {
    let name = PackName::parse(name).map_err(synapse_core::Error::from)?;
    let store = ctx.open()?;
    let r = packs::set_kind(&store, &name, dependency, kind)?;
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        if r.changed.is_empty() {
            println!("pack {}: already {}, nothing changed", bold(&r.pack), r.kind);
        } else {
            println!("pack {}: {} is now {}", bold(&r.pack), r.changed.join(", "), r.kind);
        }
    }
    Ok(Done::Ok)
}
