//! The object-store target's blob layer (SPEC §3.13) against a real
//! S3-compatible server (moto, see synapse-test-support's `moto`).

use synapse_core::copy::Copied;
use synapse_core::error::{Error, RemoteProblem};
use synapse_core::progress::CancelToken;
use synapse_core::s3::{Bucket, S3Location};

use crate::moto;
use crate::support::{content, Fixture};

fn bucket(test: &str) -> Option<(Bucket, &'static moto::Moto)> {
    let m = moto::server()?;
    let name = m.bucket(test);
    Some((Bucket::open("cloud", &m.location(&name, "lib/one"), Some(&m.credentials())).unwrap(), m))
}

#[test]
fn a_blob_goes_up_is_listed_comes_back_and_rehashes_to_its_name() {
    let Some((b, m)) = bucket("roundtrip") else { return };
    let f = Fixture::new();
    let bytes = content("small model", 300_000);
    let sha = f.put_local(&bytes);
    let cancel = CancelToken::new();
    assert_eq!(b.upload(&sha, f.store.layout(), "id1", false, None, &cancel).unwrap(), Copied::Done { bytes: 300_000 });
    // Again: the object of the right size is the blob.
    assert_eq!(b.upload(&sha, f.store.layout(), "id1", false, None, &cancel).unwrap(), Copied::AlreadyPresent { bytes: 300_000 });
    assert_eq!(b.list().unwrap(), vec![(sha.clone(), 300_000)]);
    let key = format!("lib/one/data/blobs/sha256/{}/{}", sha.fanout(), sha);
    assert!(m.boto("print([o['Key'] for o in s3.list_objects_v2(Bucket='roundtrip')['Contents']])").contains(&key));
    assert_eq!(b.rehash(&sha, None, &cancel).unwrap(), Some(sha.clone()));

    let other = Fixture::new();
    assert_eq!(
        b.download(&sha, other.store.layout(), &synapse_core::copy::Existing::Keep, None, &cancel).unwrap(),
        Copied::Done { bytes: 300_000 }
    );
    assert_eq!(std::fs::read(other.local_path(&sha)).unwrap(), bytes);
    assert_eq!(b.delete(&sha).unwrap(), 300_000);
    assert_eq!(b.head(&sha).unwrap(), None);
}

#[test]
fn a_large_blob_goes_up_in_checksummed_parts_and_only_completes_when_its_hash_matches() {
    let Some((b, m)) = bucket("parts") else { return };
    let b = b.with_part_bytes(5 << 20);
    let f = Fixture::new();
    let bytes: Vec<u8> = (0..13u32 << 20).map(|i| (i % 251) as u8).collect();
    let sha = f.put_local(&bytes);
    let cancel = CancelToken::new();
    assert_eq!(b.upload(&sha, f.store.layout(), "id1", false, None, &cancel).unwrap(), Copied::Done { bytes: bytes.len() as u64 });
    // Three parts: the object's ETag says so ("…-3").
    let etag = m.boto(&format!("print(s3.head_object(Bucket='parts', Key='{}')['ETag'])", b.blob_key(&sha)));
    assert!(etag.trim().trim_matches('"').ends_with("-3"), "{etag}");
    assert_eq!(b.rehash(&sha, None, &cancel).unwrap(), Some(sha.clone()));
    // No upload record is left behind.
    assert!(std::fs::read_dir(f.store.layout().tmp()).map(|d| d.count()).unwrap_or(0) == 0);

    // A local file that rotted is never completed under its name.
    let rotten_sha = f.put_local(&bytes[..11 << 20]);
    let p = f.local_path(&rotten_sha);
    let mut rotten = std::fs::read(&p).unwrap();
    rotten[7 << 20] ^= 1;
    std::fs::write(&p, rotten).unwrap();
    assert!(matches!(b.upload(&rotten_sha, f.store.layout(), "id1", false, None, &cancel), Err(Error::Integrity { .. })));
    assert_eq!(b.head(&rotten_sha).unwrap(), None);
    let open = m.boto("print(len(s3.list_multipart_uploads(Bucket='parts').get('Uploads', [])))");
    assert_eq!(open.trim(), "0", "the failed upload was aborted");
}

#[test]
fn a_download_of_other_bytes_than_the_name_is_refused_and_nothing_is_placed() {
    let Some((b, m)) = bucket("lying") else { return };
    let f = Fixture::new();
    let sha = f.put_local(&content("honest", 1000));
    let cancel = CancelToken::new();
    b.upload(&sha, f.store.layout(), "id1", false, None, &cancel).unwrap();
    // Overwritten through the server's own API, same size.
    m.boto(&format!("s3.put_object(Bucket='lying', Key='{}', Body=b'x' * 1000)", b.blob_key(&sha)));
    assert_ne!(b.rehash(&sha, None, &cancel).unwrap(), Some(sha.clone()));
    let other = Fixture::new();
    assert!(matches!(
        b.download(&sha, other.store.layout(), &synapse_core::copy::Existing::Keep, None, &cancel),
        Err(Error::Integrity { .. })
    ));
    assert!(!other.local_path(&sha).exists());
    assert_eq!(std::fs::read_dir(other.store.layout().tmp()).map(|d| d.count()).unwrap_or(0), 0, "no part is kept of bad bytes");
}

#[test]
fn wrong_keys_a_missing_bucket_and_no_server_each_say_what_is_wrong() {
    let Some(m) = moto::server() else { return };
    let bucket = m.bucket("diagnose");
    let wrong =
        synapse_core::s3::Credentials { access_key_id: "AKIANOSUCHKEY".into(), secret_access_key: "nope".into(), session_token: None };
    let problem = |r: synapse_core::Result<()>| match r {
        Err(Error::Remote { problem, message, .. }) => (problem, message),
        other => panic!("expected a remote error, got {other:?}"),
    };
    let (p, msg) = problem(Bucket::open("cloud", &m.location(&bucket, ""), Some(&wrong)).unwrap().test());
    assert_eq!(p, RemoteProblem::Credentials, "{msg}");
    let (p, msg) = problem(Bucket::open("cloud", &m.location("no-such-bucket", ""), Some(&m.credentials())).unwrap().test());
    assert_eq!(p, RemoteProblem::BucketMissing, "{msg}");
    assert!(msg.contains("no-such-bucket"), "{msg}");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = S3Location { endpoint: format!("http://127.0.0.1:{port}"), ..m.location(&bucket, "") };
    let (p, msg) = problem(Bucket::open("cloud", &nowhere, Some(&m.credentials())).unwrap().test());
    assert_eq!(p, RemoteProblem::Unreachable, "{msg}");
    assert!(Bucket::open("cloud", &m.location(&bucket, "x"), Some(&m.credentials())).unwrap().test().is_ok());
    // No key at all is said before anything is sent.
    assert!(matches!(
        Bucket::open("cloud", &m.location(&bucket, ""), None),
        Err(Error::Remote { problem: RemoteProblem::Credentials, .. })
    ));
}

/// A TCP proxy in front of the server that misbehaves on purpose: it cuts
/// the first `cuts` connections once `after` bytes of a request went
/// through, and answers the next `slow_downs` connections with a 503
/// SlowDown. Counts what it did.
struct Proxy {
    endpoint: String,
    cut: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    slowed: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

fn proxy(upstream: &str, cuts: usize, after: usize, slow_downs: usize) -> Proxy {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let (cut, slowed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, s) = (Arc::clone(&cut), Arc::clone(&slowed));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (c, s, upstream) = (Arc::clone(&c), Arc::clone(&s), upstream.clone());
            std::thread::spawn(move || {
                let mut client = client;
                // Connections past the cuts, up to the slow-downs, get a 503 and are closed.
                let n = c.load(Ordering::SeqCst);
                if n >= cuts && s.load(Ordering::SeqCst) < slow_downs {
                    let mut buf = [0u8; 4096];
                    let _ = client.read(&mut buf);
                    s.fetch_add(1, Ordering::SeqCst);
                    let body =
                        "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
                    let _ = write!(
                        client,
                        "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                let Ok(server) = TcpStream::connect(&upstream) else { return };
                let (mut from_client, mut to_server) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut from_server, mut to_client) = (server, client);
                let down = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                    let _ = to_client.shutdown(Shutdown::Write);
                });
                let mut sent = 0usize;
                let mut buf = vec![0u8; 64 << 10];
                while let Ok(k) = from_client.read(&mut buf) {
                    if k == 0 {
                        break;
                    }
                    sent += k;
                    if sent > after && c.load(Ordering::SeqCst) < cuts {
                        c.fetch_add(1, Ordering::SeqCst);
                        let _ = to_server.shutdown(Shutdown::Both);
                        let _ = from_client.shutdown(Shutdown::Both);
                        break;
                    }
                    if to_server.write_all(&buf[..k]).is_err() {
                        break;
                    }
                }
                let _ = to_server.shutdown(Shutdown::Write);
                let _ = down.join();
            });
        }
    });
    Proxy { endpoint, cut, slowed }
}

#[test]
fn a_connection_cut_mid_part_and_a_slow_down_are_retried_and_the_upload_completes() {
    use std::sync::atomic::Ordering;
    let Some(m) = moto::server() else { return };
    let name = m.bucket("flaky");
    let p = proxy(&m.endpoint, 2, 2 << 20, 2);
    let location = S3Location { endpoint: p.endpoint.clone(), ..m.location(&name, "") };
    let b = Bucket::open("cloud", &location, Some(&m.credentials())).unwrap().with_part_bytes(5 << 20);
    let f = Fixture::new();
    let bytes: Vec<u8> = (0..12u32 << 20).map(|i| (i % 241) as u8).collect();
    let sha = f.put_local(&bytes);
    let cancel = CancelToken::new();
    assert_eq!(b.upload(&sha, f.store.layout(), "id1", false, None, &cancel).unwrap(), Copied::Done { bytes: bytes.len() as u64 });
    assert_eq!(p.cut.load(Ordering::SeqCst), 2, "two connections were cut mid-part");
    assert_eq!(p.slowed.load(Ordering::SeqCst), 2, "two requests were told to slow down");
    let direct = Bucket::open("cloud", &m.location(&name, ""), Some(&m.credentials())).unwrap();
    assert_eq!(direct.rehash(&sha, None, &cancel).unwrap(), Some(sha.clone()), "the object is whole");
}

#[test]
fn a_server_that_keeps_cutting_fails_the_item_with_a_clear_error_and_keeps_the_resume_record() {
    let Some(m) = moto::server() else { return };
    let name = m.bucket("dead");
    let p = proxy(&m.endpoint, usize::MAX, 1 << 20, 0);
    let location = S3Location { endpoint: p.endpoint.clone(), ..m.location(&name, "") };
    let b = Bucket::open("cloud", &location, Some(&m.credentials())).unwrap().with_part_bytes(5 << 20);
    let f = Fixture::new();
    let bytes: Vec<u8> = (0..11u32 << 20).map(|i| (i % 239) as u8).collect();
    let sha = f.put_local(&bytes);
    let started = std::time::Instant::now();
    let e = b.upload(&sha, f.store.layout(), "id1", false, None, &CancelToken::new()).unwrap_err();
    assert!(matches!(e, Error::Remote { .. }), "{e:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(150), "retries are bounded");
    assert!(e.to_string().contains("cloud"), "{e}");
    assert_eq!(b.head(&sha).unwrap(), None, "no object under the blob's name");
    let records: Vec<_> = std::fs::read_dir(f.store.layout().tmp())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".s3upload.json"))
        .collect();
    assert_eq!(records.len(), 1, "the upload id is kept for a resume");
}

#[test]
fn a_location_is_tested_before_it_is_added_and_nothing_is_recorded() {
    let Some(m) = moto::server() else { return };
    let name = m.bucket("before-add");
    let f = Fixture::new();
    let t = synapse_core::target::test_location(&f.store, "cloud", &m.location(&name, "lib"), Some(m.credentials())).unwrap();
    assert!(t.checks[0].contains("as typed here"), "{:?}", t.checks);
    assert!(!t.read_only);
    assert!(!f.store.layout().root().join("state/targets.json").exists(), "no target was added");
    assert_eq!(
        m.boto("print(s3.list_objects_v2(Bucket='before-add').get('KeyCount'))").trim(),
        "0",
        "the probe object is gone, no backup-id claimed"
    );
    let wrong = synapse_core::s3::Credentials { access_key_id: "AKIANOSUCHKEY".into(), secret_access_key: "x".into(), session_token: None };
    let e = synapse_core::target::test_location(&f.store, "cloud", &m.location(&name, "lib"), Some(wrong)).unwrap_err();
    assert!(matches!(e, Error::Remote { problem: RemoteProblem::Credentials, .. }), "{e:?}");
}
