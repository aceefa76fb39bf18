//! `synapse redownload` against a local HTTP server: exit codes of a full
//! download, a resumed one, wrong content (7) and a server error (1).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use serde_json::{json, Value};

use crate::support::{content, sha_hex, Env};

#[derive(Clone)]
enum Reply {
    Serve(Vec<u8>),
    Cut(Vec<u8>, usize),
    Status(u16),
}

/// A one-thread HTTP server answering requests in order (the last reply repeats); returns its URL.
fn serve(replies: Vec<Reply>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/file.safetensors", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut from = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    from = v.trim().trim_end_matches('-').parse().unwrap_or(0);
                }
            }
            let _ = match replies.get(i).or(replies.last()).unwrap().clone() {
                Reply::Serve(body) if from > 0 => {
                    let head = format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{}\r\nConnection: close\r\n\r\n",
                        body.len() - from,
                        body.len() - 1,
                        body.len()
                    );
                    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body[from..]))
                }
                Reply::Serve(body) => {
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body))
                }
                Reply::Cut(body, n) => {
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body[..n]))
                }
                Reply::Status(code) => {
                    stream.write_all(format!("HTTP/1.1 {code} Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes())
                }
            };
        }
    });
    url
}

/// A pack whose one blob (`bytes`) is not in the store, downloadable from `url`.
fn wanted(env: &Env, bytes: &[u8], url: &str) -> String {
    let shas = env.pack("Wanted", &[("wanted.safetensors", bytes)], Some("lora"));
    let lock = env.root.join("state/packs/Wanted/lock.json");
    let mut v: Value = serde_json::from_slice(&fs::read(&lock).unwrap()).unwrap();
    v["resolved"][0]["artifact"]["download"] = json!({ "urls": [url] });
    fs::write(&lock, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    fs::remove_file(env.blob_path(&shas[0])).unwrap();
    shas[0].clone()
}

#[test]
fn full_download_exits_0_and_puts_the_blob_in_the_store() {
    let env = Env::new();
    let bytes = content("model", 100_000);
    let url = serve(vec![Reply::Serve(bytes.clone())]);
    let sha = wanted(&env, &bytes, &url);
    let v = env.json(&["redownload", &sha[..12]]);
    assert_eq!(v["bytes_downloaded"], 100_000);
    assert_eq!(v["url"], url.as_str());
    assert_eq!(fs::read(env.blob_path(&sha)).unwrap(), bytes);
    assert_eq!(env.item(&sha)["status"], "referenced");
}

#[test]
fn a_cut_download_fails_then_resumes() {
    let env = Env::new();
    let bytes = content("big model", 150_000);
    let url = serve(vec![Reply::Cut(bytes.clone(), 50_000), Reply::Serve(bytes.clone())]);
    let sha = wanted(&env, &bytes, &url);
    let err = env.error(&["redownload", &sha], 1, "io");
    assert!(err["message"].as_str().unwrap().contains("resume"), "{err}");
    let v = env.json(&["redownload", &sha]);
    assert_eq!(v["resumed_from"], 50_000);
    assert_eq!(v["bytes_downloaded"], 100_000);
    assert_eq!(sha_hex(&fs::read(env.blob_path(&sha)).unwrap()), sha);
}

#[test]
fn wrong_content_exits_7() {
    let env = Env::new();
    let bytes = content("expected", 10_000);
    let url = serve(vec![Reply::Serve(content("impostor", 10_000))]);
    let sha = wanted(&env, &bytes, &url);
    env.error(&["redownload", &sha], 7, "integrity");
    assert!(!env.blob_path(&sha).exists());
}

#[test]
fn a_server_error_is_reported() {
    let env = Env::new();
    let bytes = content("gone", 10_000);
    let url = serve(vec![Reply::Status(503)]);
    let sha = wanted(&env, &bytes, &url);
    let err = env.error(&["redownload", &sha], 1, "io");
    assert_eq!(err["details"]["http_status"], 503);
    assert!(err["message"].as_str().unwrap().contains("503"));
}
