//! `redownload <sha256>` (SPEC §3.8): fetch a blob again from the download
//! URLs its pack locks record. Explicit action only: nothing else in Synapse
//! downloads (the seeds' `pull` silently did, review item P4).
//!
//! The bytes stream into `data/tmp/<sha256>.download.part` while being
//! hashed. A download cut short (connection lost, server gone) keeps that
//! file; the next `redownload` hashes what it holds and asks the server for
//! the rest with an HTTP `Range` request (a server that ignores it sends the
//! whole file again, which replaces the partial file). Once complete, the hash
//! must equal the blob's name — otherwise the file is deleted and the result
//! is `integrity` — and the file is renamed into the store. A cancel by the
//! user deletes the partial file (SPEC §4: a cancelled operation leaves no
//! `.part` behind). URLs are tried in lock order until one works.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256 as Hasher};

use crate::blob::blobs::{self, CHUNK};
use crate::blob::copy;
use crate::error::{Error, Result};
use crate::ids::Sha256;
use crate::pack::packs::{self, BlobRef};
use crate::progress::{CancelToken, Control, Tracker};
use crate::results::{lossy, AutoBackupReport, Origin};
use crate::store::fsutil::now_rfc3339;
use crate::store::schema::{BlobManifest, Extra, ManifestOrigin};
use crate::store::tree::Tree;
use crate::store::Store;
use crate::target::autobackup;
use crate::vocab::AssetKind;

/// How long to wait for a connection, for the response headers, and for each read of the body.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The most a download of unknown size may fetch (SPEC §3.15): larger than
/// any model file, small enough that a hostile server cannot fill the disk.
pub const MAX_UNKNOWN_SIZE: u64 = 64 << 30;

/// What one URL delivered.
pub(crate) struct Fetched {
    /// The SHA-256 of the bytes (equal to `Expect::sha` when one was given).
    pub sha256: Sha256,
    pub size: u64,
    pub downloaded: u64,
    pub resumed_from: u64,
}

/// What a download must turn out to be (`workflow use` knows a hash only sometimes).
pub(crate) struct Expect<'a> {
    /// The full hash, when known: other bytes are deleted and reported as `integrity`.
    pub sha: Option<&'a Sha256>,
    /// The exact size, when known: the download stops there.
    pub size: Option<u64>,
    /// The most bytes accepted (the size when known, else [`MAX_UNKNOWN_SIZE`]).
    pub limit: u64,
}

/// The HTTP client of downloads (timeouts that notice a dead server, statuses as values).
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .build()
        .into()
}

/// Downloads blob `sha` again from the URLs of the locks that reference it.
///
/// Errors: `not_found` when no lock references the blob or none has a URL;
/// `integrity` when the server's bytes do not hash to `sha` (nothing is kept);
/// `io` when every URL failed (the message names the last failure; a partial
/// download is kept for resuming); `busy`; `cancelled` (the partial file is
/// deleted). A blob already in the store is a no-op reported as `already_present`.
pub fn redownload(store: &Store, sha: &Sha256, ctl: Control) -> Result<RedownloadResult> {
    let layout = store.layout();
    let refs = packs::load_all_refs(layout)?;
    let mine: Vec<&BlobRef> = refs.packs.iter().flat_map(|p| p.refs.iter()).filter(|r| &r.sha256 == sha).collect();
    let Some(first) = mine.first() else {
        return Err(Error::NoDownloadUrl { sha256: sha.to_string() });
    };
    let urls = unique_urls(&mine);
    let display_name = mine
        .iter()
        .find_map(|r| r.expose_filename.clone())
        .or_else(|| mine.iter().find_map(|r| r.origin.as_ref().and_then(|o| o.filename.clone())))
        .unwrap_or_else(|| sha.short().to_owned());
    let kind = mine.iter().map(|r| r.kind).find(|k| *k != AssetKind::Unknown).unwrap_or(AssetKind::Unknown);
    let expected_size = mine.iter().find_map(|r| r.size_bytes);
    let origin = first.origin.clone();

    let started = Instant::now();
    let lock = store.lock("redownload")?;
    let blob_path = layout.blobs().blob(sha);
    let mut result = RedownloadResult {
        sha256: sha.clone(),
        display_name: display_name.clone(),
        kind,
        url: None,
        size_bytes: expected_size.unwrap_or(0),
        bytes_downloaded: 0,
        resumed_from: 0,
        already_present: false,
        path: blob_path.clone(),
        duration_ms: 0,
        url_errors: Vec::new(),
        auto_backup: None,
    };
    if let Some(size) = blobs::size(&layout.blobs(), sha)? {
        result.already_present = true;
        result.size_bytes = size;
        result.duration_ms = started.elapsed().as_millis() as u64;
        return Ok(result);
    }
    if urls.is_empty() {
        return Err(Error::NoDownloadUrl { sha256: sha.to_string() });
    }
    let tmp = layout.tmp();
    // The partial file lives in data/tmp and is reached only through the store's tree.
    let tree = layout.tree()?;
    tree.mkdirs(&tmp)?;
    let part = layout.download_part(sha);
    if let Some(size) = expected_size {
        let have = part_size(&tree, &part);
        copy::check_space(&tmp, size.saturating_sub(have))?;
    }
    let tracker = Tracker::new(ctl, "redownload", 1, expected_size.unwrap_or(0));
    tracker.start_item(&display_name);
    let agent = agent();
    let mut last_error = None;
    let mut fetched = None;
    for url in &urls {
        let expect = Expect { sha: Some(sha), size: expected_size, limit: expected_size.unwrap_or(MAX_UNKNOWN_SIZE) };
        match fetch(&agent, &tree, url, &part, &expect, &tracker, ctl.cancel) {
            Ok(f) => {
                result.url = Some(url.clone());
                fetched = Some(f);
                break;
            }
            Err(Error::Cancelled) => {
                let _ = tree.remove_file(&part);
                return Err(Error::Cancelled);
            }
            Err(e) => {
                result.url_errors.push(UrlError { url: url.clone(), message: e.to_string() });
                last_error = Some(e);
            }
        }
    }
    let Some(f) = fetched else {
        return Err(last_error.unwrap_or(Error::NoDownloadUrl { sha256: sha.to_string() }));
    };
    let placed = blobs::place_verified(layout, &part, sha, f.size)?;
    if placed.already_present {
        let _ = tree.remove_file(&part);
    }
    blobs::write_manifest_if_absent(&layout.blobs(), sha, &manifest(&display_name, kind, origin.as_ref()))?;
    tracker.item_done();
    tracker.finish();
    drop(lock);
    result.size_bytes = f.size;
    result.bytes_downloaded = f.downloaded;
    result.resumed_from = f.resumed_from;
    result.auto_backup = autobackup::after_adopt(store, std::slice::from_ref(sha), ctl);
    result.duration_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// The download URLs the pack locks record for `sha`, in lock order without
/// repeats (empty: `redownload` cannot fetch it). Lets a UI offer
/// "re-download" only where it can work.
pub fn download_urls(store: &Store, sha: &Sha256) -> Result<Vec<String>> {
    let refs = packs::load_all_refs(store.layout())?;
    let mine: Vec<&BlobRef> = refs.packs.iter().flat_map(|p| p.refs.iter()).filter(|r| &r.sha256 == sha).collect();
    Ok(unique_urls(&mine))
}

fn unique_urls(refs: &[&BlobRef]) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for u in refs.iter().flat_map(|r| r.urls.iter()) {
        if !urls.contains(u) {
            urls.push(u.clone());
        }
    }
    urls
}

/// The blob manifest of a downloaded file: its name, kind and origin from the lock.
pub(crate) fn manifest(filename: &str, kind: AssetKind, origin: Option<&Origin>) -> BlobManifest {
    let mut extra = Extra::new();
    if let Some(o) = origin {
        for (k, v) in [("model_id", &o.model_id), ("version_id", &o.version_id), ("file_id", &o.file_id)] {
            extra.insert(k.into(), v.clone().unwrap_or(serde_json::Value::Null));
        }
        extra.insert("filename".into(), o.filename.clone().map_or(serde_json::Value::Null, serde_json::Value::String));
        extra.insert("repo_id".into(), o.repo_id.clone().map_or(serde_json::Value::Null, serde_json::Value::String));
    }
    BlobManifest {
        version: 1,
        created_at: Some(now_rfc3339()),
        original_filename: Some(filename.to_owned()),
        kind: Some(kind.as_str().to_owned()),
        origin: Some(ManifestOrigin { provider: origin.and_then(|o| o.provider.clone()).or(Some("url".into())), extra }),
        extra: Extra::new(),
    }
}

const NAME_NOT_FOUND: &str = "the server's name could not be found: this computer may be offline, or the address is wrong";

/// What went wrong with a request, in words a user can act on (issue 11:
/// not "io: failed to lookup address information").
fn plain(e: &ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => NAME_NOT_FOUND.into(),
        // The system resolver's failure has no error kind of its own, only its text.
        ureq::Error::Io(io) if io.to_string().contains("lookup address") => NAME_NOT_FOUND.into(),
        ureq::Error::ConnectionFailed => "the server could not be reached: this computer may be offline, or the server is down".into(),
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => "the server stopped answering: try again later".into(),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => "the server sent the download round in circles (redirects)".into(),
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => "the server refused the connection".into(),
        ureq::Error::Io(io) => format!("the connection failed ({io})"),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => format!("the secure connection could not be set up ({e})"),
        other => other.to_string(),
    }
}

fn download_error(url: &str, status: Option<u16>, reason: impl Into<String>) -> Error {
    Error::Download { url: url.to_owned(), status, reason: reason.into() }
}

/// Hashes the bytes an earlier attempt left in `part` (they are the start of the file).
fn hash_existing(tree: &Tree, part: &Path, tracker: &Tracker, cancel: &CancelToken) -> Result<(Hasher, u64)> {
    let mut hasher = Hasher::new();
    let mut f = tree.open_read(part)?;
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        cancel.check()?;
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("read", part)(e)),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        tracker.add_bytes(n as u64);
    }
    Ok((hasher, total))
}

/// Downloads `url` into `part`, resuming from what `part` holds, stopping
/// at `expect.limit` bytes, and checks the hash when one is expected.
pub(crate) fn fetch(
    agent: &ureq::Agent,
    tree: &Tree,
    url: &str,
    part: &Path,
    expect: &Expect<'_>,
    tracker: &Tracker,
    cancel: &CancelToken,
) -> Result<Fetched> {
    let expected_size = expect.size;
    let mut have = part_size(tree, part);
    if have > expected_size.unwrap_or(expect.limit) {
        tree.remove_file(part)?;
        have = 0;
    }
    let (mut hasher, mut resumed_from) = if have > 0 { hash_existing(tree, part, tracker, cancel)? } else { (Hasher::new(), 0) };
    let mut request = agent.get(url);
    if resumed_from > 0 {
        request = request.header("Range", format!("bytes={resumed_from}-"));
    }
    let mut response = request.call().map_err(|e| download_error(url, None, plain(&e)))?;
    let status = response.status().as_u16();
    let restart = |hasher: &mut Hasher, resumed_from: &mut u64| -> Result<()> {
        *hasher = Hasher::new();
        *resumed_from = 0;
        tree.remove_file(part).map(|_| ())
    };
    let body_complete = match status {
        206 if resumed_from > 0 => {
            let range = response.headers().get("content-range").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !range.starts_with(&format!("bytes {resumed_from}-")) {
                // Not the range asked for: start over on the next attempt.
                restart(&mut hasher, &mut resumed_from)?;
                return Err(download_error(
                    url,
                    Some(status),
                    format!("the server sent range {range:?} instead of the rest of the file; download it again to start over"),
                ));
            }
            false
        }
        200 => {
            // The whole file (the server ignores ranges, or nothing to resume).
            restart(&mut hasher, &mut resumed_from)?;
            false
        }
        416 if resumed_from > 0 && expected_size == Some(resumed_from) => true,
        416 => {
            restart(&mut hasher, &mut resumed_from)?;
            return Err(download_error(
                url,
                Some(status),
                "the server refused to resume the earlier partial download; download it again to start over",
            ));
        }
        _ => return Err(download_error(url, Some(status), format!("the server answered HTTP {status} ({})", response.status()))),
    };
    if let Some(len) = response.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()) {
        if !body_complete && expected_size.is_none() {
            tracker.set_totals(1, resumed_from + len);
        }
    }
    let mut downloaded = 0u64;
    if !body_complete {
        let mut out = tree.open_append(part)?;
        let mut reader = response.body_mut().as_reader();
        let mut buf = vec![0u8; CHUNK];
        loop {
            cancel.check()?;
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Keep what arrived: the next redownload resumes from it.
                    let _ = out.sync_all();
                    return Err(download_error(
                        url,
                        Some(status),
                        format!(
                            "the connection broke off after {} bytes ({e}); download it again to resume from there",
                            resumed_from + downloaded
                        ),
                    ));
                }
            };
            out.write_all(&buf[..n]).map_err(Error::io("write", part))?;
            hasher.update(&buf[..n]);
            downloaded += n as u64;
            if let Some(expected) = expected_size.filter(|&e| resumed_from + downloaded > e) {
                drop(out);
                let _ = tree.remove_file(part);
                return Err(download_error(
                    url,
                    Some(status),
                    format!("the server sent more than the {expected} bytes expected: this is not the file; nothing was kept"),
                ));
            }
            if resumed_from + downloaded > expect.limit {
                drop(out);
                let _ = tree.remove_file(part);
                return Err(download_error(
                    url,
                    Some(status),
                    format!(
                        "the server sent more than {} GiB, the most Synapse downloads for a file of unknown size; nothing was kept",
                        expect.limit >> 30
                    ),
                ));
            }
            tracker.add_bytes(n as u64);
        }
        out.sync_all().map_err(Error::io("fsync", part))?;
    }
    let size = resumed_from + downloaded;
    if let Some(expected) = expected_size {
        if size < expected {
            return Err(download_error(
                url,
                Some(status),
                format!("the download stopped after {size} of {expected} bytes; download it again to resume"),
            ));
        }
    }
    let actual = Sha256::from_digest(&hasher.finalize());
    if let Some(sha) = expect.sha.filter(|&sha| sha != &actual) {
        let _ = tree.remove_file(part);
        return Err(Error::Integrity { path: part.to_path_buf(), expected: sha.to_string(), actual: actual.to_string() });
    }
    Ok(Fetched { sha256: actual, size, downloaded, resumed_from })
}

/// The size of the partial file (0 when there is none, or it is not a regular file).
pub(crate) fn part_size(tree: &Tree, part: &Path) -> u64 {
    tree.stat(part).ok().flatten().filter(|s| s.is_file()).map_or(0, |s| s.size)
}

/// A download URL that failed before another one worked (or all failed).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UrlError {
    pub url: String,
    pub message: String,
}

/// `redownload <sha256>`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RedownloadResult {
    pub sha256: Sha256,
    pub display_name: String,
    pub kind: AssetKind,
    /// The URL the bytes came from (`None` when the blob was already present).
    pub url: Option<String>,
    pub size_bytes: u64,
    /// Bytes received now.
    pub bytes_downloaded: u64,
    /// Bytes of an earlier interrupted download that were kept (resumed with an HTTP range).
    pub resumed_from: u64,
    /// The blob was already in the store: nothing was downloaded.
    pub already_present: bool,
    #[serde(serialize_with = "lossy::path")]
    pub path: PathBuf,
    pub duration_ms: u64,
    pub url_errors: Vec<UrlError>,
    pub auto_backup: Option<AutoBackupReport>,
}
