//! Media counters, registered into the daemon's Prometheus registry.

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

#[derive(Clone)]
pub struct MediaMetrics {
    pub rtp_packets_received: IntCounter,
    pub rtp_packets_lost: IntCounter,
    pub rtp_bytes_received: IntCounter,
    pub rtcp_packets_received: IntCounter,
    /// Packets dropped before reaching a stream, by reason (see
    /// [`DropReason`]: `not_rtp`, `malformed`, `wrong_source`,
    /// `unknown_payload_type`, `wrong_port`).
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
        // Every reason is known up front: show zeros rather than nothing.
        for r in DropReason::ALL {
            m.rtp_dropped.with_label_values(&[r.as_str()]);
        }
        Ok(m)
    }

    pub fn dropped(&self, reason: DropReason) {
        self.rtp_dropped.with_label_values(&[reason.as_str()]).inc();
    }

    /// Handles registered nowhere, for unit tests.
    pub fn unregistered() -> Self {
        Self::register(&Registry::new()).expect("fresh registry accepts every metric")
    }
}

/// Why a datagram on a media port was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Not RTP version 2 at all (STUN, DTLS, garbage).
    NotRtp,
    /// Looked like RTP or RTCP but its header or lengths do not add up.
    Malformed,
    /// Valid, but from a source other than the latched one.
    WrongSource,
    /// RTP with a payload type that was not negotiated on the stream.
    UnknownPayloadType,
    /// RTCP on the RTP port without rtcp-mux, RTP on the RTCP port, or
    /// anything on the RTCP port while rtcp-mux is in use.
    WrongPort,
}

impl DropReason {
    pub const ALL: [DropReason; 5] = [
        DropReason::NotRtp,
        DropReason::Malformed,
        DropReason::WrongSource,
        DropReason::UnknownPayloadType,
        DropReason::WrongPort,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::NotRtp => "not_rtp",
            DropReason::Malformed => "malformed",
            DropReason::WrongSource => "wrong_source",
            DropReason::UnknownPayloadType => "unknown_payload_type",
            DropReason::WrongPort => "wrong_port",
        }
    }
}
