//! Client INVITE transaction (RFC 3261 §17.1.1, Figure 5, with the RFC 6026
//! Accepted state).
//!
//! Calling re-sends the INVITE on Timer A (UDP only, doubling without cap)
//! until a response or Timer B. A non-2xx final is acknowledged here, with
//! the INVITE's branch (§17.1.1.3), and Completed re-sends that ACK for
//! copies of the final until Timer D. A 2xx moves to Accepted for Timer M,
//! passing every 2xx (copies, forks) to the TU, which owns the 2xx's ACK.

use std::time::Instant;

use bytes::Bytes;

use super::{Ctx, Event, Status, TimerKind, Timers, TIMER_C, TIMER_D};
use crate::sip::message;
use crate::sip::transport::Peer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Calling,
    Proceeding,
    Completed,
    Accepted,
}

pub(super) struct ClientInvite {
    state: State,
    request: rsip::Request,
    to: Peer,
    data: Bytes,
    ack: Option<Bytes>,
    timers: Timers,
    /// When a CANCEL was sent: the INVITE is given up 64*T1 later if no
    /// final response arrives (RFC 3261 §9.1).
    cancel_deadline: Option<Instant>,
}

impl ClientInvite {
    pub(super) fn new(request: rsip::Request, to: Peer, ctx: &mut Ctx<'_>) -> (Self, Status) {
        let data = message::encode_request(&request);
        ctx.send(to, &data);
        let mut tx = Self {
            state: State::Calling,
            request,
            to,
            data,
            ack: None,
            timers: Timers::default(),
            cancel_deadline: None,
        };
        if !to.transport.is_reliable() {
            ctx.arm_retransmit(&mut tx.timers, ctx.cfg.t1);
        }
        ctx.arm_deadline(&mut tx.timers, ctx.cfg.t64());
        (tx, Status::Alive)
    }

    pub(super) fn on_response(&mut self, resp: rsip::Response, ctx: &mut Ctx<'_>) -> Status {
        let code = resp.status_code.code();
        match (self.state, code) {
            (State::Calling | State::Proceeding, 100..=199) => {
                self.state = State::Proceeding;
                self.timers.stop_retransmit();
                // Timer C restarts with every provisional; a pending CANCEL
                // deadline still applies.
                let c = ctx.now + TIMER_C;
                let at = self.cancel_deadline.map_or(c, |d| d.min(c));
                ctx.arm_deadline(&mut self.timers, at.saturating_duration_since(ctx.now));
                self.report(resp, ctx);
                Status::Alive
            }
            (State::Calling | State::Proceeding, 200..=299) => {
                self.state = State::Accepted;
                self.timers.stop_retransmit();
                ctx.arm_deadline(&mut self.timers, ctx.cfg.t64());
                self.report(resp, ctx);
                Status::Alive
            }
            (State::Calling | State::Proceeding, 300..=699) => {
                let ack = message::encode_request(&build_ack(&self.request, &resp));
                ctx.send(self.to, &ack);
                self.ack = Some(ack);
                self.state = State::Completed;
                self.timers.stop_retransmit();
                self.report(resp, ctx);
                if self.to.transport.is_reliable() {
                    return Status::Terminated;
                }
                ctx.arm_deadline(&mut self.timers, TIMER_D);
                Status::Alive
            }
            (State::Accepted, 200..=299) => {
                self.report(resp, ctx);
                Status::Alive
            }
            (State::Completed, 300..=699) => {
                if let Some(ack) = &self.ack {
                    ctx.send(self.to, ack);
                }
                Status::Alive
            }
            _ => Status::Alive,
        }
    }

    fn report(&self, response: rsip::Response, ctx: &mut Ctx<'_>) {
        ctx.emit(Event::Response {
            key: ctx.key.clone(),
            response,
        });
    }

    /// The TU sent a CANCEL for this INVITE.
    pub(super) fn on_cancel_sent(&mut self, ctx: &mut Ctx<'_>) -> Status {
        if matches!(self.state, State::Calling | State::Proceeding) {
            let by = ctx.now + ctx.cfg.t64();
            self.cancel_deadline = Some(by);
            if self.timers.deadline.is_none_or(|d| d > by) {
                ctx.arm_deadline(&mut self.timers, ctx.cfg.t64());
            }
        }
        Status::Alive
    }

    pub(super) fn on_transport_error(&mut self, ctx: &mut Ctx<'_>) -> Status {
        if matches!(self.state, State::Calling | State::Proceeding) {
            ctx.emit(Event::Timeout {
                key: ctx.key.clone(),
            });
        }
        Status::Terminated
    }

    pub(super) fn on_timer(&mut self, kind: TimerKind, at: Instant, ctx: &mut Ctx<'_>) -> Status {
        if !self.timers.fire(kind, at) {
            return Status::Alive;
        }
        match (kind, self.state) {
            (TimerKind::Retransmit, State::Calling) => {
                ctx.send(self.to, &self.data);
                let next = self.timers.interval * 2;
                ctx.arm_retransmit(&mut self.timers, next);
                Status::Alive
            }
            (TimerKind::Retransmit, _) => Status::Alive,
            (TimerKind::Deadline, State::Calling | State::Proceeding) => {
                ctx.emit(Event::Timeout {
                    key: ctx.key.clone(),
                });
                Status::Terminated
            }
            (TimerKind::Deadline, State::Completed | State::Accepted) => Status::Terminated,
        }
    }
}

/// The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): the INVITE's
/// Request-URI, top Via (same branch), From, Call-ID, CSeq number and Route
/// set, with the To of the response (it carries the UAS's tag).
fn build_ack(invite: &rsip::Request, resp: &rsip::Response) -> rsip::Request {
    let mut ack = rsip::Request {
        method: rsip::Method::Ack,
        uri: invite.uri.clone(),
        version: rsip::Version::V2,
        headers: Default::default(),
        body: Vec::new(),
    };
    if let Some(via) = message::vias(invite).into_iter().next() {
        message::add_header(&mut ack, "Via", via);
    }
    message::add_header(&mut ack, "Max-Forwards", "70");
    for name in ["From", "To", "Call-ID"] {
        let source = if name == "To" {
            message::header(resp, name)
        } else {
            message::header(invite, name)
        };
        if let Some(v) = source {
            message::add_header(&mut ack, name, v);
        }
    }
    let cseq = message::cseq(invite).map(|(n, _)| n).unwrap_or_default();
    message::add_header(&mut ack, "CSeq", format!("{cseq} ACK"));
    for route in message::header_values(invite, "Route") {
        message::add_header(&mut ack, "Route", route);
    }
    message::add_header(&mut ack, "Content-Length", "0");
    ack
}
