//! sipp (Debian's sip-tester) running a scenario from tests/scenarios.
//!
//! Every run is bounded (`-m` calls, `-timeout` overall, `-timeout_error` so
//! a timeout is a failure), traces messages and errors into its own dir, and
//! dumps statistics to a CSV that [`SippResult`] reads.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::ports::{self, PortBlock};
use crate::util::{self, TempDir};

/// The path of a scenario shipped in tests/scenarios (or `name` itself when
/// it is a path to an existing file).
pub fn scenario(name: &str) -> PathBuf {
    let direct = Path::new(name);
    if direct.is_file() {
        return direct.to_owned();
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// How a sipp run ended.
#[derive(Debug)]
pub struct SippResult {
    /// Exit code: 0 all calls succeeded, 1 some failed, 97 stopped by an
    /// internal command, 99 no call processed, 255/254 fatal errors.
    pub code: Option<i32>,
    pub successful: u64,
    pub failed: u64,
    /// The command line, for messages.
    pub command: String,
    pub dir: PathBuf,
    /// sipp's console output.
    pub output: String,
    /// Every message sent and received (`-trace_msg`).
    pub messages: String,
    /// What went wrong (`-trace_err`).
    pub errors: String,
}

impl SippResult {
    pub fn success(&self) -> bool {
        self.code == Some(0) && self.failed == 0 && self.successful > 0
    }

    /// Panics with the scenario's errors and message trace unless every call
    /// succeeded.
    pub fn assert_success(&self) {
        if !self.success() {
            panic!("{}", self.report("sipp run failed"));
        }
    }

    /// A readable account of the run.
    pub fn report(&self, headline: &str) -> String {
        format!(
            "{headline}: exit {:?}, {} successful, {} failed\n$ {}\n--- errors ---\n{}\n--- messages (last 150 lines) ---\n{}\n--- output ---\n{}",
            self.code,
            self.successful,
            self.failed,
            self.command,
            self.errors.trim(),
            util::tail(&self.messages, 150),
            util::tail(&self.output, 30)
        )
    }
}

/// A sipp process: a UAS waiting for calls, or a UAC run in the background.
pub struct Sipp {
    child: Option<Child>,
    /// Where sipp listens for SIP.
    pub local: SocketAddr,
    /// First port of its media (`-mp`).
    pub media_port: u16,
    command: String,
    dir: TempDir,
}

impl Sipp {
    /// Runs `scenario` against `target` to its end and returns the outcome.
    /// `args` are extra sipp options; `-m 1` and `-timeout 30s` apply unless
    /// given there.
    pub fn run(scenario_name: &str, target: SocketAddr, args: &[&str]) -> SippResult {
        Sipp::spawn(scenario_name, Some(target), args).wait(Duration::from_secs(120))
    }

    /// Starts sipp and returns at once. With `target` None it is a UAS that
    /// waits for calls at [`Sipp::local`].
    pub fn spawn(scenario_name: &str, target: Option<SocketAddr>, args: &[&str]) -> Sipp {
        let bin = util::require_program("sipp", "sip-tester");
        let path = scenario(scenario_name);
        if !path.is_file() {
            panic!("no sipp scenario {}", path.display());
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        let dir = TempDir::new(&format!("sipp-{stem}"));
        let local_port = ports::free_udp_tcp_port();
        let media = PortBlock::reserve();
        let has = |opt: &str| args.contains(&opt);

        let mut argv: Vec<String> = Vec::new();
        if let Some(t) = target {
            argv.push(t.to_string());
        }
        argv.extend(
            [
                "-sf",
                &path.to_string_lossy(),
                "-i",
                "127.0.0.1",
                "-p",
                &local_port.to_string(),
                "-mp",
                &media.first.to_string(),
                "-nostdin",
                "-trace_msg",
                "-message_file",
                &dir.join("messages.log").to_string_lossy(),
                "-trace_err",
                "-error_file",
                &dir.join("errors.log").to_string_lossy(),
                "-trace_stat",
                "-stf",
                &dir.join("stats.csv").to_string_lossy(),
                "-timeout_error",
            ]
            .map(str::to_owned),
        );
        if !has("-m") {
            argv.extend(["-m".into(), "1".into()]);
        }
        if !has("-timeout") {
            argv.extend(["-timeout".into(), "30s".into()]);
        }
        argv.extend(args.iter().map(|a| (*a).to_owned()));

        let out_path = dir.join("output.log");
        let (stdout, stderr) = match util::log_stdio(&out_path) {
            Ok(s) => s,
            Err(e) => panic!("creating {}: {e}", out_path.display()),
        };
        let command = format!("sipp {}", argv.join(" "));
        let child = match Command::new(bin)
            .args(&argv)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("starting {command}: {e}"),
        };
        let sipp = Sipp {
            child: Some(child),
            local: SocketAddr::from(([127, 0, 0, 1], local_port)),
            media_port: media.first,
            command,
            dir,
        };
        if target.is_none() {
            sipp.wait_listening();
        }
        sipp
    }

    /// A UAS is ready once its socket is bound; sipp prints nothing to say
    /// so. Binding the port ourselves to probe could steal it: read
    /// /proc/net instead.
    fn wait_listening(&self) {
        let port = self.local.port();
        if !util::wait_until(Duration::from_secs(5), || util::port_listening(port)) {
            panic!("sipp UAS never bound port {port}: {}", self.command);
        }
    }

    /// `sip:<user>@<sipp's address>`.
    pub fn uri(&self, user: &str) -> String {
        format!("sip:{user}@{}", self.local)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Waits for sipp to finish (kills it after `timeout`) and collects the
    /// outcome.
    pub fn wait(mut self, timeout: Duration) -> SippResult {
        let mut code = None;
        if let Some(mut child) = self.child.take() {
            let status = util::wait_for(timeout, || child.try_wait().ok().flatten());
            code = match status {
                Some(s) => s.code(),
                None => {
                    let _ = child.kill();
                    let _ = child.wait();
                    None
                }
            };
        }
        let stats = util::read_lossy(&self.dir.join("stats.csv"));
        let (successful, failed) = parse_stats(&stats).unwrap_or((0, 0));
        let result = SippResult {
            code,
            successful,
            failed,
            command: self.command.clone(),
            dir: self.dir.path().to_owned(),
            output: util::read_lossy(&self.dir.join("output.log")),
            messages: util::read_lossy(&self.dir.join("messages.log")),
            errors: util::read_lossy(&self.dir.join("errors.log")),
        };
        if !result.success() {
            // Keep the traces for a look after the test.
            self.dir.keep();
        }
        result
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            if thread::panicking() {
                eprintln!(
                    "--- sipp {} ---\n{}",
                    self.command,
                    util::tail(&util::read_lossy(&self.dir.join("errors.log")), 40)
                );
            }
        }
    }
}

/// `(SuccessfulCall(C), FailedCall(C))` from the last row of sipp's
/// `-trace_stat` CSV (`;`-separated, header first).
pub fn parse_stats(csv: &str) -> Option<(u64, u64)> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next()?.split(';').collect();
    let last: Vec<&str> = lines.next_back()?.split(';').collect();
    let column = |name: &str| -> Option<u64> {
        let i = header.iter().position(|h| h.trim() == name)?;
        last.get(i)?.trim().parse().ok()
    };
    Some((column("SuccessfulCall(C)")?, column("FailedCall(C)")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_the_cumulative_columns_of_the_last_row() {
        let csv = "StartTime;CurrentTime;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);\n\
                   a;b;1;1;0;0;\n\
                   a;c;0;41;2;2;\n";
        assert_eq!(parse_stats(csv), Some((41, 2)));
        assert_eq!(parse_stats("SuccessfulCall(C);FailedCall(C)\n"), None);
        assert_eq!(parse_stats(""), None);
    }

    #[test]
    fn every_scenario_is_found() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let name = path.file_name().unwrap().to_str().unwrap();
                assert_eq!(scenario(name), path);
                n += 1;
            }
        }
        assert!(n > 0, "no scenarios in {}", dir.display());
    }
}
