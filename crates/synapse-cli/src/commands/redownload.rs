//! `synapse redownload <sha256>`.

use std::fmt::Write as _;

use synapse_core::download;
use synapse_core::inventory;

use super::{Ctx, Done};
use crate::output::{self, bold, dim, size, yellow};

pub fn run(ctx: &Ctx, input: &str) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let sha = inventory::resolve_hashes(&store, &[input])?.remove(0);
    let r = ctx.long(|ctl| download::redownload(&store, &sha, ctl))?;
    if ctx.json {
        output::json(&r)?;
        return Ok(Done::Ok);
    }
    if ctx.quiet {
        return Ok(Done::Ok);
    }
    let mut s = String::new();
    for e in &r.url_errors {
        let _ = writeln!(s, "{}", yellow(format!("{}: {}", e.url, e.message)));
    }
    if r.already_present {
        let _ = writeln!(s, "{} ({}) is already in the store: nothing to download", bold(&r.display_name), r.sha256.short());
    } else {
        let _ = writeln!(
            s,
            "downloaded {} ({}, {}) from {}",
            bold(&r.display_name),
            r.kind,
            size(r.size_bytes),
            r.url.as_deref().unwrap_or("-")
        );
        if r.resumed_from > 0 {
            let _ = writeln!(s, "{}", dim(format!("resumed an earlier download at {}", size(r.resumed_from))));
        }
        let _ = writeln!(s, "{}", dim(format!("hash checked; blob at {}", r.path.display())));
    }
    output::emit(&s)?;
    Ok(Done::Ok)
}
