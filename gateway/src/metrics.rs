//! Prometheus metrics of the daemon. One registry; every subsystem gets the
//! handles it increments. Media counters live in `diemcau_mixer::MediaMetrics`
//! and are registered into the same registry.

use prometheus::{IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry};

/// Methods counted under their own label; anything else is `other`, so that
/// a peer cannot grow the label set with invented method names.
const SIP_METHODS: [&str; 14] = [
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "REGISTER",
    "INFO",
    "UPDATE",
    "PRACK",
    "SUBSCRIBE",
    "NOTIFY",
    "REFER",
    "MESSAGE",
    "PUBLISH",
];

/// The `method` label for a request method.
pub fn method_label(method: &str) -> &'static str {
    SIP_METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("other")
}

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    /// Current registrations, by protocol (`sip`, `h323`).
    pub registrations: IntGaugeVec,
    /// Current calls, by protocol and room.
    pub calls: IntGaugeVec,
    pub sip_requests: IntCounterVec,
    pub sip_responses: IntCounterVec,
    pub auth_failures: IntCounter,
    /// Messages that could not be parsed, by transport.
    pub sip_malformed: IntCounterVec,
    /// SIP transaction timeouts, by method.
    pub sip_transaction_timeouts: IntCounterVec,
    pub media: diemcau_mixer::MediaMetrics,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let registrations = IntGaugeVec::new(
            Opts::new(
                "diemcau_registrations",
                "Current registrations of terminals",
            ),
            &["protocol"],
        )?;
        let calls = IntGaugeVec::new(
            Opts::new("diemcau_calls", "Calls currently in rooms"),
            &["protocol", "room"],
        )?;
        let sip_requests = IntCounterVec::new(
            Opts::new("diemcau_sip_requests_total", "SIP requests received"),
            &["method"],
        )?;
        let sip_responses = IntCounterVec::new(
            Opts::new("diemcau_sip_responses_total", "SIP responses sent"),
            &["code"],
        )?;
        let auth_failures = IntCounter::new(
            "diemcau_auth_failures_total",
            "Digest authentications that failed (wrong password or unknown user)",
        )?;
        let sip_malformed = IntCounterVec::new(
            Opts::new(
                "diemcau_sip_malformed_total",
                "SIP messages that could not be parsed",
            ),
            &["transport"],
        )?;
        let sip_transaction_timeouts = IntCounterVec::new(
            Opts::new(
                "diemcau_sip_transaction_timeouts_total",
                "SIP client transactions that timed out",
            ),
            &["method"],
        )?;
        registry.register(Box::new(registrations.clone()))?;
        registry.register(Box::new(calls.clone()))?;
        registry.register(Box::new(sip_requests.clone()))?;
        registry.register(Box::new(sip_responses.clone()))?;
        registry.register(Box::new(auth_failures.clone()))?;
        registry.register(Box::new(sip_malformed.clone()))?;
        registry.register(Box::new(sip_transaction_timeouts.clone()))?;
        let media = diemcau_mixer::MediaMetrics::register(&registry)?;
        // The protocols are known up front: show zeros rather than nothing.
        registrations.with_label_values(&["sip"]).set(0);
        registrations.with_label_values(&["h323"]).set(0);
        for m in SIP_METHODS {
            sip_requests.with_label_values(&[m]).reset();
        }
        Ok(Self {
            registry,
            registrations,
            calls,
            sip_requests,
            sip_responses,
            auth_failures,
            sip_malformed,
            sip_transaction_timeouts,
            media,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        let encoder = prometheus::TextEncoder::new();
        // Encoding into a Vec cannot fail for well-formed families.
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_methods_show_before_the_first_request_and_others_are_folded() {
        let m = Metrics::new().expect("metrics");
        let text = m.render();
        assert!(text.contains("diemcau_sip_requests_total{method=\"INVITE\"} 0"));
        assert!(text.contains("diemcau_auth_failures_total 0"));
        assert_eq!(method_label("invite"), "INVITE");
        assert_eq!(method_label("FOOBAR"), "other");
    }
}
