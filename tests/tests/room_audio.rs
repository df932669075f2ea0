//! Mix-minus with real terminals: three baresips in room 1000, each sending
//! its own tone (440, 660, 880 Hz). What the gateway sends each of them,
//! captured on the wire with tshark and decoded here (G.711), holds the two
//! other tones and not the terminal's own.

use std::collections::HashMap;
use std::time::Duration;

use diemcau_e2e::{wait_until, Account, Baresip, BaresipOptions, Daemon, DaemonOptions, Tshark};

const WAIT: Duration = Duration::from_secs(15);

/// ITU-T G.711 µ-law to linear PCM.
fn ulaw(b: u8) -> i16 {
    let b = !b;
    let sign = b & 0x80;
    let exponent = (b >> 4) & 0x07;
    let mantissa = i16::from(b & 0x0f);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if sign != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// ITU-T G.711 A-law to linear PCM.
fn alaw(b: u8) -> i16 {
    let b = b ^ 0x55;
    let sign = b & 0x80;
    let exponent = (b >> 4) & 0x07;
    let mantissa = i16::from(b & 0x0f);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if sign != 0 {
        magnitude
    } else {
        -magnitude
    }
}

/// Amplitude of `freq` in 8 kHz `samples` (Goertzel, Hann window).
fn tone_amplitude(samples: &[i16], freq: f64) -> f64 {
    let n = samples.len();
    if n == 0 {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for (i, &x) in samples.iter().enumerate() {
        let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
        let s = f64::from(x) * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0);
    4.0 * power.sqrt() / n as f64
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// G.711 payloads of an RTP packet, decoded; None for anything else.
fn g711_samples(packet: &[u8]) -> Option<(u16, Vec<i16>)> {
    if packet.len() < 12 || packet[0] >> 6 != 2 {
        return None;
    }
    let csrc = usize::from(packet[0] & 0x0f);
    let pt = packet[1] & 0x7f;
    let seq = u16::from_be_bytes([packet[2], packet[3]]);
    let payload = packet.get(12 + 4 * csrc..)?;
    let decode: fn(u8) -> i16 = match pt {
        0 => ulaw,
        8 => alaw,
        _ => return None,
    };
    Some((seq, payload.iter().map(|b| decode(*b)).collect()))
}

#[test]
fn three_terminals_hear_the_other_two_and_not_themselves() {
    let d = Daemon::start(DaemonOptions::default());
    let rtp = d.ports().rtp.clone();
    let mut cap =
        Tshark::start_filter(&format!("udp portrange {}-{}", rtp.start, rtp.end - 1), &[]);
    let tones = [440u32, 660, 880];
    let mut terminals = Vec::new();
    for (i, hz) in tones.iter().enumerate() {
        let user = format!("10{}", i + 1);
        let opts = BaresipOptions {
            audio_modules: vec!["g711".into()],
            sine_hz: *hz,
            ..BaresipOptions::audio_only()
        };
        let mut t = Baresip::start(
            &Account::new(&user, &format!("demo{user}"), d.sip_addr()).line(),
            opts,
        );
        t.wait_registered(WAIT).expect("registers");
        t.dial(&d.sip_uri("1000"));
        assert!(
            t.wait_for_event("CALL_ESTABLISHED", WAIT).is_some(),
            "{user}: {:?}",
            t.events()
        );
        terminals.push(t);
    }
    assert!(wait_until(WAIT, || {
        d.api_get("/rooms/1000").json()["participants"]
            .as_array()
            .is_some_and(|p| p.len() == 3)
    }));
    std::thread::sleep(Duration::from_secs(5));
    cap.stop();

    // Packets from the gateway's media ports, by destination port.
    let rows = cap.fields(
        &format!("udp.srcport >= {} && udp.srcport < {}", rtp.start, rtp.end),
        &["udp.dstport", "data.data"],
    );
    let mut by_port: HashMap<u16, Vec<(u16, Vec<i16>)>> = HashMap::new();
    for r in &rows {
        let (Some(port), Some(data)) = (r.first().and_then(|p| p.parse().ok()), r.get(1)) else {
            continue;
        };
        if let Some(p) = g711_samples(&unhex(data)) {
            by_port.entry(port).or_default().push(p);
        }
    }

    for (i, t) in terminals.iter().enumerate() {
        let ports = t.rtp_ports();
        let mut packets: Vec<(u16, Vec<i16>)> = by_port
            .iter()
            .filter(|(p, _)| ports.contains(p))
            .flat_map(|(_, v)| v.iter().cloned())
            .collect();
        assert!(
            packets.len() > 100,
            "terminal {} (RTP ports {ports:?}) got {} mixed packets from the gateway; packets by destination port: {:?}",
            i + 1,
            packets.len(),
            by_port.iter().map(|(p, v)| (*p, v.len())).collect::<Vec<_>>()
        );
        // The last two seconds, in sequence order (wrap-safe enough for a
        // few hundred packets from a random start: sort by distance).
        let first = packets[0].0;
        packets.sort_by_key(|(seq, _)| seq.wrapping_sub(first));
        let tail: Vec<i16> = packets[packets.len() - 100..]
            .iter()
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        let own = tone_amplitude(&tail, f64::from(tones[i]));
        for (j, hz) in tones.iter().enumerate() {
            if i == j {
                continue;
            }
            let other = tone_amplitude(&tail, f64::from(*hz));
            assert!(
                other > 500.0,
                "terminal {} hears {hz} Hz at only {other:.0} (own {own:.0})",
                i + 1
            );
            assert!(
                own < other / 10.0,
                "terminal {} hears itself: {own:.0} against {other:.0}",
                i + 1
            );
        }
    }
    for t in &mut terminals {
        t.hangup();
    }
}
