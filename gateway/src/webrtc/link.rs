//! Links from a room to a room on an external WebRTC platform. A link is
//! one participant of our room: we publish the room's picture and mix
//! (mix-minus the link) there with a WHIP client and pull that room's
//! media back with a WHEP client. When the far side drops (an HTTP error,
//! a failed connection, or media that stops for a few seconds) the link
//! leaves the room and reconnects with backoff: 1 s, doubling, up to the
//! configured maximum.
//!
//! The WHEP request carries `exclude=<our WHIP resource id>`: a diemcau on
//! the far side leaves our own contribution out of what it sends back (no
//! echo, no hall of mirrors); other platforms ignore the parameter.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diemcau_codecs::catalogue::{CodecName, MediaKind};
use diemcau_mixer::webrtc::relay::mixer_address;
use diemcau_mixer::webrtc::{PeerLine, Relay, WebRtcPeer};
use diemcau_mixer::{Direction, PortPair, StreamSpec};
use serde::Serialize;
use tokio::sync::watch;

use super::client::{self, HttpUrl};
use super::service::{SessionKind, WebrtcService};
use crate::config::LinkConfig;
use crate::rooms::StreamInfo;

/// Payload types of our offers (the answerer sends with them too).
const OPUS_PT: u8 = 111;
const VP8_PT: u8 = 96;
/// Media stopped this long: the far side is gone.
const STALL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkView {
    pub id: u64,
    pub room: String,
    pub name: String,
    pub whip_url: Option<String>,
    pub whep_url: Option<String>,
    /// `connecting`, `connected`, `retrying`, `stopped`.
    pub state: &'static str,
    pub last_error: Option<String>,
    /// Our participant in the room while connected.
    pub participant: Option<u64>,
    pub connects: u64,
    pub failures: u64,
    pub state_secs: u64,
}

struct Status {
    state: &'static str,
    since: Instant,
    last_error: Option<String>,
    participant: Option<u64>,
    connects: u64,
    failures: u64,
}

pub struct Link {
    pub id: u64,
    pub config: LinkConfig,
    status: Mutex<Status>,
    stop: watch::Sender<bool>,
}

impl Link {
    pub fn view(&self) -> LinkView {
        let s = self.status.lock().unwrap_or_else(|p| p.into_inner());
        LinkView {
            id: self.id,
            room: self.config.room.clone(),
            name: self.config.name.clone(),
            whip_url: self.config.whip_url.clone(),
            whep_url: self.config.whep_url.clone(),
            state: s.state,
            last_error: s.last_error.clone(),
            participant: s.participant,
            connects: s.connects,
            failures: s.failures,
            state_secs: s.since.elapsed().as_secs(),
        }
    }

    fn set(&self, state: &'static str, error: Option<String>, participant: Option<u64>) {
        let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
        if s.state != state {
            s.since = Instant::now();
        }
        s.state = state;
        if error.is_some() {
            s.failures += 1;
            s.last_error = error;
        }
        if state == "connected" {
            s.connects += 1;
        }
        s.participant = participant;
    }

    /// Stops the link; it leaves the room.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Starts a link's task.
pub fn spawn(svc: &Arc<WebrtcService>, id: u64, config: LinkConfig) -> Arc<Link> {
    let (stop, stop_rx) = watch::channel(false);
    let link = Arc::new(Link {
        id,
        config,
        status: Mutex::new(Status {
            state: "connecting",
            since: Instant::now(),
            last_error: None,
            participant: None,
            connects: 0,
            failures: 0,
        }),
        stop,
    });
    tokio::spawn(run(Arc::downgrade(svc), link.clone(), stop_rx));
    link
}

async fn run(
    svc: std::sync::Weak<WebrtcService>,
    link: Arc<Link>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let Some(service) = svc.upgrade() else { return };
        link.set("connecting", None, None);
        match connect(&service, &link.config).await {
            Ok(up) => {
                tracing::info!(room = %link.config.room, link = %link.config.name, participant = up.participant, "link connected");
                link.set("connected", None, Some(up.participant));
                backoff = Duration::from_secs(1);
                let why = watch_until_down(&service, &up, &mut stop).await;
                drop(service);
                tear_down(&svc, &link.config, up, why).await;
                if *stop.borrow() {
                    link.set("stopped", None, None);
                    return;
                }
                link.set("retrying", Some(why.to_string()), None);
            }
            Err(e) => {
                drop(service);
                tracing::warn!(room = %link.config.room, link = %link.config.name, error = %e, retry_in = ?backoff, "link failed");
                link.set("retrying", Some(e), None);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            link.set("stopped", None, None);
            return;
        }
        backoff = (backoff * 2).min(link.config.retry_max.max(Duration::from_secs(1)));
    }
}

/// A connected link.
struct Up {
    session: String,
    participant: u64,
    whip: Option<HttpUrl>,
    whep: Option<HttpUrl>,
}

fn line(kind: MediaKind, send: bool, recv: bool, relay: &Arc<Relay>) -> PeerLine {
    let caps = match kind {
        MediaKind::Audio => format!(
            "application/x-rtp,media=audio,encoding-name=OPUS,payload={OPUS_PT},clock-rate=48000,encoding-params=(string)2"
        ),
        MediaKind::Video => format!(
            "application/x-rtp,media=video,encoding-name=VP8,payload={VP8_PT},clock-rate=90000,rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true"
        ),
    };
    PeerLine {
        kind,
        caps,
        send,
        recv,
        relay: relay.clone(),
    }
}

fn spec(kind: MediaKind, direction: Direction, relay: &Relay) -> StreamSpec {
    let (pt, rate, codec) = match kind {
        MediaKind::Audio => (OPUS_PT, 48000, CodecName::Opus),
        MediaKind::Video => (VP8_PT, 90000, CodecName::Vp8),
    };
    StreamSpec {
        kind,
        payload_types: vec![(pt, rate, codec.to_string())],
        remote_rtp: relay.local_addr(),
        remote_rtcp: None,
        rtcp_mux: true,
        direction,
        fmtp: Vec::new(),
        max_send_kbps: None,
        rtcp_fb: if kind == MediaKind::Video {
            vec!["nack pli".into(), "ccm fir".into()]
        } else {
            Vec::new()
        },
    }
}

async fn connect(svc: &Arc<WebrtcService>, cfg: &LinkConfig) -> Result<Up, String> {
    let whip = cfg.whip_url.as_deref().map(HttpUrl::parse).transpose()?;
    let whep = cfg.whep_url.as_deref().map(HttpUrl::parse).transpose()?;
    let id = WebrtcService::new_session_id();
    let remote = cfg
        .whep_url
        .clone()
        .or_else(|| cfg.whip_url.clone())
        .unwrap_or_default();
    let (room, media, participant, pairs) = svc
        .seat(&cfg.room, None, &cfg.name, remote, &id, 2)
        .map_err(|e| e.to_string())?;
    match connect_media(
        svc,
        cfg,
        &id,
        whip.as_ref(),
        whep.as_ref(),
        &media,
        participant,
        pairs,
    )
    .await
    {
        Ok((peers, relays, whip_res, whep_res)) => {
            svc.register(
                &id,
                SessionKind::Link,
                room,
                participant,
                media,
                peers,
                relays,
            );
            Ok(Up {
                session: id,
                participant,
                whip: whip_res,
                whep: whep_res,
            })
        }
        Err(e) => {
            svc.unseat(&room, participant, &media).await;
            Err(e)
        }
    }
}

type Connected = (
    Vec<WebRtcPeer>,
    Vec<Arc<Relay>>,
    Option<HttpUrl>,
    Option<HttpUrl>,
);

#[allow(clippy::too_many_arguments)]
async fn connect_media(
    svc: &Arc<WebrtcService>,
    cfg: &LinkConfig,
    id: &str,
    whip: Option<&HttpUrl>,
    whep: Option<&HttpUrl>,
    media: &diemcau_mixer::MediaRoom,
    participant: u64,
    pairs: Vec<PortPair>,
) -> Result<Connected, String> {
    let relays: Vec<Arc<Relay>> = pairs
        .iter()
        .map(|p| Relay::bind(mixer_address(p.local_ip(), p.rtp_port())).map(Arc::new))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let kinds = [MediaKind::Audio, MediaKind::Video];
    let peer_cfg = svc.peer_settings();
    let mut peers = Vec::new();
    let mut whip_res = None;
    let mut whep_res = None;

    if let Some(url) = whip {
        let lines: Vec<PeerLine> = kinds
            .iter()
            .zip(&relays)
            .map(|(k, r)| line(*k, true, false, r))
            .collect();
        let (peer, answer, res) = offer_and_post(
            svc,
            id,
            &format!("link-whip-{participant}"),
            lines,
            &peer_cfg,
            url,
            cfg.token.as_deref(),
        )
        .await?;
        let _ = answer;
        // The far side's id of our publisher, for the WHEP exclusion.
        whip_res = Some(res);
        peers.push(peer);
    }
    if let Some(url) = whep {
        let lines: Vec<PeerLine> = kinds
            .iter()
            .zip(&relays)
            .map(|(k, r)| line(*k, false, true, r))
            .collect();
        let url = match whip_res
            .as_ref()
            .and_then(|r| r.target.rsplit('/').next().map(str::to_string))
        {
            Some(ours) => url.with_query("exclude", &ours),
            None => url.clone(),
        };
        let (peer, _, res) = offer_and_post(
            svc,
            id,
            &format!("link-whep-{participant}"),
            lines,
            &peer_cfg,
            &url,
            cfg.token.as_deref(),
        )
        .await
        .inspect_err(|_| {
            if let Some(r) = &whip_res {
                let (r, t) = (r.clone(), cfg.token.clone());
                tokio::spawn(async move { client::delete(&r, t.as_deref()).await });
            }
        })?;
        whep_res = Some(res);
        peers.push(peer);
    }

    let direction = match (whip.is_some(), whep.is_some()) {
        (true, true) => Direction::SendRecv,
        (true, false) => Direction::SendOnly,
        _ => Direction::RecvOnly,
    };
    let mut streams = Vec::new();
    let mut infos = Vec::new();
    for ((pair, kind), relay) in pairs.into_iter().zip(kinds).zip(&relays) {
        infos.push(StreamInfo {
            kind: match kind {
                MediaKind::Audio => "audio",
                MediaKind::Video => "video",
            },
            codec: match kind {
                MediaKind::Audio => CodecName::Opus.to_string(),
                MediaKind::Video => CodecName::Vp8.to_string(),
            },
            payload_type: if kind == MediaKind::Audio {
                OPUS_PT
            } else {
                VP8_PT
            },
            local_port: pair.rtp_port(),
            direction: direction.as_str().to_string(),
        });
        streams.push((pair, spec(kind, direction, relay)));
    }
    media
        .add_participant(participant, &cfg.name, streams)
        .await
        .map_err(|e| e.to_string())?;
    svc.seated(participant, infos).map_err(|e| e.to_string())?;
    Ok((peers, relays, whip_res, whep_res))
}

async fn offer_and_post(
    svc: &Arc<WebrtcService>,
    id: &str,
    name: &str,
    lines: Vec<PeerLine>,
    peer_cfg: &diemcau_mixer::webrtc::PeerConfig,
    url: &HttpUrl,
    token: Option<&str>,
) -> Result<(WebRtcPeer, String, HttpUrl), String> {
    let (sink, name, cfg) = (svc.events_sink(id), name.to_string(), peer_cfg.clone());
    let (peer, offer) =
        tokio::task::spawn_blocking(move || WebRtcPeer::offer(&name, lines, &cfg, sink))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    let (resource, answer) = client::post_offer(url, token, offer).await?;
    let applied = {
        let answer = answer.clone();
        tokio::task::spawn_blocking(move || peer.apply_answer(&answer).map(|()| peer))
            .await
            .map_err(|e| e.to_string())?
    };
    match applied {
        Ok(peer) => Ok((peer, answer, resource)),
        Err(e) => {
            client::delete(&resource, token).await;
            Err(format!("the answer from {}: {e}", url.host))
        }
    }
}

/// Waits until the link is down or stopped; returns why.
async fn watch_until_down(
    svc: &WebrtcService,
    up: &Up,
    stop: &mut watch::Receiver<bool>,
) -> &'static str {
    let mut last = (0u64, Instant::now());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return "stopped",
        }
        if *stop.borrow() {
            return "stopped";
        }
        let Some((inbound, states)) = svc.link_health(&up.session) else {
            return "left the room";
        };
        if states.iter().any(|s| matches!(*s, "failed" | "closed")) {
            return "connection failed";
        }
        if up.whep.is_some() {
            if inbound != last.0 {
                last = (inbound, Instant::now());
            } else if last.1.elapsed() >= STALL {
                return "no media from the far side";
            }
        }
    }
}

async fn tear_down(svc: &std::sync::Weak<WebrtcService>, cfg: &LinkConfig, up: Up, why: &str) {
    tracing::warn!(room = %cfg.room, link = %cfg.name, why, "link down");
    if let Some(s) = svc.upgrade() {
        let _ = s.leave(&up.session, why).await;
    }
    for r in [up.whip, up.whep].into_iter().flatten() {
        client::delete(&r, cfg.token.as_deref()).await;
    }
}
