//! A real S3-compatible server for the tests: `moto` in server mode (PyPI),
//! started once per test binary on a free port of 127.0.0.1, with request
//! signing checked (`INITIAL_NO_AUTH_ACTION_COUNT`): the harness makes one
//! IAM user and key, and every bucket a test asks for.
//!
//! The Python that has moto comes from `SYNAPSE_MOTO_PYTHON`, else
//! `target/test-venv/bin/python` (what `scripts/test` installs). Without one
//! the S3 tests skip, saying so, unless `SYNAPSE_REQUIRE_S3=1` (CI), where
//! they fail.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Moto {
    pub endpoint: String,
    /// The server's request log (one line per request, with its query string).
    pub log: PathBuf,
    pub key_id: String,
    pub secret: String,
    python: PathBuf,
    _child: ChildGuard,
}

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("SYNAPSE_MOTO_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python");
    venv.exists().then_some(venv)
}

static SERVER: OnceLock<Option<Moto>> = OnceLock::new();

/// The server, started on first use; `None` (after saying so) when moto is
/// not installed and not required.
pub fn server() -> Option<&'static Moto> {
    SERVER
        .get_or_init(|| {
            let Some(python) = python() else {
                if std::env::var("SYNAPSE_REQUIRE_S3").is_ok_and(|v| v == "1") {
                    panic!("SYNAPSE_REQUIRE_S3=1 but no Python with moto: set SYNAPSE_MOTO_PYTHON or run scripts/test");
                }
                eprintln!("SKIPPED: S3 tests need moto (scripts/test installs it into target/test-venv)");
                return None;
            };
            Some(start(python))
        })
        .as_ref()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(python: PathBuf) -> Moto {
    let port = free_port();
    let log = std::env::temp_dir().join(format!("synapse-moto-{}-{port}.log", std::process::id()));
    // A test binary never drops its statics, so the server watches its
    // parent and exits with it (left running, every run leaked one).
    let launcher = format!(
        "import os, threading, time\n\
         parent = os.getppid()\n\
         def watch():\n    while os.getppid() == parent:\n        time.sleep(0.5)\n    os._exit(0)\n\
         threading.Thread(target=watch, daemon=True).start()\n\
         from moto.server import main\n\
         main(['-H', '127.0.0.1', '-p', '{port}'])\n"
    );
    let child = Command::new(&python)
        .args(["-c", &launcher])
        .env("INITIAL_NO_AUTH_ACTION_COUNT", "3")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("moto's log"))
        .spawn()
        .expect("start moto");
    let child = ChildGuard(child);
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start on {endpoint}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The three unauthenticated requests: a user, its key, its policy.
    let out = run_python(
        &python,
        &format!(
            r#"
import boto3, json
iam = boto3.client('iam', endpoint_url='{endpoint}', region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='y')
iam.create_user(UserName='synapse')
k = iam.create_access_key(UserName='synapse')['AccessKey']
iam.put_user_policy(UserName='synapse', PolicyName='all', PolicyDocument=json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}]}}))
print(k['AccessKeyId'], k['SecretAccessKey'])
"#
        ),
    );
    let mut it = out.split_whitespace();
    let (key_id, secret) = (it.next().unwrap().to_owned(), it.next().unwrap().to_owned());
    Moto { endpoint, log, key_id, secret, python, _child: child }
}

fn run_python(python: &PathBuf, script: &str) -> String {
    let out = Command::new(python).args(["-c", script]).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

impl Moto {
    /// How many requests so far had all of `needles` in their log line.
    pub fn requests(&self, needles: &[&str]) -> usize {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().filter(|l| needles.iter().all(|n| l.contains(n))).count()
    }

    /// A new empty bucket of its own for one test.
    pub fn bucket(&self, name: &str) -> String {
        self.boto(&format!("s3.create_bucket(Bucket='{name}')"));
        name.to_owned()
    }

    /// Runs Python with `s3` a boto3 client of the harness's key (to change
    /// objects behind Synapse's back); returns what it printed.
    pub fn boto(&self, code: &str) -> String {
        let script = format!(
            "import boto3\ns3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='{}', aws_secret_access_key='{}')\n{code}\n",
            self.endpoint, self.key_id, self.secret
        );
        run_python(&self.python, &script)
    }

    /// The environment a process needs to use the harness's key.
    pub fn env(&self) -> [(&'static str, String); 2] {
        [("AWS_ACCESS_KEY_ID", self.key_id.clone()), ("AWS_SECRET_ACCESS_KEY", self.secret.clone())]
    }

    pub fn credentials(&self) -> synapse_core::s3::Credentials {
        synapse_core::s3::Credentials { access_key_id: self.key_id.clone(), secret_access_key: self.secret.clone(), session_token: None }
    }

    pub fn location(&self, bucket: &str, prefix: &str) -> synapse_core::s3::S3Location {
        synapse_core::s3::S3Location {
            endpoint: self.endpoint.clone(),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            region: "us-east-1".to_owned(),
            path_style: true,
        }
    }
}
