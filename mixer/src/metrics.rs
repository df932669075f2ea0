//! Media counters, registered into the daemon's Prometheus registry.

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

#[derive(Clone)]
pub struct MediaMetrics {
    pub rtp_packets_received: IntCounter,
    pub rtp_packets_lost: IntCounter,
    pub rtp_bytes_received: IntCounter,
    pub rtcp_packets_received: IntCounter,
    /// Packets dropped before reaching a stream, by reason (`not_rtp`,
    /// `wrong_source`, `unknown_payload_type`).
    pub rtp_dropped: IntCounterVec,
}

impl MediaMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = Self {
            rtp_packets_received: IntCounter::new(
                "diemcau_rtp_packets_received_total",
                "RTP packets received from participants",
            )?,
            rtp_packets_lost: IntCounter::new(
                "diemcau_rtp_packets_lost_total",
                "RTP packets lost on the way from participants (RFC 3550 sequence accounting)",
            )?,
            rtp_bytes_received: IntCounter::new(
                "diemcau_rtp_bytes_received_total",
                "RTP payload bytes received from participants",
            )?,
            rtcp_packets_received: IntCounter::new(
                "diemcau_rtcp_packets_received_total",
                "RTCP packets received from participants",
            )?,
            rtp_dropped: IntCounterVec::new(
                Opts::new(
                    "diemcau_rtp_dropped_total",
                    "Datagrams on media ports that were not accepted",
                ),
                &["reason"],
            )?,
        };
        registry.register(Box::new(m.rtp_packets_received.clone()))?;
        registry.register(Box::new(m.rtp_packets_lost.clone()))?;
        registry.register(Box::new(m.rtp_bytes_received.clone()))?;
        registry.register(Box::new(m.rtcp_packets_received.clone()))?;
        registry.register(Box::new(m.rtp_dropped.clone()))?;
        Ok(m)
    }

    /// Handles registered nowhere, for unit tests.
    pub fn unregistered() -> Self {
        Self::register(&Registry::new()).expect("fresh registry accepts every metric")
    }
}
