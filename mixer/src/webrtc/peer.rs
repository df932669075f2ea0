//! One WebRTC peer connection: a pipeline holding a webrtcbin and, per
//! m-line, an appsrc (what the mixer sends, through the m-line's relay) and
//! an appsink (what the peer sends, back through the relay). Either side of
//! the offer/answer: answering a browser, WHIP publisher or WHEP viewer, or
//! offering as our own WHIP/WHEP client toward another platform.
//!
//! Calls block on webrtcbin's promises: run them off the async runtime.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;
use gstreamer_webrtc::prelude::*;
use gstreamer_webrtc::{
    WebRTCDTLSTransportState as DtlsState, WebRTCICEConnectionState as IceState,
    WebRTCICEGatheringState as Gathering, WebRTCPeerConnectionState as PcState,
    WebRTCRTPTransceiverDirection as Dir,
};

use super::relay::Relay;
use super::sdp::{self, CandidatePolicy};
use crate::spec::MediaKind;
use crate::MixerError;

/// How sessions reach their peers.
#[derive(Debug, Clone, Default)]
pub struct PeerConfig {
    /// `stun://host:port`
    pub stun_server: Option<String>,
    /// `turn://user:password@host:port` (or `turns://`).
    pub turn_servers: Vec<String>,
    pub candidates: CandidatePolicy,
    /// How long to wait for our candidates before answering with what we
    /// have (a STUN/TURN server that does not answer must not stall a join).
    pub gather_timeout: Duration,
    /// webrtcbin's jitter buffer (ms); the mixer has its own after it.
    pub latency_ms: u32,
    /// UDP ports ICE may use (a firewall opened for them). `None`: any.
    pub port_range: Option<(u16, u16)>,
}

/// One m-line as we want it.
#[derive(Clone)]
pub struct PeerLine {
    pub kind: MediaKind,
    /// RTP caps of the one codec we use on the line
    /// (`application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000`).
    pub caps: String,
    /// We send on it (the mixer's output goes out here).
    pub send: bool,
    /// The peer sends on it (its media goes into the mixer).
    pub recv: bool,
    pub relay: Arc<Relay>,
}

impl std::fmt::Debug for PeerLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerLine")
            .field("kind", &self.kind)
            .field("caps", &self.caps)
            .field("send", &self.send)
            .field("recv", &self.recv)
            .finish()
    }
}

impl PeerLine {
    fn gst_caps(&self) -> Result<gst::Caps, MixerError> {
        self.caps.parse().map_err(|_| MixerError::BadCaps {
            caps: self.caps.clone(),
            reason: "not parsable".into(),
        })
    }

    fn direction(&self) -> Dir {
        match (self.send, self.recv) {
            (true, true) => Dir::Sendrecv,
            (true, false) => Dir::Sendonly,
            (false, true) => Dir::Recvonly,
            (false, false) => Dir::Inactive,
        }
    }
}

/// Connection states and figures, for the API and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeerStats {
    /// `new`, `checking`, `connected`, `completed`, `failed`, `disconnected`, `closed`.
    pub ice_state: &'static str,
    /// `new`, `connecting`, `connected`, `failed`, `closed`.
    pub dtls_state: &'static str,
    /// The peer connection as a whole.
    pub connection_state: &'static str,
    /// From the peer's receiver reports.
    pub round_trip_secs: Option<f64>,
    pub fraction_lost: Option<f64>,
    pub packets_received: u64,
    pub packets_lost: i64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// The peer's latest REMB estimate of what it can receive (bit/s).
    pub estimated_bps: Option<u64>,
}

/// What a peer reports on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerEvent {
    /// The peer connection changed state (failed/closed ends the session).
    Connection(&'static str),
    /// The peer's REMB estimate changed (bit/s).
    Bandwidth(u64),
}

pub type EventSink = Arc<dyn Fn(PeerEvent) + Send + Sync>;

#[derive(Default)]
struct Shared {
    gathered: Vec<(u32, String)>,
    estimated_bps: Option<u64>,
}

pub struct WebRtcPeer {
    pipeline: gst::Pipeline,
    webrtcbin: gst::Element,
    lines: Vec<PeerLine>,
    shared: Arc<Mutex<Shared>>,
    policy: CandidatePolicy,
    /// The remote description's mids, to place trickled candidates.
    remote_mids: Mutex<Vec<Option<String>>>,
    remote_ufrag: Mutex<Option<String>>,
}

impl std::fmt::Debug for WebRtcPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRtcPeer")
            .field("name", &self.pipeline.name())
            .field("lines", &self.lines)
            .finish()
    }
}

fn err(what: impl std::fmt::Display) -> MixerError {
    MixerError::Gstreamer(what.to_string())
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn make(factory: &str) -> Result<gst::Element, MixerError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| MixerError::MissingElement(factory.into()))
}

/// webrtcbin understands neither transport-wide congestion control nor
/// most header extensions; answering them would make the browser expect
/// feedback it never gets (and leave REMB unused). They are taken out of
/// the remote description before webrtcbin sees it.
pub fn without_unsupported_feedback(sdp: &str) -> String {
    sdp.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| {
            let transport_cc = l.starts_with("a=rtcp-fb:") && l.ends_with(" transport-cc");
            !(l.starts_with("a=extmap:") || transport_cc)
        })
        .fold(String::new(), |mut out, l| {
            out.push_str(l);
            out.push_str("\r\n");
            out
        })
}

/// A webrtcbin promise's reply, waited for.
fn call(
    webrtcbin: &gst::Element,
    signal: &str,
    args: &[&dyn ToValue],
) -> Result<Option<gst::Structure>, MixerError> {
    let promise = gst::Promise::new();
    let mut values: Vec<gst::glib::Value> = args.iter().map(|a| a.to_value()).collect();
    values.push(promise.to_value());
    webrtcbin.emit_by_name_with_values(signal, &values);
    match promise.wait() {
        gst::PromiseResult::Replied => {}
        other => return Err(err(format!("{signal}: promise {other:?}"))),
    }
    let reply = promise.get_reply().map(|r| r.to_owned());
    if let Some(r) = &reply {
        if let Ok(e) = r.get::<gst::glib::Error>("error") {
            return Err(err(format!("{signal}: {e}")));
        }
    }
    Ok(reply)
}

fn parse_sdp(text: &str) -> Result<gst_sdp::SDPMessage, MixerError> {
    gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).map_err(|_| err("unparsable SDP"))
}

fn media_of(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
    }
}

impl WebRtcPeer {
    fn build(name: &str, lines: Vec<PeerLine>, cfg: &PeerConfig) -> Result<WebRtcPeer, MixerError> {
        let pipeline = gst::Pipeline::with_name(name);
        let webrtcbin = make("webrtcbin")?;
        webrtcbin.set_property_from_str("bundle-policy", "max-bundle");
        webrtcbin.set_property("latency", cfg.latency_ms);
        if let Some(stun) = &cfg.stun_server {
            webrtcbin.set_property("stun-server", stun);
        }
        for turn in &cfg.turn_servers {
            let _ = webrtcbin.emit_by_name::<bool>("add-turn-server", &[turn]);
        }
        if let Some(agent) = webrtcbin.property::<Option<gst_webrtc::WebRTCICE>>("ice-agent") {
            // Given addresses, libnice gathers on exactly those (loopback
            // included, which it otherwise leaves out).
            for ip in &cfg.candidates.allowed {
                if !agent.emit_add_local_ip_address(&ip.to_string()) {
                    tracing::warn!(%ip, "webrtc: ICE agent refused a local address");
                }
            }
            if let Some((min, max)) = cfg.port_range {
                agent.set_min_rtp_port(u32::from(min));
                agent.set_max_rtp_port(u32::from(max));
            }
        }
        pipeline.add(&webrtcbin)?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        {
            let shared = shared.clone();
            webrtcbin.connect("on-ice-candidate", false, move |v| {
                let mline = v.get(1).and_then(|x| x.get::<u32>().ok());
                let cand = v.get(2).and_then(|x| x.get::<String>().ok());
                if let (Some(m), Some(c)) = (mline, cand) {
                    lock(&shared).gathered.push((m, c));
                }
                None
            });
        }
        {
            // The peer's streams: each src pad to an appsink feeding the
            // relay of the line of that kind.
            let lines = lines.clone();
            let pipeline_weak = pipeline.downgrade();
            webrtcbin.connect_pad_added(move |_, pad| {
                if pad.direction() != gst::PadDirection::Src {
                    return;
                }
                let Some(pipeline) = pipeline_weak.upgrade() else {
                    return;
                };
                let media = pad
                    .current_caps()
                    .or_else(|| Some(pad.query_caps(None)))
                    .and_then(|c| {
                        c.structure(0)
                            .and_then(|s| s.get::<String>("media").ok())
                    });
                let Some(line) = lines
                    .iter()
                    .find(|l| l.recv && Some(media_of(l.kind)) == media.as_deref())
                else {
                    tracing::debug!(pad = %pad.name(), ?media, "webrtc: unexpected stream, discarded");
                    if let Ok(fake) = make("fakesink") {
                        let _ = pipeline.add(&fake);
                        let _ = fake.sync_state_with_parent();
                        if let Some(sink) = fake.static_pad("sink") {
                            let _ = pad.link(&sink);
                        }
                    }
                    return;
                };
                let sink = gst_app::AppSink::builder()
                    .sync(false)
                    .async_(false)
                    .max_buffers(64)
                    .drop(true)
                    .build();
                line.relay.set_incoming(&sink);
                if pipeline.add(&sink).is_ok() {
                    let _ = sink.sync_state_with_parent();
                    if let Some(sp) = sink.static_pad("sink") {
                        if let Err(e) = pad.link(&sp) {
                            tracing::warn!(error = ?e, "webrtc: cannot link the peer's stream");
                        }
                    }
                }
            });
        }
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| err(format!("webrtc pipeline: {e}")))?;
        Ok(WebRtcPeer {
            pipeline,
            webrtcbin,
            lines,
            shared,
            policy: cfg.candidates.clone(),
            remote_mids: Mutex::new(Vec::new()),
            remote_ufrag: Mutex::new(None),
        })
    }

    /// The appsrc feeding one of our m-lines, linked to webrtcbin's pad
    /// `sink_<mline>` (named, so that webrtcbin binds it to the transceiver
    /// of that m-line).
    fn add_source(
        &self,
        line: &PeerLine,
        mline: u32,
    ) -> Result<gst_webrtc::WebRTCRTPTransceiver, MixerError> {
        let mut caps = line.gst_caps()?;
        if let Some(s) = caps.make_mut().structure_mut(0) {
            s.set("ssrc", line.relay.ssrc());
        }
        let src = gst_app::AppSrc::builder()
            .caps(&caps)
            .is_live(true)
            .do_timestamp(true)
            .format(gst::Format::Time)
            .max_buffers(64)
            .leaky_type(gst_app::AppLeakyType::Downstream)
            .build();
        self.pipeline.add(&src)?;
        let sink = self
            .webrtcbin
            .request_pad_simple(&format!("sink_{mline}"))
            .ok_or_else(|| err(format!("webrtcbin gave no sink_{mline}")))?;
        src.static_pad("src")
            .ok_or_else(|| err("appsrc without src pad"))?
            .link(&sink)
            .map_err(|e| err(format!("link to sink_{mline}: {e:?}")))?;
        src.sync_state_with_parent()?;
        line.relay.set_outgoing(Some(src));
        sink.property::<Option<gst_webrtc::WebRTCRTPTransceiver>>("transceiver")
            .ok_or_else(|| err(format!("sink_{mline} has no transceiver")))
    }

    fn transceivers(&self) -> Vec<gst_webrtc::WebRTCRTPTransceiver> {
        (0..)
            .map_while(|i: i32| {
                self.webrtcbin
                    .emit_by_name::<Option<gst_webrtc::WebRTCRTPTransceiver>>(
                        "get-transceiver",
                        &[&i],
                    )
            })
            .collect()
    }

    fn set_remote(&self, kind: gst_webrtc::WebRTCSDPType, text: &str) -> Result<(), MixerError> {
        let text = without_unsupported_feedback(&sdp::filter_remote_candidates(text, &self.policy));
        *self.remote_mids.lock().unwrap_or_else(|p| p.into_inner()) = sdp::mids(&text);
        *self.remote_ufrag.lock().unwrap_or_else(|p| p.into_inner()) = sdp::ice_ufrag(&text);
        let desc = gst_webrtc::WebRTCSessionDescription::new(kind, parse_sdp(&text)?);
        call(&self.webrtcbin, "set-remote-description", &[&desc])?;
        Ok(())
    }

    /// The transceiver of one of our m-lines, with its one codec and
    /// direction: a source on a sink pad when we send, else a receiving
    /// transceiver.
    fn add_line(&self, line: &PeerLine, mline: u32) -> Result<(), MixerError> {
        let t = if line.send {
            self.add_source(line, mline)?
        } else {
            self.webrtcbin
                .emit_by_name::<gst_webrtc::WebRTCRTPTransceiver>(
                    "add-transceiver",
                    &[&line.direction(), &line.gst_caps()?],
                )
        };
        t.set_codec_preferences(Some(&line.gst_caps()?));
        t.set_direction(line.direction());
        Ok(())
    }

    /// Our `"offer"` or `"answer"` from webrtcbin.
    fn create(&self, what: &str) -> Result<gst_webrtc::WebRTCSessionDescription, MixerError> {
        let signal = format!("create-{what}");
        call(&self.webrtcbin, &signal, &[&None::<gst::Structure>])?
            .ok_or_else(|| err(format!("{signal}: no reply")))?
            .get::<gst_webrtc::WebRTCSessionDescription>(what)
            .map_err(|_| err(format!("{signal}: no {what}")))
    }

    /// Sets our description and waits for our candidates (up to the
    /// timeout); returns the SDP text with them.
    fn set_local(
        &self,
        desc: gst_webrtc::WebRTCSessionDescription,
        timeout: Duration,
    ) -> Result<String, MixerError> {
        let text = desc
            .sdp()
            .as_text()
            .map_err(|_| err("our SDP has no text"))?;
        call(&self.webrtcbin, "set-local-description", &[&desc])?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline
            && self.webrtcbin.property::<Gathering>("ice-gathering-state") != Gathering::Complete
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let gathered = lock(&self.shared).gathered.clone();
        Ok(sdp::with_candidates(&text, &gathered, &self.policy))
    }

    /// Answers an offer. `lines[i]` is the plan for the offer's m-line `i`
    /// (`None`: rejected, answered inactive).
    pub fn answer(
        name: &str,
        offer: &str,
        plan: Vec<Option<PeerLine>>,
        cfg: &PeerConfig,
        events: EventSink,
    ) -> Result<(WebRtcPeer, String), MixerError> {
        let lines: Vec<PeerLine> = plan.iter().flatten().cloned().collect();
        let peer = WebRtcPeer::build(name, lines, cfg)?;
        peer.set_remote(gst_webrtc::WebRTCSDPType::Offer, offer)?;
        // webrtcbin 1.22 makes no transceivers when the offer is set, and
        // a sink pad's transceiver starts without a kind: left alone, the
        // answer matched them to m-lines by caps that were or were not
        // there yet (inactive lines now and then). Each planned line gets
        // its transceiver now, with its one codec and direction, in m-line
        // order, so webrtcbin pairs them by kind and answers that codec.
        for (mline, line) in plan.iter().enumerate() {
            if let Some(line) = line {
                peer.add_line(line, mline as u32)?;
            }
        }
        let answer = peer.create("answer")?;
        let text = peer.set_local(answer, cfg.gather_timeout)?;
        peer.watch(events);
        Ok((peer, text))
    }

    /// Our offer, one m-line per line in order (a WHIP or WHEP client).
    pub fn offer(
        name: &str,
        lines: Vec<PeerLine>,
        cfg: &PeerConfig,
        events: EventSink,
    ) -> Result<(WebRtcPeer, String), MixerError> {
        let peer = WebRtcPeer::build(name, lines.clone(), cfg)?;
        for (mline, line) in lines.iter().enumerate() {
            peer.add_line(line, mline as u32)?;
        }
        let offer = peer.create("offer")?;
        let text = peer.set_local(offer, cfg.gather_timeout)?;
        peer.watch(events);
        Ok((peer, text))
    }

    /// The answer to our offer.
    pub fn apply_answer(&self, answer: &str) -> Result<(), MixerError> {
        self.set_remote(gst_webrtc::WebRTCSDPType::Answer, answer)
    }

    /// Candidates trickled by the peer (an RFC 8840 fragment). Returns
    /// false for an ICE restart, which we do not do: the caller answers
    /// that the fragment cannot be applied.
    pub fn add_fragment(&self, frag: &str) -> bool {
        let mids = self
            .remote_mids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let f = sdp::parse_fragment(frag, &mids);
        let current = self
            .remote_ufrag
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if f.ufrag.is_some() && current.is_some() && f.ufrag != current {
            return false;
        }
        for (mline, c) in f.candidates {
            if self.policy.accepts_remote(&c) {
                self.webrtcbin
                    .emit_by_name::<()>("add-ice-candidate", &[&mline, &c]);
            }
        }
        true
    }

    /// Reports connection changes and REMB estimates.
    fn watch(&self, events: EventSink) {
        {
            let events = events.clone();
            self.webrtcbin
                .connect_notify(Some("connection-state"), move |bin, _| {
                    let state = bin.property::<PcState>("connection-state");
                    events(PeerEvent::Connection(pc_state(state)));
                });
        }
        // REMB arrives as RTCP feedback on the (bundled) RTP session 0.
        let rtpbin = self
            .webrtcbin
            .downcast_ref::<gst::Bin>()
            .and_then(|b| b.by_name("rtpbin"));
        let session = rtpbin.and_then(|r| {
            r.emit_by_name::<Option<gst::glib::Object>>("get-internal-session", &[&0u32])
        });
        if let Some(session) = session {
            let shared = self.shared.clone();
            session.connect("on-feedback-rtcp", false, move |v| {
                let pt = v.get(1).and_then(|x| x.get::<u32>().ok());
                let fmt = v.get(2).and_then(|x| x.get::<u32>().ok());
                let fci = v
                    .get(5)
                    .and_then(|x| x.get::<Option<gst::Buffer>>().ok())
                    .flatten();
                if let (Some(206), Some(15), Some(fci)) = (pt, fmt, fci) {
                    if let Ok(map) = fci.map_readable() {
                        if let Some(bps) = remb_bitrate(map.as_slice()) {
                            let changed = {
                                let mut s = lock(&shared);
                                let old = s.estimated_bps.replace(bps);
                                old != Some(bps)
                            };
                            if changed {
                                events(PeerEvent::Bandwidth(bps));
                            }
                        }
                    }
                }
                None
            });
        } else {
            tracing::debug!("webrtc: no RTP session to watch for REMB");
        }
    }

    pub fn connection_state(&self) -> &'static str {
        pc_state(self.webrtcbin.property::<PcState>("connection-state"))
    }

    /// States now, and figures from webrtcbin's statistics (waits for them
    /// at most `timeout`).
    pub fn stats(&self, timeout: Duration) -> PeerStats {
        let mut out = PeerStats {
            ice_state: ice_state(self.webrtcbin.property::<IceState>("ice-connection-state")),
            connection_state: self.connection_state(),
            dtls_state: self
                .transceivers()
                .first()
                .and_then(|t| t.sender())
                .and_then(|s| s.transport())
                .map_or("new", |t| dtls_state(t.state())),
            estimated_bps: lock(&self.shared).estimated_bps,
            ..PeerStats::default()
        };
        // The reply comes on webrtcbin's thread; wait for it, bounded.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let promise = gst::Promise::with_change_func(move |reply| {
            let _ = tx.try_send(reply.ok().flatten().map(|r| r.to_owned()));
        });
        self.webrtcbin
            .emit_by_name::<()>("get-stats", &[&None::<gst::Pad>, &promise]);
        let reply = rx.recv_timeout(timeout).ok().flatten();
        if let Some(reply) = reply {
            read_stats(&reply, &mut out);
        }
        out
    }

    /// The relays of the lines, in order.
    pub fn lines(&self) -> &[PeerLine] {
        &self.lines
    }
}

impl Drop for WebRtcPeer {
    fn drop(&mut self) {
        for l in &self.lines {
            l.relay.detach();
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn read_stats(reply: &gst::StructureRef, out: &mut PeerStats) {
    for (_, value) in reply.iter() {
        let Ok(s) = value.get::<gst::Structure>() else {
            continue;
        };
        let Ok(kind) = s.get::<gst_webrtc::WebRTCStatsType>("type") else {
            continue;
        };
        match kind {
            gst_webrtc::WebRTCStatsType::RemoteInboundRtp => {
                if let Ok(rtt) = s.get::<f64>("round-trip-time") {
                    out.round_trip_secs =
                        Some(out.round_trip_secs.map_or(rtt, |r: f64| r.max(rtt)));
                }
                if let Ok(f) = s.get::<f64>("fraction-lost") {
                    out.fraction_lost = Some(out.fraction_lost.map_or(f, |x: f64| x.max(f)));
                }
            }
            gst_webrtc::WebRTCStatsType::InboundRtp => {
                out.packets_received += s.get::<u64>("packets-received").unwrap_or(0);
                out.packets_lost += s.get::<i64>("packets-lost").unwrap_or(0);
                out.bytes_received += s.get::<u64>("bytes-received").unwrap_or(0);
            }
            gst_webrtc::WebRTCStatsType::OutboundRtp => {
                out.bytes_sent += s.get::<u64>("bytes-sent").unwrap_or(0);
            }
            _ => {}
        }
    }
}

/// The estimate in a REMB FCI ("REMB", count, 6-bit exponent, 18-bit
/// mantissa, SSRCs; draft-alvestrand-rmcat-remb §2.2).
pub fn remb_bitrate(fci: &[u8]) -> Option<u64> {
    if fci.len() < 8 || &fci[..4] != b"REMB" {
        return None;
    }
    let exp = u32::from(fci[5] >> 2);
    let mantissa = (u64::from(fci[5] & 0x03) << 16) | (u64::from(fci[6]) << 8) | u64::from(fci[7]);
    mantissa.checked_shl(exp)
}

fn pc_state(s: PcState) -> &'static str {
    match s {
        PcState::New => "new",
        PcState::Connecting => "connecting",
        PcState::Connected => "connected",
        PcState::Disconnected => "disconnected",
        PcState::Failed => "failed",
        PcState::Closed => "closed",
        _ => "unknown",
    }
}

fn ice_state(s: IceState) -> &'static str {
    match s {
        IceState::New => "new",
        IceState::Checking => "checking",
        IceState::Connected => "connected",
        IceState::Completed => "completed",
        IceState::Failed => "failed",
        IceState::Disconnected => "disconnected",
        IceState::Closed => "closed",
        _ => "unknown",
    }
}

fn dtls_state(s: DtlsState) -> &'static str {
    match s {
        DtlsState::New => "new",
        DtlsState::Closed => "closed",
        DtlsState::Failed => "failed",
        DtlsState::Connecting => "connecting",
        DtlsState::Connected => "connected",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remb_estimates() {
        // 1 SSRC, exponent 3, mantissa 0x1f400 (128000): 1 024 000 bit/s.
        let fci = [
            b'R',
            b'E',
            b'M',
            b'B',
            1,
            (3 << 2) | 0x01,
            0xf4,
            0x00,
            0,
            0,
            0,
            1,
        ];
        assert_eq!(remb_bitrate(&fci), Some(128_000 << 3));
        assert_eq!(remb_bitrate(b"REMX\x01\x00\x00\x01"), None);
        assert_eq!(remb_bitrate(b"REMB"), None);
        // The largest exponent does not overflow.
        assert!(remb_bitrate(&[b'R', b'E', b'M', b'B', 1, 0xff, 0xff, 0xff]).is_some());
    }

    #[test]
    fn transport_cc_and_extensions_are_left_out() {
        let sdp = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n\
a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 nack pli\r\n";
        let out = without_unsupported_feedback(sdp);
        assert!(!out.contains("extmap") && !out.contains("transport-cc"));
        assert!(out.contains("goog-remb") && out.contains("nack pli"));
    }
}
