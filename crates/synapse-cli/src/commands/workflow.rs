//! `synapse workflow check FILE [--ui NAME]`: the models a workflow needs and
//! where each stands (SPEC §3.15). Reads only.
//!
//! Exit code: 0 whatever the statuses. SPEC §5 gives no code for "a model is
//! missing" (its `5 not found` is for a thing a command was asked to act on),
//! so the statuses are in the output and `all_present` in `--json`.
//!
//! `synapse workflow use FILE --ui NAME [--yes] [--save-plan F | --apply F]`
//! (SPEC §3.15, §3.11): without `--yes` a dry run printing the plan (`--json`:
//! the `WorkflowUsePlan`), exit 0 even when some models cannot be done (the
//! plan says which and why, `runnable` in `--json`); with `--yes` (or
//! `--apply F`) the plan is applied and the result printed (`--json`: the
//! `WorkflowUseResult`). Exit codes of the apply: 3 (`name_clash`) when the
//! plan lists clashes, nothing changed; 1 when a restore or download failed
//! (the others went ahead; the result lists them); 130 on Ctrl-C; 0
//! otherwise, also when models the plan called not doable remain
//! (`complete` in `--json` says whether everything is linked).
//!
//! `synapse workflow pack FILE --name N [--ui NAME] [--allow-missing]`: exit
//! 5 (`not_found`, nothing written) when a model does not resolve to one blob
//! unless `--allow-missing` (then they are listed as not pinned and kept in
//! the lock's `unresolved`); an existing pack name is `already_exists` (exit 1).

use std::fmt::Write as _;
use std::path::Path;

use comfy_table::{Cell, Color};
use synapse_core::model::UiLink;
use synapse_core::plan;
use synapse_core::workflow::{self, MatchedBy, ModelStatus, RequiredModel, UrlSource, WorkflowCheck, WorkflowFormat};
use synapse_core::workflow_use::{self, HashCheck, UseStep, WorkflowPackOptions, WorkflowPackResult, WorkflowUsePlan, WorkflowUseResult};
use synapse_core::{Error, ErrorCode, PackName};

use super::{Ctx, Done};
use crate::cli::{PlanArgs, WorkflowCommand};
use crate::output::{self, bold, dim, size, yellow};

pub fn run(ctx: &Ctx, command: WorkflowCommand) -> anyhow::Result<Done> {
    match command {
        WorkflowCommand::Check { file, ui } => {
            let store = ctx.open()?;
            let r = workflow::check(&store, &file, ui.as_deref())?;
            if ctx.json {
                output::json(&r)?;
            } else {
                output::emit(&render(&r, ctx.quiet))?;
            }
            Ok(Done::Ok)
        }
        WorkflowCommand::Use { file, ui, plan } => use_workflow(ctx, &file, ui.as_deref(), &plan),
        WorkflowCommand::Pack { file, name, ui, allow_missing } => {
            let name = PackName::parse(&name).map_err(Error::from)?;
            let store = ctx.open()?;
            let opts = WorkflowPackOptions { name, ui, allow_missing };
            let r = workflow_use::pack_workflow(&store, &file, &opts)?;
            if ctx.json {
                output::json(&r)?;
            } else if !ctx.quiet {
                output::emit(&render_pack(&r))?;
            }
            Ok(Done::Ok)
        }
    }
}

fn use_workflow(ctx: &Ctx, file: &Path, ui: Option<&str>, plan_args: &PlanArgs) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let planned = if let Some(saved) = &plan_args.apply {
        let planned: WorkflowUsePlan = plan::read(saved)?;
        // The plan is for one workflow file and one UI: applying it to another would run what nobody confirmed.
        let same_file = Path::new(&planned.file) == file
            || matches!((Path::new(&planned.file).canonicalize(), file.canonicalize()), (Ok(a), Ok(b)) if a == b);
        if !same_file {
            return Err(Error::invalid(format!(
                "{} is a plan for the workflow {}, not {}: make a plan for this file",
                saved.display(),
                planned.file,
                file.display()
            ))
            .into());
        }
        if ui.is_some_and(|u| u != planned.ui) {
            return Err(Error::invalid(format!(
                "{} is a plan for UI target {:?}, not {:?}",
                saved.display(),
                planned.ui,
                ui.unwrap_or_default()
            ))
            .into());
        }
        planned
    } else {
        let ui = ui.ok_or_else(|| Error::invalid("--ui NAME is required: which UI target should the workflow run in?"))?;
        let planned = ctx.quick(|_| workflow_use::plan_workflow_use(&store, file, ui))?;
        if let Some(saved) = &plan_args.save_plan {
            plan::write(saved, &planned)?;
            super::backup::saved_note(ctx, saved, &format!("workflow use {}", file.display()));
            return print_plan(ctx, &planned);
        }
        if !ctx.yes {
            return print_plan(ctx, &planned);
        }
        planned
    };
    let r = ctx.long(|ctl| workflow_use::apply_workflow_use(&store, &planned, ctl))?;
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        output::emit(&render_result(&r))?;
    }
    Ok(match r.failed.first() {
        Some(first) => Done::Failed {
            code: ErrorCode::Io,
            message: format!("{} model(s) could not be fetched; the first, {}: {}", r.failed.len(), first.name, first.reason),
        },
        None => Done::Ok,
    })
}

fn print_plan(ctx: &Ctx, p: &WorkflowUsePlan) -> anyhow::Result<Done> {
    if ctx.json {
        output::json(p)?;
    } else {
        output::emit(&render_plan(p, ctx.quiet))?;
    }
    Ok(Done::Ok)
}

fn step_word(s: UseStep) -> &'static str {
    match s {
        UseStep::AlreadyLinked => "linked already",
        UseStep::Link => "link",
        UseStep::Restore => "restore, link",
        UseStep::Download => "download, link",
        UseStep::Clash => "clash",
        UseStep::NotDoable => "cannot",
    }
}

fn step_color(s: UseStep) -> Color {
    match s {
        UseStep::AlreadyLinked => Color::Green,
        UseStep::Link => Color::Green,
        UseStep::Restore => Color::Cyan,
        UseStep::Download => Color::Yellow,
        UseStep::Clash | UseStep::NotDoable => Color::Red,
    }
}

fn render_plan(p: &WorkflowUsePlan, quiet: bool) -> String {
    let mut s = String::new();
    if p.items.is_empty() {
        let _ = writeln!(s, "the workflow names no model files: nothing to do");
        return s;
    }
    let mut t = output::table(["NAME", "KIND", "STEP", "SIZE", "FROM"]);
    output::wrap_to_terminal(&mut t);
    for it in &p.items {
        let from = match it.step {
            UseStep::Restore => it.restore_from.join(", "),
            UseStep::Download => it.download.as_ref().map(|d| d.host.clone()).unwrap_or_default(),
            _ => "-".to_owned(),
        };
        let sz = match (it.step, it.size_bytes) {
            (UseStep::Restore | UseStep::Download, Some(b)) => size(b),
            (UseStep::Download, None) => "unknown".to_owned(),
            _ => "-".to_owned(),
        };
        t.add_row(vec![
            Cell::new(&it.name),
            Cell::new(it.kind.as_str()),
            Cell::new(step_word(it.step)).fg(step_color(it.step)),
            Cell::new(sz),
            Cell::new(from),
        ]);
    }
    output::align_right(&mut t, &[3]);
    s.push_str(&output::render(&t));
    for it in &p.items {
        let mut lines: Vec<String> = Vec::new();
        if let (Some(l), UseStep::Link | UseStep::Restore | UseStep::Download) = (&it.link, it.step) {
            lines.push(format!("link {}", l.display()));
        }
        if let Some(d) = &it.download {
            lines.push(format!("url {}", d.url));
            lines.push(match d.check {
                HashCheck::Sha256 => "hash-checked (SHA-256)".to_owned(),
                HashCheck::Prefix => format!("checked against the hash prefix {}", d.expected_hash.as_deref().unwrap_or("?")),
                HashCheck::None => format!("no hash known: adopted as an unverified download; stops at {}", limit(d.limit_bytes)),
            });
        }
        if let Some(r) = &it.reason {
            if !(it.download.as_ref().is_some_and(|d| d.check == HashCheck::None) && r.contains("unverified")) {
                lines.push(r.clone());
            }
        }
        let notable = matches!(it.step, UseStep::Clash | UseStep::NotDoable);
        if !lines.is_empty() && (!quiet || notable) {
            let _ = writeln!(s, "{}", bold(&it.name));
            for l in lines {
                let _ = writeln!(s, "  {}", if notable { yellow(l) } else { dim(l) });
            }
        }
    }
    if !p.hosts.is_empty() {
        let _ = writeln!(s, "downloads from: {}", p.hosts.join(", "));
    }
    let mut totals = Vec::new();
    if p.to_restore > 0 {
        totals.push(format!("restore {} ({})", p.to_restore, size(p.bytes_to_restore)));
    }
    if p.to_download > 0 {
        let what = match (p.downloads_of_unknown_size, p.to_download) {
            (0, _) => size(p.bytes_to_download),
            (u, n) if u == n => "size unknown".to_owned(),
            (u, _) => format!("{} + {u} of unknown size", size(p.bytes_to_download)),
        };
        totals.push(format!("download {} ({what})", p.to_download));
    }
    totals.push(format!("link {}", p.to_link + p.to_restore + p.to_download));
    if p.already_linked > 0 {
        totals.push(format!("{} linked already", p.already_linked));
    }
    let _ = writeln!(s, "{} model(s) into {}: {}", p.items.len(), p.ui, totals.join(", "));
    if let Some(free) = p.free_space {
        let _ = writeln!(s, "{}", dim(format!("free space on the store's disk: {}", size(free))));
    }
    if let Some(w) = &p.space_warning {
        let _ = writeln!(s, "{}", yellow(format!("warning: {w}")));
    }
    for w in &p.warnings {
        let _ = writeln!(s, "{}", yellow(w));
    }
    if p.clashes > 0 {
        let _ = writeln!(
            s,
            "{}",
            yellow(format!("{} name(s) are taken in the UI folders: applying is refused until they are moved", p.clashes))
        );
    }
    if p.not_doable > 0 {
        let _ =
            writeln!(s, "{}", yellow(format!("{} model(s) cannot be done (see above): the workflow will not run complete", p.not_doable)));
    }
    if !quiet {
        let _ =
            writeln!(s, "{}", dim("dry run: nothing was changed (run again with --yes to do it, or --save-plan FILE to review it first)"));
    }
    s
}

/// The most a download takes (64 GiB when the size is unknown, said in the unit it is set in).
fn limit(bytes: u64) -> String {
    if bytes == synapse_core::download::MAX_UNKNOWN_SIZE {
        format!("{} GiB", bytes >> 30)
    } else {
        size(bytes)
    }
}

fn link_line(l: &UiLink) -> String {
    format!("{} -> {}", l.path.display(), l.sha256.short())
}

fn render_result(r: &WorkflowUseResult) -> String {
    let mut s = String::new();
    for x in &r.restored {
        let _ = writeln!(s, "restored {} ({}) from {}", x.name, size(x.size_bytes), x.from);
    }
    for d in &r.downloaded {
        let resumed = if d.resumed_from > 0 { format!(", resumed from {}", size(d.resumed_from)) } else { String::new() };
        let _ = writeln!(s, "downloaded {} ({}{resumed}) from {}", d.name, size(d.size_bytes), d.url);
        if !d.verified {
            let _ = writeln!(s, "{}", yellow(format!("  unverified: no hash was known; kept as blob {}", d.sha256.short())));
        }
    }
    let _ =
        writeln!(s, "workflow {} in {}: {} link(s) made, {} already there", bold(&r.file), r.ui, r.linked.len(), r.already_linked.len());
    for l in &r.linked {
        let _ = writeln!(s, "  {}", link_line(l));
    }
    for f in &r.not_doable {
        let _ = writeln!(s, "{}", yellow(format!("not done {}: {}", f.name, f.reason)));
    }
    for f in &r.failed {
        let _ = writeln!(s, "{}", yellow(format!("failed {}: {}", f.name, f.reason)));
    }
    for k in &r.skipped {
        let _ = writeln!(s, "{}", yellow(format!("left out {}: {}", k.name, k.reason)));
    }
    if r.complete {
        let _ = writeln!(s, "everything the workflow needs is linked");
    }
    let _ = writeln!(s, "{}", dim(format!("`synapse unuse {:?} --ui {}` removes these links", r.label, r.ui)));
    s
}

fn render_pack(r: &WorkflowPackResult) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "pack {} written: {} model(s) pinned, the workflow kept as {}", bold(&r.pack), r.pinned.len(), r.workflow_file);
    if !r.pinned.is_empty() {
        let mut t = output::table(["DEPENDENCY", "NAME", "KIND", "BLOB", "SIZE"]);
        for p in &r.pinned {
            t.add_row(vec![
                Cell::new(&p.dependency_id),
                Cell::new(&p.name),
                Cell::new(p.kind.as_str()),
                Cell::new(&p.sha256.as_str()[..12]),
                Cell::new(size(p.size_bytes)),
            ]);
        }
        output::align_right(&mut t, &[4]);
        s.push_str(&output::render(&t));
    }
    for n in &r.not_pinned {
        let _ = writeln!(s, "{}", yellow(format!("not pinned {} ({}): {}", n.name, n.status.as_str(), n.reason)));
    }
    s
}

fn status_color(s: ModelStatus) -> Color {
    match s {
        ModelStatus::Present => Color::Green,
        ModelStatus::OnBackup => Color::Cyan,
        ModelStatus::Downloadable => Color::Yellow,
        ModelStatus::Missing => Color::Red,
        ModelStatus::Ambiguous => Color::Magenta,
        ModelStatus::Unrecognised => Color::DarkGrey,
    }
}

/// The host of a URL, which is what a row has room for.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Where a model is, in a few words.
fn place(m: &RequiredModel) -> String {
    match m.status {
        ModelStatus::Present if m.on_targets.is_empty() => "local".to_owned(),
        ModelStatus::Present => format!("local, {}", m.on_targets.join(", ")),
        ModelStatus::OnBackup => m.on_targets.join(", "),
        ModelStatus::Downloadable => {
            let from = m.url.as_deref().map(host).unwrap_or("?");
            match m.url_source {
                Some(UrlSource::PackLock) => format!("{from} (pack lock)"),
                _ => from.to_owned(),
            }
        }
        ModelStatus::Ambiguous => format!("{} candidates", m.candidates.iter().filter(|c| c.rejected.is_none()).count()),
        ModelStatus::Unrecognised => m.used_by.first().map(|u| format!("node {}", u.node)).unwrap_or_default(),
        ModelStatus::Missing => "-".to_owned(),
    }
}

fn render(r: &WorkflowCheck, quiet: bool) -> String {
    let mut s = String::new();
    if !quiet {
        let format = match r.format {
            WorkflowFormat::ComfyuiUi => "ComfyUI workflow (UI format)",
            WorkflowFormat::ComfyuiApi => "ComfyUI workflow (API format)",
            WorkflowFormat::Infotext => "A1111/Forge infotext",
        };
        let inside = if r.from_png { ", from the PNG's text chunk" } else { "" };
        let _ = writeln!(s, "{} {}", bold(&r.file), dim(format!("({format}{inside})")));
    }
    if r.models.is_empty() {
        let _ = writeln!(s, "the workflow names no model files");
        return s;
    }
    let mut headers = vec!["NAME", "KIND", "STATUS", "BLOB", "MATCH", "WHERE"];
    if r.ui.is_some() {
        headers.push("LINKED");
    }
    let mut t = output::table(headers);
    output::wrap_to_terminal(&mut t);
    for m in &r.models {
        // The blob's own name only when it differs from the one the workflow uses.
        let (blob, by) = match &m.blob {
            Some(b) => {
                let last = m.name.rsplit('/').next().unwrap_or(&m.name);
                let own = if b.display_name.eq_ignore_ascii_case(last) { String::new() } else { format!(" {}", b.display_name) };
                let by = if b.matched_by == MatchedBy::Name { "name" } else { "hash" };
                (format!("{}{own}", &b.sha256.as_str()[..12]), by)
            }
            None => ("-".to_owned(), "-"),
        };
        let mut row = vec![
            Cell::new(&m.name),
            Cell::new(m.kind.as_str()),
            Cell::new(m.status.as_str()).fg(status_color(m.status)),
            Cell::new(blob),
            Cell::new(by),
            Cell::new(place(m)),
        ];
        if r.ui.is_some() {
            row.push(Cell::new(match m.linked {
                Some(true) => "yes",
                Some(false) => "no",
                None => "-",
            }));
        }
        t.add_row(row);
    }
    s.push_str(&output::render(&t));

    // What a row cannot say: the candidates of an ambiguous name, rejected ones, notes.
    for m in &r.models {
        let mut lines: Vec<String> = Vec::new();
        // The candidates the row does not show: all of an ambiguous name, and the rejected ones.
        let shown = |c: &&synapse_core::workflow::Candidate| m.blob.as_ref().is_none_or(|b| b.sha256 != c.sha256);
        if m.status != ModelStatus::Present {
            for c in m.candidates.iter().filter(shown) {
                let why = c.rejected.as_deref().map(|w| format!(": {w}")).unwrap_or_default();
                let at = if c.on_local {
                    "local".to_owned()
                } else if c.on_targets.is_empty() {
                    "nowhere".to_owned()
                } else {
                    c.on_targets.join(", ")
                };
                lines.push(format!("candidate {} {} ({}, {at}){why}", &c.sha256.as_str()[..12], c.display_name, c.kind));
            }
        }
        if let Some(u) = m.url.as_deref().filter(|_| m.status == ModelStatus::Downloadable) {
            lines.push(format!("url {u}"));
        }
        lines.extend(m.notes.iter().cloned());
        if !lines.is_empty() && !quiet {
            let _ = writeln!(s, "{}", bold(&m.name));
            for l in lines {
                let _ = writeln!(s, "  {}", dim(l));
            }
        }
    }
    for w in &r.warnings {
        let _ = writeln!(s, "{}", yellow(w));
    }
    let c = &r.counts;
    let parts: Vec<String> = [
        (c.present, "present"),
        (c.on_backup, "on a backup target"),
        (c.downloadable, "downloadable"),
        (c.missing, "missing"),
        (c.ambiguous, "ambiguous"),
        (c.unrecognised, "unrecognised"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let _ = writeln!(s, "{} model(s): {}", r.models.len(), parts.join(", "));
    if let Some(ui) = &r.ui {
        let unlinked = r.models.iter().filter(|m| m.linked == Some(false)).count();
        if unlinked > 0 {
            let _ = writeln!(s, "{unlinked} present model(s) not linked into {ui} yet");
        }
    }
    if r.all_present && !quiet {
        let _ = writeln!(s, "everything the workflow needs is here");
    }
    s
}
