//! Test harness: runs the real `aiondb` binary on a free port with a
//! temporary data directory, and kills it when dropped.

#![allow(dead_code)]

pub mod raw;

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_aiondb");

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub data_dir: PathBuf,
    log_path: PathBuf,
    _logs: tempfile::TempDir,
}

impl Server {
    /// Starts a server on `data_dir` and waits until it accepts connections.
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[], &[])
    }

    pub fn start_with(data_dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut last = String::new();
        for _attempt in 0..3 {
            let mut s = Server::spawn(data_dir, args, envs);
            match s.wait_ready(Duration::from_secs(60)) {
                Ok(()) => return s,
                Err(log) => {
                    // A port taken between probe and bind: try another one.
                    if log.contains("could not listen") {
                        last = log;
                        continue;
                    }
                    panic!("aiondb did not become ready:\n{log}");
                }
            }
        }
        panic!("aiondb could not find a free port:\n{last}");
    }

    /// Spawns without waiting.
    pub fn spawn(data_dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        let logs = tempfile::tempdir().expect("log dir");
        let log_path = logs.path().join("aiondb.log");
        let log = File::create(&log_path).expect("log file");
        // Port 0: the server binds a port the OS picks and logs it, so
        // parallel tests can never end up sharing one.
        let port = 0;
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir")
            .arg(data_dir)
            .arg("--port")
            .arg("0")
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn aiondb");
        Server {
            child: Some(child),
            port,
            data_dir: data_dir.to_path_buf(),
            log_path,
            _logs: logs,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The port from the "ready to accept connections on ADDR" line.
    fn logged_port(&self) -> Option<u16> {
        let log = self.log();
        let line = log
            .lines()
            .rev()
            .find(|l| l.contains("ready to accept connections on "))?;
        line.rsplit(':').next()?.trim().parse().ok()
    }

    /// Waits until the server logged its port and that port accepts TCP
    /// connections; Err(log) if the process exited or the deadline passed.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("exited with {status}:\n{}", self.log()));
            }
            if self.port == 0
                && let Some(p) = self.logged_port()
            {
                self.port = p;
            }
            if self.port != 0
                && TcpStream::connect_timeout(
                    &format!("127.0.0.1:{}", self.port).parse().expect("addr"),
                    Duration::from_millis(200),
                )
                .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("not ready after {timeout:?}:\n{}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }

    /// Sends a signal to the server.
    pub fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            // SAFETY: kill(2) on our own child's pid.
            unsafe {
                libc::kill(c.id() as i32, sig);
            }
        }
    }

    /// Waits for the process to exit (bounded).
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut().expect("running");
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                panic!("aiondb did not exit within {timeout:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(&mut self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait_exit(Duration::from_secs(60))
    }

    /// A tokio-postgres connection string.
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// Connects tokio-postgres and drives the connection on the runtime.
    pub async fn connect(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.conninfo(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}\n{}", self.log()));
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    /// Runs psql with the given extra arguments; returns (success, stdout, stderr).
    pub fn psql(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-X",
            ])
            .args(["-v", "ON_ERROR_STOP=1"])
            .args(args)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .output()
            .expect("run psql");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs the binary to completion with a timeout (for refusal tests).
pub fn run_to_exit(args: &[&str], envs: &[(&str, &str)]) -> (ExitStatus, String) {
    let logs = tempfile::tempdir().expect("log dir");
    let log_path = logs.path().join("out.log");
    let log = File::create(&log_path).expect("log file");
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("dup"))
        .stderr(log);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn aiondb");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "aiondb did not exit:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status,
        std::fs::read_to_string(&log_path).unwrap_or_default(),
    )
}
