//! Rendering helpers: JSON on stdout, aligned tables, sizes, colours, and the
//! one place errors are printed (human or `{"error": {...}}`).
//!
//! Human renderers build a `String` and hand it to [`emit`], so a closed pipe
//! (`synapse inventory | head`) is an ordinary error, not a panic.

use std::fmt::Display;
use std::io::{self, Write};
use std::path::Path;

use comfy_table::{presets, Attribute, Cell, CellAlignment, Color, Table};
use console::{style, Style};
use serde::Serialize;
use serde_json::json;
use synapse_core::model::{BlobStatus, Location};
use synapse_core::{Error, ErrorCode, ErrorDetails, WireError};

/// Writes `text` to stdout as it is.
pub fn emit(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Prints `value` as pretty JSON on stdout: the whole of stdout with `--json`.
pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    emit(&text)?;
    Ok(())
}

/// A size in decimal units, the app's rule (`formatBytes` in
/// ui/src/lib/utils.ts) so both say the same: whole bytes, then one decimal
/// below 100 of a unit and none from 100 up ("512 B", "3.0 kB", "150 MB", "6.8 GB").
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut n = bytes as f64;
    let mut unit = 0;
    while n >= 1000.0 && unit < UNITS.len() - 1 {
        n /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if n >= 100.0 => format!("{n:.0} {}", UNITS[unit]),
        _ => format!("{n:.1} {}", UNITS[unit]),
    }
}

/// A borderless table with a bold header; colours only when stdout is a
/// terminal that wants them.
pub fn table<I: IntoIterator<Item = &'static str>>(headers: I) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    t.set_header(headers.into_iter().map(|h| Cell::new(h).add_attribute(Attribute::Bold)));
    if !console::colors_enabled() {
        t.force_no_tty();
    }
    for col in t.column_iter_mut() {
        col.set_padding((0, 2));
    }
    t
}

/// Makes a table with long text wrap to the terminal's width (`COLUMNS`, else
/// 100 columns when stdout is not a terminal) instead of running on.
pub fn wrap_to_terminal(t: &mut Table) {
    let width = console::Term::stdout()
        .size_checked()
        .map(|(_, cols)| cols)
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()))
        .unwrap_or(100)
        .max(40);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    t.set_width(width);
}

/// Right-aligns the given columns (sizes, counts).
pub fn align_right(t: &mut Table, columns: &[usize]) {
    for &i in columns {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// The table's lines without trailing padding.
pub fn render(t: &Table) -> String {
    let mut s = String::new();
    for line in t.lines() {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

fn status_color(s: BlobStatus) -> Color {
    match s {
        BlobStatus::Referenced => Color::Green,
        BlobStatus::BackupOnly => Color::Cyan,
        BlobStatus::Missing => Color::Red,
        BlobStatus::Orphan => Color::Yellow,
    }
}

fn location_color(l: Location) -> Color {
    match l {
        Location::Both => Color::Green,
        Location::LocalOnly => Color::Yellow,
        Location::BackupOnly => Color::Cyan,
        Location::Nowhere => Color::Red,
    }
}

pub fn status_name(s: BlobStatus) -> &'static str {
    match s {
        BlobStatus::Referenced => "referenced",
        BlobStatus::BackupOnly => "backup_only",
        BlobStatus::Missing => "missing",
        BlobStatus::Orphan => "orphan",
    }
}

pub fn location_name(l: Location) -> &'static str {
    match l {
        Location::LocalOnly => "local_only",
        Location::BackupOnly => "backup_only",
        Location::Both => "both",
        Location::Nowhere => "nowhere",
    }
}

/// A status table cell, coloured on a terminal.
pub fn status_cell(s: BlobStatus) -> Cell {
    Cell::new(status_name(s)).fg(status_color(s))
}

/// A location table cell, coloured on a terminal.
pub fn location_cell(l: Location) -> Cell {
    Cell::new(location_name(l)).fg(location_color(l))
}

fn console_style(c: Color) -> Style {
    match c {
        Color::Green => Style::new().green(),
        Color::Cyan => Style::new().cyan(),
        Color::Red => Style::new().red(),
        Color::Yellow => Style::new().yellow(),
        _ => Style::new(),
    }
}

/// A status word for running text, coloured on a terminal.
pub fn status_text(s: BlobStatus) -> String {
    console_style(status_color(s)).apply_to(status_name(s)).to_string()
}

/// A location word for running text, coloured on a terminal.
pub fn location_text(l: Location) -> String {
    console_style(location_color(l)).apply_to(location_name(l)).to_string()
}

/// Red text on stdout (when stdout is a terminal).
pub fn red(text: impl Display) -> String {
    style(text).red().to_string()
}

/// Yellow text on stdout (when stdout is a terminal).
pub fn yellow(text: impl Display) -> String {
    style(text).yellow().to_string()
}

/// Bold text on stdout (when stdout is a terminal).
pub fn bold(text: impl Display) -> String {
    style(text).bold().to_string()
}

/// Dim text on stdout (when stdout is a terminal).
pub fn dim(text: impl Display) -> String {
    style(text).dim().to_string()
}

/// `warning: ...` on stderr, yellow on a terminal.
pub fn warn(message: impl Display) {
    eprintln!("{} {message}", style("warning:").yellow().bold().for_stderr());
}

/// Quotes a path for a shell command line when it needs it.
pub fn shell_path(p: &Path) -> String {
    let s = p.display().to_string();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b)) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `error: <message>` on stderr, red on a terminal.
pub fn error_message(message: impl Display) {
    eprintln!("{} {message}", style("error:").red().bold().for_stderr());
}

/// Prints a core error for a person: `error: <message>` on stderr (red on a
/// terminal), plus what the message cannot hold (affected packs, candidates).
pub fn error_human(err: &Error) {
    error_message(with_hint(err));
    match err {
        Error::Conflict { impacts } | Error::LastCopy { impacts } if !impacts.affected_packs.is_empty() => {
            eprintln!("used by:");
            for p in &impacts.affected_packs {
                let active = if p.is_active { " (active in a UI)" } else { "" };
                eprintln!("  {} (dependency {}){active}", p.name, p.dependency_id);
            }
        }
        Error::AmbiguousPrefix { matches, .. } => {
            eprintln!("candidates:");
            for m in matches {
                eprintln!("  {m}");
            }
        }
        Error::PacksUnreadable { packs } => {
            for p in packs {
                eprintln!("  {}: {}", p.pack, p.reason);
            }
        }
        Error::PackageInvalid { issues, .. } => {
            for i in issues {
                let place = i.path.as_deref().map(|p| format!("{p}: ")).unwrap_or_default();
                eprintln!("  {place}{}", i.message);
            }
        }
        _ => {}
    }
}

/// What to type next, in this program's own words: the core's messages name
/// no command-line flags (the app shows them too), so the CLI adds its hints
/// here (SPEC §3.11).
pub fn cli_hint(err: &Error) -> Option<String> {
    Some(match err {
        Error::StoreNotFound { .. } => "run `synapse init` to create one, or `synapse demo <dir>` for a sample store".into(),
        Error::NoMatch { .. } => "`synapse inventory` lists every blob".into(),
        Error::PackNotFound { .. } => "`synapse pack list` shows the packs".into(),
        Error::PackExists { .. } => "`synapse pack add` adds files to an existing pack".into(),
        Error::Conflict { .. } => "confirm the impact with --force".into(),
        Error::LastCopy { .. } => "--force deletes it anyway".into(),
        Error::PacksUnreadable { .. } => "`synapse doctor` lists them".into(),
        Error::BackupNotEnabled => "configure it with `synapse backup config --path <dir> --enable`".into(),
        Error::BackupNotConnected { path, .. } if path.as_os_str().is_empty() => {
            "set the folder with `synapse backup config --path <dir> --enable`".into()
        }
        Error::BackupNotConnected { path, .. } => {
            format!("to start a new backup there: `synapse backup config --path {} --enable`", shell_path(path))
        }
        Error::GitWorkingTree { .. } => "pull with `--yes` (or `--include-git` to restore the backed-up repository too)".into(),
        Error::UiTargetNotFound { .. } => "`synapse ui list` shows the targets, `synapse ui add` adds one".into(),
        Error::UiTargetExists { name } => format!("`synapse ui remove {name}` removes it"),
        Error::RestoreNeeded { .. } => "confirm with --yes".into(),
        Error::UseBlobsMissing { blobs, .. } if blobs.iter().any(|b| b.has_download_url) => {
            let first = blobs.iter().find(|b| b.has_download_url).expect("checked");
            format!("fetch it again with `synapse redownload {}`", first.sha256.short())
        }
        Error::PackageInvalid { .. } => "`synapse package validate` lists every problem".into(),
        Error::PackageBlobMissing { .. } => "--no-blobs exports the packs' metadata only".into(),
        Error::LinkInTree { .. } => "`synapse doctor` lists every such link".into(),
        Error::WorkflowUnpinned { .. } => {
            "--allow-missing writes the pack without them; `synapse workflow use` fetches what can be fetched".into()
        }
        Error::CopyCorrupt { sha256, .. } => format!("`synapse repair {}` replaces it from a good copy", &sha256[..12.min(sha256.len())]),
        _ => return None,
    })
}

pub fn with_hint(err: &Error) -> String {
    match cli_hint(err) {
        Some(h) => format!("{err} ({h})"),
        None => err.to_string(),
    }
}

/// Prints `{"error": {code, message, details}}` on stdout.
pub fn error_json(wire: &WireError) {
    // Nothing else can be reported if stdout itself is gone.
    let _ = json(&json!({ "error": wire }));
}

/// Reports a command's failure and returns its exit code (SPEC §5).
pub fn report(err: &anyhow::Error, as_json: bool) -> u8 {
    if let Some(io) = err.downcast_ref::<io::Error>() {
        if io.kind() == io::ErrorKind::BrokenPipe {
            // The reader went away (`| head`): not an error of ours.
            return 0;
        }
    }
    match err.downcast_ref::<Error>() {
        Some(core) => {
            if as_json {
                let mut wire = core.to_wire();
                wire.message = with_hint(core);
                error_json(&wire);
            } else {
                error_human(core);
            }
            exit_code(core.code())
        }
        None => {
            if as_json {
                error_json(&WireError { code: ErrorCode::Io, message: format!("{err:#}"), details: ErrorDetails::none() });
            } else {
                error_message(format!("{err:#}"));
            }
            exit_code(ErrorCode::Io)
        }
    }
}

pub fn exit_code(code: ErrorCode) -> u8 {
    u8::try_from(code.exit_code()).unwrap_or(1)
}

/// Reports a command-line parsing error: clap's own text, or with `--json`
/// the error shape with code `invalid_argument`. Help and version exit 0.
pub fn usage_error(err: clap::Error, as_json: bool) -> u8 {
    use clap::error::{ContextKind, ErrorKind};
    let is_error = !matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    if !(as_json && is_error) {
        let _ = err.print();
        return u8::try_from(err.exit_code()).unwrap_or(2);
    }
    let rendered = err.render().to_string();
    let message = rendered.lines().next().unwrap_or("invalid command line").trim_start_matches("error: ").to_owned();
    let details = ErrorDetails::Usage {
        usage: rendered.trim_end().to_owned(),
        argument: err.get(ContextKind::InvalidArg).map(|v| v.to_string()),
        value: err.get(ContextKind::InvalidValue).map(|v| v.to_string()),
    };
    error_json(&WireError { code: ErrorCode::InvalidArgument, message, details });
    exit_code(ErrorCode::InvalidArgument)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_the_app() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(3_000), "3.0 kB");
        assert_eq!(size(150_000_000), "150 MB");
        assert_eq!(size(6_800_000_000), "6.8 GB");
        assert_eq!(size(12_345_678_901_234), "12.3 TB");
    }

    #[test]
    fn paths_are_quoted_only_when_needed() {
        assert_eq!(shell_path(Path::new("/tmp/demo/store")), "/tmp/demo/store");
        assert_eq!(shell_path(Path::new("/tmp/my demo/store")), "'/tmp/my demo/store'");
        assert_eq!(shell_path(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }

    #[test]
    fn exit_codes_follow_the_spec() {
        assert_eq!(exit_code(ErrorCode::Cancelled), 130);
        assert_eq!(exit_code(ErrorCode::Busy), 8);
        assert_eq!(exit_code(ErrorCode::InvalidArgument), 2);
    }
}
