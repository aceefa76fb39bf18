//! `synapse init`, `synapse doctor` and `synapse demo`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use comfy_table::{Cell, Color};
use serde::Serialize;
use synapse_core::doctor::{self, DoctorReport, Severity};
use synapse_core::layout::StoreLayout;
use synapse_core::Store;

use super::{Ctx, Done};
use crate::output::{self, bold, dim, shell_path};

/// `init --json`: where the store is and whether this run created it.
#[derive(Serialize)]
struct InitResult {
    root: PathBuf,
    created: bool,
}

pub fn init(ctx: &Ctx) -> anyhow::Result<Done> {
    let existed = StoreLayout::new(&ctx.root).exists();
    let store = Store::init(&ctx.root)?;
    let result = InitResult { root: store.root().to_path_buf(), created: !existed };
    if ctx.json {
        output::json(&result)?;
    } else if !ctx.quiet {
        let verb = if result.created { "initialised a new store" } else { "store already there (nothing changed)" };
        output::emit(&format!("{verb}: {}\n", result.root.display()))?;
    }
    Ok(Done::Ok)
}

pub fn doctor(ctx: &Ctx, fix: bool) -> anyhow::Result<Done> {
    let store = ctx.open()?;
    let report = doctor::doctor(&store, fix)?;
    if ctx.json {
        output::json(&report)?;
    } else {
        output::emit(&render_doctor(&report, fix))?;
    }
    // SPEC §5: exit 0 when no finding is an error (warnings allowed), 1 otherwise.
    if report.ok {
        return Ok(Done::Ok);
    }
    let errors = report.findings.iter().filter(|f| f.severity == Severity::Error && !f.fixed).count();
    Ok(Done::Unhealthy { message: format!("doctor found {errors} error(s) that need fixing (see above)") })
}

fn severity(s: Severity) -> Cell {
    match s {
        Severity::Info => Cell::new("info"),
        Severity::Warning => Cell::new("warning").fg(Color::Yellow),
        Severity::Error => Cell::new("error").fg(Color::Red),
    }
}

fn render_doctor(r: &DoctorReport, fix: bool) -> String {
    let mut s = String::new();
    if r.findings.is_empty() {
        let _ = writeln!(s, "{}: no problems found", r.root.display());
        return s;
    }
    let mut t = output::table(["SEVERITY", "CHECK", "PROBLEM", "PATH", "FIXED"]);
    for f in &r.findings {
        let fixed = match (f.fixed, f.fixable) {
            (true, _) => Cell::new("fixed").fg(Color::Green),
            (false, true) => Cell::new("fixable"),
            (false, false) => Cell::new("no"),
        };
        let path = f.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        t.add_row(vec![severity(f.severity), Cell::new(&f.code), Cell::new(&f.message), Cell::new(path), fixed]);
    }
    output::wrap_to_terminal(&mut t);
    s.push_str(&output::render(&t));
    let fixable = r.findings.iter().filter(|f| f.fixable && !f.fixed).count();
    let fixed = r.findings.iter().filter(|f| f.fixed).count();
    let _ = write!(s, "{} finding(s)", r.findings.len());
    if fix {
        let _ = write!(s, ", {fixed} fixed");
    }
    s.push('\n');
    if fixable > 0 && !fix {
        let _ = writeln!(s, "{}", dim(format!("run `synapse doctor --fix` to repair {fixable} of them")));
    }
    s
}

pub fn demo(ctx: &Ctx, dir: &Path) -> anyhow::Result<Done> {
    let info = synapse_demo::create(dir)?;
    if ctx.json {
        output::json(&info)?;
        return Ok(Done::Ok);
    }
    // Absolute paths, so the suggested commands work from any directory.
    let root = std::fs::canonicalize(&info.store_root).unwrap_or_else(|_| info.store_root.clone());
    let backup = std::fs::canonicalize(&info.backup_path).unwrap_or_else(|_| info.backup_path.clone());
    let mut s = String::new();
    let _ = writeln!(s, "demo store created: {} ({} packs, {} blobs)", root.display(), info.packs, info.blobs);
    let _ = writeln!(s, "its backup drive:   {}", backup.display());
    if !ctx.quiet {
        let env = format!("SYNAPSE_ROOT={}", shell_path(&root));
        let _ = writeln!(s, "\n{}", bold("Try:"));
        for cmd in [
            "synapse inventory --summary",
            "synapse inventory",
            "synapse inventory --status orphan",
            "synapse pack list",
            "synapse inventory cleanup",
            "synapse inventory verify",
            "synapse doctor",
        ] {
            let _ = writeln!(s, "  {env} {cmd}");
        }
        let _ = writeln!(s, "{}", dim(format!("or pass --root {} to any command", shell_path(&root))));
    }
    output::emit(&s)?;
    Ok(Done::Ok)
}
