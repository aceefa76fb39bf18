//! `synapse repair <sha|prefix>... | --all`: replace corrupt copies from good
//! ones (SPEC §3.12); the corrupt files go to `data/quarantine/`.

use std::fmt::Write as _;

use synapse_core::repair::{self, RepairPlan, RepairResult};
use synapse_core::{inventory, plan, ErrorCode};

use super::{Ctx, Done};
use crate::cli::PlanArgs;
use crate::output::{self, bold, dim, size, yellow};

pub fn run(ctx: &Ctx, inputs: &[String], all: bool, dry_run: bool, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = if let Some(file) = &plan_args.apply {
        let planned: RepairPlan = plan::read(file)?;
        ctx.long(|ctl| repair::apply_repair(&store, &planned, ctl))?
    } else {
        let list = if all {
            None
        } else {
            let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            Some(inventory::resolve_hashes(&store, &refs)?)
        };
        let planned = repair::plan_repair(&store, list.as_deref())?;
        if let Some(file) = &plan_args.save_plan {
            plan::write(file, &planned)?;
            super::backup::saved_note(ctx, file, "repair");
            planned.as_result()
        } else if dry_run {
            planned.as_result()
        } else {
            ctx.long(|ctl| repair::apply_repair(&store, &planned, ctl))?
        }
    };
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        output::emit(&render(&r))?;
    }
    Ok(match r.errors.first() {
        Some(e) => Done::Failed { code: e.code, message: format!("{} of the copies could not be repaired", r.errors.len()) },
        // A corrupt copy with no good one anywhere stays marked: the user must know.
        None if !r.plan.cannot.is_empty() => Done::Failed {
            code: ErrorCode::Integrity,
            message: format!("{} corrupt copy(ies) cannot be repaired now", r.plan.cannot.len()),
        },
        None => Done::Ok,
    })
}

fn render(r: &RepairResult) -> String {
    let mut s = String::new();
    if r.dry_run {
        for i in &r.plan.items {
            let _ = writeln!(
                s,
                "would replace the corrupt {} copy of {} ({}, {}) from the {} copy",
                i.side,
                bold(&i.display_name),
                i.sha256.short(),
                size(i.size_bytes),
                i.from
            );
        }
    }
    for c in &r.repaired {
        let _ = writeln!(
            s,
            "replaced the corrupt {} copy of {} ({}) from the {} copy",
            c.side,
            bold(&c.display_name),
            c.sha256.short(),
            c.from
        );
        let _ = writeln!(s, "  {}", dim(format!("the corrupt file is kept at {}", c.quarantined.display())));
    }
    for k in r.plan.not_corrupt.iter() {
        let _ = writeln!(s, "{}: {}", k.name, k.reason);
    }
    for k in r.plan.cannot.iter().chain(&r.skipped) {
        let _ = writeln!(s, "{}", yellow(format!("{}: {}", k.name, k.reason)));
    }
    for e in &r.errors {
        let _ = writeln!(s, "{}", output::red(format!("{}: {}", e.display_name.as_deref().unwrap_or("?"), e.message)));
    }
    if r.plan.items.is_empty() && r.plan.cannot.is_empty() && r.plan.not_corrupt.is_empty() {
        let _ = writeln!(s, "no copy is known to be corrupt: nothing to repair");
    }
    s
}
