//! Calls: inbound INVITEs to rooms (UAS), dial-out (UAC), and what happens
//! inside a dialog (ACK, BYE, CANCEL, re-INVITE, UPDATE, INFO, session
//! timers).

use std::time::{Duration, Instant};

use diemcau_codecs::negotiate::{self, Negotiation};
use diemcau_codecs::sdp::{Origin, SessionDescription};
use diemcau_codecs::CodecError;

use super::media::{self, PendingPorts};
use super::{headers, register, Core, CoreTimer, TxnOwner};
use crate::control::{Command, CommandError, DialTarget, ParticipantView};
use crate::rooms::{CallDirection, Participant, ParticipantState};
use crate::sip::dialog::{self, contact_uri, display_name_of, split_tag, uri_of, Dialog};
use crate::sip::dialplan;
use crate::sip::message;
use crate::sip::session_timer::{self, SessionExpires, SessionTimer, TimerPolicy, UasDecision};
use crate::sip::transaction::TransactionKey;
use crate::sip::transport::{Peer, TransportKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// UAS: 180 sent, waiting for the answer delay. UAC: INVITE sent.
    Early,
    /// UAC: CANCEL sent, waiting for the INVITE's final response.
    Cancelling,
    /// UAS: 2xx sent, waiting for the ACK.
    WaitingAck,
    Confirmed,
}

pub struct Call {
    pub participant: u64,
    pub room: String,
    pub dialog: Dialog,
    pub outbound: bool,
    pub state: CallState,
    /// The INVITE server transaction while unanswered (UAS), or our INVITE
    /// client transaction while pending (UAC).
    pub invite_key: Option<TransactionKey>,
    /// UAS: the INVITE to answer. UAC: our INVITE, to build a CANCEL from.
    pub invite: Option<rsip::Request>,
    /// The SDP we last sent (offer or answer).
    pub local_sdp: Option<SessionDescription>,
    /// Our offer still waiting for its answer (dial-out, delayed offer,
    /// re-INVITE without SDP).
    pub pending_offer: Option<SessionDescription>,
    pub negotiation: Option<Negotiation>,
    /// Ports reserved but not yet handed to the media engine.
    pub pending_ports: PendingPorts,
    /// Local RTP port per media kind, once media runs.
    pub local_ports: Vec<(diemcau_codecs::catalogue::MediaKind, u16)>,
    pub session_id: u64,
    pub sdp_version: u64,
    pub session_timer: Option<SessionTimer>,
    /// Bumped whenever session timers are rescheduled, so old ones are void.
    pub timer_generation: u64,
    /// CSeq of our pending re-INVITE (glare detection, RFC 3261 §14.2).
    pub reinvite_pending: Option<u32>,
    pub peer_allows_update: bool,
    /// The peer has not refused INFO picture_fast_update (RFC 5168).
    pub takes_keyframe_info: bool,
    /// `call{call_id, room, peer}`: every event about this call is logged
    /// inside it.
    pub span: tracing::Span,
}

impl Call {
    fn origin(&self, ip: std::net::IpAddr) -> Origin {
        Origin {
            username: "diemcau".into(),
            session_id: self.session_id,
            version: self.sdp_version,
            address: ip,
        }
    }
}

/// Why an inbound call is refused, and with which response.
struct Refusal {
    code: u16,
    reason: String,
    extra: Vec<(&'static str, String)>,
}

impl Refusal {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            extra: Vec::new(),
        }
    }
}

impl Core {
    fn policy(&self) -> TimerPolicy {
        TimerPolicy {
            session_expires: self.cfg.sip.session_expires,
            min_se: self.cfg.sip.min_se,
        }
    }

    fn refuse(&mut self, key: &TransactionKey, req: &rsip::Request, r: Refusal) {
        let mut resp = message::response(req, r.code, Some(&r.reason), Some(&message::new_tag()));
        for (n, v) in r.extra {
            headers::push(&mut resp, n, v);
        }
        self.respond(key, resp);
    }

    pub(super) async fn on_invite(&mut self, key: TransactionKey, req: rsip::Request, from: Peer) {
        if message::to_tag(&req).is_some() {
            self.on_reinvite(&key, &req).await;
            return;
        }
        let call_id = headers::call_id(&req).unwrap_or_default();
        if self.calls.contains_key(&call_id) {
            // Same Call-ID, no To tag, new branch: a forked or looped copy.
            self.refuse(&key, &req, Refusal::new(482, "Loop Detected"));
            return;
        }
        match self.accept_invite(&key, &req, from) {
            Ok(()) => {}
            Err(r) => {
                tracing::info!(call_id = %call_id, code = r.code, reason = %r.reason, "inbound call refused");
                self.refuse(&key, &req, r);
            }
        }
        if let Some(call) = self.calls.get(&call_id) {
            if call.state == CallState::Early && self.cfg.sip.answer_delay_ms == 0 {
                self.answer_call(&call_id).await;
            }
        }
    }

    /// Validate an inbound INVITE, reserve media, send 180. The 200 follows
    /// in `answer_call`.
    fn accept_invite(
        &mut self,
        key: &TransactionKey,
        req: &rsip::Request,
        from: Peer,
    ) -> Result<(), Refusal> {
        let unsupported: Vec<String> = headers::tokens(req, "Require")
            .into_iter()
            .filter(|t| !t.eq_ignore_ascii_case("timer"))
            .collect();
        if !unsupported.is_empty() {
            let mut r = Refusal::new(420, "Bad Extension");
            r.extra.push(("Unsupported", unsupported.join(", ")));
            return Err(r);
        }
        let user = register::user_of(&req.uri.to_string())
            .or_else(|| headers::to_value(req).and_then(|v| register::user_of(&uri_of(&v))))
            .ok_or_else(|| Refusal::new(404, "No room in Request-URI"))?;
        let dial =
            dialplan::parse_dial(&user).map_err(|_| Refusal::new(404, "Not a room number"))?;
        let remote_value =
            headers::from_value(req).ok_or_else(|| Refusal::new(400, "Missing From"))?;
        let (remote_uri, remote_tag) = split_tag(&remote_value);
        let contact = headers::first(req, "Contact")
            .map(|c| uri_of(&c))
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Refusal::new(400, "Missing Contact"))?;
        let display = self.display_name_for(&remote_value);

        // Room, PIN and capacity.
        let (room_number, room_name) = {
            let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
            let room = rooms
                .find_mut(&dial.room)
                .ok_or_else(|| Refusal::new(404, "No such room"))?;
            if let Some(pin) = &room.config.pin {
                match &dial.pin {
                    None => return Err(Refusal::new(403, "Room PIN required (dial room*PIN)")),
                    Some(p) if p != pin => return Err(Refusal::new(403, "Wrong room PIN")),
                    Some(_) => {}
                }
            }
            if room.is_full() {
                return Err(Refusal::new(486, "Room full"));
            }
            (room.config.number.clone(), room.config.name.clone())
        };

        let timer = match session_timer::uas_decide(
            self.policy(),
            headers::first(req, "Session-Expires").and_then(|v| SessionExpires::parse(&v)),
            headers::first(req, "Min-SE").and_then(|v| v.split(';').next()?.trim().parse().ok()),
            headers::has_token(req, "Supported", "timer")
                || headers::has_token(req, "Require", "timer"),
        ) {
            UasDecision::TooSmall { min_se } => {
                let mut r = Refusal::new(422, "Session Interval Too Small");
                r.extra.push(("Min-SE", min_se.to_string()));
                return Err(r);
            }
            UasDecision::Timer(t) => Some(t),
            UasDecision::None => None,
        };

        // Offer/answer, or our offer when the INVITE has none (delayed offer).
        let (negotiation, pending_offer, pending_ports, local_sdp, session_id) =
            self.media_for_invite(req)?;

        let local_addr = self.local.sip_addr(&from);
        let call_id = headers::call_id(req).unwrap_or_default();
        let local_uri = headers::to_value(req)
            .map(|v| split_tag(&v).0)
            .unwrap_or_else(|| format!("<sip:{room_number}@{}>", self.cfg.server.sip_domain));
        let dialog = Dialog {
            call_id: call_id.clone(),
            local_tag: message::new_tag(),
            remote_tag,
            local_uri,
            remote_uri,
            local_cseq: 0,
            remote_cseq: headers::cseq(req).map(|c| c.0),
            remote_target: contact,
            route_set: headers::values(req, "Record-Route"),
            peer: from,
            local_contact: contact_uri(&room_number, local_addr, from.transport),
        };
        let participant = self.new_participant_id();
        let remote = uri_of(&headers::from_value(req).unwrap_or_default());
        {
            let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(room) = rooms.rooms.get_mut(&room_number) {
                room.participants.insert(
                    participant,
                    Participant {
                        id: participant,
                        display_name: display,
                        protocol: "sip",
                        direction: CallDirection::Inbound,
                        state: ParticipantState::Ringing,
                        remote_uri: remote,
                        call_id: call_id.clone(),
                        connected_at: None,
                        streams: Vec::new(),
                        muted: false,
                    },
                );
            }
        }
        let call = Call {
            participant,
            room: room_number.clone(),
            dialog,
            outbound: false,
            state: CallState::Early,
            invite_key: Some(key.clone()),
            invite: Some(req.clone()),
            local_sdp: Some(local_sdp),
            pending_offer,
            negotiation,
            pending_ports,
            local_ports: Vec::new(),
            session_id,
            sdp_version: 1,
            session_timer: timer,
            timer_generation: 0,
            reinvite_pending: None,
            peer_allows_update: headers::has_token(req, "Allow", "UPDATE"),
            takes_keyframe_info: true,
            // on_invite runs inside the span opened for the new Call-ID.
            span: {
                let span = tracing::Span::current();
                span.record("room", room_number.as_str());
                span
            },
        };
        tracing::info!(call_id = %call_id, room = %room_number, room_name = %room_name, peer = %from, participant, "inbound call");
        // 180 Ringing with our tag: the dialog is early from here on.
        let mut ringing = message::response(req, 180, None, Some(&call.dialog.local_tag));
        headers::push(
            &mut ringing,
            "Contact",
            format!("<{}>", call.dialog.local_contact),
        );
        self.calls.insert(call_id.clone(), call);
        self.respond(key, ringing);
        if self.cfg.sip.answer_delay_ms > 0 {
            self.timers.schedule(
                Instant::now() + Duration::from_millis(self.cfg.sip.answer_delay_ms),
                CoreTimer::Answer { call_id },
            );
        }
        Ok(())
    }

    /// Negotiate the INVITE's SDP (or prepare our offer) and reserve ports.
    #[allow(clippy::type_complexity)]
    fn media_for_invite(
        &mut self,
        req: &rsip::Request,
    ) -> Result<
        (
            Option<Negotiation>,
            Option<SessionDescription>,
            PendingPorts,
            SessionDescription,
            u64,
        ),
        Refusal,
    > {
        let session_id = u64::from(rand::random::<u32>());
        let ip = self.local.media_ip;
        let origin = Origin {
            username: "diemcau".into(),
            session_id,
            version: 1,
            address: ip,
        };
        match headers::body_of(req, &req.body) {
            Some((ctype, body)) if ctype == "application/sdp" => {
                let text = String::from_utf8_lossy(body);
                let offer = SessionDescription::parse(&text)
                    .map_err(|e| Refusal::new(400, format!("Bad SDP: {e}")))?;
                let negotiation = negotiate::answer(&offer, &self.caps).map_err(|e| match e {
                    CodecError::NoCommonCodec => {
                        let mut r = Refusal::new(488, "Not Acceptable Here: no common codec");
                        r.extra
                            .push(("Warning", "304 diemcau \"Media type not available\"".into()));
                        r
                    }
                    other => Refusal::new(488, format!("Not Acceptable Here: {other}")),
                })?;
                let kinds: Vec<_> = negotiation.accepted().map(|s| s.kind).collect();
                let ports = media::reserve(self, &kinds)
                    .map_err(|e| Refusal::new(503, format!("No media ports: {e}")))?;
                let sdp = negotiation.answer_sdp(
                    &origin,
                    ip,
                    &media::ports_in_order(&ports, &negotiation),
                );
                Ok((Some(negotiation), None, ports, sdp, session_id))
            }
            Some((ctype, _)) => Err({
                let mut r = Refusal::new(415, format!("Unsupported body type {ctype}"));
                r.extra.push(("Accept", "application/sdp".into()));
                r
            }),
            None => {
                use diemcau_codecs::catalogue::MediaKind;
                let ports = media::reserve(self, &[MediaKind::Audio, MediaKind::Video])
                    .map_err(|e| Refusal::new(503, format!("No media ports: {e}")))?;
                let offer = negotiate::offer(
                    &self.caps,
                    &origin,
                    ip,
                    ports.port(MediaKind::Audio),
                    ports.port(MediaKind::Video),
                );
                Ok((None, Some(offer.clone()), ports, offer, session_id))
            }
        }
    }

    /// Send the 200 to a ringing inbound call and start its media.
    pub(super) async fn answer_call(&mut self, call_id: &str) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if call.state != CallState::Early || call.outbound {
            return;
        }
        let (Some(key), Some(req)) = (call.invite_key.clone(), call.invite.clone()) else {
            return;
        };
        let mut resp = message::response(&req, 200, None, Some(&call.dialog.local_tag));
        headers::push(
            &mut resp,
            "Contact",
            format!("<{}>", call.dialog.local_contact),
        );
        for rr in &call.dialog.route_set {
            headers::push(&mut resp, "Record-Route", rr.clone());
        }
        headers::push(&mut resp, "Allow", super::ALLOW);
        headers::push(&mut resp, "Accept", super::ACCEPT);
        headers::push(&mut resp, "Supported", super::SUPPORTED);
        if let Some(t) = call.session_timer {
            push_session_timer(&mut resp, t);
        }
        if let Some(sdp) = &call.local_sdp {
            message::set_body(&mut resp, "application/sdp", sdp.to_string().into_bytes());
        }
        call.state = CallState::WaitingAck;
        call.invite_key = None;
        call.invite = None;
        let started = if call.pending_offer.is_none() {
            self.start_media(call_id).await
        } else {
            true
        };
        if !started {
            let r = Refusal::new(500, "Media setup failed");
            self.refuse(&key, &req, r);
            self.forget_call(call_id);
            return;
        }
        self.respond(&key, resp);
        self.mark_connected(call_id);
        self.schedule_session_timer(call_id);
    }

    /// Hand the negotiated streams and their ports to the room's media.
    async fn start_media(&mut self, call_id: &str) -> bool {
        let Some(call) = self.calls.get_mut(call_id) else {
            return false;
        };
        let Some(neg) = &call.negotiation else {
            return false;
        };
        let (streams, infos, local_ports) = media::start_specs(neg, &mut call.pending_ports);
        let (participant, room) = (call.participant, call.room.clone());
        let media_room = {
            let rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
            rooms.rooms.get(&room).map(|r| r.media.clone())
        };
        let Some(media_room) = media_room else {
            return false;
        };
        let display = {
            let rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
            rooms
                .rooms
                .get(&room)
                .and_then(|r| r.participants.get(&participant))
                .map(|p| p.display_name.clone())
                .unwrap_or_default()
        };
        if let Err(e) = media_room
            .add_participant(participant, &display, streams)
            .await
        {
            tracing::error!(call_id = %call_id, error = %e, "cannot start media");
            return false;
        }
        if let Some(call) = self.calls.get_mut(call_id) {
            call.local_ports = local_ports;
        }
        let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = rooms.participant_mut(&room, participant) {
            p.streams = infos;
        }
        true
    }

    fn mark_connected(&mut self, call_id: &str) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let hold = call.negotiation.as_ref().is_some_and(media::peer_on_hold);
        let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = rooms.participant_mut(&call.room, call.participant) {
            if p.connected_at.is_none() {
                p.connected_at = Some(Instant::now());
                self.metrics
                    .calls
                    .with_label_values(&["sip", &call.room])
                    .inc();
            }
            p.state = if hold {
                ParticipantState::OnHold
            } else {
                ParticipantState::Connected
            };
        }
    }

    pub(super) async fn on_ack(&mut self, req: rsip::Request, _from: Peer) {
        let Some(call_id) = headers::call_id(&req) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        if call.state == CallState::WaitingAck {
            call.state = CallState::Confirmed;
        }
        // An answer to our offer from the 200 (delayed offer / re-INVITE
        // without SDP) arrives in the ACK.
        let Some(offer) = call.pending_offer.take() else {
            return;
        };
        let answer = headers::body_of(&req, &req.body)
            .filter(|(t, _)| t == "application/sdp")
            .and_then(|(_, b)| SessionDescription::parse(&String::from_utf8_lossy(b)).ok());
        let Some(answer) = answer else {
            tracing::warn!(call_id = %call_id, "ACK carries no usable SDP answer; ending the call");
            self.end_call(&call_id, true, "No SDP answer in ACK");
            return;
        };
        match negotiate::process_answer(&offer, &answer, &self.caps) {
            Ok(neg) => {
                let media_running = !call.local_ports.is_empty();
                call.negotiation = Some(neg);
                if media_running {
                    self.update_media(&call_id);
                } else if !self.start_media(&call_id).await {
                    self.end_call(&call_id, true, "Media setup failed");
                    return;
                }
                self.mark_connected(&call_id);
            }
            Err(e) => {
                tracing::warn!(call_id = %call_id, error = %e, "unusable SDP answer in ACK; ending the call");
                self.end_call(&call_id, true, "Incompatible SDP answer");
            }
        }
    }

    pub(super) fn on_cancel(
        &mut self,
        key: &TransactionKey,
        req: &rsip::Request,
        cancels: Option<TransactionKey>,
    ) {
        let Some(invite_key) = cancels else {
            self.reply(key, req, 481, Some("Call/Transaction Does Not Exist"));
            return;
        };
        self.reply(key, req, 200, None);
        let call_id = self
            .calls
            .iter()
            .find(|(_, c)| {
                c.invite_key.as_ref() == Some(&invite_key) && c.state == CallState::Early
            })
            .map(|(id, _)| id.clone());
        if let Some(call_id) = call_id {
            if let Some(invite) = self.calls.get(&call_id).and_then(|c| c.invite.clone()) {
                let tag = self.calls.get(&call_id).map(|c| c.dialog.local_tag.clone());
                let resp = message::response(&invite, 487, None, tag.as_deref());
                self.respond(&invite_key, resp);
            }
            tracing::info!(call_id = %call_id, "call cancelled by caller");
            self.forget_call(&call_id);
        }
    }

    pub(super) fn on_bye(&mut self, key: &TransactionKey, req: &rsip::Request) {
        match self.dialog_call(req) {
            Some(call_id) => {
                self.reply(key, req, 200, None);
                tracing::info!(call_id = %call_id, "call ended by peer");
                self.end_call(&call_id, false, "BYE");
            }
            None => self.reply(key, req, 481, Some("Call/Transaction Does Not Exist")),
        }
    }

    pub(super) fn on_info(&mut self, key: &TransactionKey, req: &rsip::Request) {
        let Some(call_id) = self.dialog_call(req) else {
            self.reply(key, req, 481, Some("Call/Transaction Does Not Exist"));
            return;
        };
        match headers::body_of(req, &req.body) {
            Some((t, body)) if t == "application/media_control+xml" => {
                let text = String::from_utf8_lossy(body);
                if text.contains("picture_fast_update") {
                    tracing::info!(call_id = %call_id, "peer asks for a keyframe (picture_fast_update)");
                    if let Some(call) = self.calls.get(&call_id) {
                        let rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
                        if let Some(room) = rooms.rooms.get(&call.room) {
                            room.media.request_keyframe(call.participant);
                        }
                    }
                }
                self.reply(key, req, 200, None);
            }
            Some((t, body)) if t == "application/dtmf-relay" || t == "application/dtmf" => {
                let text = String::from_utf8_lossy(body);
                let digit = text
                    .lines()
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("Signal=")
                            .or_else(|| l.trim().strip_prefix("Signal ="))
                    })
                    .map(|s| s.trim().to_string())
                    .or_else(|| (t == "application/dtmf").then(|| text.trim().to_string()));
                tracing::info!(call_id = %call_id, digit = ?digit, "DTMF by SIP INFO");
                self.reply(key, req, 200, None);
            }
            // An empty INFO is a keep-alive some terminals send.
            None => self.reply(key, req, 200, None),
            Some((t, _)) => {
                let mut resp = message::response(req, 415, None, None);
                headers::push(
                    &mut resp,
                    "Accept",
                    "application/media_control+xml, application/dtmf-relay",
                );
                tracing::debug!(call_id = %call_id, content_type = %t, "INFO with unsupported body");
                self.respond(key, resp);
            }
        }
    }

    /// The call of an in-dialog request, matched on Call-ID and both tags.
    fn dialog_call(&self, req: &rsip::Request) -> Option<String> {
        let call_id = headers::call_id(req)?;
        let call = self.calls.get(&call_id)?;
        let ours = message::to_tag(req)?;
        let theirs = message::from_tag(req);
        (ours == call.dialog.local_tag
            && (call.dialog.remote_tag.is_none() || theirs == call.dialog.remote_tag))
            .then_some(call_id)
    }

    /// Check and record the CSeq of an in-dialog request (RFC 3261 §12.2.2).
    fn check_remote_cseq(&mut self, call_id: &str, req: &rsip::Request) -> bool {
        let Some((n, _)) = headers::cseq(req) else {
            return false;
        };
        let Some(call) = self.calls.get_mut(call_id) else {
            return false;
        };
        if call.dialog.remote_cseq.is_some_and(|last| n <= last) {
            return false;
        }
        call.dialog.remote_cseq = Some(n);
        true
    }

    /// The call an in-dialog re-INVITE or UPDATE belongs to, with its CSeq
    /// checked; otherwise the request is answered 481 or 500 and None.
    fn session_request_call(
        &mut self,
        key: &TransactionKey,
        req: &rsip::Request,
    ) -> Option<String> {
        let Some(call_id) = self.dialog_call(req) else {
            self.reply(key, req, 481, Some("Call/Transaction Does Not Exist"));
            return None;
        };
        if !self.check_remote_cseq(&call_id, req) {
            self.reply(key, req, 500, Some("CSeq out of order"));
            return None;
        }
        Some(call_id)
    }

    pub(super) async fn on_reinvite(&mut self, key: &TransactionKey, req: &rsip::Request) {
        let Some(call_id) = self.session_request_call(key, req) else {
            return;
        };
        if self
            .calls
            .get(&call_id)
            .is_some_and(|c| c.reinvite_pending.is_some())
        {
            self.reply(key, req, 491, Some("Request Pending"));
            return;
        }
        self.session_modify(key, req, &call_id, true).await;
    }

    pub(super) async fn on_update(&mut self, key: &TransactionKey, req: &rsip::Request) {
        let Some(call_id) = self.session_request_call(key, req) else {
            return;
        };
        self.session_modify(key, req, &call_id, false).await;
    }

    /// re-INVITE or UPDATE: new SDP (hold, resume, codec change), a session
    /// refresh, or both. A refused change leaves the call as it was.
    async fn session_modify(
        &mut self,
        key: &TransactionKey,
        req: &rsip::Request,
        call_id: &str,
        is_invite: bool,
    ) {
        let decision = session_timer::uas_decide(
            self.policy(),
            headers::first(req, "Session-Expires").and_then(|v| SessionExpires::parse(&v)),
            headers::first(req, "Min-SE").and_then(|v| v.split(';').next()?.trim().parse().ok()),
            headers::has_token(req, "Supported", "timer")
                || headers::has_token(req, "Require", "timer"),
        );
        if let UasDecision::TooSmall { min_se } = decision {
            let mut r = Refusal::new(422, "Session Interval Too Small");
            r.extra.push(("Min-SE", min_se.to_string()));
            self.refuse(key, req, r);
            return;
        }
        let ip = self.local.media_ip;
        let caps = self.caps.clone();
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if let Some(contact) = headers::first(req, "Contact")
            .map(|c| uri_of(&c))
            .filter(|c| !c.is_empty())
        {
            call.dialog.remote_target = contact;
        }
        let mut body = None;
        let mut media_changed = false;
        match headers::body_of(req, &req.body) {
            Some((t, b)) if t == "application/sdp" => {
                let offer = match SessionDescription::parse(&String::from_utf8_lossy(b)) {
                    Ok(o) => o,
                    Err(e) => {
                        self.refuse(key, req, Refusal::new(400, format!("Bad SDP: {e}")));
                        return;
                    }
                };
                let neg = match negotiate::answer(&offer, &caps) {
                    Ok(n) => n,
                    Err(e) => {
                        self.refuse(
                            key,
                            req,
                            Refusal::new(488, format!("Not Acceptable Here: {e}")),
                        );
                        return;
                    }
                };
                let Some(ports) = media::ports_for_existing(&call.local_ports, &neg) else {
                    self.refuse(
                        key,
                        req,
                        Refusal::new(488, "Adding media streams in a re-INVITE is not supported"),
                    );
                    return;
                };
                let mut sdp = neg.answer_sdp(&call.origin(ip), ip, &ports);
                if call.local_sdp.as_ref().map(media::without_origin)
                    != Some(media::without_origin(&sdp))
                {
                    call.sdp_version += 1;
                    sdp = neg.answer_sdp(&call.origin(ip), ip, &ports);
                }
                call.negotiation = Some(neg);
                call.local_sdp = Some(sdp.clone());
                body = Some(sdp);
                media_changed = true;
            }
            Some((t, _)) => {
                let mut r = Refusal::new(415, format!("Unsupported body type {t}"));
                r.extra.push(("Accept", "application/sdp".into()));
                self.refuse(key, req, r);
                return;
            }
            // A re-INVITE without SDP asks for our offer in the 200; an
            // UPDATE without SDP is a pure session refresh.
            None if is_invite => {
                if let Some(sdp) = &call.local_sdp {
                    call.pending_offer = Some(sdp.clone());
                    body = Some(sdp.clone());
                }
            }
            None => {}
        }
        call.session_timer = match decision {
            UasDecision::Timer(t) => Some(t),
            _ => None,
        };
        let mut resp = message::response(req, 200, None, None);
        headers::push(
            &mut resp,
            "Contact",
            format!("<{}>", call.dialog.local_contact),
        );
        headers::push(&mut resp, "Allow", super::ALLOW);
        headers::push(&mut resp, "Supported", super::SUPPORTED);
        if let Some(t) = call.session_timer {
            push_session_timer(&mut resp, t);
        }
        if let Some(sdp) = body {
            message::set_body(&mut resp, "application/sdp", sdp.to_string().into_bytes());
        }
        if is_invite {
            call.state = CallState::WaitingAck;
        }
        self.respond(key, resp);
        if media_changed {
            self.update_media(call_id);
            self.mark_connected(call_id);
        }
        self.schedule_session_timer(call_id);
    }

    fn update_media(&mut self, call_id: &str) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let Some(neg) = &call.negotiation else { return };
        let specs = media::update_specs(neg, &call.local_ports);
        let rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(room) = rooms.rooms.get(&call.room) {
            if let Err(e) = room.media.update_participant(call.participant, specs) {
                tracing::warn!(call_id = %call_id, error = %e, "media update failed");
            }
        }
    }

    /// (Re)arm the session timer of a call after it was (re)negotiated.
    fn schedule_session_timer(&mut self, call_id: &str) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        call.timer_generation += 1;
        let Some(t) = call.session_timer else { return };
        let generation = call.timer_generation;
        let now = Instant::now();
        let call_id = call_id.to_string();
        if t.we_refresh {
            self.timers.schedule(
                now + t.refresh_after(),
                CoreTimer::SessionRefresh {
                    call_id,
                    generation,
                },
            );
        } else {
            self.timers.schedule(
                now + t.expire_after(),
                CoreTimer::SessionExpire {
                    call_id,
                    generation,
                },
            );
        }
    }

    /// We are the refresher: UPDATE where the peer allows it (no SDP, no
    /// media disturbance), else a re-INVITE with our current SDP.
    pub(super) fn session_refresh(&mut self, call_id: &str, generation: u64) {
        let ua = self.user_agent().to_string();
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if call.timer_generation != generation || call.state != CallState::Confirmed {
            return;
        }
        let Some(t) = call.session_timer else { return };
        let se = format!(
            "Session-Expires: {};refresher={}",
            t.interval,
            t.refresher.as_str()
        );
        let sent_by = self.local.sip_addr(&call.dialog.peer).to_string();
        let extra = vec![
            se,
            format!("Supported: {}", super::SUPPORTED),
            format!("Allow: {}", super::ALLOW),
        ];
        let (method, body) = if call.peer_allows_update {
            ("UPDATE", None)
        } else {
            ("INVITE", call.local_sdp.as_ref().map(|s| s.to_string()))
        };
        let req = call.dialog.request(
            method,
            &extra,
            body.as_deref().map(|b| ("application/sdp", b.as_bytes())),
            &sent_by,
            &ua,
        );
        let peer = call.dialog.peer;
        match req {
            Ok(req) => {
                let owner = if method == "INVITE" {
                    call.reinvite_pending = Some(call.dialog.local_cseq);
                    TxnOwner::Invite {
                        call_id: call_id.to_string(),
                    }
                } else {
                    TxnOwner::InDialog {
                        call_id: call_id.to_string(),
                        method: method.into(),
                        ends_on_failure: true,
                    }
                };
                tracing::debug!(call_id = %call_id, method, "session refresh");
                self.send_request(req, peer, Some(owner));
                // Until the refresh succeeds, expire as a non-refresher would.
                if let Some(call) = self.calls.get_mut(call_id) {
                    call.timer_generation += 1;
                    let generation = call.timer_generation;
                    let wait = t.expire_after().saturating_sub(t.refresh_after());
                    self.timers.schedule(
                        Instant::now() + wait.max(Duration::from_secs(32)),
                        CoreTimer::SessionExpire {
                            call_id: call_id.to_string(),
                            generation,
                        },
                    );
                }
            }
            Err(e) => {
                tracing::warn!(call_id = %call_id, error = %e, "cannot build session refresh")
            }
        }
    }

    pub(super) fn session_expired(&mut self, call_id: &str, generation: u64) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        if call.timer_generation != generation {
            return;
        }
        tracing::warn!(call_id = %call_id, "session timer expired without refresh; ending the call");
        self.end_call(call_id, true, "Session timer expired");
    }

    /// Responses to our client transactions.
    pub(super) async fn on_response(&mut self, key: TransactionKey, resp: rsip::Response) {
        let code = resp.status_code.code();
        let owner = if code >= 200 {
            self.owners.remove(&key)
        } else {
            self.owners.get(&key).cloned()
        };
        // A retransmitted 2xx to our INVITE (Accepted state) needs the ACK again.
        let owner = owner.or_else(|| {
            let call_id = headers::call_id(&resp)?;
            let (_, m) = headers::cseq(&resp)?;
            (m.eq_ignore_ascii_case("INVITE") && (200..300).contains(&code))
                .then_some(TxnOwner::Invite { call_id })
        });
        match owner {
            Some(TxnOwner::Invite { call_id }) => {
                self.on_invite_response(&call_id, key, resp).await
            }
            Some(TxnOwner::InDialog {
                call_id,
                method,
                ends_on_failure,
            }) => {
                if method == "INFO" {
                    self.keyframe_info_answered(&call_id, code);
                }
                if code >= 300 {
                    tracing::info!(call_id = %call_id, method = %method, code, "in-dialog request failed");
                    // RFC 4028 §10 / RFC 5057: a refresh that fails with
                    // 408 or 481 means the dialog is gone.
                    if ends_on_failure && matches!(code, 408 | 481) {
                        self.end_call(&call_id, false, "Refresh failed");
                    }
                } else if code >= 200 && method == "UPDATE" {
                    self.refresh_succeeded(&call_id, &resp);
                }
            }
            None => {}
        }
    }

    fn refresh_succeeded(&mut self, call_id: &str, resp: &rsip::Response) {
        let response_se =
            headers::first(resp, "Session-Expires").and_then(|v| SessionExpires::parse(&v));
        let require = headers::has_token(resp, "Require", "timer");
        if let Some(call) = self.calls.get_mut(call_id) {
            call.session_timer =
                session_timer::uac_decide(response_se, require).or(call.session_timer);
        }
        self.schedule_session_timer(call_id);
    }

    async fn on_invite_response(
        &mut self,
        call_id: &str,
        _key: TransactionKey,
        resp: rsip::Response,
    ) {
        let code = resp.status_code.code();
        let ua = self.user_agent().to_string();
        let Some(call) = self.calls.get_mut(call_id) else {
            // 2xx for a call we already gave up: ACK and BYE it so the peer
            // does not hold a half-open call.
            return;
        };
        let (cseq, _) = headers::cseq(&resp).unwrap_or((0, String::new()));
        if code < 200 {
            if call.dialog.remote_tag.is_none() {
                call.dialog.remote_tag = headers::to_value(&resp).and_then(|v| split_tag(&v).1);
            }
            if code == 180 || code == 183 {
                tracing::info!(call_id = %call_id, code, "ringing");
            }
            return;
        }
        let reinvite = call.reinvite_pending.take().is_some() && call.state == CallState::Confirmed;
        if code >= 300 {
            if reinvite {
                // A failed refresh/re-INVITE leaves the session as it was,
                // except where the dialog itself is gone.
                tracing::info!(call_id = %call_id, code, "re-INVITE refused");
                if matches!(code, 408 | 481) {
                    self.end_call(call_id, false, "re-INVITE failed");
                }
                return;
            }
            tracing::info!(call_id = %call_id, code, "outbound call failed");
            self.forget_call(call_id);
            return;
        }
        // 2xx: (re)establish the dialog, ACK, take the answer.
        let first_2xx = call.state != CallState::Confirmed || reinvite;
        if call.dialog.remote_tag.is_none()
            || call.state == CallState::Early
            || call.state == CallState::Cancelling
        {
            call.dialog.remote_tag = headers::to_value(&resp).and_then(|v| split_tag(&v).1);
            let mut rr = headers::values(&resp, "Record-Route");
            rr.reverse();
            call.dialog.route_set = rr;
        }
        if let Some(c) = headers::first(&resp, "Contact")
            .map(|c| uri_of(&c))
            .filter(|c| !c.is_empty())
        {
            call.dialog.remote_target = c;
        }
        call.peer_allows_update = headers::has_token(&resp, "Allow", "UPDATE");
        let sent_by = self.local.sip_addr(&call.dialog.peer).to_string();
        let peer = call.dialog.peer;
        match call.dialog.ack(cseq, None, &sent_by, &ua) {
            Ok(ack) => {
                let ev = self
                    .txn
                    .send_stateless(rsip::SipMessage::Request(ack), peer);
                self.emit(ev);
            }
            Err(e) => tracing::warn!(call_id = %call_id, error = %e, "cannot build ACK"),
        }
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if !first_2xx {
            return;
        }
        let was_cancelling = call.state == CallState::Cancelling;
        call.state = CallState::Confirmed;
        call.invite_key = None;
        if was_cancelling {
            self.end_call(call_id, true, "Cancelled");
            return;
        }
        let timer = session_timer::uac_decide(
            headers::first(&resp, "Session-Expires").and_then(|v| SessionExpires::parse(&v)),
            headers::has_token(&resp, "Require", "timer"),
        );
        call.session_timer = timer;
        let answer = headers::body_of(&resp, &resp.body)
            .filter(|(t, _)| t == "application/sdp")
            .and_then(|(_, b)| SessionDescription::parse(&String::from_utf8_lossy(b)).ok());
        match (call.pending_offer.take(), answer) {
            (Some(offer), Some(answer)) => {
                match negotiate::process_answer(&offer, &answer, &self.caps) {
                    Ok(neg) => {
                        let running = !call.local_ports.is_empty();
                        call.negotiation = Some(neg);
                        if running {
                            self.update_media(call_id);
                        } else if !self.start_media(call_id).await {
                            self.end_call(call_id, true, "Media setup failed");
                            return;
                        }
                        self.mark_connected(call_id);
                        tracing::info!(call_id = %call_id, "outbound call connected");
                    }
                    Err(e) => {
                        tracing::warn!(call_id = %call_id, error = %e, "unusable SDP answer; ending the call");
                        self.end_call(call_id, true, "Incompatible SDP answer");
                        return;
                    }
                }
            }
            (None, _) => {}
            (Some(_), None) => {
                tracing::warn!(call_id = %call_id, "2xx without SDP answer; ending the call");
                self.end_call(call_id, true, "No SDP answer");
                return;
            }
        }
        self.schedule_session_timer(call_id);
    }

    pub(super) fn on_client_timeout(&mut self, key: TransactionKey) {
        let Some(owner) = self.owners.remove(&key) else {
            return;
        };
        self.metrics
            .sip_transaction_timeouts
            .with_label_values(&[match &owner {
                TxnOwner::Invite { .. } => "INVITE",
                TxnOwner::InDialog { method, .. } => method.as_str(),
            }])
            .inc();
        match owner {
            TxnOwner::Invite { call_id } => {
                let confirmed = self
                    .calls
                    .get(&call_id)
                    .is_some_and(|c| c.state == CallState::Confirmed);
                tracing::info!(call_id = %call_id, "INVITE timed out");
                if confirmed {
                    self.end_call(&call_id, true, "re-INVITE timed out");
                } else {
                    self.forget_call(&call_id);
                }
            }
            TxnOwner::InDialog {
                call_id,
                method,
                ends_on_failure,
            } => {
                tracing::info!(call_id = %call_id, method = %method, "in-dialog request timed out");
                if ends_on_failure {
                    self.end_call(&call_id, false, "Refresh timed out");
                }
            }
        }
    }

    /// End a call: BYE (or CANCEL while our INVITE rings) when asked, then
    /// drop its media and participant.
    pub(super) fn end_call(&mut self, call_id: &str, send_bye: bool, reason: &str) {
        let ua = self.user_agent().to_string();
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if send_bye {
            match call.state {
                CallState::Early if call.outbound => {
                    // CANCEL; the call is forgotten when the 487 arrives.
                    if let Some(cancel) = call
                        .invite
                        .as_ref()
                        .and_then(|i| message::build_cancel(i).ok())
                    {
                        call.state = CallState::Cancelling;
                        let peer = call.dialog.peer;
                        self.send_request(cancel, peer, None);
                        return;
                    }
                }
                CallState::Early | CallState::Cancelling => {}
                CallState::WaitingAck | CallState::Confirmed => {
                    let sent_by = self.local.sip_addr(&call.dialog.peer).to_string();
                    let extra = vec![format!("Reason: SIP;cause=200;text=\"{reason}\"")];
                    match call.dialog.request("BYE", &extra, None, &sent_by, &ua) {
                        Ok(bye) => {
                            let peer = call.dialog.peer;
                            let owner = TxnOwner::InDialog {
                                call_id: call_id.to_string(),
                                method: "BYE".into(),
                                ends_on_failure: false,
                            };
                            self.send_request(bye, peer, Some(owner));
                        }
                        Err(e) => {
                            tracing::warn!(call_id = %call_id, error = %e, "cannot build BYE")
                        }
                    }
                }
            }
        }
        tracing::info!(call_id = %call_id, reason, "call ended");
        self.forget_call(call_id);
    }

    /// Remove a call and everything it holds, without signalling.
    pub(super) fn forget_call(&mut self, call_id: &str) {
        let Some(call) = self.calls.remove(call_id) else {
            return;
        };
        self.owners.retain(|_, o| match o {
            TxnOwner::Invite { call_id: c } | TxnOwner::InDialog { call_id: c, .. } => c != call_id,
        });
        let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(room) = rooms.rooms.get_mut(&call.room) {
            if let Some(p) = room.participants.remove(&call.participant) {
                if p.connected_at.is_some() {
                    self.metrics
                        .calls
                        .with_label_values(&["sip", &call.room])
                        .dec();
                }
            }
            if !call.local_ports.is_empty() {
                if let Err(e) = room.media.remove_participant(call.participant) {
                    tracing::debug!(call_id = %call_id, error = %e, "media already gone");
                }
            }
            if room.retired && room.participants.is_empty() {
                let number = call.room.clone();
                rooms.rooms.remove(&number);
            }
        }
    }

    /// Participant ids are unique across protocols: the rooms hand them out.
    fn new_participant_id(&self) -> u64 {
        self.shared
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .allocate_id()
    }

    pub(super) fn on_room_event(&mut self, room: &str, ev: diemcau_mixer::room::RoomEvent) {
        match ev {
            diemcau_mixer::room::RoomEvent::MediaTimeout { participant } => {
                let call_id = self
                    .calls
                    .iter()
                    .find(|(_, c)| c.room == room && c.participant == participant)
                    .map(|(id, _)| id.clone());
                if let Some(call_id) = call_id {
                    tracing::warn!(call_id = %call_id, room, "no media from participant; ending the call");
                    self.end_call(&call_id, true, "Media timeout");
                } else {
                    self.shared
                        .rooms
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .ask_to_leave(room, participant, crate::rooms::LeaveReason::MediaTimeout);
                }
            }
            diemcau_mixer::room::RoomEvent::ActiveSpeaker { participant } => {
                tracing::info!(room, participant, "active speaker");
            }
            diemcau_mixer::room::RoomEvent::KeyframeWanted { participant } => {
                let sip = self
                    .calls
                    .values()
                    .any(|c| c.room == room && c.participant == participant);
                if sip {
                    self.ask_for_keyframe(room, participant);
                } else {
                    self.shared
                        .rooms
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .ask_for_keyframe(room, participant);
                }
            }
        }
    }

    pub(super) async fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::DialOut {
                room,
                target,
                reply,
            } => {
                let r = self.dial_out(&room, target).await;
                let _ = reply.send(r);
            }
            Command::HangUp {
                room,
                participant,
                reply,
            } => {
                let call_id = self
                    .calls
                    .iter()
                    .find(|(_, c)| c.room == room && c.participant == participant)
                    .map(|(id, _)| id.clone());
                let r = match call_id {
                    Some(id) => {
                        self.end_call(&id, true, "Hung up by operator");
                        Ok(())
                    }
                    None if !self
                        .shared
                        .rooms
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .rooms
                        .contains_key(&room) =>
                    {
                        Err(CommandError::NoSuchRoom(room))
                    }
                    None if self
                        .shared
                        .rooms
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .ask_to_leave(&room, participant, crate::rooms::LeaveReason::Operator) =>
                    {
                        Ok(())
                    }
                    None => Err(CommandError::NoSuchParticipant(participant)),
                };
                let _ = reply.send(r);
            }
            Command::Media {
                room,
                action,
                reply,
            } => {
                let _ = reply.send(self.media_action(&room, action));
            }
        }
    }

    /// Resolve a dial-out target to a Request-URI, the peer to send to, and
    /// the name to show.
    async fn resolve_target(
        &self,
        target: &DialTarget,
    ) -> Result<(String, Peer, String, String), CommandError> {
        match target {
            // The daemon hands these to the H.323 signalling; here only
            // when H.323 is off.
            DialTarget::H323(to) => Err(CommandError::InvalidTarget(format!(
                "{to}: H.323 is not enabled"
            ))),
            DialTarget::Terminal(user) => {
                let binding = {
                    let reg = self
                        .shared
                        .registrar
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    reg.bindings(user, Instant::now()).into_iter().next()
                }
                .ok_or_else(|| CommandError::NotRegistered(user.clone()))?;
                // Reach the terminal where its REGISTER came from (NAT,
                // and TCP connections it opened), not its Contact address.
                let mut peer = binding.source;
                if let Some(c) = peer.conn {
                    if peer.transport != TransportKind::Udp && !self.transports.conn_open(c) {
                        peer.conn = None;
                    }
                }
                let display = self
                    .cfg
                    .terminal(user)
                    .map(|t| t.display_name.clone())
                    .unwrap_or_else(|| user.clone());
                let to = format!("<sip:{user}@{}>", self.cfg.server.sip_domain);
                Ok((binding.contact, peer, display, to))
            }
            DialTarget::Uri(uri) => {
                let parsed = rsip::Uri::try_from(uri.as_str())
                    .map_err(|e| CommandError::InvalidTarget(format!("{uri}: {e}")))?;
                let transport = match parsed.transport() {
                    Some(rsip::Transport::Tcp) => TransportKind::Tcp,
                    Some(rsip::Transport::Udp) | None => TransportKind::Udp,
                    Some(other) => {
                        return Err(CommandError::InvalidTarget(format!(
                            "unsupported transport {other}"
                        )))
                    }
                };
                let host = parsed.host_with_port.host.to_string();
                let port = parsed
                    .host_with_port
                    .port
                    .map(|p| *p.value())
                    .unwrap_or(5060);
                let addr = tokio::time::timeout(
                    Duration::from_secs(3),
                    tokio::net::lookup_host((host.as_str(), port)),
                )
                .await
                .map_err(|_| CommandError::InvalidTarget(format!("{host}: lookup timed out")))?
                .map_err(|e| CommandError::InvalidTarget(format!("{host}: {e}")))?
                .next()
                .ok_or_else(|| CommandError::InvalidTarget(format!("{host}: no address")))?;
                let display = parsed
                    .user()
                    .map(str::to_string)
                    .unwrap_or_else(|| host.clone());
                Ok((
                    uri.clone(),
                    Peer {
                        transport,
                        addr,
                        conn: None,
                    },
                    display,
                    format!("<{uri}>"),
                ))
            }
        }
    }

    async fn dial_out(
        &mut self,
        room_number: &str,
        target: DialTarget,
    ) -> Result<ParticipantView, CommandError> {
        let (room_name, full) = {
            let rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
            let room = rooms
                .rooms
                .get(room_number)
                .filter(|r| !r.retired)
                .ok_or_else(|| CommandError::NoSuchRoom(room_number.to_string()))?;
            (room.config.name.clone(), room.is_full())
        };
        if full {
            return Err(CommandError::RoomFull(room_number.to_string()));
        }
        let (request_uri, peer, display, to_value) = self.resolve_target(&target).await?;
        use diemcau_codecs::catalogue::MediaKind;
        let ports = media::reserve(self, &[MediaKind::Audio, MediaKind::Video])
            .map_err(|e| CommandError::Internal(format!("no media ports: {e}")))?;
        let session_id = u64::from(rand::random::<u32>());
        let ip = self.local.media_ip;
        let origin = Origin {
            username: "diemcau".into(),
            session_id,
            version: 1,
            address: ip,
        };
        let offer = negotiate::offer(
            &self.caps,
            &origin,
            ip,
            ports.port(MediaKind::Audio),
            ports.port(MediaKind::Video),
        );
        let local_addr = self.local.sip_addr(&peer);
        let call_id = message::new_call_id(&local_addr.ip().to_string());
        let mut dialog = Dialog {
            call_id: call_id.clone(),
            local_tag: message::new_tag(),
            remote_tag: None,
            local_uri: format!(
                "\"{}\" <sip:{room_number}@{}>",
                room_name.replace('"', ""),
                self.cfg.server.sip_domain
            ),
            remote_uri: to_value,
            local_cseq: 0,
            remote_cseq: None,
            remote_target: request_uri.clone(),
            route_set: Vec::new(),
            peer,
            local_contact: contact_uri(room_number, local_addr, peer.transport),
        };
        let extra = vec![
            format!("Allow: {}", super::ALLOW),
            format!("Supported: {}", super::SUPPORTED),
            format!("Session-Expires: {}", self.cfg.sip.session_expires),
            format!("Min-SE: {}", self.cfg.sip.min_se),
        ];
        let body = offer.to_string();
        let req = dialog
            .request(
                "INVITE",
                &extra,
                Some(("application/sdp", body.as_bytes())),
                &dialog::sent_by(local_addr),
                self.user_agent(),
            )
            .map_err(|e| CommandError::Internal(e.to_string()))?;
        let participant = self.new_participant_id();
        let p = Participant {
            id: participant,
            display_name: display,
            protocol: "sip",
            direction: CallDirection::Outbound,
            state: ParticipantState::Ringing,
            remote_uri: request_uri.clone(),
            call_id: call_id.clone(),
            connected_at: None,
            streams: Vec::new(),
            muted: false,
        };
        let view = {
            let mut rooms = self.shared.rooms.lock().unwrap_or_else(|p| p.into_inner());
            let room = rooms
                .rooms
                .get_mut(room_number)
                .ok_or_else(|| CommandError::NoSuchRoom(room_number.to_string()))?;
            let v = room.participant_view(&p);
            room.participants.insert(participant, p);
            v
        };
        self.calls.insert(
            call_id.clone(),
            Call {
                participant,
                room: room_number.to_string(),
                dialog,
                outbound: true,
                state: CallState::Early,
                invite_key: None,
                invite: Some(req.clone()),
                local_sdp: Some(offer.clone()),
                pending_offer: Some(offer),
                negotiation: None,
                pending_ports: ports,
                local_ports: Vec::new(),
                session_id,
                sdp_version: 1,
                session_timer: None,
                timer_generation: 0,
                reinvite_pending: None,
                peer_allows_update: false,
                takes_keyframe_info: true,
                span: tracing::info_span!("call", call_id = %call_id, room = %room_number, peer = %peer),
            },
        );
        tracing::info!(call_id = %call_id, room = %room_number, target = %request_uri, peer = %peer, "dialling out");
        match self.send_request(
            req,
            peer,
            Some(TxnOwner::Invite {
                call_id: call_id.clone(),
            }),
        ) {
            Some(key) => {
                if let Some(c) = self.calls.get_mut(&call_id) {
                    c.invite_key = Some(key);
                }
                Ok(view)
            }
            None => {
                self.forget_call(&call_id);
                Err(CommandError::Internal("cannot send INVITE".into()))
            }
        }
    }

    fn display_name_for(&self, from_value: &str) -> String {
        let uri = uri_of(from_value);
        let user = register::user_of(&uri);
        // Configured names win: they are what the operators chose.
        if let Some(t) = user.as_deref().and_then(|u| self.cfg.terminal(u)) {
            return t.display_name.clone();
        }
        display_name_of(from_value)
            .or(user)
            .unwrap_or_else(|| "Khách".to_string())
    }
}

/// Session-Expires (and Require: timer when the peer supports it) in a 2xx
/// that accepts a session refresh or an initial INVITE (RFC 4028 §9).
fn push_session_timer(resp: &mut rsip::Response, t: SessionTimer) {
    if t.peer_supports {
        headers::push(resp, "Require", "timer");
    }
    headers::push(
        resp,
        "Session-Expires",
        SessionExpires {
            interval: t.interval,
            refresher: Some(t.refresher),
        }
        .header_value(),
    );
}
