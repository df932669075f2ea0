//! Packet capture on the loopback interface with tshark, and decoding of the
//! capture with Wireshark's dissectors: what we put on the wire, judged by an
//! independent implementation. Capturing needs root or CAP_NET_RAW (CI runs
//! as root).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::util::{self, TempDir};

pub struct Tshark {
    child: Option<Child>,
    pcap: PathBuf,
    log_path: PathBuf,
    /// `-d` decode-as rules for reading (SIP on a non-standard port...).
    decode_as: Vec<String>,
    dir: TempDir,
}

impl Tshark {
    /// Captures UDP and TCP traffic to or from any of `ports` on `lo`, and
    /// decodes those ports as SIP when reading. Use [`Tshark::start_filter`]
    /// for anything else.
    pub fn start(sip_ports: &[u16]) -> Tshark {
        let bpf = sip_ports
            .iter()
            .map(|p| format!("udp port {p} or tcp port {p}"))
            .collect::<Vec<_>>()
            .join(" or ");
        let decode_as = sip_ports
            .iter()
            .flat_map(|p| [format!("udp.port=={p},sip"), format!("tcp.port=={p},sip")])
            .collect::<Vec<_>>();
        Tshark::start_filter(&bpf, &decode_as)
    }

    /// Captures on `lo` with a BPF capture filter (`udp portrange
    /// 20000-20099`); `decode_as` are tshark `-d` rules applied when reading.
    pub fn start_filter(bpf: &str, decode_as: &[String]) -> Tshark {
        Tshark::start_on("lo", bpf, decode_as)
    }

    /// As [`Tshark::start_filter`], on interface `iface` (of the network
    /// namespace the test runs in).
    pub fn start_on(iface: &str, bpf: &str, decode_as: &[String]) -> Tshark {
        let bin = util::require_program("tshark", "tshark");
        let dir = TempDir::new("tshark");
        let pcap = dir.join("capture.pcapng");
        let log_path = dir.join("tshark.log");
        let (stdout, stderr) = match util::log_stdio(&log_path) {
            Ok(s) => s,
            Err(e) => panic!("creating {}: {e}", log_path.display()),
        };
        let mut child = match Command::new(bin)
            .args(["-i", iface, "-q", "-f", bpf, "-w"])
            .arg(&pcap)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("starting tshark: {e}"),
        };
        // Packets sent before the capture is live are missed. tshark says
        // "Capturing on" when it asks dumpcap to start and "Capture
        // started" once dumpcap is running (some milliseconds later: a
        // dial-out's Setup fell in between). A tshark that never says the
        // latter is trusted two seconds after the former.
        let mut announced: Option<std::time::Instant> = None;
        let live = util::wait_for(Duration::from_secs(15), || {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(Err(status.to_string()));
            }
            let log = util::read_lossy(&log_path);
            if log.contains("Capture started") {
                return Some(Ok(()));
            }
            if log.contains("Capturing on") {
                let at = *announced.get_or_insert_with(std::time::Instant::now);
                if at.elapsed() > Duration::from_secs(2) {
                    return Some(Ok(()));
                }
            }
            None
        });
        match live {
            Some(Ok(())) => {}
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "tshark capture did not start ({}):\n{}",
                    match other {
                        Some(Err(status)) => format!("exited with {status}"),
                        _ => "timeout".to_owned(),
                    },
                    util::read_lossy(&log_path)
                );
            }
        }
        Tshark {
            child: Some(child),
            pcap,
            log_path,
            decode_as: decode_as.to_vec(),
            dir,
        }
    }

    /// Ends the capture (SIGINT, so the file is complete). Reading does this
    /// by itself.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Let the last packets reach the capture before stopping.
            std::thread::sleep(Duration::from_millis(300));
            util::stop_child(&mut child, "INT", Duration::from_secs(10));
        }
    }

    pub fn pcap(&self) -> &std::path::Path {
        &self.pcap
    }

    fn read(&mut self, args: &[&str]) -> String {
        self.stop();
        let mut cmd = Command::new("tshark");
        cmd.arg("-r").arg(&self.pcap);
        for rule in &self.decode_as {
            cmd.arg("-d").arg(rule);
        }
        let out = match cmd.args(args).stdin(Stdio::null()).output() {
            Ok(o) => o,
            Err(e) => panic!("running tshark -r: {e}"),
        };
        if !out.status.success() {
            self.dir.keep();
            panic!(
                "tshark -r {} {args:?} failed: {}\n{}",
                self.pcap.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The `fields` of every packet matching the display filter, one row
    /// per packet (tab-separated by tshark, split here). Multiple
    /// occurrences of a field in one packet are joined with `,`.
    pub fn fields(&mut self, display_filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
        let mut args = vec!["-Y", display_filter, "-T", "fields", "-E", "occurrence=a"];
        for f in fields {
            args.push("-e");
            args.push(f);
        }
        self.read(&args)
            .lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    }

    /// How many packets match the display filter.
    pub fn count(&mut self, display_filter: &str) -> usize {
        self.fields(display_filter, &["frame.number"]).len()
    }

    /// Packets Wireshark could not dissect (`_ws.malformed`), as
    /// `frame: protocols: info` lines; empty when all is well.
    pub fn malformed(&mut self) -> Vec<String> {
        self.summaries("_ws.malformed")
    }

    /// Packets with an expert-info error (bad Content-Length, bad checksum
    /// of a generated header...), same format as [`Tshark::malformed`].
    pub fn expert_errors(&mut self) -> Vec<String> {
        self.summaries("_ws.expert.severity == error")
    }

    fn summaries(&mut self, display_filter: &str) -> Vec<String> {
        self.fields(
            display_filter,
            &["frame.number", "frame.protocols", "_ws.col.Info"],
        )
        .into_iter()
        .map(|row| row.join(": "))
        .collect()
    }

    /// A verbose dump of the matching packets (for failure messages).
    pub fn dump(&mut self, display_filter: &str) -> String {
        self.read(&["-Y", display_filter, "-V"])
    }

    /// tshark's own messages.
    pub fn log(&self) -> String {
        util::read_lossy(&self.log_path)
    }
}

impl Drop for Tshark {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
