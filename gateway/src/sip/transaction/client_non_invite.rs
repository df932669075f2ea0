//! Client non-INVITE transaction (RFC 3261 §17.1.2, Figure 6).
//!
//! Trying re-sends the request on Timer E (UDP only) from T1 doubling to
//! T2; after a provisional (Proceeding) every T2. Timer F ends the attempt
//! with a Timeout; a final response moves to Completed, where Timer K (T4 on
//! UDP, zero on reliable transports) absorbs copies of it.

use std::time::Instant;

use bytes::Bytes;

use super::{Ctx, Event, Status, TimerKind, Timers};
use crate::sip::message;
use crate::sip::transport::Peer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
}

pub(super) struct ClientNonInvite {
    state: State,
    to: Peer,
    data: Bytes,
    timers: Timers,
}

impl ClientNonInvite {
    pub(super) fn new(request: rsip::Request, to: Peer, ctx: &mut Ctx<'_>) -> (Self, Status) {
        let data = message::encode_request(&request);
        ctx.send(to, &data);
        let mut tx = Self {
            state: State::Trying,
            to,
            data,
            timers: Timers::default(),
        };
        if !to.transport.is_reliable() {
            ctx.arm_retransmit(&mut tx.timers, ctx.cfg.t1);
        }
        ctx.arm_deadline(&mut tx.timers, ctx.cfg.t64());
        (tx, Status::Alive)
    }

    pub(super) fn on_response(&mut self, resp: rsip::Response, ctx: &mut Ctx<'_>) -> Status {
        if self.state == State::Completed {
            return Status::Alive;
        }
        let code = resp.status_code.code();
        if !(100..=699).contains(&code) {
            return Status::Alive;
        }
        ctx.emit(Event::Response {
            key: ctx.key.clone(),
            response: resp,
        });
        if code < 200 {
            self.state = State::Proceeding;
            return Status::Alive;
        }
        self.state = State::Completed;
        self.timers.stop_retransmit();
        if self.to.transport.is_reliable() {
            return Status::Terminated;
        }
        ctx.arm_deadline(&mut self.timers, ctx.cfg.t4);
        Status::Alive
    }

    pub(super) fn on_transport_error(&mut self, ctx: &mut Ctx<'_>) -> Status {
        if self.state != State::Completed {
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
            (TimerKind::Retransmit, State::Trying) => {
                ctx.send(self.to, &self.data);
                let next = (self.timers.interval * 2).min(ctx.cfg.t2);
                ctx.arm_retransmit(&mut self.timers, next);
                Status::Alive
            }
            (TimerKind::Retransmit, State::Proceeding) => {
                ctx.send(self.to, &self.data);
                ctx.arm_retransmit(&mut self.timers, ctx.cfg.t2);
                Status::Alive
            }
            (TimerKind::Retransmit, State::Completed) => Status::Alive,
            (TimerKind::Deadline, State::Trying | State::Proceeding) => {
                ctx.emit(Event::Timeout {
                    key: ctx.key.clone(),
                });
                Status::Terminated
            }
            (TimerKind::Deadline, State::Completed) => Status::Terminated,
        }
    }
}
