//! Test-only: Wireshark's H.245 dissector as the judge of our PER.
//!
//! The messages are written to a pcap of link type 252 (Wireshark's
//! "upper PDU" export), each tagged with the dissector name `h245dg` (a
//! bare `MultimediaSystemControlMessage`), so no TCP/TPKT framing is
//! needed, and read back with `tshark -V`.

use std::path::PathBuf;
use std::process::Command;

/// What tshark made of a set of messages.
pub struct Dissection {
    /// `tshark -V` of every frame.
    pub verbose: String,
    /// Frames with `_ws.malformed` or an expert error.
    pub malformed: usize,
}

fn pcap(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    // Global header: magic, version 2.4, zone, sigfigs, snaplen, link type.
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 262_144, 252] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (i, m) in messages.iter().enumerate() {
        let mut rec = Vec::new();
        // EXP_PDU_TAG_DISSECTOR_NAME (12), padded to 4 octets, then the end tag.
        rec.extend_from_slice(&12u16.to_be_bytes());
        rec.extend_from_slice(&8u16.to_be_bytes());
        rec.extend_from_slice(b"h245dg\0\0");
        rec.extend_from_slice(&[0, 0, 0, 0]);
        rec.extend_from_slice(m);
        let len = rec.len() as u32;
        for v in [i as u32, 0, len, len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&rec);
    }
    out
}

/// Dissect `messages` (each one encoded `MultimediaSystemControlMessage`).
/// Panics if tshark is missing: `scripts/setup.sh test` installs it.
pub fn dissect(messages: &[Vec<u8>]) -> Dissection {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path: PathBuf =
        std::env::temp_dir().join(format!("diemcau-h245-{}-{n}.pcap", std::process::id()));
    std::fs::write(&path, pcap(messages)).expect("writing the test pcap");
    let run = |args: &[&str]| -> String {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&path)
            .args(args)
            .output()
            .expect("tshark (scripts/setup.sh test installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let verbose = run(&["-V"]);
    let malformed = run(&["-Y", "_ws.malformed || _ws.expert.severity == error"])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let _ = std::fs::remove_file(&path);
    Dissection { verbose, malformed }
}
