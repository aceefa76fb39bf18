//! `synapse package export | validate | import` (SPEC §3.10).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use comfy_table::Cell;
use synapse_core::model::{CommitResult, ExportResult, ImportStrategy, IssueSeverity, PackageFormat, ValidationReport};
use synapse_core::package::{self, ExportOptions, ImportOptions, ImportPlan};
use synapse_core::plan;
use synapse_core::{Error, ErrorCode, PackName};

use super::{Ctx, Done};
use crate::cli::{PackageCommand, PlanArgs};
use crate::output::{self, bold, dim, red, size, yellow};

pub fn run(ctx: &Ctx, command: PackageCommand) -> anyhow::Result<Done> {
    match command {
        PackageCommand::Export { packs, out, no_blobs } => export(ctx, &packs, out, no_blobs),
        PackageCommand::Validate { path } => validate(ctx, &path),
        PackageCommand::Import { path, strategy, overrides, execute, plan } => import(ctx, &path, strategy, &overrides, execute, &plan),
    }
}

fn export(ctx: &Ctx, packs: &[String], out: PathBuf, no_blobs: bool) -> anyhow::Result<Done> {
    let packs = packs.iter().map(|p| PackName::parse(p)).collect::<Result<Vec<_>, _>>().map_err(Error::from)?;
    let store = ctx.open()?;
    let exported_by = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok().filter(|u| !u.is_empty());
    let options = ExportOptions { packs, out, include_blobs: !no_blobs, exported_by };
    let result = ctx.long(|ctl| package::export(&store, &options, ctl))?;
    if ctx.json {
        output::json(&result)?;
    } else {
        for w in &result.warnings {
            output::warn(w);
        }
        if !ctx.quiet {
            output::emit(&render_export(&result))?;
        }
    }
    Ok(Done::Ok)
}

fn render_export(r: &ExportResult) -> String {
    let mut s = String::new();
    let form = match r.format {
        PackageFormat::Tar => "tar file",
        PackageFormat::Directory => "directory",
    };
    let _ = writeln!(s, "exported {} pack(s) to {} ({form}, {})", r.packs.len(), bold(r.path.display()), size(r.size_bytes));
    let _ = writeln!(s, "  packs  {}", r.packs.join(", "));
    if r.include_blobs {
        let from_backup =
            if r.blobs_from_backup > 0 { format!(" ({} read from the backup drive)", r.blobs_from_backup) } else { String::new() };
        let _ = writeln!(s, "  blobs  {}, {}{from_backup}", r.blobs, size(r.bytes));
    } else {
        let _ = writeln!(s, "  blobs  none (metadata-only package)");
    }
    let _ = writeln!(s, "{}", dim(format!("check it with `synapse package validate {}`", output::shell_path(&r.path))));
    s
}

fn validate(ctx: &Ctx, path: &Path) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let report = ctx.long(|ctl| package::validate(&store, path, ctl))?;
    if ctx.json {
        output::json(&report)?;
    } else {
        output::emit(&render_report(&report))?;
    }
    if report.valid {
        Ok(Done::Ok)
    } else {
        let message = format!("package {} is not valid: {} error(s)", report.path.display(), report.totals.errors);
        Ok(Done::Failed { code: ErrorCode::Integrity, message })
    }
}

fn render_report(r: &ValidationReport) -> String {
    let mut s = String::new();
    let verdict = if r.valid { bold("valid") } else { red("NOT VALID") };
    let _ = writeln!(s, "package {}: {verdict}", r.path.display());
    let t = &r.totals;
    let _ = writeln!(
        s,
        "  {} pack(s), {} file(s) ({}); new to this store: {} blob(s), {}; {} error(s), {} warning(s)",
        t.packs,
        t.files_count,
        size(t.files_bytes),
        t.blobs_new,
        size(t.bytes_new),
        t.errors,
        t.warnings
    );
    if !r.items.is_empty() {
        let mut table = output::table(["PACK", "CLASSIFICATION", "BLOBS", "NEW BLOBS", "NEW BYTES"]);
        for i in &r.items {
            let class = serde_json::to_value(i.classification).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            table.add_row(vec![
                Cell::new(&i.pack),
                Cell::new(class),
                Cell::new(i.blobs_total),
                Cell::new(i.blobs_new),
                Cell::new(size(i.bytes_new)),
            ]);
        }
        output::align_right(&mut table, &[2, 3, 4]);
        s.push_str(&output::render(&table));
    }
    for i in &r.issues {
        let code = serde_json::to_value(i.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let place = i.path.as_deref().map(|p| format!("{p}: ")).unwrap_or_default();
        let line = format!("{code}: {place}{}", i.message);
        let _ = match i.severity {
            IssueSeverity::Error => writeln!(s, "{} {line}", red("error")),
            IssueSeverity::Warning => writeln!(s, "{} {line}", yellow("warning")),
        };
    }
    s
}

fn import(
    ctx: &Ctx,
    path: &Path,
    strategy: ImportStrategy,
    overrides: &[String],
    execute: bool,
    plan_args: &PlanArgs,
) -> anyhow::Result<Done> {
    let mut per_pack = BTreeMap::new();
    for o in overrides {
        let (pack, strat) = o.rsplit_once('=').ok_or_else(|| Error::invalid(format!("--set {o:?}: expected PACK=STRATEGY")))?;
        let strat: ImportStrategy = strat.parse().map_err(|e: String| Error::invalid(format!("--set {o:?}: {e}")))?;
        per_pack.insert(PackName::parse(pack).map_err(Error::from)?, strat);
    }
    let store = ctx.open()?;
    let options = ImportOptions { strategy, overrides: per_pack, dry_run: !execute };
    let result = if let Some(file) = &plan_args.apply {
        let planned: ImportPlan = plan::read(file)?;
        ctx.long(|ctl| package::apply_import(&store, &planned, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let planned = ctx.long(|ctl| package::plan_import(&store, path, &options, ctl))?;
        plan::write(file, &planned)?;
        super::backup::saved_note(ctx, file, &format!("package import {}", path.display()));
        planned.preview
    } else {
        ctx.long(|ctl| package::import(&store, path, &options, ctl))?
    };
    if ctx.json {
        output::json(&result)?;
    } else {
        for w in &result.warnings {
            output::warn(w);
        }
        if !ctx.quiet || result.dry_run {
            output::emit(&render_import(&result))?;
        }
    }
    if result.cancelled {
        return Ok(Done::Failed {
            code: ErrorCode::Cancelled,
            message: "cancelled: the packs listed were imported, the others were not".into(),
        });
    }
    Ok(Done::Ok)
}

fn render_import(r: &CommitResult) -> String {
    let mut s = String::new();
    let (new, over, dup) =
        if r.dry_run { ("would import", "would overwrite", "would duplicate") } else { ("imported", "overwrote", "duplicated") };
    for p in &r.imported {
        let _ = writeln!(s, "{new:>16}  {p}");
    }
    for p in &r.overwritten {
        let _ = writeln!(s, "{over:>16}  {p}");
    }
    for d in &r.duplicated {
        let _ = writeln!(s, "{dup:>16}  {} as {}", d.pack, bold(&d.imported_as));
    }
    for k in &r.skipped {
        let _ = writeln!(s, "{:>16}  {} ({})", "skip", k.pack, k.reason);
    }
    if r.dry_run {
        let _ = writeln!(s, "{} blob(s) to copy, {}", r.blobs_to_copy, size(r.bytes_to_copy));
        let _ = writeln!(s, "{}", dim("dry run: nothing was written; add --execute to import"));
    } else {
        let _ = writeln!(s, "{} blob(s) copied, {}", r.blobs_copied, size(r.bytes_copied));
    }
    s
}
