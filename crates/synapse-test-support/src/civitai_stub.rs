//! A local stand-in for Civitai's by-hash endpoint (SPEC §3.14), shared by
//! the core tests, the CLI tests and the identify benchmark: a
//! thread per (kept-alive) connection, so it can measure how many requests are in flight.
//! `GET /api/v1/model-versions/by-hash/<hash>` answers what the test scripted
//! for that hash (in order, the last one repeating), else 404; other paths
//! (preview images, redirects) answer what was scripted for them, else 404.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

pub const BY_HASH: &str = "/api/v1/model-versions/by-hash/";

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this JSON text (`application/json`).
    Json(String),
    /// Just a status (with a small JSON error body).
    Status(u16),
    /// 429 with this `Retry-After` value.
    RetryAfter(String),
    /// 200 with this content type and body.
    Bytes(&'static str, Vec<u8>),
    /// 302 to this location.
    Redirect(String),
    /// 200 with this content type and no length, sending bytes until the client hangs up (or 256 MiB).
    Endless(&'static str),
}

struct Inner {
    routes: Mutex<HashMap<String, (usize, Vec<Reply>)>>,
    delay: Duration,
    api_requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: Mutex<Vec<(String, Option<String>)>>,
}

/// The running stub; it lives as long as the test process.
#[derive(Clone)]
pub struct Stub {
    /// `http://127.0.0.1:<port>`: what `SYNAPSE_CIVITAI_URL` is set to.
    pub base: String,
    inner: Arc<Inner>,
}

impl Stub {
    /// A stub that answers at once.
    pub fn start() -> Stub {
        Stub::with_delay(Duration::ZERO)
    }

    /// A stub that waits `delay` before each by-hash answer (a slow API).
    pub fn with_delay(delay: Duration) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Inner {
            routes: Mutex::new(HashMap::new()),
            delay,
            api_requests: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let shared = inner.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let inner = shared.clone();
                std::thread::spawn(move || handle(&inner, stream));
            }
        });
        Stub { base, inner }
    }

    /// Scripts the answers for `hash` (any case), in order; the last one repeats.
    pub fn on_hash(&self, hash: &str, replies: Vec<Reply>) {
        self.on_path(&format!("{BY_HASH}{}", hash.to_ascii_lowercase()), replies);
    }

    /// Scripts the answers for a path (`/images/a.jpg`).
    pub fn on_path(&self, path: &str, replies: Vec<Reply>) {
        self.inner.routes.lock().unwrap().insert(path.to_ascii_lowercase(), (0, replies));
    }

    /// The absolute URL of a path on this stub.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// By-hash requests received so far.
    pub fn api_requests(&self) -> usize {
        self.inner.api_requests.load(Ordering::SeqCst)
    }

    /// Requests received for one path.
    pub fn requests_for(&self, path: &str) -> usize {
        self.inner.requests.lock().unwrap().iter().filter(|(p, _)| p == path).count()
    }

    /// The most by-hash requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight.load(Ordering::SeqCst)
    }

    /// The `Authorization` header of every request, in arrival order.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.inner.requests.lock().unwrap().iter().map(|(_, a)| a.clone()).collect()
    }
}

/// Answers the requests of one connection (kept alive, as Civitai does, until
/// the client closes it or an answer without a length ends it).
fn handle(inner: &Inner, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    // One write per answer where possible, and no Nagle delay: the stub's own time stays out of the figures.
    let _ = out.set_nodelay(true);
    loop {
        let mut first = String::new();
        if reader.read_line(&mut first).unwrap_or(0) == 0 {
            return;
        }
        let path = first.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut auth = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("authorization") {
                    auth = Some(v.trim().to_owned());
                }
            }
        }
        inner.requests.lock().unwrap().push((path.clone(), auth));
        let api = path.starts_with(BY_HASH);
        if api {
            inner.api_requests.fetch_add(1, Ordering::SeqCst);
            let now = inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            inner.max_in_flight.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(inner.delay);
        }
        let reply = {
            let mut routes = inner.routes.lock().unwrap();
            match routes.get_mut(&path.to_ascii_lowercase()) {
                Some((next, replies)) => {
                    let r = replies.get(*next).or(replies.last()).cloned().unwrap_or(Reply::Status(404));
                    *next += 1;
                    r
                }
                None => Reply::Status(404),
            }
        };
        if api {
            inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
        let last = matches!(reply, Reply::Endless(_));
        if answer(&mut out, reply).and_then(|()| out.flush()).is_err() || last {
            return;
        }
    }
}

fn answer(out: &mut TcpStream, reply: Reply) -> std::io::Result<()> {
    let head = |status: &str, headers: &str, len: Option<usize>| {
        let len = len.map(|n| format!("Content-Length: {n}\r\n")).unwrap_or_default();
        let close = if len.is_empty() { "Connection: close\r\n" } else { "" };
        format!("HTTP/1.1 {status}\r\n{headers}{len}{close}\r\n")
    };
    match reply {
        Reply::Json(body) => {
            let mut all = head("200 OK", "Content-Type: application/json\r\n", Some(body.len())).into_bytes();
            all.extend_from_slice(body.as_bytes());
            out.write_all(&all)
        }
        Reply::Status(code) => {
            let body = if code == 404 { r#"{"error":"Model not found"}"# } else { r#"{"error":"Internal server error"}"# };
            out.write_all(head(&format!("{code} Scripted"), "Content-Type: application/json\r\n", Some(body.len())).as_bytes())?;
            out.write_all(body.as_bytes())
        }
        Reply::RetryAfter(v) => {
            let body = r#"{"error":"Too many requests"}"#;
            out.write_all(head("429 Too Many Requests", &format!("Retry-After: {v}\r\n"), Some(body.len())).as_bytes())?;
            out.write_all(body.as_bytes())
        }
        Reply::Bytes(mime, body) => {
            let mut all = head("200 OK", &format!("Content-Type: {mime}\r\n"), Some(body.len())).into_bytes();
            all.extend_from_slice(&body);
            out.write_all(&all)
        }
        Reply::Redirect(to) => out.write_all(head("302 Found", &format!("Location: {to}\r\n"), Some(0)).as_bytes()),
        Reply::Endless(mime) => {
            out.write_all(head("200 OK", &format!("Content-Type: {mime}\r\n"), None).as_bytes())?;
            let chunk = vec![b'7'; 64 << 10];
            for _ in 0..(256 << 20) / chunk.len() {
                out.write_all(&chunk)?;
            }
            Ok(())
        }
    }
}

/// A by-hash answer as Civitai gives it (the fields Synapse reads, and some it does not).
pub fn found(sha: &str, model_id: u64, model: &str, model_type: &str, version: &str, base_model: &str, images: &[String]) -> String {
    json!({
        "id": model_id * 10 + 1,
        "modelId": model_id,
        "name": version,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "baseModel": base_model,
        "baseModelType": "Standard",
        "trainedWords": ["trigger one", "trigger two"],
        "nsfwLevel": 1,
        "description": "<p>a long description Synapse does not keep</p>",
        "model": {"name": model, "type": model_type, "nsfw": false, "poi": false},
        "files": [
            {"id": 7, "sizeKB": 12.5, "name": "other.yaml", "type": "Config", "hashes": {"SHA256": "00".repeat(32)},
             "downloadUrl": format!("https://civitai.com/api/download/models/{}?type=Config", model_id * 10 + 1)},
            {"id": model_id * 100, "sizeKB": 1024.25, "name": format!("{}.safetensors", model.replace(' ', "_")), "type": "Model",
             "metadata": {"format": "SafeTensor"},
             "hashes": {"AutoV1": "ABCDEF12", "AutoV2": sha[..10].to_ascii_uppercase(), "SHA256": sha.to_ascii_uppercase(), "CRC32": "0"},
             "primary": true, "downloadUrl": format!("https://civitai.com/api/download/models/{}", model_id * 10 + 1)}
        ],
        "images": images.iter().map(|u| json!({"url": u, "nsfwLevel": 1, "width": 512, "height": 512, "type": "image"})).collect::<Vec<_>>(),
        "downloadUrl": format!("https://civitai.com/api/download/models/{}", model_id * 10 + 1)
    })
    .to_string()
}

/// A tiny valid PNG (1×1), for preview images.
pub fn png_bytes() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63,
        0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60,
        0x82,
    ]
}

/// A port nothing listens on (connection refused).
pub fn refused_base() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}
