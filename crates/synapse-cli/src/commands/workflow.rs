//! `synapse workflow check FILE [--ui NAME]`: the models a workflow needs and
//! where each stands (SPEC §3.15). Reads only.
//!
//! Exit code: 0 whatever the statuses. SPEC §5 gives no code for "a model is
//! missing" (its `5 not found` is for a thing a command was asked to act on),
//! so the statuses are in the output and `all_present` in `--json`.

use std::fmt::Write as _;

use comfy_table::{Cell, Color};
use synapse_core::workflow::{self, MatchedBy, ModelStatus, RequiredModel, UrlSource, WorkflowCheck, WorkflowFormat};

use super::{Ctx, Done};
use crate::cli::WorkflowCommand;
use crate::output::{self, bold, dim, yellow};

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
    }
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
