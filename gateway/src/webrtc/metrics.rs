//! WebRTC session metrics, read at scrape time from the statistics each
//! session's refresher keeps (webrtcbin's stats and states are not read in
//! the scrape itself: that would block it on every peer).

use std::sync::Weak;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{GaugeVec, IntCounterVec, IntGaugeVec, Opts};

use super::service::{SessionKind, WebrtcService};

pub struct SessionCollector {
    service: Weak<WebrtcService>,
    descs: Vec<Desc>,
}

struct Families {
    sessions: IntGaugeVec,
    state: IntGaugeVec,
    rtt: GaugeVec,
    lost: GaugeVec,
    bandwidth: GaugeVec,
    link_up: IntGaugeVec,
    link_connects: IntCounterVec,
    link_failures: IntCounterVec,
}

const LABELS: [&str; 3] = ["room", "participant", "kind"];

fn families() -> Result<Families, prometheus::Error> {
    Ok(Families {
        sessions: IntGaugeVec::new(
            Opts::new(
                "diemcau_webrtc_sessions",
                "Current WebRTC sessions, by kind",
            ),
            &["kind"],
        )?,
        state: IntGaugeVec::new(
            Opts::new(
                "diemcau_webrtc_session_state",
                "1 for the current ICE, DTLS and peer connection state of each session",
            ),
            &["room", "participant", "kind", "layer", "state"],
        )?,
        rtt: GaugeVec::new(
            Opts::new(
                "diemcau_webrtc_round_trip_seconds",
                "Round-trip time to the peer, from its receiver reports",
            ),
            &LABELS,
        )?,
        lost: GaugeVec::new(
            Opts::new(
                "diemcau_webrtc_fraction_lost",
                "Fraction of our packets the peer reports lost (0..1)",
            ),
            &LABELS,
        )?,
        bandwidth: GaugeVec::new(
            Opts::new(
                "diemcau_webrtc_estimated_bandwidth_bits_per_second",
                "The peer's receive bandwidth estimate (REMB)",
            ),
            &LABELS,
        )?,
        link_up: IntGaugeVec::new(
            Opts::new(
                "diemcau_webrtc_link_up",
                "1 while a link to an external platform is connected",
            ),
            &["room", "link"],
        )?,
        link_connects: IntCounterVec::new(
            Opts::new(
                "diemcau_webrtc_link_connects_total",
                "Times a link connected",
            ),
            &["room", "link"],
        )?,
        link_failures: IntCounterVec::new(
            Opts::new(
                "diemcau_webrtc_link_failures_total",
                "Failed link attempts and drops",
            ),
            &["room", "link"],
        )?,
    })
}

impl SessionCollector {
    pub fn new(service: Weak<WebrtcService>) -> Result<SessionCollector, prometheus::Error> {
        let f = families()?;
        let descs = [
            f.sessions.desc(),
            f.state.desc(),
            f.rtt.desc(),
            f.lost.desc(),
            f.bandwidth.desc(),
            f.link_up.desc(),
            f.link_connects.desc(),
            f.link_failures.desc(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        Ok(SessionCollector { service, descs })
    }
}

impl Collector for SessionCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Ok(f) = families() else {
            return Vec::new();
        };
        let service = self.service.upgrade();
        let sessions = service.as_ref().map(|s| s.sessions()).unwrap_or_default();
        for l in service.as_ref().map(|s| s.links()).unwrap_or_default() {
            let labels = [l.room.as_str(), l.name.as_str()];
            f.link_up
                .with_label_values(&labels)
                .set(i64::from(l.state == "connected"));
            f.link_connects
                .with_label_values(&labels)
                .inc_by(l.connects);
            f.link_failures
                .with_label_values(&labels)
                .inc_by(l.failures);
        }
        for kind in SessionKind::ALL {
            let n = sessions.iter().filter(|s| s.kind == kind.as_str()).count();
            f.sessions.with_label_values(&[kind.as_str()]).set(n as i64);
        }
        for s in &sessions {
            let p = s.participant.to_string();
            let labels = [s.room.as_str(), p.as_str(), s.kind];
            for (layer, state) in [
                ("ice", s.ice_state),
                ("dtls", s.dtls_state),
                ("connection", s.connection_state),
            ] {
                f.state
                    .with_label_values(&[s.room.as_str(), p.as_str(), s.kind, layer, state])
                    .set(1);
            }
            if let Some(rtt) = s.round_trip_secs {
                f.rtt.with_label_values(&labels).set(rtt);
            }
            if let Some(l) = s.fraction_lost {
                f.lost.with_label_values(&labels).set(l);
            }
            if let Some(b) = s.estimated_bps {
                f.bandwidth.with_label_values(&labels).set(b as f64);
            }
        }
        let mut out = Vec::new();
        out.extend(f.sessions.collect());
        out.extend(f.state.collect());
        out.extend(f.rtt.collect());
        out.extend(f.lost.collect());
        out.extend(f.bandwidth.collect());
        out.extend(f.link_up.collect());
        out.extend(f.link_connects.collect());
        out.extend(f.link_failures.collect());
        out
    }
}
