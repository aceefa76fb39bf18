//! `synapse identify [<sha>... | --orphans | --unnamed | --all] [--refresh]`:
//! what Civitai says the models are, asked by hash only (SPEC §3.14).
//!
//! Exit codes: 0 when the run completed (a hash Civitai does not know is not
//! an error); 1 when some items failed (500, an unreadable answer, 429 beyond
//! the wait); 4 when Civitai could not be reached and the run stopped (SPEC §5:
//! a source that does not answer is exit 4, like a target that is not connected).

use std::fmt::Write as _;

use synapse_core::identify::{self, AnswerSource, IdentifyOptions, IdentifyResult, IdentifyStatus, ManifestAction, Selection};
use synapse_core::{inventory, ErrorCode};

use super::{Ctx, Done};
use crate::output::{self, bold, dim, red, yellow};

pub fn run(ctx: &Ctx, inputs: &[String], orphans: bool, unnamed: bool, all: bool, refresh: bool) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let explicit = !(orphans || unnamed || all);
    let selection = if orphans {
        Selection::Orphans
    } else if unnamed {
        Selection::Unnamed
    } else if all {
        Selection::All
    } else {
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        Selection::Blobs(inventory::resolve_hashes(&store, &refs)?)
    };
    let r = ctx.long(|ctl| identify::identify(&store, &selection, &IdentifyOptions { refresh }, ctl))?;
    if ctx.json {
        output::json(&r)?;
    } else if !ctx.quiet {
        output::emit(&render(&r, explicit))?;
    }
    Ok(if let Some(message) = &r.offline {
        Done::Failed { code: ErrorCode::Unresponsive, message: message.clone() }
    } else if r.failed > 0 {
        Done::Failed {
            code: ErrorCode::Io,
            message: format!("{} of {} blob(s) could not be identified (see the table); run identify again later", r.failed, r.items.len()),
        }
    } else {
        Done::Ok
    })
}

fn status_word(s: IdentifyStatus) -> &'static str {
    match s {
        IdentifyStatus::Found => "found",
        IdentifyStatus::NotFound => "not found",
        IdentifyStatus::Failed => "failed",
        IdentifyStatus::Skipped => "skipped",
        IdentifyStatus::NotAsked => "not asked",
    }
}

/// The table; blobs skipped as already identified are only counted unless they were named.
fn render(r: &IdentifyResult, explicit: bool) -> String {
    let mut s = String::new();
    if r.items.is_empty() {
        let _ = writeln!(s, "no blob to identify");
        return s;
    }
    let mut t = output::table(["BLOB", "NAME", "BASE MODEL", "KIND", "STATUS"]);
    for it in r.items.iter().filter(|i| explicit || i.status != IdentifyStatus::Skipped) {
        let (name, base) = match &it.metadata {
            Some(m) => {
                let name = match (&m.model_name, &m.version_name) {
                    (Some(n), Some(v)) => format!("{n} — {v}"),
                    (Some(n), None) => n.clone(),
                    (None, Some(v)) => v.clone(),
                    (None, None) => m.file_name.clone().unwrap_or_else(|| "-".into()),
                };
                (name, m.base_model.clone().unwrap_or_else(|| "-".into()))
            }
            None if it.status == IdentifyStatus::NotFound => ("not found on Civitai".into(), "-".into()),
            None => (it.display_name.clone(), "-".into()),
        };
        let mut status = status_word(it.status).to_owned();
        if it.source == Some(AnswerSource::Cache) {
            status.push_str(" (cached)");
        }
        let status = match it.status {
            IdentifyStatus::Failed => red(status),
            IdentifyStatus::NotAsked => yellow(status),
            _ => status,
        };
        t.add_row(vec![format!("{} {}", it.sha256.short(), dim(it.sha256.autov2())), name, base, it.kind.to_string(), status]);
    }
    output::wrap_to_terminal(&mut t);
    s.push_str(&output::render(&t));
    for it in r.items.iter().filter(|i| matches!(i.status, IdentifyStatus::Failed)) {
        let _ = writeln!(s, "{}", red(format!("{}: {}", it.sha256.short(), it.message.as_deref().unwrap_or("failed"))));
    }
    for it in &r.items {
        if it.status == IdentifyStatus::Found {
            if let Some(m) = it.message.as_deref() {
                let _ = writeln!(s, "{}", yellow(format!("{}: {m}", it.sha256.short())));
            }
        }
    }
    let mut counts = vec![format!("{} found", r.found), format!("{} not found", r.not_found)];
    for (n, word) in [
        (r.failed, "failed"),
        (r.skipped, "skipped (a pack or manifest already says what it is; --refresh asks anyway)"),
        (r.not_asked, "not asked"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {word}"));
        }
    }
    let _ = writeln!(s, "{}", bold(counts.join(", ")));
    let written = r.items.iter().filter(|i| i.manifest == Some(ManifestAction::Written)).count();
    let completed = r.items.iter().filter(|i| i.manifest == Some(ManifestAction::Completed)).count();
    let mut notes = vec![format!("{} request(s) to {}", r.requests, r.base_url), format!("{} from the cache", r.from_cache)];
    if written > 0 {
        notes.push(format!("{written} manifest(s) written"));
    }
    if completed > 0 {
        notes.push(format!("{completed} manifest(s) completed"));
    }
    if r.previews_saved > 0 {
        notes.push(format!("{} preview(s) saved", r.previews_saved));
    }
    let _ = writeln!(s, "{}", dim(format!("{}; only the hashes were sent", notes.join(", "))));
    s
}
