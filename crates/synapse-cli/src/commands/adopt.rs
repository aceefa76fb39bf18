//! `synapse adopt <folder> [--execute] [--link]`.

use std::fmt::Write as _;
use std::path::Path;

use comfy_table::Cell;
use synapse_core::adopt::{self, AdoptOptions, AdoptPlan};
use synapse_core::model::AdoptResult;
use synapse_core::plan;
use synapse_core::ErrorCode;

use super::{Ctx, Done};
use crate::cli::PlanArgs;
use crate::output::{self, bold, dim, red, size, yellow};

pub fn run(ctx: &Ctx, folder: &Path, execute: bool, link: bool, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = if let Some(file) = &plan_args.apply {
        // The hashing was done when the plan was made: only changed files are hashed again.
        let planned: AdoptPlan = plan::read(file)?;
        ctx.long(|ctl| adopt::apply_adopt(&store, &planned, ctl))?
    } else if let Some(file) = &plan_args.save_plan {
        let planned = ctx.long(|ctl| adopt::plan_adopt(&store, folder, AdoptOptions { execute: false, link }, ctl))?;
        plan::write(file, &planned)?;
        super::backup::saved_note(ctx, file, &format!("adopt {}", folder.display()));
        planned.preview
    } else {
        ctx.long(|ctl| adopt::adopt(&store, folder, AdoptOptions { execute, link }, ctl))?
    };
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        output::emit(&render(&r))?;
    }
    if r.cancelled {
        return Ok(Done::Failed {
            code: ErrorCode::Cancelled,
            message: "adopt cancelled: the files listed as adopted are in the store".into(),
        });
    }
    if let Some(first) = r.errors.first() {
        return Ok(Done::Failed {
            code: first.code,
            message: format!("{} file(s) could not be adopted (see errors above)", r.errors.len()),
        });
    }
    Ok(Done::Ok)
}

fn render(r: &AdoptResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} model file(s) in {} ({}), {} distinct, {} duplicate(s) ({})",
        r.files_found,
        r.folder.display(),
        size(r.bytes_found),
        r.blobs_distinct,
        r.duplicates,
        size(r.bytes_duplicates)
    );
    if !r.blobs.is_empty() {
        let mut t = output::table(["FILE", "KIND", "SIZE", "COPIES", "STORE", "PACK", "SHA256"]);
        for b in &r.blobs {
            let pack = if b.pack_exists { format!("{} (existing)", b.pack) } else { b.pack.clone() };
            t.add_row(vec![
                Cell::new(&b.filename),
                Cell::new(b.kind),
                Cell::new(size(b.size_bytes)),
                Cell::new(b.paths.len()),
                Cell::new(if b.already_in_store { "present" } else { "new" }),
                Cell::new(pack),
                Cell::new(b.sha256.short()),
            ]);
        }
        output::align_right(&mut t, &[2, 3]);
        s.push_str(&output::render(&t));
    }
    if r.already_linked > 0 {
        let _ = writeln!(s, "{}", dim(format!("{} link(s) into the store skipped (adopted before)", r.already_linked)));
    }
    for k in &r.skipped {
        let _ = writeln!(s, "{}", yellow(format!("skipped {}: {}", k.path.display(), k.reason)));
    }
    if r.dry_run {
        let _ = writeln!(
            s,
            "the store would gain {}; with --link every copy becomes a link and {} of disk space is freed",
            size(r.bytes_to_store),
            bold(size(r.bytes_saved_by_linking))
        );
        let flag = if r.link { "--execute --link" } else { "--execute (add --link to replace the originals with links)" };
        let _ = writeln!(s, "{}", dim(format!("dry run: nothing was changed; run again with {flag}")));
    } else {
        let _ = writeln!(
            s,
            "{} blob(s) added to the store ({}), {} pack(s) created",
            r.blobs_added,
            size(r.bytes_added),
            r.packs_created.len()
        );
        if r.link {
            let _ = writeln!(s, "{} file(s) replaced by links to the store, {} freed", r.files_linked, bold(size(r.bytes_freed)));
        }
    }
    for e in &r.errors {
        let path = e.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let _ = writeln!(s, "{}", red(format!("error: {path}: {}", e.message)));
    }
    s
}
