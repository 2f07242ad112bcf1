//! Running the binary under measurement: wall time, CPU time and peak resident memory
//! (`VmHWM`), sampled from `/proc/PID` every millisecond while the process runs, and a
//! kill after a hard time limit so that a hang fails the test instead of blocking it.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Past this, the process is killed and the test fails: a hang, not a slow run.
pub const HARD_LIMIT: Duration = Duration::from_secs(120);

/// What a run printed and what it cost.
#[derive(Debug)]
pub struct Measured {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub wall: Duration,
    /// User + system CPU time, as last sampled before the process ended.
    pub cpu: Duration,
    /// Peak resident set size in bytes, as last sampled before the process ended (0 where
    /// `/proc` is missing).
    pub peak_rss: u64,
    pub killed: bool,
}

impl Measured {
    pub fn rss_mb(&self) -> f64 {
        self.peak_rss as f64 / (1024.0 * 1024.0)
    }

    /// Fails unless the run stayed within `cpu` seconds of CPU time and `mb` MiB of memory
    /// (and was not killed for running past [`HARD_LIMIT`]).
    pub fn assert_within(&self, what: &str, cpu: f64, mb: f64) {
        assert!(!self.killed, "{what}: still running after {HARD_LIMIT:?}: a hang\n{}", self.stderr);
        assert!(
            self.cpu.as_secs_f64() <= cpu,
            "{what}: {:.2?} of CPU time, over the bound of {cpu} s (wall {:.2?})",
            self.cpu,
            self.wall
        );
        if self.peak_rss > 0 {
            assert!(self.rss_mb() <= mb, "{what}: peak RSS {:.1} MiB, over the bound of {mb} MiB", self.rss_mb());
        }
    }
}

/// Runs `dockmount ARGS` in `dir` and measures it; prints one line about it.
pub fn dockmount(what: &str, dir: &Path, args: &[&str]) -> Measured {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dockmount"));
    command.current_dir(dir).args(args).env_remove("CI").env("NO_COLOR", "1");
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run dockmount: {e}"));
    // Drained on their own threads: a full pipe would stall the child.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, cpu, peak_rss, killed) = watch(&mut child, started);
    let measured = Measured {
        code: status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        wall: started.elapsed(),
        cpu,
        peak_rss,
        killed,
    };
    eprintln!(
        "hostile: {what}: exit {:?}, {:.2?} wall, {:.2?} CPU, {:.1} MiB peak RSS",
        measured.code,
        measured.wall,
        measured.cpu,
        measured.rss_mb()
    );
    measured
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Samples the child until it exits (or kills it at [`HARD_LIMIT`]): its exit code, CPU
/// time, peak RSS, and whether it was killed.
fn watch(child: &mut Child, started: Instant) -> (Option<i32>, Duration, u64, bool) {
    let pid = child.id();
    let mut cpu = Duration::ZERO;
    let mut peak = 0;
    loop {
        // Sampled before asking whether it exited: the last sample is as late as can be.
        if let Some((sampled_cpu, sampled_peak)) = sample(pid) {
            cpu = cpu.max(sampled_cpu);
            peak = peak.max(sampled_peak);
        }
        match child.try_wait() {
            Ok(Some(status)) => return (status.code(), cpu, peak, false),
            Ok(None) => {}
            Err(e) => panic!("waiting for dockmount: {e}"),
        }
        if started.elapsed() > HARD_LIMIT {
            let _ = child.kill();
            let status = child.wait().ok().and_then(|s| s.code());
            return (status, cpu, peak, true);
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// CPU time (utime + stime) and `VmHWM` of a running process.
fn sample(pid: u32) -> Option<(Duration, u64)> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let peak_kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())?;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after `)`.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports clock ticks of 1/100 s (USER_HZ) on every architecture it runs on.
    Some((Duration::from_millis(ticks * 10), peak_kb * 1024))
}

/// A temporary directory for one case.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

pub fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

pub fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
