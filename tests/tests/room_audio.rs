//! Mix-minus with real terminals: three baresips in room 1000, each sending
//! its own tone (440, 660, 880 Hz). What the gateway sends each of them,
//! captured on the wire with tshark and decoded here (G.711), holds the two
//! other tones and not the terminal's own.

use std::collections::HashMap;
use std::time::Duration;

use diemcau_e2e::audio::{g711_samples, tone_amplitude, unhex};
use diemcau_e2e::{wait_until, Account, Baresip, BaresipOptions, Daemon, DaemonOptions, Tshark};

const WAIT: Duration = Duration::from_secs(15);

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
        let own = tone_amplitude(&tail, 8000, f64::from(tones[i]));
        for (j, hz) in tones.iter().enumerate() {
            if i == j {
                continue;
            }
            let other = tone_amplitude(&tail, 8000, f64::from(*hz));
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
