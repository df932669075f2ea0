//! Server INVITE transaction (RFC 3261 §17.2.1, Figure 7, with the RFC 6026
//! Accepted state).
//!
//! A 100 Trying goes out at once: setting up media can take longer than the
//! 200 ms after which a UAC would retransmit. A non-2xx final is
//! retransmitted on Timer G (UDP) until the ACK (same branch) arrives or
//! Timer H gives up; Timer I then absorbs ACK copies. A 2xx moves to
//! Accepted, where this layer (not the TU) retransmits it on UDP, T1
//! doubling to T2, until the end-to-end ACK matches or Timer L (64*T1)
//! fires, which reports `AckTimeout` if no ACK came.

use bytes::Bytes;

use super::{Ctx, Event, Status, TimerKind, Timers, TU_INVITE_LIMIT};
use crate::sip::message;
use crate::sip::transport::Peer;
use crate::sip::SipError;

/// What an ACK with the INVITE's own branch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AckOutcome {
    /// ACK for a non-2xx (or a copy of it): the transaction's business.
    Absorbed,
    /// ACK for our 2xx that reused the INVITE branch: for the TU.
    Acknowledged2xx,
    /// The key named another kind of transaction.
    NotMine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Proceeding,
    Completed,
    Confirmed,
    Accepted { acked: bool },
}

pub(super) struct ServerInvite {
    state: State,
    request: rsip::Request,
    dest: Peer,
    last: Bytes,
    timers: Timers,
    /// Call-ID, CSeq number and From tag: what a 2xx's ACK is matched on.
    call_id: String,
    cseq: u32,
    from_tag: Option<String>,
}

impl ServerInvite {
    pub(super) fn new(request: rsip::Request, from: Peer, ctx: &mut Ctx<'_>) -> (Self, Status) {
        let dest = message::response_destination(&request, from);
        let trying = message::encode_response(&message::response(&request, 100, None, None));
        ctx.send(dest, &trying);
        let mut tx = Self {
            state: State::Proceeding,
            call_id: message::call_id(&request).unwrap_or_default(),
            cseq: message::cseq(&request).map(|(n, _)| n).unwrap_or_default(),
            from_tag: message::from_tag(&request),
            request,
            dest,
            last: trying,
            timers: Timers::default(),
        };
        ctx.arm_deadline(&mut tx.timers, TU_INVITE_LIMIT);
        (tx, Status::Alive)
    }

    fn reliable(&self) -> bool {
        self.dest.transport.is_reliable()
    }

    /// A retransmitted INVITE: re-send the last provisional or the non-2xx
    /// final; in Accepted it is absorbed (RFC 6026 §7.1: our own timer
    /// re-sends the 2xx).
    pub(super) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) -> Status {
        if matches!(self.state, State::Proceeding | State::Completed) {
            ctx.send(self.dest, &self.last);
        }
        Status::Alive
    }

    pub(super) fn on_ack(&mut self, ctx: &mut Ctx<'_>) -> (AckOutcome, Status) {
        match self.state {
            State::Completed => {
                self.timers.stop_retransmit();
                if self.reliable() {
                    return (AckOutcome::Absorbed, Status::Terminated);
                }
                self.state = State::Confirmed;
                ctx.arm_deadline(&mut self.timers, ctx.cfg.t4);
                (AckOutcome::Absorbed, Status::Alive)
            }
            State::Accepted { .. } => {
                self.acknowledged();
                (AckOutcome::Acknowledged2xx, Status::Alive)
            }
            // Before a final response there is nothing to acknowledge.
            State::Confirmed | State::Proceeding => (AckOutcome::Absorbed, Status::Alive),
        }
    }

    /// Whether this transaction sent a 2xx still waiting for this ACK.
    pub(super) fn awaits_ack(&self, call_id: &str, cseq: u32, from_tag: Option<&str>) -> bool {
        matches!(self.state, State::Accepted { acked: false })
            && self.cseq == cseq
            && self.call_id == call_id
            && self.from_tag.as_deref() == from_tag
    }

    /// The ACK for our 2xx arrived: stop re-sending it. The transaction
    /// stays until Timer L to absorb late INVITE copies.
    pub(super) fn acknowledged(&mut self) {
        if let State::Accepted { acked } = &mut self.state {
            *acked = true;
            self.timers.stop_retransmit();
        }
    }

    pub(super) fn respond(
        &mut self,
        resp: rsip::Response,
        ctx: &mut Ctx<'_>,
    ) -> Result<Status, SipError> {
        if self.state != State::Proceeding {
            return Err(SipError::Transport(format!(
                "{} already has a final response",
                ctx.key
            )));
        }
        let code = resp.status_code.code();
        if !(100..=699).contains(&code) {
            return Err(SipError::Malformed(format!("status code {code}")));
        }
        self.last = message::encode_response(&resp);
        ctx.send(self.dest, &self.last);
        match code {
            100..=199 => {}
            200..=299 => self.enter_final(State::Accepted { acked: false }, ctx),
            _ => self.enter_final(State::Completed, ctx),
        }
        Ok(Status::Alive)
    }

    /// Completed (Timers G and H) or Accepted (2xx retransmission and Timer
    /// L): both re-send on UDP from T1 and end after 64*T1.
    fn enter_final(&mut self, state: State, ctx: &mut Ctx<'_>) {
        self.state = state;
        if !self.reliable() {
            ctx.arm_retransmit(&mut self.timers, ctx.cfg.t1);
        }
        ctx.arm_deadline(&mut self.timers, ctx.cfg.t64());
    }

    pub(super) fn on_timer(
        &mut self,
        kind: TimerKind,
        at: std::time::Instant,
        ctx: &mut Ctx<'_>,
    ) -> Status {
        if !self.timers.fire(kind, at) {
            return Status::Alive;
        }
        match (kind, self.state) {
            (TimerKind::Retransmit, State::Completed | State::Accepted { acked: false }) => {
                ctx.send(self.dest, &self.last);
                let next = (self.timers.interval * 2).min(ctx.cfg.t2);
                ctx.arm_retransmit(&mut self.timers, next);
                Status::Alive
            }
            (TimerKind::Retransmit, _) => Status::Alive,
            (TimerKind::Deadline, State::Proceeding) => {
                tracing::warn!(key = %ctx.key, "no final response from the TU; answering 500");
                let resp = message::response(
                    &self.request,
                    500,
                    Some("No Answer From Application"),
                    Some(&message::new_tag()),
                );
                self.last = message::encode_response(&resp);
                ctx.send(self.dest, &self.last);
                self.enter_final(State::Completed, ctx);
                Status::Alive
            }
            (TimerKind::Deadline, State::Completed) => {
                tracing::debug!(key = %ctx.key, "Timer H: no ACK for our final response");
                Status::Terminated
            }
            (TimerKind::Deadline, State::Confirmed) => Status::Terminated,
            (TimerKind::Deadline, State::Accepted { acked }) => {
                if !acked {
                    ctx.emit(Event::AckTimeout {
                        key: ctx.key.clone(),
                        call_id: self.call_id.clone(),
                    });
                }
                Status::Terminated
            }
        }
    }
}
