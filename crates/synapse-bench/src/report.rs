//! Measuring and printing: best-of-N timing, throughput, peak RSS of a child
//! process, sizes, and the one line per target.

use std::fmt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// One measured target: the line printed for it and whether it meets the SPEC
/// target (`None`: informational, no target).
pub struct Outcome {
    pub text: String,
    pub meets: Option<bool>,
}

impl Outcome {
    pub fn target(text: String, meets: bool) -> Outcome {
        Outcome { text, meets: Some(meets) }
    }

    pub fn info(text: String) -> Outcome {
        Outcome { text, meets: None }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meets {
            Some(true) => write!(f, "{}  [meets target]", self.text),
            Some(false) => write!(f, "{}  [BELOW TARGET]", self.text),
            None => f.write_str(&self.text),
        }
    }
}

/// Prints an outcome as soon as it is measured and hands it back for the summary.
pub fn emit(o: Outcome) -> Outcome {
    println!("{o}");
    o
}

/// Parses `2147483648`, `2GiB`, `512MiB`, `1.5GB`, `64k` (k/M/G/T: powers of 1000
/// with `B` or alone... except the `i` forms, which are powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.replace('_', "").parse().map_err(|_| format!("invalid size {s:?}: expected e.g. 2GiB, 512MiB or a byte count"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024f64.powi(4),
        other => return Err(format!("invalid size unit {other:?} in {s:?}: use B, kB, MB, GB, KiB, MiB, GiB")),
    };
    let bytes = (num * mult).round();
    if bytes < 1.0 {
        return Err(format!("size {s:?} is zero"));
    }
    Ok(bytes as u64)
}

/// `2 GiB`, `32 MiB`, `1.5 MiB`, `900 B`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.2} {}", UNITS[u])
    }
}

/// Throughput in decimal GB/s, as SPEC §7 writes it.
pub fn gbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

pub fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// Runs `f` `runs` times and returns the fastest run.
pub fn best_of(runs: u32, mut f: impl FnMut() -> anyhow::Result<Duration>) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        best = best.min(f()?);
    }
    Ok(best)
}

/// Runs a command to completion, failing on a non-zero exit; returns its output and wall time.
pub fn timed(cmd: &mut Command) -> anyhow::Result<(Output, Duration)> {
    let started = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("cannot run {cmd:?}"))?;
    let took = started.elapsed();
    if !out.status.success() {
        bail!("{cmd:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok((out, took))
}

/// True when `program` can be run (found on PATH or as a path).
pub fn available(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Peak resident memory of a child process in bytes, and how it was measured.
pub struct PeakRss {
    pub bytes: u64,
    pub method: &'static str,
}

const GNU_TIME: &str = "/usr/bin/time";

/// Runs `program args` and measures its peak RSS: with GNU time (`%M`, the
/// kernel's `ru_maxrss` of the child, exact) when `/usr/bin/time` exists, else
/// by polling `VmHWM` in `/proc/<pid>/status` every millisecond (a lower
/// bound: the last moments before exit can be missed).
pub fn peak_rss(program: &Path, args: &[&str]) -> anyhow::Result<PeakRss> {
    if Path::new(GNU_TIME).is_file() {
        let out_file = tempfile::NamedTempFile::new()?;
        let mut cmd = Command::new(GNU_TIME);
        cmd.arg("-f").arg("%M").arg("-o").arg(out_file.path()).arg(program).args(args).stdout(Stdio::null());
        timed(&mut cmd)?;
        let text = std::fs::read_to_string(out_file.path())?;
        let kb: u64 = text
            .lines()
            .rev()
            .find_map(|l| l.trim().parse().ok())
            .with_context(|| format!("cannot read the peak RSS from {GNU_TIME}'s output {text:?}"))?;
        return Ok(PeakRss { bytes: kb * 1024, method: "GNU time %M (ru_maxrss)" });
    }
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) =
                s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("{} failed ({status})", program.display());
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(PeakRss { bytes: peak_kb * 1024, method: "polling VmHWM in /proc/<pid>/status (lower bound)" })
}

/// This process's peak RSS since the last [`reset_own_peak_rss`], in bytes.
pub fn own_peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = s.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Resets this process's `VmHWM` to its current RSS (Linux `clear_refs` 5),
/// so a measurement is not polluted by data generation before it.
pub fn reset_own_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The machine, for the record: CPU, cores, SHA extensions, tools.
pub fn environment() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned());
    let sha_ni = cpuinfo.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "sha_ni"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let openssl = Command::new("openssl")
        .arg("version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "not installed".into());
    format!(
        "machine: {} | {cores} core(s) | SHA-NI: {} | {openssl}",
        model.unwrap_or_else(|| "unknown CPU".into()),
        if sha_ni { "yes" } else { "no" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("32MiB").unwrap(), 32 << 20);
        assert_eq!(parse_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("64k").unwrap(), 64_000);
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert_eq!(bytes(2 << 30), "2 GiB");
        assert_eq!(bytes(1536 << 10), "1.50 MiB");
    }
}
