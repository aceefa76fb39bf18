//! A local HTTP/1.1 server for the download tests (`redownload`, `workflow
//! use`) of the core and the CLI: on 127.0.0.1, each connection on its own
//! thread, answering the n-th request with the n-th scripted reply (the last
//! one repeats) and recording each request's `Range` header.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the test server answers each request, in order (the last one repeats).
#[derive(Clone)]
pub enum Reply {
    /// The body, honouring `Range: bytes=N-` with a 206.
    Serve(Vec<u8>),
    /// Announces the whole body but closes the connection after this many bytes.
    Cut(Vec<u8>, usize),
    /// Just a status code.
    Status(u16),
    /// The body announced in full but trickled out slowly (to be killed in the middle of).
    Slow(Vec<u8>),
}

/// The running server; it lives as long as the test process.
pub struct Server {
    /// `http://127.0.0.1:<port>/model.safetensors`.
    pub url: String,
    /// Each request's `Range` header, in the order they came.
    pub ranges: Arc<Mutex<Vec<Option<String>>>>,
}

/// Starts a server answering with `replies`.
pub fn serve(replies: Vec<Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/model.safetensors", listener.local_addr().unwrap());
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let seen = ranges.clone();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let reply = replies.get(i).or(replies.last()).unwrap().clone();
            let seen = seen.clone();
            std::thread::spawn(move || answer(stream, reply, &seen));
        }
    });
    Server { url, ranges }
}

fn answer(mut stream: TcpStream, reply: Reply, seen: &Mutex<Vec<Option<String>>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("range:") {
            range = Some(v.trim().to_owned());
        }
    }
    seen.lock().unwrap().push(range.clone());
    let _ = match reply {
        Reply::Serve(body) => {
            let from: usize = range.as_deref().and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok()).unwrap_or(0);
            if from > 0 {
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{}\r\nConnection: close\r\n\r\n",
                    body.len() - from,
                    body.len() - 1,
                    body.len()
                );
                stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body[from..]))
            } else {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body))
            }
        }
        Reply::Cut(body, n) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body[..n]))
        }
        Reply::Status(code) => {
            let head = format!("HTTP/1.1 {code} Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(head.as_bytes())
        }
        Reply::Slow(body) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let mut r = stream.write_all(head.as_bytes());
            for chunk in body.chunks(4096) {
                if r.is_err() {
                    break;
                }
                r = stream.write_all(chunk).and_then(|()| stream.flush());
                std::thread::sleep(Duration::from_millis(25));
            }
            r
        }
    };
    let _ = stream.flush();
}
