//! Object-store targets (SPEC §3.13): an S3-compatible bucket holding blob
//! copies under a prefix, in the folder layout (`<prefix>/data/blobs/sha256/
//! <aa>/<sha>`, `<prefix>/data/meta/sha256/<aa>/<sha>.meta`, `<prefix>/backup-id`).
//!
//! This module is "read, write, list, stat a blob on a bucket" and nothing
//! more: which blobs to copy, guard rails and catalogs stay with the callers.
//! It runs Apache Arrow's `object_store` client on a small tokio runtime of
//! its own, so the rest of the core stays synchronous.
//!
//! Guarantees:
//! - An object with a blob's name never holds other bytes: an upload reads
//!   the local file once, hashing it; a small one is sent only after its hash
//!   matched, a large one goes up in parts (each with its SHA-256 checksum,
//!   which the server checks) and is completed only when the whole-file hash
//!   equals the name, else aborted.
//! - An interrupted multipart upload resumes from the parts the server
//!   confirmed: the upload id and the parts are recorded in the local
//!   `data/tmp/<sha>.<target-id>.s3upload.json` after each part.
//! - A download goes to `data/tmp/<sha>.s3.part`, hashed as it arrives,
//!   resumed with a range request, and is renamed to the blob's name only on
//!   a match.
//! - Retries with backoff on 5xx (`SlowDown`) and cut connections are the
//!   client's; what still fails is an [`Error::Remote`] naming the problem.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as Key;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256 as Hasher};

use crate::blob::copy::Copied;
use crate::error::{Error, RemoteProblem, Result};
use crate::ids::Sha256;
use crate::progress::{CancelToken, Tracker};
use crate::store::layout::StoreLayout;

/// Parts of a multipart upload (S3 allows at most 10,000, of 5 MiB or more);
/// a file up to this size goes up in one request.
pub(crate) const PART_BYTES: u64 = 64 << 20;
/// Parts uploaded at once.
const IN_FLIGHT: usize = 4;
/// How long one request may take before it is retried.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a bucket target is (`state/targets.json` `s3 {…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct S3Location {
    /// `https://s3.eu-central-1.amazonaws.com`, `http://nas.local:9000`, …
    pub endpoint: String,
    pub bucket: String,
    /// Folder inside the bucket ("" for the bucket's root).
    #[serde(default)]
    pub prefix: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO, Garage, most NAS servers).
    #[serde(default)]
    pub path_style: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

impl S3Location {
    /// Checks the fields as typed by a user: `invalid_argument` naming the one that is wrong.
    pub fn validate(&self) -> Result<()> {
        let e = self.endpoint.trim();
        if !(e.starts_with("http://") || e.starts_with("https://")) || e.len() <= "https://".len() {
            return Err(Error::invalid(format!(
                "S3 endpoint {e:?} is not an http(s) URL: give it as https://host[:port] (for example https://s3.eu-central-1.amazonaws.com)"
            )));
        }
        let b = &self.bucket;
        let ok = (3..=63).contains(&b.len())
            && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
            && b.starts_with(|c: char| c.is_ascii_alphanumeric())
            && b.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(Error::invalid(format!(
                "bucket name {b:?} is not valid: 3–63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
            )));
        }
        if self.prefix.split('/').any(|c| c == ".." || c == ".") || self.prefix.starts_with('/') {
            return Err(Error::invalid(format!(
                "prefix {:?} must be a plain folder path inside the bucket (no '.', '..' or leading '/')",
                self.prefix
            )));
        }
        Ok(())
    }

    /// `s3://bucket/prefix` for display.
    pub fn url(&self) -> String {
        let p = self.prefix.trim_matches('/');
        if p.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{p}", self.bucket)
        }
    }
}

/// An access key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Where the key came from (shown by `target test`, never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    Environment,
    /// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`), profile `AWS_PROFILE` or `default`.
    SharedFile,
    /// The OS keyring, as typed in Settings.
    Keyring,
}

/// The key for a target: the environment, then the shared credentials file,
/// then `keyring` (the caller's lookup of the OS keyring). `None` when none
/// of them has one.
pub(crate) fn find_credentials(keyring: impl FnOnce() -> Option<Credentials>) -> Option<(Credentials, CredentialSource)> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        return Some((
            Credentials { access_key_id: id, secret_access_key: secret, session_token: env("AWS_SESSION_TOKEN") },
            CredentialSource::Environment,
        ));
    }
    let file = env("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".aws").join("credentials")));
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
    if let Some(c) = file.and_then(|f| std::fs::read_to_string(f).ok()).and_then(|text| shared_profile(&text, &profile)) {
        return Some((c, CredentialSource::SharedFile));
    }
    keyring().map(|c| (c, CredentialSource::Keyring))
}

/// The keyring entry's service name; its user is `endpoint bucket` (so a
/// rename of the target keeps its key).
const KEYRING_SERVICE: &str = "synapse-s3";
/// How long the OS keyring may take to answer (a session bus without a
/// Secret Service can leave a call waiting for activation).
const KEYRING_WAIT: Duration = Duration::from_secs(5);

fn keyring_user(location: &S3Location) -> String {
    format!("{} {}", location.endpoint.trim_end_matches('/'), location.bucket)
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
}

/// Runs `f` on a thread of its own, giving up after [`KEYRING_WAIT`].
fn within_keyring_wait<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .ok()?;
    rx.recv_timeout(KEYRING_WAIT).ok()
}

/// The secret kept as `service`/`user` in the OS keyring; `None` when there
/// is none or no keyring answers within [`KEYRING_WAIT`].
pub(crate) fn keyring_get(service: &'static str, user: String) -> Option<String> {
    within_keyring_wait(move || keyring::Entry::new(service, &user).and_then(|e| e.get_password()).ok()).flatten()
}

/// Keeps `secret` as `service`/`user` in the OS keyring; `fallback` says
/// where the secret can be given instead when there is no keyring.
pub(crate) fn keyring_set(service: &'static str, user: String, secret: String, fallback: &str) -> Result<()> {
    match within_keyring_wait(move || keyring::Entry::new(service, &user).and_then(|e| e.set_password(&secret))) {
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => Err(keyring_failed("store", e, fallback)),
        None => Err(keyring_failed("store", format!("no answer within {} s", KEYRING_WAIT.as_secs()), fallback)),
    }
}

/// Removes `service`/`user` from the OS keyring (none there is fine).
pub(crate) fn keyring_delete(service: &'static str, user: String, fallback: &str) -> Result<()> {
    match within_keyring_wait(move || keyring::Entry::new(service, &user).and_then(|e| e.delete_credential())) {
        Some(Ok(())) | Some(Err(keyring::Error::NoEntry)) => Ok(()),
        Some(Err(e)) => Err(keyring_failed("remove", e, fallback)),
        None => Err(keyring_failed("remove", format!("no answer within {} s", KEYRING_WAIT.as_secs()), fallback)),
    }
}

/// Where to give a bucket's key when there is no keyring.
const S3_FALLBACK: &str = "give the key as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment or in ~/.aws/credentials";

/// The key typed in Settings for the bucket at `location`, from the OS
/// keyring; `None` when there is none or no keyring answers.
pub fn keyring_credentials(location: &S3Location) -> Option<Credentials> {
    keyring_get(KEYRING_SERVICE, keyring_user(location))
        .and_then(|text| serde_json::from_str::<StoredKey>(&text).ok())
        .map(|k| Credentials { access_key_id: k.access_key_id, secret_access_key: k.secret_access_key, session_token: k.session_token })
}

fn keyring_failed(what: &str, e: impl std::fmt::Display, fallback: &str) -> Error {
    Error::invalid(format!(
        "cannot {what} the key in the OS keyring ({e}): is a keyring (GNOME Keyring, KWallet, KeePassXC's Secret Service) running and unlocked? Without one, {fallback}"
    ))
}

/// Keeps `credentials` for the bucket at `location` in the OS keyring (never in `state/`).
pub fn save_key(location: &S3Location, credentials: &Credentials) -> Result<()> {
    let stored = StoredKey {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: credentials.secret_access_key.clone(),
        session_token: credentials.session_token.clone(),
    };
    let text = serde_json::to_string(&stored).map_err(|e| Error::internal(e.to_string()))?;
    keyring_set(KEYRING_SERVICE, keyring_user(location), text, S3_FALLBACK)
}

/// Removes the key kept for the bucket at `location` (none there is fine).
pub fn forget_key(location: &S3Location) -> Result<()> {
    keyring_delete(KEYRING_SERVICE, keyring_user(location), S3_FALLBACK)
}

/// The key for `location` and where it came from: the environment, the
/// shared credentials file, then the OS keyring.
pub(crate) fn credentials_for(location: &S3Location) -> Option<(Credentials, CredentialSource)> {
    find_credentials(|| keyring_credentials(location))
}

/// The keys of `[profile]` in an AWS shared credentials file (INI).
pub(crate) fn shared_profile(text: &str, profile: &str) -> Option<Credentials> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_owned();
            match k.trim() {
                "aws_access_key_id" => id = Some(v),
                "aws_secret_access_key" => secret = Some(v),
                "aws_session_token" => token = Some(v),
                _ => {}
            }
        }
    }
    Some(Credentials { access_key_id: id?, secret_access_key: secret?, session_token: token })
}

/// One bucket target, opened: a client and the runtime it runs on.
pub struct Bucket {
    /// The target's name (for messages).
    pub name: String,
    pub location: S3Location,
    client: Arc<AmazonS3>,
    rt: tokio::runtime::Runtime,
    prefix: String,
    part_bytes: u64,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").field("name", &self.name).field("location", &self.location).finish_non_exhaustive()
    }
}

/// What an upload did, for the caller's catalog and ledger.
pub(crate) type Uploaded = Copied;

impl Bucket {
    /// A client for `location` with `credentials`. Nothing is sent yet.
    pub fn open(name: &str, location: &S3Location, credentials: Option<&Credentials>) -> Result<Bucket> {
        location.validate()?;
        let Some(credentials) = credentials else {
            return Err(Error::Remote {
                target: name.to_owned(),
                endpoint: location.endpoint.clone(),
                problem: RemoteProblem::Credentials,
                message: "no access key found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add the key to ~/.aws/credentials, or type it in Settings (it is kept in the OS keyring)".to_owned(),
            });
        };
        let options = ClientOptions::new().with_allow_http(true).with_timeout(REQUEST_TIMEOUT).with_connect_timeout(CONNECT_TIMEOUT);
        let retry = RetryConfig { max_retries: 4, retry_timeout: Duration::from_secs(120), ..RetryConfig::default() };
        let mut builder = AmazonS3Builder::new()
            .with_endpoint(location.endpoint.trim_end_matches('/'))
            .with_bucket_name(&location.bucket)
            .with_region(&location.region)
            .with_virtual_hosted_style_request(!location.path_style)
            .with_access_key_id(&credentials.access_key_id)
            .with_secret_access_key(&credentials.secret_access_key)
            .with_checksum_algorithm(object_store::aws::Checksum::SHA256)
            // The signed per-request SHA-256 checksum header already pins the
            // body: hashing it a second time for the signature only costs time.
            .with_unsigned_payload(true)
            .with_client_options(options)
            .with_retry(retry);
        if let Some(t) = &credentials.session_token {
            builder = builder.with_token(t);
        }
        let client = builder.build().map_err(|e| remote_error(name, location, &e))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s3")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the S3 client's runtime: {e}")))?;
        let part_bytes =
            std::env::var("SYNAPSE_S3_PART_BYTES").ok().and_then(|v| v.parse::<u64>().ok()).map(|b| b.max(5 << 20)).unwrap_or(PART_BYTES);
        let prefix = location.prefix.trim_matches('/').to_owned();
        Ok(Bucket { name: name.to_owned(), location: location.clone(), client: Arc::new(client), rt, prefix, part_bytes })
    }

    /// The same bucket with parts of `bytes` (at least S3's 5 MiB): for tests and benchmarks.
    pub fn with_part_bytes(mut self, bytes: u64) -> Bucket {
        self.part_bytes = bytes.max(5 << 20);
        self
    }

    fn key(&self, rel: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(rel)
        } else {
            Key::from(format!("{}/{rel}", self.prefix))
        }
    }

    /// The key of blob `sha`.
    pub fn blob_key(&self, sha: &Sha256) -> Key {
        let s = sha.as_str();
        self.key(&format!("data/blobs/sha256/{}/{s}", &s[..2]))
    }

    fn meta_key(&self, sha: &Sha256) -> Key {
        let s = sha.as_str();
        self.key(&format!("data/meta/sha256/{}/{s}.meta", &s[..2]))
    }

    fn err(&self, e: &object_store::Error) -> Error {
        remote_error(&self.name, &self.location, e)
    }

    /// The prefix's identity, `None` when it has none yet (a new prefix).
    pub fn identity(&self) -> Result<Option<Identity>> {
        let Some(text) = self.read_id()? else { return Ok(None) };
        serde_json::from_str(&text).map(Some).map_err(|_| Error::Remote {
            target: self.name.clone(),
            endpoint: self.location.endpoint.clone(),
            problem: RemoteProblem::Server,
            message: format!(
                "{}/backup-id is not a Synapse target's identity: is this prefix used by something else?",
                self.location.url()
            ),
        })
    }

    /// Makes the prefix this store's: writes a new identity when it has none.
    /// Returns the identity and whether it was written now.
    pub(crate) fn claim(&self, owner: &str) -> Result<(Identity, bool)> {
        if let Some(id) = self.identity()? {
            return Ok((id, false));
        }
        let id = Identity { backup_id: uuid::Uuid::new_v4().to_string(), owner: owner.to_owned() };
        let text = serde_json::to_string(&id).map_err(|e| Error::internal(e.to_string()))?;
        self.write_id(&text)?;
        Ok((id, true))
    }

    /// The `backup-id` object's text, `None` when there is none.
    fn read_id(&self) -> Result<Option<String>> {
        let key = self.key("backup-id");
        self.rt.block_on(async {
            match self.client.get(&key).await {
                Ok(r) => {
                    let bytes = r.bytes().await.map_err(|e| self.err(&e))?;
                    let id = String::from_utf8_lossy(&bytes).trim().to_owned();
                    Ok((!id.is_empty()).then_some(id))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.err(&e)),
            }
        })
    }

    /// Writes the `backup-id` object (only where there is none: the caller checked).
    fn write_id(&self, id: &str) -> Result<()> {
        let key = self.key("backup-id");
        self.rt.block_on(self.client.put(&key, PutPayload::from(format!("{id}\n")))).map(|_| ()).map_err(|e| self.err(&e))
    }

    /// Every blob under the prefix with its size (a paginated LIST, 1,000 per page).
    /// Objects whose names are not blob names are left out.
    pub fn list(&self) -> Result<Vec<(Sha256, u64)>> {
        let root = self.key("data/blobs/sha256");
        self.rt.block_on(async {
            let mut stream = self.client.list(Some(&root));
            let mut out = Vec::new();
            while let Some(meta) = stream.next().await {
                let meta = meta.map_err(|e| self.err(&e))?;
                if let Some(sha) = meta.location.filename().and_then(|n| Sha256::parse(n).ok()) {
                    // Only at its own place: data/blobs/sha256/<aa>/<sha>.
                    if self.blob_key(&sha) == meta.location {
                        out.push((sha, meta.size));
                    }
                }
            }
            Ok(out)
        })
    }

    /// The size of blob `sha` on the bucket, `None` when it is not there.
    pub fn head(&self, sha: &Sha256) -> Result<Option<u64>> {
        let key = self.blob_key(sha);
        match self.rt.block_on(self.client.head(&key)) {
            Ok(m) => Ok(Some(m.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err(&e)),
        }
    }

    /// Deletes blob `sha` (and its manifest). Returns the bytes freed (0 when it was not there).
    pub fn delete(&self, sha: &Sha256) -> Result<u64> {
        let size = self.head(sha)?.unwrap_or(0);
        self.rt.block_on(async {
            match self.client.delete(&self.blob_key(sha)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.err(&e)),
            }
            match self.client.delete(&self.meta_key(sha)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(self.err(&e)),
            }
        })?;
        Ok(size)
    }

    /// The manifest of `sha` on the bucket, if any.
    pub(crate) fn read_meta(&self, sha: &Sha256) -> Result<Option<Vec<u8>>> {
        let key = self.meta_key(sha);
        self.rt.block_on(async {
            match self.client.get(&key).await {
                Ok(r) => r.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| self.err(&e)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.err(&e)),
            }
        })
    }

    /// Uploads the manifest of `sha` (small: one request).
    pub(crate) fn write_meta(&self, sha: &Sha256, bytes: &[u8]) -> Result<()> {
        let key = self.meta_key(sha);
        self.rt.block_on(self.client.put(&key, PutPayload::from(bytes.to_vec()))).map(|_| ()).map_err(|e| self.err(&e))
    }

    /// Uploads local blob `sha` from `local` (the store's tree; its manifest
    /// first). `refresh` re-uploads a blob that is already there; otherwise an
    /// object of the right size is the blob (`AlreadyPresent`). Records and
    /// resumes multipart uploads under `local`'s `data/tmp` as `record_id`
    /// (the target's backup-id).
    ///
    /// Errors: `integrity` when the local file does not hash to its name
    /// (nothing is completed on the bucket), `cancelled`, `remote`, `io`.
    pub fn upload(
        &self,
        sha: &Sha256,
        local: &StoreLayout,
        record_id: &str,
        refresh: bool,
        tracker: Option<&Tracker>,
        cancel: &CancelToken,
    ) -> Result<Uploaded> {
        let tree = local.tree()?;
        let path = local.blobs().blob(sha);
        let mut file = match tree.open_read(&path) {
            Err(Error::LinkInTree { .. }) | Err(Error::NotAFile { .. }) => {
                return Err(Error::Io { op: "open", path, source: std::io::Error::from(std::io::ErrorKind::NotFound) })
            }
            r => r?,
        };
        let size = file.metadata().map_err(Error::io("stat", &path))?.len();
        if !refresh && self.head(sha)? == Some(size) {
            self.copy_meta_up(sha, local)?;
            return Ok(Copied::AlreadyPresent { bytes: size });
        }
        cancel.check()?;
        self.copy_meta_up(sha, local)?;
        if size <= self.part_bytes {
            let mut buf = Vec::with_capacity(size as usize);
            file.read_to_end(&mut buf).map_err(Error::io("read", &path))?;
            let actual = Sha256::from_digest(&Hasher::digest(&buf));
            if &actual != sha {
                return Err(Error::Integrity { path, expected: sha.to_string(), actual: actual.to_string() });
            }
            cancel.check()?;
            self.rt.block_on(self.client.put(&self.blob_key(sha), PutPayload::from(buf))).map_err(|e| self.err(&e))?;
            if let Some(t) = tracker {
                t.add_bytes(size);
            }
            return Ok(Copied::Done { bytes: size });
        }
        self.upload_parts(sha, local, record_id, file, &path, size, tracker, cancel)
    }

    #[allow(clippy::too_many_arguments)]
    fn upload_parts(
        &self,
        sha: &Sha256,
        local: &StoreLayout,
        record_id: &str,
        mut file: std::fs::File,
        path: &Path,
        size: u64,
        tracker: Option<&Tracker>,
        cancel: &CancelToken,
    ) -> Result<Uploaded> {
        let key = self.blob_key(sha);
        let record_path = local.tmp().join(format!("{sha}.{record_id}.s3upload.json"));
        let tree = local.tree()?;
        let part_bytes = self.part_bytes;
        // A recorded upload of this blob resumes; one of another shape starts over.
        let mut record = match tree.read_json::<UploadRecord>(&record_path) {
            Ok(r) if r.key == key.as_ref() && r.part_bytes == part_bytes && r.size == size => r,
            Ok(stale) => {
                let _ = self.rt.block_on(self.client.abort_multipart(&Key::from(stale.key.as_str()), &stale.upload_id));
                self.new_upload(&key, size, part_bytes)?
            }
            Err(_) => self.new_upload(&key, size, part_bytes)?,
        };
        tree.mkdirs(&local.tmp())?;
        tree.write_json_atomic(&record_path, &record)?;
        let parts_total = size.div_ceil(part_bytes) as usize;
        let mut hasher = Hasher::new();
        let mut in_flight: std::collections::VecDeque<(usize, tokio::task::JoinHandle<object_store::Result<PartId>>, u64)> =
            Default::default();
        let result = (|| -> Result<()> {
            for idx in 0..parts_total {
                cancel.check()?;
                let len = part_bytes.min(size - idx as u64 * part_bytes) as usize;
                let mut buf = vec![0u8; len];
                file.read_exact(&mut buf).map_err(Error::io("read", path))?;
                hasher.update(&buf);
                if record.parts.get(idx).is_some_and(Option::is_some) {
                    // Confirmed before an interruption: read (for the hash), not sent again.
                    if let Some(t) = tracker {
                        t.add_bytes(len as u64);
                    }
                    continue;
                }
                while in_flight.len() >= IN_FLIGHT {
                    self.finish_part(&mut in_flight, &mut record, &record_path, &tree, tracker)?;
                }
                let client = Arc::clone(&self.client);
                let (k, id) = (key.clone(), record.upload_id.clone());
                let payload = PutPayload::from(Bytes::from(buf));
                let handle = self.rt.spawn(async move { client.put_part(&k, &id, idx, payload).await });
                in_flight.push_back((idx, handle, len as u64));
            }
            while !in_flight.is_empty() {
                self.finish_part(&mut in_flight, &mut record, &record_path, &tree, tracker)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            for (_, h, _) in in_flight {
                h.abort();
            }
            // The record stays: the next upload of this blob resumes from the confirmed parts.
            return Err(e);
        }
        let actual = Sha256::from_digest(&hasher.finalize());
        if &actual != sha {
            let _ = self.rt.block_on(self.client.abort_multipart(&key, &record.upload_id));
            let _ = tree.remove_file(&record_path);
            return Err(Error::Integrity { path: path.to_path_buf(), expected: sha.to_string(), actual: actual.to_string() });
        }
        cancel.check()?;
        let parts: Vec<PartId> = record.parts.iter().map(|p| PartId { content_id: p.clone().unwrap_or_default() }).collect();
        match self.rt.block_on(self.client.complete_multipart(&key, &record.upload_id, parts)) {
            Ok(_) => {
                let _ = tree.remove_file(&record_path);
                Ok(Copied::Done { bytes: size })
            }
            Err(e) => {
                // An upload id the server forgot (expired, aborted) cannot resume.
                if matches!(e, object_store::Error::NotFound { .. }) {
                    let _ = tree.remove_file(&record_path);
                }
                Err(self.err(&e))
            }
        }
    }

    fn new_upload(&self, key: &Key, size: u64, part_bytes: u64) -> Result<UploadRecord> {
        let upload_id = self.rt.block_on(self.client.create_multipart(key)).map_err(|e| self.err(&e))?;
        Ok(UploadRecord {
            key: key.to_string(),
            upload_id,
            size,
            part_bytes,
            parts: vec![None; size.div_ceil(part_bytes) as usize],
            started_at: crate::store::fsutil::now_rfc3339(),
        })
    }

    fn finish_part(
        &self,
        in_flight: &mut std::collections::VecDeque<(usize, tokio::task::JoinHandle<object_store::Result<PartId>>, u64)>,
        record: &mut UploadRecord,
        record_path: &Path,
        tree: &crate::store::tree::Tree,
        tracker: Option<&Tracker>,
    ) -> Result<()> {
        let Some((idx, handle, len)) = in_flight.pop_front() else { return Ok(()) };
        let part =
            self.rt.block_on(handle).map_err(|e| Error::internal(format!("an upload task failed: {e}")))?.map_err(|e| self.err(&e))?;
        record.parts[idx] = Some(part.content_id);
        tree.write_json_atomic(record_path, record)?;
        if let Some(t) = tracker {
            t.add_bytes(len);
        }
        Ok(())
    }

    fn copy_meta_up(&self, sha: &Sha256, local: &StoreLayout) -> Result<()> {
        let tree = local.tree()?;
        let blobs = local.blobs();
        let bytes = [blobs.meta(sha), blobs.legacy_meta(sha)].into_iter().find_map(|p| tree.read(&p).ok());
        match bytes {
            Some(b) => self.write_meta(sha, &b),
            None => Ok(()),
        }
    }

    /// Downloads blob `sha` into the store tree `local` (this store's, or a
    /// folder target's): into
    /// `data/tmp/<sha>.s3.part` (resumed with a range request when a part is
    /// there), hashed, and renamed to the blob's name only on a match. A blob
    /// already local (a regular file of the right size) is `AlreadyPresent`.
    ///
    /// Errors: `not_found` (io) when the bucket lacks it; `integrity` when the
    /// bytes do not hash to `sha` (nothing is placed, the part is removed);
    /// `insufficient_space`; `cancelled`; `remote`.
    pub fn download(
        &self,
        sha: &Sha256,
        local: &StoreLayout,
        existing: &crate::blob::copy::Existing,
        tracker: Option<&Tracker>,
        cancel: &CancelToken,
    ) -> Result<Copied> {
        let Some(size) = self.head(sha)? else {
            return Err(Error::Io {
                op: "read from the bucket",
                path: PathBuf::from(self.blob_key(sha).to_string()),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        };
        let tree = local.tree()?;
        let dst = local.blobs().blob(sha);
        let found = tree.stat(&dst).ok().flatten();
        if *existing == crate::blob::copy::Existing::Keep && found.is_some_and(|m| m.is_file() && m.size == size) {
            return Ok(Copied::AlreadyPresent { bytes: size });
        }
        let tmp = local.tmp();
        tree.mkdirs(&tmp)?;
        let part = tmp.join(format!("{sha}.s3.part"));
        let mut hasher = Hasher::new();
        let mut have = 0u64;
        match tree.stat(&part) {
            Ok(Some(m)) if m.is_file() && m.size <= size => {
                let mut f = tree.open_read(&part)?;
                let mut buf = vec![0u8; 8 << 20];
                loop {
                    let n = f.read(&mut buf).map_err(Error::io("read", &part))?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    have += n as u64;
                }
            }
            Ok(Some(_)) | Err(_) => {
                tree.remove_file(&part)?;
            }
            Ok(None) => {}
        }
        crate::blob::copy::check_space(&tmp, size - have)?;
        if let Some(t) = tracker {
            t.add_bytes(have);
        }
        let mut out = if have > 0 { tree.open_append(&part)? } else { tree.create_new(&part, 0o644)? };
        let result = (|| -> Result<()> {
            if have < size {
                self.rt.block_on(async {
                    let opts = GetOptions { range: Some(GetRange::Offset(have)), ..GetOptions::default() };
                    let got = self.client.get_opts(&self.blob_key(sha), opts).await.map_err(|e| self.err(&e))?;
                    let mut stream = got.into_stream();
                    while let Some(chunk) = stream.next().await {
                        cancel.check()?;
                        let chunk = chunk.map_err(|e| self.err(&e))?;
                        if have + chunk.len() as u64 > size {
                            return Err(Error::Integrity {
                                path: PathBuf::from(self.blob_key(sha).to_string()),
                                expected: sha.to_string(),
                                actual: format!("more bytes than the {size} the bucket listed"),
                            });
                        }
                        hasher.update(&chunk);
                        out.write_all(&chunk).map_err(Error::io("write", &part))?;
                        have += chunk.len() as u64;
                        if let Some(t) = tracker {
                            t.add_bytes(chunk.len() as u64);
                        }
                    }
                    Ok(())
                })?;
            }
            out.sync_all().map_err(Error::io("fsync", &part))?;
            Ok(())
        })();
        if let Err(e) = result {
            // A cut connection keeps the part for a resume; bad bytes never do.
            if matches!(e, Error::Integrity { .. }) {
                let _ = tree.remove_file(&part);
            }
            return Err(e);
        }
        let actual = Sha256::from_digest(&hasher.finalize());
        if &actual != sha || have != size {
            let _ = tree.remove_file(&part);
            return Err(Error::Integrity {
                path: PathBuf::from(self.blob_key(sha).to_string()),
                expected: sha.to_string(),
                actual: actual.to_string(),
            });
        }
        if let Ok(Some(meta)) = self.read_meta(sha) {
            let m = local.blobs().meta(sha);
            if tree.stat(&m).ok().flatten().is_none() {
                if let Some(dir) = m.parent() {
                    tree.mkdirs(dir)?;
                }
                let _ = tree.write_atomic(&m, &meta);
            }
        }
        match existing {
            // A copy known to be corrupt goes to quarantine, never deleted (SPEC §3.12).
            crate::blob::copy::Existing::Quarantine(aside) if found.is_some_and(|m| m.is_file()) => {
                crate::blob::copy::replace_corrupt(&tree, &part, &dst, aside)?
            }
            _ => crate::blob::copy::place_blob(&tree, &part, &dst)?,
        }
        Ok(Copied::Done { bytes: size })
    }

    /// Reads blob `sha` back from the bucket and hashes it (verify, scrub):
    /// `Some(actual)`, or `None` when the bucket lacks it.
    pub fn rehash(&self, sha: &Sha256, tracker: Option<&Tracker>, cancel: &CancelToken) -> Result<Option<Sha256>> {
        self.rt.block_on(async {
            let got = match self.client.get(&self.blob_key(sha)).await {
                Ok(g) => g,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(self.err(&e)),
            };
            let mut stream = got.into_stream();
            let mut hasher = Hasher::new();
            while let Some(chunk) = stream.next().await {
                cancel.check()?;
                let chunk = chunk.map_err(|e| self.err(&e))?;
                hasher.update(&chunk);
                if let Some(t) = tracker {
                    t.add_bytes(chunk.len() as u64);
                }
            }
            Ok(Some(Sha256::from_digest(&hasher.finalize())))
        })
    }

    /// Aborts the multipart uploads this store recorded for this bucket
    /// (`data/tmp/*.<record_id>.s3upload.json`) that are older than `age`, and
    /// removes their records. Returns how many were aborted. Uploads of
    /// others are never touched: only recorded ids are aborted.
    pub(crate) fn abort_stale(&self, local: &StoreLayout, record_id: &str, age: Duration) -> Result<usize> {
        let tree = local.tree()?;
        let suffix = format!(".{record_id}.s3upload.json");
        let mut aborted = 0;
        let Ok(entries) = tree.read_dir(&local.tmp()) else { return Ok(0) };
        for e in entries {
            let Some(name) = e.name_str().filter(|n| n.ends_with(&suffix)) else { continue };
            let path = local.tmp().join(name);
            let Ok(record) = tree.read_json::<UploadRecord>(&path) else { continue };
            let old = chrono::DateTime::parse_from_rfc3339(&record.started_at)
                .map(|t| chrono::Utc::now().signed_duration_since(t).to_std().unwrap_or_default() >= age)
                .unwrap_or(true);
            if !old {
                continue;
            }
            match self.rt.block_on(self.client.abort_multipart(&Key::from(record.key.as_str()), &record.upload_id)) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                    tree.remove_file(&path)?;
                    aborted += 1;
                }
                Err(e) => return Err(self.err(&e)),
            }
        }
        Ok(aborted)
    }

    /// Checks everything a backup needs, in order, and says the first thing
    /// that is wrong: the endpoint answers, the key is accepted, the bucket
    /// exists, the clocks agree, and the key may list, write, read and delete
    /// under the prefix (with a small probe object it removes again).
    pub fn test(&self) -> Result<()> {
        let probe = self.key(&format!("data/tmp/synapse-test-{}", uuid::Uuid::new_v4().simple()));
        self.rt.block_on(async {
            let mut list = self.client.list(Some(&self.key("data")));
            if let Some(Err(e)) = list.next().await {
                return Err(self.err(&e));
            }
            self.client.put(&probe, PutPayload::from_static(b"synapse")).await.map_err(|e| self.err(&e))?;
            let back = self.client.get(&probe).await.map_err(|e| self.err(&e))?.bytes().await.map_err(|e| self.err(&e))?;
            self.client.delete(&probe).await.map_err(|e| self.err(&e))?;
            if back.as_ref() != b"synapse" {
                return Err(Error::Remote {
                    target: self.name.clone(),
                    endpoint: self.location.endpoint.clone(),
                    problem: RemoteProblem::Server,
                    message: "the server returned other bytes than were written: it cannot hold backups".to_owned(),
                });
            }
            Ok(())
        })
    }
}

/// The `backup-id` object of a prefix: the target's id and the store that owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub backup_id: String,
    /// `data/store-id` of the store that may write and delete here.
    pub owner: String,
}

/// This store's identity (`data/store-id`), made the first time it is asked for.
pub(crate) fn store_identity(layout: &StoreLayout) -> Result<String> {
    if let Some(id) = known_store_identity(layout) {
        return Ok(id);
    }
    let tree = layout.tree()?;
    let path = layout.store_id();
    let id = uuid::Uuid::new_v4().to_string();
    tree.write_atomic(&path, format!("{id}\n").as_bytes())?;
    Ok(id)
}

impl Identity {
    /// Another store owns the prefix (this one has none, or another id): read and restore only.
    pub(crate) fn foreign_to(&self, layout: &StoreLayout) -> bool {
        known_store_identity(layout).as_deref() != Some(self.owner.as_str())
    }
}

/// This store's identity if it has one yet (read through the store's tree:
/// never through a link); `None` before it first claimed a prefix.
pub(crate) fn known_store_identity(layout: &StoreLayout) -> Option<String> {
    let bytes = layout.tree().ok()?.read(&layout.store_id()).ok()?;
    let id = String::from_utf8_lossy(&bytes).trim().to_owned();
    (!id.is_empty()).then_some(id)
}

/// Opens the bucket of `target` with the key found for it ([`find_credentials`]).
pub(crate) fn open_target(target: &crate::target::Target) -> Result<Bucket> {
    let location = target.s3.as_ref().ok_or_else(|| Error::internal(format!("target {:?} is not a bucket", target.name)))?;
    let found = credentials_for(location);
    Bucket::open(&target.name, location, found.as_ref().map(|(c, _)| c))
}

/// A multipart upload in progress (`data/tmp/<sha>.<id>.s3upload.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UploadRecord {
    key: String,
    upload_id: String,
    size: u64,
    part_bytes: u64,
    /// Per part, the server's confirmation once it has it.
    parts: Vec<Option<String>>,
    started_at: String,
}

/// Turns a client error into [`Error::Remote`] with the problem named and what to do.
fn remote_error(target: &str, location: &S3Location, e: &object_store::Error) -> Error {
    let text = error_chain(e);
    let bucket = &location.bucket;
    let (problem, message) =
        if has(&text, &["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidClientTokenId"])
            || matches!(e, object_store::Error::Unauthenticated { .. })
        {
            (
                RemoteProblem::Credentials,
                "the server refused the access key (unknown key id or wrong secret): check the key for this target".to_owned(),
            )
        } else if has(&text, &["NoSuchBucket"]) {
            (
                RemoteProblem::BucketMissing,
                format!("bucket {bucket:?} does not exist on this server: create it, or correct the bucket name"),
            )
        } else if has(&text, &["RequestTimeTooSkewed"]) {
            (
                RemoteProblem::ClockSkew,
                "this machine's clock differs too much from the server's: set the clock right (signed requests allow 15 minutes)"
                    .to_owned(),
            )
        } else if has(&text, &["AccessDenied", "Forbidden", "403"]) || matches!(e, object_store::Error::PermissionDenied { .. }) {
            (
                RemoteProblem::Permission,
                format!("the key may not do this in bucket {bucket:?}: it needs list, read, write and delete under the prefix"),
            )
        } else if has(
            &text,
            &[
                "error sending request",
                "Connection refused",
                "connection refused",
                "dns error",
                "timed out",
                "tcp connect",
                "No route",
                "certificate",
                "connection closed",
                "Connection reset",
            ],
        ) {
            (
                RemoteProblem::Unreachable,
                format!("nothing answered at {}: is the server running and the endpoint right?", location.endpoint),
            )
        } else {
            (RemoteProblem::Server, "the server failed the request".to_owned())
        };
    Error::Remote {
        target: target.to_owned(),
        endpoint: location.endpoint.clone(),
        problem,
        message: format!("{message} ({})", short(&text)),
    }
}

fn has(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        text.push_str(": ");
        text.push_str(&s.to_string());
        cur = s.source();
    }
    text
}

/// The first 300 characters of a client message (they can carry whole XML bodies).
fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}
