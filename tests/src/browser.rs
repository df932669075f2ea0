//! Headless Debian chromium, driven by playwright-core (tests/browser/
//! drive.js) over a line protocol: one JSON command in, one JSON answer
//! out. The fake camera and microphone play files the test makes, so the
//! browser's picture and voice can be recognised at the other end.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};

use crate::util::{self, TempDir};
use crate::video::Colour;

/// Debian's chromium: playwright-core is told to use it, never to fetch one.
pub const CHROMIUM: &str = "/usr/bin/chromium";
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The node project under tests/browser.
pub fn browser_dir() -> PathBuf {
    crate::daemon::workspace_root()
        .join("tests")
        .join("browser")
}

/// Runs `npm ci` in tests/browser when node_modules is missing (a fresh
/// clone); playwright-core downloads no browser on install.
pub fn ensure_node_modules() {
    let dir = browser_dir();
    if dir.join("node_modules").join("playwright-core").is_dir() {
        return;
    }
    let npm = util::require_program("npm", "npm");
    let out = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "npm ci in {}: {}\n{}{}",
            dir.display(),
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("running npm ci: {e}"),
    }
}

/// The fake devices' media: a solid colour (Y4M, made with GStreamer) and
/// beeps of a tone (WAV). Chromium loops both files.
pub struct FakeMedia {
    pub video: PathBuf,
    pub audio: PathBuf,
}

impl FakeMedia {
    pub fn make(dir: &Path, colour: Colour, tone_hz: u32) -> FakeMedia {
        let gst = util::require_program("gst-launch-1.0", "gstreamer1.0-tools");
        let video = dir.join(format!("{colour}.y4m"));
        let audio = dir.join(format!("{tone_hz}hz.wav"));
        // 2 s at 15 fps of 640x480 is 14 MB: enough, as it loops.
        let pipeline = format!(
            "videotestsrc pattern=solid-color foreground-color={:#x} num-buffers=30 \
             ! video/x-raw,format=I420,width=640,height=480,framerate=15/1 ! y4menc \
             ! filesink location={}",
            colour.argb(),
            video.display()
        );
        let out = Command::new(&gst)
            .arg("-q")
            .args(pipeline.split_whitespace())
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "gst-launch-1.0 {pipeline}: {}\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("running gst-launch-1.0: {e}"),
        }
        if let Err(e) = std::fs::write(&audio, beeps_wav(tone_hz)) {
            panic!("writing {}: {e}", audio.display());
        }
        FakeMedia { video, audio }
    }
}

/// 10 s of 48 kHz mono WAV: `hz` in beeps of 300 ms with 200 ms pauses, at
/// half scale. Beeps, not a steady tone: chromium's noise suppression
/// takes a steady tone for background noise and fades it out within
/// seconds (measured: 1756 -> 553 over 8 s at the terminal), while the
/// pauses keep its noise estimate low, as speech does.
pub fn beeps_wav(hz: u32) -> Vec<u8> {
    const RATE: u32 = 48_000;
    const SECS: u32 = 10;
    let n = RATE * SECS;
    let mut out = Vec::with_capacity(44 + 2 * n as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(2 * RATE).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * n).to_le_bytes());
    let ramp = f64::from(RATE) * 0.005;
    for i in 0..n {
        let in_cycle = f64::from(i % (RATE / 2));
        let on = f64::from(RATE) * 0.3;
        // 5 ms ramps: no clicks at the beep edges.
        let gain = if in_cycle >= on {
            0.0
        } else {
            (in_cycle / ramp).min((on - in_cycle) / ramp).min(1.0)
        };
        let t = f64::from(i) / f64::from(RATE);
        let v = 16384.0 * gain * (2.0 * std::f64::consts::PI * f64::from(hz) * t).sin();
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

/// The flags the tests run chromium with: headless, no network of its own,
/// fake devices playing `media`, loopback ICE candidates without mDNS.
pub fn chromium_args(profile: &Path, media: &FakeMedia) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([
        format!("--user-data-dir={}", profile.display()),
        format!(
            "--use-file-for-fake-video-capture={}",
            media.video.display()
        ),
        format!(
            "--use-file-for-fake-audio-capture={}",
            media.audio.display()
        ),
    ])
    .collect()
}

/// A running drive.js with its chromium; both killed on drop.
pub struct Browser {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<String>,
    log_path: PathBuf,
    /// The chromium process (the browser, not node).
    pub chromium_pid: Option<u32>,
    // Last: removed after the child is gone.
    dir: TempDir,
}

impl Browser {
    /// Starts node with drive.js and launches chromium with `media` as its
    /// camera and microphone.
    pub fn launch(media: &FakeMedia) -> Browser {
        util::require_program("chromium", "chromium");
        let node = util::require_program("node", "nodejs");
        ensure_node_modules();
        let dir = TempDir::new("chromium");
        let log_path = dir.join("browser.log");
        let log = match std::fs::File::create(&log_path) {
            Ok(f) => f,
            Err(e) => panic!("creating {}: {e}", log_path.display()),
        };
        let mut child = match Command::new(node)
            .arg(browser_dir().join("drive.js"))
            .current_dir(browser_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("starting node drive.js: {e}"),
        };
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            panic!("node drive.js: no pipes");
        };
        let (tx, answers) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut b = Browser {
            child,
            stdin,
            answers,
            log_path,
            chromium_pid: None,
            dir,
        };
        let profile = b.dir.join("profile");
        let launched = b.call(json!({
            "cmd": "launch",
            "executable": CHROMIUM,
            "args": chromium_args(&profile, media),
        }));
        match launched {
            Ok(v) => b.chromium_pid = v["pid"].as_u64().and_then(|p| u32::try_from(p).ok()),
            Err(e) => panic!("launching chromium: {e}\n{}", b.log()),
        }
        b
    }

    /// Sends one command, waits for its answer's value (or its error).
    pub fn call(&mut self, cmd: Value) -> Result<Value, String> {
        let line = format!("{cmd}\n");
        self.stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("writing to drive.js: {e}"))?;
        let answer = self
            .answers
            .recv_timeout(COMMAND_TIMEOUT)
            .map_err(|e| format!("no answer from drive.js to {cmd}: {e}"))?;
        let v: Value =
            serde_json::from_str(&answer).map_err(|e| format!("drive.js said {answer:?}: {e}"))?;
        if v["ok"] == true {
            Ok(v.get("value").cloned().unwrap_or(Value::Null))
        } else {
            Err(v["error"].as_str().unwrap_or("failed").to_owned())
        }
    }

    /// [`Browser::call`], panicking with the browser log on error.
    pub fn must(&mut self, cmd: Value) -> Value {
        match self.call(cmd.clone()) {
            Ok(v) => v,
            Err(e) => panic!("{cmd}: {e}\n--- browser log ---\n{}", self.log_tail()),
        }
    }

    pub fn goto(&mut self, url: &str) {
        self.must(json!({"cmd": "goto", "url": url}));
    }

    pub fn fill(&mut self, selector: &str, value: &str) {
        self.must(json!({"cmd": "fill", "selector": selector, "value": value}));
    }

    pub fn click(&mut self, selector: &str) {
        self.must(json!({"cmd": "click", "selector": selector}));
    }

    /// A JavaScript expression's value in the page.
    pub fn eval(&mut self, expr: &str) -> Value {
        self.must(json!({"cmd": "eval", "expr": expr}))
    }

    /// Waits until `expr` is truthy in the page; its value, or the error.
    pub fn wait(&mut self, expr: &str, timeout: Duration) -> Result<Value, String> {
        self.call(json!({
            "cmd": "wait",
            "expr": expr,
            "timeout_ms": timeout.as_millis() as u64,
        }))
    }

    /// The page connection's RTP counters (see drive.js), Null before one.
    pub fn stats(&mut self) -> Value {
        self.must(json!({"cmd": "stats"}))
    }

    /// A PNG of `selector` (the whole page when None) at `path`.
    pub fn screenshot(&mut self, path: &Path, selector: Option<&str>) -> Vec<u8> {
        self.must(json!({
            "cmd": "screenshot",
            "path": path.display().to_string(),
            "selector": selector,
        }));
        match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => panic!("reading {}: {e}", path.display()),
        }
    }

    /// SIGKILLs chromium: the page gets no chance to DELETE its session.
    pub fn kill_chromium(&mut self) {
        self.must(json!({"cmd": "kill"}));
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log(&self) -> String {
        util::read_lossy(&self.log_path)
    }

    pub fn log_tail(&self) -> String {
        util::tail(&self.log(), 60)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call(json!({"cmd": "close"}));
        util::stop_child(&mut self.child, "TERM", Duration::from_secs(3));
        if thread::panicking() {
            eprintln!(
                "--- browser log ({}), last lines ---\n{}\n--- end of browser log ---",
                self.log_path.display(),
                self.log_tail()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::{parse_wav, tone_amplitude};

    #[test]
    fn beeps_are_the_tone_with_silent_pauses() {
        let wav = parse_wav(&beeps_wav(1000)).unwrap();
        assert_eq!(wav.rate, 48_000);
        assert!((wav.duration_secs() - 10.0).abs() < 1e-6);
        let s = &wav.samples;
        // Inside the first beep: the tone at near half scale.
        let beep = &s[4_800..12_000];
        let a = tone_amplitude(beep, wav.rate, 1000.0);
        assert!((a - 16384.0).abs() < 400.0, "{a}");
        assert!(tone_amplitude(beep, wav.rate, 440.0) < 200.0);
        // The pause after it (300..500 ms): silence.
        assert!(s[14_500..24_000].iter().all(|v| *v == 0));
    }
}
