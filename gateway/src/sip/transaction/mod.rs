//! The RFC 3261 §17 transaction layer with the RFC 6026 fixes, sans-IO.
//!
//! Messages and the current time go in; [`Event`]s come out: bytes to send,
//! requests and responses for the TU (transaction user: the SIP core), and
//! failures. Time is passed in as `Instant`, so the state machines run in
//! unit tests with a fake clock. Each state machine lives in its own module;
//! this one matches messages to transactions, keeps the timer queue and
//! removes transactions once they terminate, so memory stays bounded.

mod client_invite;
mod client_non_invite;
mod key;
mod server_invite;
mod server_non_invite;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::message;
use super::transport::Peer;
use super::SipError;

pub use key::TransactionKey;

use client_invite::ClientInvite;
use client_non_invite::ClientNonInvite;
use server_invite::ServerInvite;
use server_non_invite::ServerNonInvite;

/// RFC 3261 timer values (§17.1.1.1, Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate: first retransmission interval (500 ms).
    pub t1: Duration,
    /// Longest retransmission interval for non-INVITE requests and INVITE
    /// responses (4 s).
    pub t2: Duration,
    /// Longest time a message stays in the network (5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// 64*T1: Timers B, F, H, J, L, M.
    fn t64(&self) -> Duration {
        self.t1 * 64
    }
}

/// Timer D on unreliable transports (RFC 3261: at least 32 s).
const TIMER_D: Duration = Duration::from_secs(32);
/// Like a proxy's Timer C (RFC 3261 §16.6 bullet 11): an INVITE client
/// transaction in Proceeding with no new provisional for this long is given
/// up (the TU sees a Timeout), so a peer that rings forever cannot pin it.
const TIMER_C: Duration = Duration::from_secs(180);
/// How long a server INVITE transaction waits for the TU's final response
/// before answering 500 itself, so a caller is never left ringing forever.
const TU_INVITE_LIMIT: Duration = Duration::from_secs(180);
/// Transactions kept at once; beyond it new requests get a stateless 503.
/// A completed non-INVITE transaction holds about 1 kB (its last response
/// and key) for Timer J, 32 s on UDP: 200,000 is 6,000 answered requests a
/// second sustained, within about 200 MB.
const DEFAULT_MAX_TRANSACTIONS: usize = 200_000;

/// What the layer asks of its caller.
#[derive(Debug, Clone)]
pub enum Event {
    /// Bytes to send (already serialized) to a peer.
    Transmit { to: Peer, data: Bytes },
    /// A new request for the TU (a server transaction was created; the TU
    /// must answer with `respond`). For CANCEL, `cancels` is the key of the
    /// matching INVITE server transaction if any (the TU answers the CANCEL
    /// 200, or 481 when None, and the INVITE 487).
    Request {
        key: TransactionKey,
        request: rsip::Request,
        from: Peer,
        cancels: Option<TransactionKey>,
    },
    /// An ACK for a 2xx (end-to-end, no transaction): for the dialog layer.
    Ack { request: rsip::Request, from: Peer },
    /// A response for a client transaction the TU started (including
    /// retransmitted 2xx to INVITE in the Accepted state, so the TU re-sends
    /// its ACK).
    Response {
        key: TransactionKey,
        response: rsip::Response,
    },
    /// Client transaction failed (Timer B/F, Timer C, no answer to a CANCEL,
    /// or a transport error): the TU treats it as 408.
    Timeout { key: TransactionKey },
    /// A server INVITE transaction sent a 2xx and got no ACK within 64*T1:
    /// the TU should send BYE.
    AckTimeout {
        key: TransactionKey,
        call_id: String,
    },
    /// A response matching no client transaction: dropped (RFC 3261
    /// §18.1.2), surfaced for logs and metrics.
    StrayResponse { response: rsip::Response },
}

/// The two timers a state machine may have running: a retransmission timer
/// (A, E, G, or the RFC 6026 2xx retransmission) with its current interval,
/// and one deadline whose meaning depends on the state (B, C, D, F, H, I, J,
/// K, L, M, or the TU's answer limit).
#[derive(Debug, Default)]
struct Timers {
    retransmit: Option<Instant>,
    interval: Duration,
    deadline: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimerKind {
    Retransmit,
    Deadline,
}

impl Timers {
    /// Whether a popped queue entry is the timer currently armed (entries of
    /// re-armed or cancelled timers are stale); clears it if so.
    fn fire(&mut self, kind: TimerKind, at: Instant) -> bool {
        let slot = match kind {
            TimerKind::Retransmit => &mut self.retransmit,
            TimerKind::Deadline => &mut self.deadline,
        };
        if *slot == Some(at) {
            *slot = None;
            true
        } else {
            false
        }
    }

    fn stop_retransmit(&mut self) {
        self.retransmit = None;
    }
}

/// Whether a state machine lives on after handling something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Alive,
    Terminated,
}

struct TimerEntry {
    at: Instant,
    seq: u64,
    key: TransactionKey,
    kind: TimerKind,
}

impl PartialEq for TimerEntry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for TimerEntry {}
impl PartialOrd for TimerEntry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TimerEntry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// What a state machine may do while handling an input: send, report to
/// the TU, and arm its timers.
struct Ctx<'a> {
    now: Instant,
    cfg: &'a TimerConfig,
    key: &'a TransactionKey,
    events: &'a mut Vec<Event>,
    queue: &'a mut BinaryHeap<Reverse<TimerEntry>>,
    seq: &'a mut u64,
}

impl Ctx<'_> {
    fn send(&mut self, to: Peer, data: &Bytes) {
        self.events.push(Event::Transmit {
            to,
            data: data.clone(),
        });
    }

    fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    fn push_timer(&mut self, kind: TimerKind, at: Instant) {
        *self.seq += 1;
        self.queue.push(Reverse(TimerEntry {
            at,
            seq: *self.seq,
            key: self.key.clone(),
            kind,
        }));
    }

    /// (Re)arm the retransmission timer to fire after `interval`.
    fn arm_retransmit(&mut self, timers: &mut Timers, interval: Duration) {
        let at = self.now + interval;
        timers.interval = interval;
        timers.retransmit = Some(at);
        self.push_timer(TimerKind::Retransmit, at);
    }

    /// (Re)arm the deadline to fire after `after`.
    fn arm_deadline(&mut self, timers: &mut Timers, after: Duration) {
        let at = self.now + after;
        timers.deadline = Some(at);
        self.push_timer(TimerKind::Deadline, at);
    }
}

// The variant names are RFC 3261's four transaction kinds.
#[allow(clippy::enum_variant_names)]
enum Transaction {
    ServerInvite(ServerInvite),
    ServerNonInvite(ServerNonInvite),
    ClientInvite(ClientInvite),
    ClientNonInvite(ClientNonInvite),
}

impl Transaction {
    fn on_timer(&mut self, kind: TimerKind, at: Instant, ctx: &mut Ctx<'_>) -> Status {
        match self {
            Transaction::ServerInvite(t) => t.on_timer(kind, at, ctx),
            Transaction::ServerNonInvite(t) => t.on_timer(kind, at, ctx),
            Transaction::ClientInvite(t) => t.on_timer(kind, at, ctx),
            Transaction::ClientNonInvite(t) => t.on_timer(kind, at, ctx),
        }
    }
}

/// All transactions of one endpoint.
pub struct TransactionLayer {
    cfg: TimerConfig,
    transactions: HashMap<TransactionKey, Transaction>,
    queue: BinaryHeap<Reverse<TimerEntry>>,
    seq: u64,
    max_transactions: usize,
}

impl TransactionLayer {
    pub fn new(config: TimerConfig) -> Self {
        // A zero T1 would make retransmission timers fire in a loop.
        let t1 = config.t1.max(Duration::from_millis(1));
        let cfg = TimerConfig {
            t1,
            t2: config.t2.max(t1),
            t4: config.t4,
        };
        Self {
            cfg,
            transactions: HashMap::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            max_transactions: DEFAULT_MAX_TRANSACTIONS,
        }
    }

    /// Cap the number of live transactions (default 10,000). Beyond it, new
    /// requests are answered 503 statelessly and `send_request` fails.
    pub fn with_max_transactions(mut self, max: usize) -> Self {
        self.max_transactions = max.max(1);
        self
    }

    /// Live transactions.
    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    /// When `on_timer` should next be called. May be early (a timer that was
    /// since cancelled), never late.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse(e)| e.at)
    }

    /// Run `f` on transaction `key` with a context, removing it if it ends.
    fn with_tx<R>(
        &mut self,
        key: &TransactionKey,
        now: Instant,
        events: &mut Vec<Event>,
        f: impl FnOnce(&mut Transaction, &mut Ctx<'_>) -> (R, Status),
    ) -> Option<R> {
        let tx = self.transactions.get_mut(key)?;
        let mut ctx = Ctx {
            now,
            cfg: &self.cfg,
            key,
            events,
            queue: &mut self.queue,
            seq: &mut self.seq,
        };
        let (r, status) = f(tx, &mut ctx);
        if status == Status::Terminated {
            self.transactions.remove(key);
        }
        Some(r)
    }

    /// Create a transaction with `make`, which runs with a context.
    fn create(
        &mut self,
        key: TransactionKey,
        now: Instant,
        events: &mut Vec<Event>,
        make: impl FnOnce(&mut Ctx<'_>) -> (Transaction, Status),
    ) {
        let mut ctx = Ctx {
            now,
            cfg: &self.cfg,
            key: &key,
            events,
            queue: &mut self.queue,
            seq: &mut self.seq,
        };
        let (tx, status) = make(&mut ctx);
        if status == Status::Alive {
            self.transactions.insert(key, tx);
        }
    }

    /// A parsed message from the network (requests already stamped with
    /// received/rport by the caller). Retransmitted requests are absorbed
    /// (the last response is re-sent); responses go to their client
    /// transactions.
    pub fn on_message(&mut self, msg: rsip::SipMessage, from: Peer, now: Instant) -> Vec<Event> {
        match msg {
            rsip::SipMessage::Request(req) => self.on_request(req, from, now),
            rsip::SipMessage::Response(resp) => self.on_response(resp, now),
        }
    }

    fn on_request(&mut self, req: rsip::Request, from: Peer, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        let key = match TransactionKey::server(&req) {
            Ok(k) => k,
            Err(e) => {
                tracing::debug!(peer = %from, error = %e, "request without a usable transaction id dropped");
                return events;
            }
        };
        if req.method == rsip::Method::Ack {
            self.on_ack(key, req, from, now, &mut events);
            return events;
        }
        let known = self.with_tx(&key, now, &mut events, |tx, ctx| match tx {
            Transaction::ServerInvite(t) => ((), t.on_retransmission(ctx)),
            Transaction::ServerNonInvite(t) => ((), t.on_retransmission(ctx)),
            // A request of ours looped back with our own branch: the server
            // key differs in role, so this cannot happen.
            Transaction::ClientInvite(_) | Transaction::ClientNonInvite(_) => ((), Status::Alive),
        });
        if known.is_some() {
            return events;
        }
        if self.transactions.len() >= self.max_transactions {
            tracing::warn!(peer = %from, "transaction table full; answering 503");
            let mut resp = message::response(&req, 503, None, Some(&message::new_tag()));
            message::add_header(&mut resp, "Retry-After", "5");
            events.push(Event::Transmit {
                to: message::response_destination(&req, from),
                data: message::encode_response(&resp),
            });
            return events;
        }
        let cancels = (req.method == rsip::Method::Cancel)
            .then(|| key.with_method("INVITE"))
            .filter(|k| matches!(self.transactions.get(k), Some(Transaction::ServerInvite(_))));
        let request = req.clone();
        if req.method == rsip::Method::Invite {
            self.create(key.clone(), now, &mut events, |ctx| {
                let (t, s) = ServerInvite::new(req, from, ctx);
                (Transaction::ServerInvite(t), s)
            });
        } else {
            self.create(key.clone(), now, &mut events, |ctx| {
                let (t, s) = ServerNonInvite::new(req, from, ctx);
                (Transaction::ServerNonInvite(t), s)
            });
        }
        events.push(Event::Request {
            key,
            request,
            from,
            cancels,
        });
        events
    }

    /// An ACK either completes a non-2xx INVITE server transaction (same
    /// branch; absorbed) or acknowledges a 2xx (a new branch, RFC 3261
    /// §13.2.2.4; matched to its Accepted transaction by Call-ID, CSeq number
    /// and From tag to stop the 2xx retransmissions, and passed to the TU).
    fn on_ack(
        &mut self,
        key: TransactionKey,
        req: rsip::Request,
        from: Peer,
        now: Instant,
        events: &mut Vec<Event>,
    ) {
        let same_branch = self.with_tx(&key, now, events, |tx, ctx| match tx {
            Transaction::ServerInvite(t) => t.on_ack(ctx),
            _ => (server_invite::AckOutcome::NotMine, Status::Alive),
        });
        match same_branch {
            Some(server_invite::AckOutcome::Absorbed) => return,
            Some(server_invite::AckOutcome::Acknowledged2xx) => {
                events.push(Event::Ack { request: req, from });
                return;
            }
            Some(server_invite::AckOutcome::NotMine) | None => {}
        }
        if let (Ok(call_id), Ok((cseq, _)), from_tag) = (
            message::call_id(&req),
            message::cseq(&req),
            message::from_tag(&req),
        ) {
            let accepted = self.transactions.values_mut().find_map(|tx| match tx {
                Transaction::ServerInvite(t)
                    if t.awaits_ack(&call_id, cseq, from_tag.as_deref()) =>
                {
                    Some(t)
                }
                _ => None,
            });
            if let Some(t) = accepted {
                t.acknowledged();
            }
        }
        events.push(Event::Ack { request: req, from });
    }

    fn on_response(&mut self, resp: rsip::Response, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        let key = TransactionKey::for_response(&resp).ok().filter(|k| {
            matches!(
                self.transactions.get(k),
                Some(Transaction::ClientInvite(_) | Transaction::ClientNonInvite(_))
            )
        });
        let Some(key) = key else {
            events.push(Event::StrayResponse { response: resp });
            return events;
        };
        self.with_tx(&key, now, &mut events, |tx, ctx| match tx {
            Transaction::ClientInvite(t) => ((), t.on_response(resp, ctx)),
            Transaction::ClientNonInvite(t) => ((), t.on_response(resp, ctx)),
            Transaction::ServerInvite(_) | Transaction::ServerNonInvite(_) => ((), Status::Alive),
        });
        events
    }

    /// The TU answers a server transaction. Fails if the key is unknown or
    /// the transaction already has its final response.
    pub fn respond(
        &mut self,
        key: &TransactionKey,
        response: rsip::Response,
        now: Instant,
    ) -> Result<Vec<Event>, SipError> {
        let mut events = Vec::new();
        let result = self.with_tx(key, now, &mut events, |tx, ctx| match tx {
            Transaction::ServerInvite(t) => match t.respond(response, ctx) {
                Ok(s) => (Ok(()), s),
                Err(e) => (Err(e), Status::Alive),
            },
            Transaction::ServerNonInvite(t) => match t.respond(response, ctx) {
                Ok(s) => (Ok(()), s),
                Err(e) => (Err(e), Status::Alive),
            },
            _ => (
                Err(SipError::Transport(format!(
                    "{key} is a client transaction"
                ))),
                Status::Alive,
            ),
        });
        match result {
            Some(Ok(())) => Ok(events),
            Some(Err(e)) => Err(e),
            None => Err(SipError::Transport(format!("no transaction {key}"))),
        }
    }

    /// Answer a non-INVITE server transaction with a final response and
    /// forget it at once, without Timer J: for answers that are as good
    /// sent again (digest challenges, refusals), so that a retransmitted
    /// request is simply handled afresh. Keeps floods of unauthenticated
    /// requests from holding state.
    pub fn respond_stateless(
        &mut self,
        key: &TransactionKey,
        response: rsip::Response,
        now: Instant,
    ) -> Result<Vec<Event>, SipError> {
        if response.status_code.code() < 200 || key.method() == "INVITE" {
            return Err(SipError::Transport(
                "only final answers to non-INVITE requests can be stateless".into(),
            ));
        }
        let events = self.respond(key, response, now)?;
        self.transactions.remove(key);
        Ok(events)
    }

    /// The TU sends a request in a new client transaction (INVITE,
    /// non-INVITE, CANCEL). The top Via must carry a fresh RFC 3261 branch
    /// (a CANCEL carries its INVITE's). ACK for a 2xx is not a transaction:
    /// use [`TransactionLayer::send_stateless`].
    pub fn send_request(
        &mut self,
        request: rsip::Request,
        to: Peer,
        now: Instant,
    ) -> Result<(TransactionKey, Vec<Event>), SipError> {
        if request.method == rsip::Method::Ack {
            return Err(SipError::Transport("ACK is sent statelessly".into()));
        }
        let key = TransactionKey::client(&request)?;
        message::call_id(&request)?;
        if message::cseq(&request)?.1 != request.method {
            return Err(SipError::Malformed(
                "CSeq method does not match the request".into(),
            ));
        }
        if self.transactions.contains_key(&key) {
            return Err(SipError::Transport(format!("{key} already exists")));
        }
        if self.transactions.len() >= self.max_transactions {
            return Err(SipError::Transport("transaction table full".into()));
        }
        let mut events = Vec::new();
        if request.method == rsip::Method::Cancel {
            let invite = key.with_method("INVITE");
            self.with_tx(&invite, now, &mut events, |tx, ctx| match tx {
                Transaction::ClientInvite(t) => ((), t.on_cancel_sent(ctx)),
                _ => ((), Status::Alive),
            });
        }
        if request.method == rsip::Method::Invite {
            self.create(key.clone(), now, &mut events, |ctx| {
                let (t, s) = ClientInvite::new(request, to, ctx);
                (Transaction::ClientInvite(t), s)
            });
        } else {
            self.create(key.clone(), now, &mut events, |ctx| {
                let (t, s) = ClientNonInvite::new(request, to, ctx);
                (Transaction::ClientNonInvite(t), s)
            });
        }
        Ok((key, events))
    }

    /// Send without a transaction (ACK for a 2xx, responses to requests we
    /// keep no transaction for).
    pub fn send_stateless(&mut self, msg: rsip::SipMessage, to: Peer) -> Vec<Event> {
        vec![Event::Transmit {
            to,
            data: message::encode(&msg),
        }]
    }

    /// The transport could not deliver for client transaction `key` (e.g.
    /// a TCP connect failed): the TU gets a Timeout and the transaction ends.
    pub fn on_transport_error(&mut self, key: &TransactionKey, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        self.with_tx(key, now, &mut events, |tx, ctx| match tx {
            Transaction::ClientInvite(t) => ((), t.on_transport_error(ctx)),
            Transaction::ClientNonInvite(t) => ((), t.on_transport_error(ctx)),
            // Nothing to tell the TU: the peer will retransmit or give up.
            Transaction::ServerInvite(_) | Transaction::ServerNonInvite(_) => {
                ((), Status::Terminated)
            }
        });
        events
    }

    /// Forget client transaction `key` without telling the TU: the TU is
    /// about to resend the same request another way (RFC 3261 §18.1.1 UDP
    /// retry after a refused TCP connection). Its queued timers go stale.
    pub fn abandon(&mut self, key: &TransactionKey) -> bool {
        self.transactions.remove(key).is_some()
    }

    /// Fire every timer due at `now`.
    pub fn on_timer(&mut self, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(Reverse(top)) = self.queue.peek() {
            if top.at > now {
                break;
            }
            let Some(Reverse(entry)) = self.queue.pop() else {
                break;
            };
            self.with_tx(&entry.key, now, &mut events, |tx, ctx| {
                ((), tx.on_timer(entry.kind, entry.at, ctx))
            });
        }
        events
    }
}
