//! `synapse target add | list | remove | rename | policy` and `synapse whereis` (SPEC §3.12).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use comfy_table::Cell;
use synapse_core::model::{AssetKind, BackupSource, TargetChange, TargetList, Whereis};
use synapse_core::s3::S3Location;
use synapse_core::scrub::{Budget, ScrubOptions, ScrubResult};
use synapse_core::target::{self, Policy, PolicyUpdate};
use synapse_core::Error;

use super::{Ctx, Done};
use crate::cli::TargetCommand;
use crate::output::{self, bold, dim, red, size, yellow};

pub fn run(ctx: &Ctx, command: TargetCommand) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    match command {
        TargetCommand::Add { name, path: Some(path), .. } => {
            let path = absolute(&path)?;
            let r = target::add(&store, &name, &path)?;
            changed(ctx, &r, |r| {
                let what = if r.initialized { "a new backup" } else { "the backup already there" };
                format!("added backup target {} at {} ({what}, {} blob(s))\n", bold(&r.name), shown(r), r.blobs)
            })
        }
        TargetCommand::Add { name, path: None, s3, bucket, prefix, region, path_style } => {
            let location = S3Location { endpoint: s3.unwrap_or_default(), bucket: bucket.unwrap_or_default(), prefix, region, path_style };
            let r = target::add_s3(&store, &name, &location)?;
            changed(ctx, &r, |r| {
                let what = match (r.initialized, r.read_only) {
                    (true, _) => "a new prefix, now this store's",
                    (false, false) => "this store's prefix",
                    (false, true) => "another store's prefix: read and restore only",
                };
                format!("added bucket target {} at {} ({what}, {} blob(s))\n", bold(&r.name), shown(r), r.blobs)
            })
        }
        TargetCommand::Key { name, forget } => {
            let (all, _) = target::list(&store)?;
            let t =
                all.into_iter().find(|t| t.name == name).ok_or_else(|| Error::TargetNotFound { name: name.clone(), known: Vec::new() })?;
            let location = t.s3.ok_or_else(|| Error::invalid(format!("target {name:?} is a folder: only bucket targets have keys")))?;
            if forget {
                synapse_core::s3::forget_key(&location)?;
            } else {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
                let mut words = text.split_whitespace();
                let (Some(id), Some(secret)) = (words.next(), words.next()) else {
                    return Err(Error::invalid("give the key on stdin as: ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN]").into());
                };
                let key = synapse_core::s3::Credentials {
                    access_key_id: id.to_owned(),
                    secret_access_key: secret.to_owned(),
                    session_token: words.next().map(str::to_owned),
                };
                synapse_core::s3::save_key(&location, &key)?;
            }
            if ctx.json {
                output::json(&serde_json::json!({ "name": name, "kept": !forget }))?;
            } else if !ctx.quiet {
                let what = if forget { "removed from" } else { "kept in" };
                output::emit(&format!("the key of {} is {what} the OS keyring\n", bold(&name)))?;
            }
            Ok(Done::Ok)
        }
        TargetCommand::Test { name } => {
            let t = target::test(&store, &name)?;
            if ctx.json {
                output::json(&t)?;
            } else if !ctx.quiet {
                let mut s = String::new();
                for c in &t.checks {
                    let _ = writeln!(s, "ok  {c}");
                }
                let _ = writeln!(s, "{} can be used{}", bold(&t.name), if t.read_only { " for reading and restoring" } else { "" });
                output::emit(&s)?;
            }
            Ok(Done::Ok)
        }
        TargetCommand::List => {
            let l = target::list_all(&store)?;
            if ctx.json {
                output::json(&l)?;
            } else {
                output::emit(&render_list(&l))?;
            }
            Ok(Done::Ok)
        }
        TargetCommand::Remove { name, force } => {
            let r = target::remove(&store, &name, force)?;
            changed(ctx, &r, |r| {
                let mut s = format!("removed backup target {} ({}); nothing on it was deleted\n", bold(&r.name), shown(r));
                if r.blobs_below_policy > 0 {
                    let _ =
                        writeln!(s, "{}", yellow(format!("{} blob(s) now have fewer copies than the policy asks", r.blobs_below_policy)));
                }
                s
            })
        }
        TargetCommand::Rename { old, new } => {
            let r = target::rename(&store, &old, &new)?;
            changed(ctx, &r, |r| format!("renamed backup target {} to {}\n", r.old_name.as_deref().unwrap_or(""), bold(&r.name)))
        }
        TargetCommand::Enable { ref name } | TargetCommand::Disable { ref name } => {
            let enabled = matches!(command, TargetCommand::Enable { .. });
            let r = target::set_enabled(&store, name, enabled)?;
            changed(ctx, &r, |r| {
                let mut s = format!(
                    "backup target {} {}\n",
                    bold(&r.name),
                    if enabled { "enabled" } else { "disabled (nothing on it was touched)" }
                );
                if r.blobs_below_policy > 0 {
                    let _ = writeln!(s, "{}", yellow(format!("{} blob(s) have fewer copies than the policy asks", r.blobs_below_policy)));
                }
                s
            })
        }
        TargetCommand::Policy { min_copies, kinds, packs, verify_max_age } => {
            let update = PolicyUpdate {
                min_copies,
                verify_max_age_days: verify_max_age.as_deref().map(days).transpose()?,
                kinds: pairs(&kinds, "--kind", |k| k.parse::<AssetKind>().map_err(Error::invalid))?,
                packs: pairs(&packs, "--pack", |p| Ok(p.to_owned()))?,
            };
            let policy = if update.min_copies.is_none()
                && update.verify_max_age_days.is_none()
                && update.kinds.is_empty()
                && update.packs.is_empty()
            {
                target::list(&store)?.1
            } else {
                target::set_policy(&store, &update)?
            };
            if ctx.json {
                output::json(&policy)?;
            } else if !ctx.quiet {
                output::emit(&render_policy(&policy))?;
            }
            Ok(Done::Ok)
        }
    }
}

pub fn whereis(ctx: &Ctx, input: &str) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let w = target::whereis(&store, input)?;
    if ctx.json {
        output::json(&w)?;
    } else {
        output::emit(&render_whereis(&w))?;
    }
    Ok(Done::Ok)
}

pub fn scrub(ctx: &Ctx, place: Option<&str>, budget: Option<Budget>, repair: bool) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let r = ctx.long(|ctl| synapse_core::scrub::scrub(&store, place, ScrubOptions { budget, repair }, ctl))?;
    if ctx.json {
        output::json(&r)?;
    } else {
        output::emit(&render_scrub(&r))?;
    }
    if r.cancelled {
        return Ok(Done::failed(&Error::Cancelled));
    }
    let kept = r.corrupt.iter().filter(|c| !r.repaired.iter().any(|x| x.sha256 == c.sha256)).count();
    if kept > 0 {
        return Ok(Done::failed(&Error::VerifyFailed { invalid: kept, total: r.scrubbed as usize }));
    }
    if let Some(e) = r.errors.first() {
        return Ok(Done::Failed { code: e.code, message: e.message.clone() });
    }
    Ok(Done::Ok)
}

fn render_scrub(r: &ScrubResult) -> String {
    let mut s = format!(
        "scrubbed {} cop{} on {} ({})",
        r.scrubbed,
        if r.scrubbed == 1 { "y" } else { "ies" },
        bold(&r.target),
        size(r.bytes_scrubbed)
    );
    if r.left > 0 {
        let _ = write!(s, "; {} left for the next scrub", r.left);
    }
    s.push('\n');
    for c in &r.corrupt {
        let found =
            c.actual.as_deref().map_or_else(|| c.error.clone().unwrap_or_default(), |a| format!("hashes to {}", &a[..12.min(a.len())]));
        let _ = writeln!(s, "{}", red(format!("corrupt: {} ({found})", c.path.display())));
    }
    for x in &r.repaired {
        let _ = writeln!(s, "repaired {} from the {} copy; the bad file is kept at {}", x.display_name, x.from, x.quarantined.display());
    }
    for n in &r.not_repaired {
        let _ = writeln!(s, "{}", yellow(format!("not repaired: {}: {}", n.name, n.reason)));
    }
    if !r.corrupt.is_empty() && r.repaired.is_empty() && r.not_repaired.is_empty() {
        let _ = writeln!(s, "{}", dim("add --repair to replace the corrupt copies from good ones (the bad files are kept in quarantine)"));
    }
    s
}

fn changed(ctx: &Ctx, r: &TargetChange, human: impl FnOnce(&TargetChange) -> String) -> anyhow::Result<Done> {
    if ctx.json {
        output::json(r)?;
    } else if !ctx.quiet {
        output::emit(&human(r))?;
    }
    Ok(Done::Ok)
}

fn shown(r: &TargetChange) -> String {
    r.path.as_deref().map_or_else(|| "no folder".to_owned(), |p| p.display().to_string())
}

/// A relative path is taken from the working directory, as a shell user means it.
fn absolute(path: &Path) -> Result<std::path::PathBuf, Error> {
    std::path::absolute(path).map_err(Error::io("resolve", path))
}

/// `90d` or `90`: a number of days.
fn days(text: &str) -> Result<u32, Error> {
    let digits = text.trim().trim_end_matches(['d', 'D']);
    digits.parse::<u32>().map_err(|_| Error::invalid(format!("--verify-max-age {text:?}: give a number of days, e.g. 90d")))
}

/// `KEY=N` pairs of `--kind` and `--pack`.
fn pairs<K: Ord>(list: &[String], flag: &str, key: impl Fn(&str) -> Result<K, Error>) -> Result<BTreeMap<K, u32>, Error> {
    let mut out = BTreeMap::new();
    for item in list {
        let (k, n) = item.split_once('=').ok_or_else(|| Error::invalid(format!("{flag} {item:?}: expected NAME=N, e.g. lora=2")))?;
        let n = n.trim().parse::<u32>().map_err(|_| Error::invalid(format!("{flag} {item:?}: {n:?} is not a number of copies")))?;
        out.insert(key(k.trim())?, n);
    }
    Ok(out)
}

fn render_list(l: &TargetList) -> String {
    let mut t = output::table(["NAME", "PATH", "STATE", "BLOBS", "SIZE", "LAST SYNC"]);
    for x in &l.targets {
        let state = if !x.enabled {
            dim("disabled")
        } else if x.connected {
            "connected".to_owned()
        } else if x.source == BackupSource::Cached {
            yellow("not connected (contents from its catalog)")
        } else {
            yellow("not connected")
        };
        let name = if x.primary { format!("{} {}", x.name, dim("(original)")) } else { x.name.clone() };
        t.add_row(vec![
            Cell::new(name),
            Cell::new(x.path.as_deref().map_or_else(|| "-".to_owned(), |p| p.display().to_string())),
            Cell::new(state),
            Cell::new(x.blobs),
            Cell::new(size(x.bytes)),
            Cell::new(x.last_sync.as_deref().unwrap_or("-")),
        ]);
    }
    output::align_right(&mut t, &[3, 4]);
    let mut s = output::render(&t);
    s.push_str(&render_policy(&l.policy));
    if l.blobs_below_policy > 0 {
        let _ = writeln!(s, "{}", yellow(format!("{} referenced blob(s) have fewer copies than the policy asks", l.blobs_below_policy)));
    }
    s
}

fn render_policy(p: &Policy) -> String {
    let mut s = format!("policy: {} good cop{} of every referenced blob", p.min_copies, if p.min_copies == 1 { "y" } else { "ies" });
    if p.min_copies > 1 {
        let _ = write!(s, ", verified within {} days", p.verify_max_age_days);
    }
    let overrides: Vec<String> =
        p.kinds.iter().map(|(k, n)| format!("{k}={n}")).chain(p.packs.iter().map(|(pk, n)| format!("pack {pk}={n}"))).collect();
    if !overrides.is_empty() {
        let _ = write!(s, " ({})", overrides.join(", "));
    }
    s.push('\n');
    s
}

fn render_whereis(w: &Whereis) -> String {
    let mut s = format!("{} {} ({}, {})\n", bold(&w.display_name), dim(w.sha256.short()), w.kind, size(w.size_bytes));
    let mut t = output::table(["COPY", "STATE", "VERIFIED", "PATH"]);
    for c in &w.copies {
        let state = match (c.corrupt, c.connected) {
            (true, _) => red("corrupt: does not count"),
            (false, true) => "connected".to_owned(),
            (false, false) => yellow("not connected (known from its catalog)"),
        };
        t.add_row(vec![
            Cell::new(&c.target),
            Cell::new(state),
            Cell::new(c.verified_at.as_deref().unwrap_or("never")),
            Cell::new(c.path.as_deref().map_or_else(|| "-".to_owned(), |p| p.display().to_string())),
        ]);
    }
    s.push_str(&output::render(&t));
    let policy = if w.min_copies > 0 { format!(" (the policy asks for {})", w.min_copies) } else { String::new() };
    let line = format!("{} good cop{}{policy}", w.copies_count, if w.copies_count == 1 { "y" } else { "ies" });
    let _ = writeln!(s, "{}", if w.copies_count < w.min_copies { yellow(line) } else { line });
    if !w.not_on.is_empty() {
        let _ = writeln!(s, "not on: {}", w.not_on.join(", "));
    }
    s
}
