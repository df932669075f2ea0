//! Server non-INVITE transaction (RFC 3261 §17.2.2, Figure 8).
//!
//! Trying until the TU answers (copies of the request are absorbed),
//! Proceeding after a provisional and Completed after the final; copies of
//! the request re-send the last response. Timer J (64*T1 on UDP, zero on
//! reliable transports) keeps the final response around for them.

use bytes::Bytes;

use super::{Ctx, Status, TimerKind, Timers};
use crate::sip::message;
use crate::sip::transport::Peer;
use crate::sip::SipError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
}

pub(super) struct ServerNonInvite {
    state: State,
    dest: Peer,
    last: Option<Bytes>,
    timers: Timers,
}

impl ServerNonInvite {
    pub(super) fn new(request: rsip::Request, from: Peer, ctx: &mut Ctx<'_>) -> (Self, Status) {
        let mut tx = Self {
            state: State::Trying,
            dest: message::response_destination(&request, from),
            last: None,
            timers: Timers::default(),
        };
        // The client gives up after Timer F (64*T1): a TU that has not
        // answered by then never will usefully, so do not keep the state.
        ctx.arm_deadline(&mut tx.timers, ctx.cfg.t64());
        (tx, Status::Alive)
    }

    pub(super) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) -> Status {
        if let Some(last) = &self.last {
            ctx.send(self.dest, last);
        }
        Status::Alive
    }

    pub(super) fn respond(
        &mut self,
        resp: rsip::Response,
        ctx: &mut Ctx<'_>,
    ) -> Result<Status, SipError> {
        if self.state == State::Completed {
            return Err(SipError::Transport(format!(
                "{} already has a final response",
                ctx.key
            )));
        }
        let code = resp.status_code.code();
        if !(100..=699).contains(&code) {
            return Err(SipError::Malformed(format!("status code {code}")));
        }
        let data = message::encode_response(&resp);
        ctx.send(self.dest, &data);
        self.last = Some(data);
        if code < 200 {
            self.state = State::Proceeding;
            return Ok(Status::Alive);
        }
        self.state = State::Completed;
        if self.dest.transport.is_reliable() {
            return Ok(Status::Terminated);
        }
        ctx.arm_deadline(&mut self.timers, ctx.cfg.t64());
        Ok(Status::Alive)
    }

    pub(super) fn on_timer(
        &mut self,
        kind: TimerKind,
        at: std::time::Instant,
        ctx: &mut Ctx<'_>,
    ) -> Status {
        if !self.timers.fire(kind, at) || kind != TimerKind::Deadline {
            return Status::Alive;
        }
        if self.state != State::Completed {
            tracing::warn!(key = %ctx.key, "TU never answered the request; transaction dropped");
        }
        Status::Terminated
    }
}
