use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use tracing::{debug, warn};

use super::caps;
use super::{Config, Event, Failure, MasterSlave, OutgoingChannel, RejectCause};
use crate::error::GatewayError;
use crate::h323::asn1::h245::{self as asn, *};
use diemcau_codecs::h245::{CapabilitySet, RemoteMedia};

/// Status determination numbers are 24 bits (H.245 §8.2).
const MSD_MODULO: u32 = 1 << 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Msd {
    Idle,
    /// We sent a MasterSlaveDetermination and wait for its Ack.
    Outgoing {
        deadline: Instant,
    },
    /// We acked the peer's and wait for its Ack of ours.
    Incoming {
        deadline: Instant,
        status: MasterSlave,
    },
    Done(MasterSlave),
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OutState {
    AwaitingAck { deadline: Instant },
    Open,
}

#[derive(Debug, Clone)]
struct Outgoing {
    session_id: u8,
    state: OutState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InState {
    /// Offered to the call, not answered yet.
    Pending,
    Open,
}

#[derive(Debug, Clone)]
struct Incoming {
    session_id: u8,
    state: InState,
}

/// One H.245 control session (see the module doc).
#[derive(Debug)]
pub struct Session {
    config: Config,
    out: VecDeque<MultimediaSystemControlMessage>,
    events: VecDeque<Event>,
    // Capability exchange.
    tcs_sequence: u8,
    tcs_deadline: Option<Instant>,
    peer_caps: Option<CapabilitySet>,
    // Master/slave determination.
    msd: Msd,
    msd_number: u32,
    msd_tries: u32,
    // Logical channels.
    next_channel: u16,
    outgoing: BTreeMap<u16, Outgoing>,
    incoming: BTreeMap<u16, Incoming>,
    /// Peer channels we asked the peer to close.
    close_requests: BTreeMap<u16, Instant>,
    // Round-trip delay.
    rtd_sequence: u8,
    rtd_sent: Option<(u8, Instant)>,
    rtd_next: Option<Instant>,
    rtd_missed: u32,
    ended: bool,
}

impl Session {
    pub fn new(config: Config, now: Instant) -> Session {
        let rtd_next = config.round_trip_interval.map(|i| now + i);
        Session {
            config,
            out: VecDeque::new(),
            events: VecDeque::new(),
            tcs_sequence: 0,
            tcs_deadline: None,
            peer_caps: None,
            msd: Msd::Idle,
            msd_number: random_number(),
            msd_tries: 0,
            next_channel: 1,
            outgoing: BTreeMap::new(),
            incoming: BTreeMap::new(),
            close_requests: BTreeMap::new(),
            rtd_sequence: 0,
            rtd_sent: None,
            rtd_next,
            rtd_missed: 0,
            ended: false,
        }
    }

    /// Send our TerminalCapabilitySet and start master/slave determination
    /// (what both ends do first, H.323 §8.2).
    pub fn start(&mut self, now: Instant) {
        self.send_capabilities(now);
        if self.msd == Msd::Idle {
            self.send_msd(now);
        }
    }

    /// (Re)send our capability set, with the next sequence number.
    pub fn send_capabilities(&mut self, now: Instant) {
        self.tcs_sequence = self.tcs_sequence.wrapping_add(1);
        let tcs = caps::terminal_capability_set(self.tcs_sequence, &self.config.capabilities);
        self.tcs_deadline = Some(now + self.config.timeout);
        self.request(RequestMessage::TerminalCapabilitySet(tcs));
    }

    /// The peer's capabilities, once received.
    pub fn peer_capabilities(&self) -> Option<&CapabilitySet> {
        self.peer_caps.as_ref()
    }

    /// Our master/slave status, once determined.
    pub fn master_slave(&self) -> Option<MasterSlave> {
        match self.msd {
            Msd::Done(s) => Some(s),
            _ => None,
        }
    }

    /// Whether our capability set was acked.
    pub fn capabilities_acked(&self) -> bool {
        self.tcs_sequence != 0 && self.tcs_deadline.is_none()
    }

    /// Whether EndSessionCommand went either way.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Feed one message in aligned PER. Undecodable bytes are an error for
    /// the caller to log or count; the session is unchanged.
    pub fn handle_bytes(&mut self, bytes: &[u8], now: Instant) -> Result<(), GatewayError> {
        let msg = asn::decode(bytes)?;
        self.handle_message(msg, now);
        Ok(())
    }

    /// Feed one decoded message.
    pub fn handle_message(&mut self, msg: MultimediaSystemControlMessage, now: Instant) {
        match msg {
            MultimediaSystemControlMessage::Request(r) => self.on_request(r, now),
            MultimediaSystemControlMessage::Response(r) => self.on_response(r, now),
            MultimediaSystemControlMessage::Command(c) => self.on_command(c, now),
            MultimediaSystemControlMessage::Indication(i) => self.on_indication(i),
        }
    }

    /// The next message to send, encoded (aligned PER).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        while let Some(m) = self.out.pop_front() {
            match asn::encode(&m) {
                Ok(b) => return Some(b),
                Err(e) => warn!("H.245: dropping a message we cannot encode: {e}"),
            }
        }
        None
    }

    /// The next message to send, decoded (for tests and traces).
    pub fn poll_message(&mut self) -> Option<MultimediaSystemControlMessage> {
        self.out.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let msd = match self.msd {
            Msd::Outgoing { deadline } | Msd::Incoming { deadline, .. } => Some(deadline),
            _ => None,
        };
        let channels = self.outgoing.values().filter_map(|c| match c.state {
            OutState::AwaitingAck { deadline } => Some(deadline),
            OutState::Open => None,
        });
        [self.tcs_deadline, msd, self.rtd_next]
            .into_iter()
            .flatten()
            .chain(channels)
            .chain(self.close_requests.values().copied())
            .min()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if self.tcs_deadline.is_some_and(|d| now >= d) {
            self.tcs_deadline = None;
            self.indicate(IndicationMessage::TerminalCapabilitySetRelease(
                TerminalCapabilitySetRelease {
                    generic_information: None,
                },
            ));
            self.events
                .push_back(Event::Failed(Failure::CapabilityExchangeTimeout));
        }
        match self.msd {
            Msd::Outgoing { deadline } | Msd::Incoming { deadline, .. } if now >= deadline => {
                self.indicate(IndicationMessage::MasterSlaveDeterminationRelease(
                    MasterSlaveDeterminationRelease {},
                ));
                self.msd_failed();
            }
            _ => {}
        }
        let expired: Vec<u16> = self
            .outgoing
            .iter()
            .filter(
                |(_, c)| matches!(c.state, OutState::AwaitingAck { deadline } if now >= deadline),
            )
            .map(|(n, _)| *n)
            .collect();
        for n in expired {
            // No answer: close it so that a late Ack opens nothing (H.245 §8.5, T103).
            self.outgoing.remove(&n);
            self.request(RequestMessage::CloseLogicalChannel(CloseLogicalChannel {
                forward_logical_channel_number: LogicalChannelNumber(n),
                source: CloseLogicalChannelSource::Lcse,
                reason: None,
            }));
            self.events.push_back(Event::ChannelRejected {
                channel: n,
                cause: RejectCause::Other,
            });
        }
        let expired: Vec<u16> = self
            .close_requests
            .iter()
            .filter(|(_, d)| now >= **d)
            .map(|(n, _)| *n)
            .collect();
        for n in expired {
            self.close_requests.remove(&n);
            self.indicate(IndicationMessage::RequestChannelCloseRelease(
                RequestChannelCloseRelease {
                    forward_logical_channel_number: LogicalChannelNumber(n),
                },
            ));
            self.events
                .push_back(Event::ChannelCloseRefused { channel: n });
        }
        if let (Some(next), Some(interval)) = (self.rtd_next, self.config.round_trip_interval) {
            if now >= next && !self.ended {
                if self.rtd_sent.take().is_some() {
                    self.rtd_missed += 1;
                }
                if self.rtd_missed >= self.config.round_trip_max_missed {
                    self.rtd_next = None;
                    self.events.push_back(Event::Failed(Failure::PeerGone));
                } else {
                    self.rtd_sequence = self.rtd_sequence.wrapping_add(1);
                    self.rtd_sent = Some((self.rtd_sequence, now));
                    self.request(RequestMessage::RoundTripDelayRequest(
                        RoundTripDelayRequest {
                            sequence_number: SequenceNumber(self.rtd_sequence),
                        },
                    ));
                    self.rtd_next = Some(now + interval);
                }
            }
        }
    }

    /// Open a channel of ours; returns its number. The peer's media
    /// address comes in [`Event::ChannelOpened`].
    pub fn open_channel(&mut self, channel: OutgoingChannel, now: Instant) -> u16 {
        let n = self.next_channel;
        self.next_channel = match self.next_channel {
            u16::MAX => 1,
            v => v + 1,
        };
        let olc = open_logical_channel(n, &channel);
        self.outgoing.insert(
            n,
            Outgoing {
                session_id: channel.session_id,
                state: OutState::AwaitingAck {
                    deadline: now + self.config.timeout,
                },
            },
        );
        self.request(RequestMessage::OpenLogicalChannel(olc));
        n
    }

    /// Accept the peer's channel `channel` (from
    /// [`Event::ChannelOpenRequested`]): our RTP address (where the peer
    /// sends) and RTCP address. Unknown or already answered channels are
    /// an error.
    pub fn accept_channel(
        &mut self,
        channel: u16,
        local_rtp: SocketAddr,
        local_rtcp: Option<SocketAddr>,
    ) -> Result<(), GatewayError> {
        let c = self
            .incoming
            .get_mut(&channel)
            .filter(|c| c.state == InState::Pending)
            .ok_or_else(|| GatewayError::H245(format!("no pending channel {channel}")))?;
        c.state = InState::Open;
        let ack = OpenLogicalChannelAck {
            forward_logical_channel_number: LogicalChannelNumber(channel),
            reverse_logical_channel_parameters: None,
            separate_stack: None,
            forward_multiplex_ack_parameters: Some(
                OpenLogicalChannelAckForwardMultiplexAckParameters::H2250LogicalChannelAckParameters(
                    H2250LogicalChannelAckParameters {
                        non_standard: None,
                        session_id: Some(c.session_id),
                        media_channel: Some(caps::transport_address(local_rtp)),
                        media_control_channel: local_rtcp.map(caps::transport_address),
                        dynamic_rtp_payload_type: None,
                        flow_control_to_zero: None,
                        port_number: None,
                        multiple_payload_stream: None,
                    },
                ),
            ),
            encryption_sync: None,
            generic_information: None,
            dtls_security_capability: None,
        };
        self.respond(ResponseMessage::OpenLogicalChannelAck(ack));
        Ok(())
    }

    /// Refuse the peer's pending channel `channel`.
    pub fn reject_channel(&mut self, channel: u16, cause: RejectCause) -> Result<(), GatewayError> {
        match self.incoming.get(&channel) {
            Some(c) if c.state == InState::Pending => {
                self.incoming.remove(&channel);
                self.reject_olc(channel, reject_cause(cause));
                Ok(())
            }
            _ => Err(GatewayError::H245(format!("no pending channel {channel}"))),
        }
    }

    /// Close one of our channels.
    pub fn close_channel(&mut self, channel: u16) -> Result<(), GatewayError> {
        self.outgoing
            .remove(&channel)
            .ok_or_else(|| GatewayError::H245(format!("no channel {channel} of ours")))?;
        self.request(RequestMessage::CloseLogicalChannel(CloseLogicalChannel {
            forward_logical_channel_number: LogicalChannelNumber(channel),
            source: CloseLogicalChannelSource::User,
            reason: None,
        }));
        self.events.push_back(Event::ChannelClosed {
            channel,
            outgoing: true,
        });
        Ok(())
    }

    /// Ask the peer to close one of its channels to us.
    pub fn request_channel_close(
        &mut self,
        channel: u16,
        now: Instant,
    ) -> Result<(), GatewayError> {
        if !self.incoming.contains_key(&channel) {
            return Err(GatewayError::H245(format!(
                "no channel {channel} of the peer"
            )));
        }
        self.close_requests
            .insert(channel, now + self.config.timeout);
        self.request(RequestMessage::RequestChannelClose(RequestChannelClose {
            forward_logical_channel_number: LogicalChannelNumber(channel),
            qos_capability: None,
            reason: Some(RequestChannelCloseReason::Normal),
        }));
        Ok(())
    }

    /// Ask for an intra picture on the peer's channel `channel` to us.
    pub fn send_fast_update(&mut self, channel: u16) {
        self.command(CommandMessage::MiscellaneousCommand(MiscellaneousCommand {
            logical_channel_number: LogicalChannelNumber(channel),
            type_: MiscellaneousCommandType::VideoFastUpdatePicture,
            direction: None,
        }));
    }

    /// Limit the peer's bit rate on its channel `channel` (`None`: the
    /// whole multiplex) to `max_kbps` (`None`: lift the limit).
    pub fn send_flow_control(&mut self, channel: Option<u16>, max_kbps: Option<u32>) {
        let scope = match channel {
            Some(n) => FlowControlCommandScope::LogicalChannelNumber(LogicalChannelNumber(n)),
            None => FlowControlCommandScope::WholeMultiplex,
        };
        let restriction = match max_kbps {
            // Units of 100 bit/s, at most 16777215.
            Some(k) => {
                FlowControlCommandRestriction::MaximumBitRate(k.saturating_mul(10).min(16_777_215))
            }
            None => FlowControlCommandRestriction::NoRestriction,
        };
        self.command(CommandMessage::FlowControlCommand(FlowControlCommand {
            scope,
            restriction,
        }));
    }

    /// Send user input: DTMF digits as `signal` indications when the peer
    /// announced DTMF, else the string as `alphanumeric`. Characters the
    /// signal alphabet lacks go alphanumeric.
    pub fn send_user_input(&mut self, input: &str) {
        let dtmf = self.peer_caps.as_ref().is_some_and(|c| c.user_input.dtmf);
        let is_signal = |c: char| "0123456789#*ABCD!".contains(c);
        if dtmf && !input.is_empty() && input.chars().all(is_signal) {
            for c in input.chars() {
                let Ok(signal_type) = rasn::types::Ia5String::try_from(c.to_string()) else {
                    continue;
                };
                self.indicate(IndicationMessage::UserInput(UserInputIndication::Signal(
                    UserInputIndicationSignal {
                        signal_type,
                        duration: Some(100),
                        rtp: None,
                        rtp_payload_indication: None,
                        param_s: None,
                        encrypted_signal_type: None,
                        algorithm_oid: None,
                    },
                )));
            }
        } else if let Ok(s) = rasn::types::GeneralString::try_from(input.as_bytes().to_vec()) {
            self.indicate(IndicationMessage::UserInput(
                UserInputIndication::Alphanumeric(s),
            ));
        }
    }

    /// End the session (EndSessionCommand disconnect); nothing is sent
    /// after it except answers.
    pub fn end_session(&mut self) {
        if !self.ended {
            self.ended = true;
            self.rtd_next = None;
            self.command(CommandMessage::EndSessionCommand(
                EndSessionCommand::Disconnect,
            ));
        }
    }

    // --- incoming ---

    fn on_request(&mut self, r: RequestMessage, now: Instant) {
        match r {
            RequestMessage::TerminalCapabilitySet(tcs) => self.on_tcs(tcs),
            RequestMessage::MasterSlaveDetermination(m) => self.on_msd(m, now),
            RequestMessage::OpenLogicalChannel(olc) => self.on_olc(olc),
            RequestMessage::CloseLogicalChannel(c) => {
                let n = c.forward_logical_channel_number.0;
                self.respond(ResponseMessage::CloseLogicalChannelAck(
                    CloseLogicalChannelAck {
                        forward_logical_channel_number: LogicalChannelNumber(n),
                    },
                ));
                self.close_requests.remove(&n);
                if self.incoming.remove(&n).is_some() {
                    self.events.push_back(Event::ChannelClosed {
                        channel: n,
                        outgoing: false,
                    });
                }
            }
            RequestMessage::RequestChannelClose(r) => {
                let n = r.forward_logical_channel_number.0;
                if self.outgoing.contains_key(&n) {
                    self.respond(ResponseMessage::RequestChannelCloseAck(
                        RequestChannelCloseAck {
                            forward_logical_channel_number: LogicalChannelNumber(n),
                        },
                    ));
                    // close_channel cannot fail: the channel exists.
                    let _ = self.close_channel(n);
                } else {
                    self.respond(ResponseMessage::RequestChannelCloseReject(
                        RequestChannelCloseReject {
                            forward_logical_channel_number: LogicalChannelNumber(n),
                            cause: RequestChannelCloseRejectCause::Unspecified,
                        },
                    ));
                }
            }
            RequestMessage::RoundTripDelayRequest(r) => {
                self.respond(ResponseMessage::RoundTripDelayResponse(
                    RoundTripDelayResponse {
                        sequence_number: r.sequence_number,
                    },
                ));
            }
            RequestMessage::RequestMode(r) => {
                // H.245 §8.9 wants Ack or Reject. What we send each
                // receiver is the room's mix, chosen at set-up.
                debug!("H.245: mode request declined (the room sets the modes)");
                self.respond(ResponseMessage::RequestModeReject(RequestModeReject {
                    sequence_number: r.sequence_number,
                    cause: RequestModeRejectCause::MultipointConstraint,
                }));
            }
            RequestMessage::MaintenanceLoopRequest(r) => {
                // An MCU does not loop a site's media back to it.
                let type_ = match r.type_ {
                    MaintenanceLoopRequestType::SystemLoop => MaintenanceLoopRejectType::SystemLoop,
                    MaintenanceLoopRequestType::MediaLoop(n) => {
                        MaintenanceLoopRejectType::MediaLoop(n)
                    }
                    MaintenanceLoopRequestType::LogicalChannelLoop(n) => {
                        MaintenanceLoopRejectType::LogicalChannelLoop(n)
                    }
                };
                self.respond(ResponseMessage::MaintenanceLoopReject(
                    MaintenanceLoopReject {
                        type_,
                        cause: MaintenanceLoopRejectCause::CanNotPerformLoop,
                    },
                ));
            }
            other => {
                debug!("H.245: request not understood: {other:?}");
                self.indicate(IndicationMessage::FunctionNotUnderstood(
                    FunctionNotUnderstood::Request(other),
                ));
            }
        }
    }

    fn on_tcs(&mut self, tcs: TerminalCapabilitySet) {
        let sequence_number = tcs.sequence_number.clone();
        match caps::capability_set(&tcs) {
            Ok(set) => {
                self.respond(ResponseMessage::TerminalCapabilitySetAck(
                    TerminalCapabilitySetAck {
                        sequence_number,
                        generic_information: None,
                    },
                ));
                self.peer_caps = Some(set.clone());
                self.events.push_back(Event::PeerCapabilities(set));
            }
            Err(caps::SetError::UndefinedTableEntryUsed) => {
                self.respond(ResponseMessage::TerminalCapabilitySetReject(
                    TerminalCapabilitySetReject {
                        sequence_number,
                        cause: TerminalCapabilitySetRejectCause::UndefinedTableEntryUsed,
                        generic_information: None,
                    },
                ));
            }
        }
    }

    fn send_msd(&mut self, now: Instant) {
        self.msd_tries += 1;
        self.msd = Msd::Outgoing {
            deadline: now + self.config.timeout,
        };
        self.request(RequestMessage::MasterSlaveDetermination(
            MasterSlaveDetermination {
                terminal_type: self.config.terminal_type,
                status_determination_number: self.msd_number,
            },
        ));
    }

    /// H.245 §8.2: the larger terminal type is master; with equal types,
    /// we are master when (their number - ours) modulo 2^24 is below 2^23
    /// (H.245 Annex C, as OpenH323/H323Plus compute it). `None`:
    /// indeterminate (a difference of 0 or 2^23).
    fn determine(&self, m: &MasterSlaveDetermination) -> Option<MasterSlave> {
        use std::cmp::Ordering;
        match m.terminal_type.cmp(&self.config.terminal_type) {
            Ordering::Less => return Some(MasterSlave::Master),
            Ordering::Greater => return Some(MasterSlave::Slave),
            Ordering::Equal => {}
        }
        let diff = m.status_determination_number.wrapping_sub(self.msd_number) % MSD_MODULO;
        match diff {
            0 | 0x0080_0000 => None,
            d if d < 0x0080_0000 => Some(MasterSlave::Master),
            _ => Some(MasterSlave::Slave),
        }
    }

    fn on_msd(&mut self, m: MasterSlaveDetermination, now: Instant) {
        match self.msd {
            Msd::Idle | Msd::Outgoing { .. } | Msd::Done(_) | Msd::Failed => {
                match self.determine(&m) {
                    Some(status) => {
                        self.respond(ResponseMessage::MasterSlaveDeterminationAck(
                            MasterSlaveDeterminationAck {
                                // The decision is the peer's status.
                                decision: match status {
                                    MasterSlave::Master => {
                                        MasterSlaveDeterminationAckDecision::Slave
                                    }
                                    MasterSlave::Slave => {
                                        MasterSlaveDeterminationAckDecision::Master
                                    }
                                },
                            },
                        ));
                        self.msd = Msd::Incoming {
                            deadline: now + self.config.timeout,
                            status,
                        };
                    }
                    None if matches!(self.msd, Msd::Outgoing { .. })
                        && self.msd_tries < self.config.msd_retries =>
                    {
                        // Both sent identical numbers: try again with another.
                        self.msd_number = random_number();
                        self.send_msd(now);
                    }
                    None => {
                        self.respond(ResponseMessage::MasterSlaveDeterminationReject(
                            MasterSlaveDeterminationReject {
                                cause: MasterSlaveDeterminationRejectCause::IdenticalNumbers,
                            },
                        ));
                    }
                }
            }
            Msd::Incoming { .. } => {
                // A second one before our Ack came back: the peer's MSD
                // timed out and restarted; answer it afresh.
                self.msd = Msd::Idle;
                self.on_msd(m, now);
            }
        }
    }

    fn on_msd_ack(&mut self, a: MasterSlaveDeterminationAck) {
        let said = match a.decision {
            MasterSlaveDeterminationAckDecision::Master => MasterSlave::Master,
            MasterSlaveDeterminationAckDecision::Slave => MasterSlave::Slave,
        };
        match self.msd {
            Msd::Outgoing { .. } => {
                // The peer decided; confirm with its status.
                self.respond(ResponseMessage::MasterSlaveDeterminationAck(
                    MasterSlaveDeterminationAck {
                        decision: match said {
                            MasterSlave::Master => MasterSlaveDeterminationAckDecision::Slave,
                            MasterSlave::Slave => MasterSlaveDeterminationAckDecision::Master,
                        },
                    },
                ));
                self.msd_done(said);
            }
            Msd::Incoming { status, .. } if status == said => self.msd_done(status),
            Msd::Incoming { .. } => self.msd_failed(),
            _ => debug!("H.245: MasterSlaveDeterminationAck out of turn"),
        }
    }

    fn msd_done(&mut self, status: MasterSlave) {
        self.msd = Msd::Done(status);
        self.events.push_back(Event::MasterSlave(status));
    }

    fn msd_failed(&mut self) {
        self.msd = Msd::Failed;
        self.events
            .push_back(Event::Failed(Failure::MasterSlaveDetermination));
    }

    fn on_olc(&mut self, olc: OpenLogicalChannel) {
        let n = olc.forward_logical_channel_number.0;
        let fwd = &olc.forward_logical_channel_parameters;
        let OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(h2250) =
            &fwd.multiplex_parameters
        else {
            return self.reject_olc(n, OpenLogicalChannelRejectCause::UnsuitableReverseParameters);
        };
        if olc.reverse_logical_channel_parameters.is_some() {
            // Bidirectional channels are for data; we take unidirectional media.
            return self.reject_olc(
                n,
                OpenLogicalChannelRejectCause::UnsuitableReverseParameters,
            );
        }
        if self.incoming.contains_key(&n) {
            // A channel number in use: the peer lost track; refuse the reuse.
            return self.reject_olc(n, OpenLogicalChannelRejectCause::Unspecified);
        }
        let Some(codec) = caps::channel_codec(&fwd.data_type, h2250) else {
            return self.reject_olc(n, OpenLogicalChannelRejectCause::DataTypeNotSupported);
        };
        if !self.config.capabilities.accepts(&codec.capability) {
            return self.reject_olc(n, OpenLogicalChannelRejectCause::DataTypeNotSupported);
        }
        let session_id = h2250.session_id;
        if session_id == 0 {
            // Session 0 asks the master to assign one; we use the primary ones.
            return self.reject_olc(n, OpenLogicalChannelRejectCause::InvalidSessionID);
        }
        self.incoming.insert(
            n,
            Incoming {
                session_id,
                state: InState::Pending,
            },
        );
        self.events.push_back(Event::ChannelOpenRequested {
            channel: n,
            session_id,
            codec,
            remote_rtcp: h2250
                .media_control_channel
                .as_ref()
                .and_then(caps::socket_address),
        });
    }

    fn reject_olc(&mut self, n: u16, cause: OpenLogicalChannelRejectCause) {
        self.respond(ResponseMessage::OpenLogicalChannelReject(
            OpenLogicalChannelReject {
                forward_logical_channel_number: LogicalChannelNumber(n),
                cause,
                generic_information: None,
            },
        ));
    }

    fn on_response(&mut self, r: ResponseMessage, now: Instant) {
        match r {
            ResponseMessage::TerminalCapabilitySetAck(a) => {
                if a.sequence_number.0 == self.tcs_sequence && self.tcs_deadline.is_some() {
                    self.tcs_deadline = None;
                } else {
                    debug!(
                        "H.245: stale TerminalCapabilitySetAck {}",
                        a.sequence_number.0
                    );
                }
            }
            ResponseMessage::TerminalCapabilitySetReject(r) => {
                if r.sequence_number.0 == self.tcs_sequence && self.tcs_deadline.is_some() {
                    self.tcs_deadline = None;
                    self.events
                        .push_back(Event::Failed(Failure::CapabilitiesRejected));
                }
            }
            ResponseMessage::MasterSlaveDeterminationAck(a) => self.on_msd_ack(a),
            ResponseMessage::MasterSlaveDeterminationReject(_) => {
                if matches!(self.msd, Msd::Outgoing { .. }) {
                    if self.msd_tries < self.config.msd_retries {
                        self.msd_number = random_number();
                        self.send_msd(now);
                    } else {
                        self.msd_failed();
                    }
                }
            }
            ResponseMessage::OpenLogicalChannelAck(a) => {
                let n = a.forward_logical_channel_number.0;
                let Some(c) = self.outgoing.get_mut(&n) else {
                    return debug!("H.245: OpenLogicalChannelAck for unknown channel {n}");
                };
                if c.state == OutState::Open {
                    return;
                }
                c.state = OutState::Open;
                let session_id = c.session_id;
                let mut remote = RemoteMedia::default();
                if let Some(OpenLogicalChannelAckForwardMultiplexAckParameters::H2250LogicalChannelAckParameters(p)) =
                    &a.forward_multiplex_ack_parameters
                {
                    remote.rtp = p.media_channel.as_ref().and_then(caps::socket_address);
                    remote.rtcp = p.media_control_channel.as_ref().and_then(caps::socket_address);
                }
                self.events.push_back(Event::ChannelOpened {
                    channel: n,
                    session_id,
                    remote,
                });
            }
            ResponseMessage::OpenLogicalChannelReject(r) => {
                let n = r.forward_logical_channel_number.0;
                if self.outgoing.remove(&n).is_some() {
                    self.events.push_back(Event::ChannelRejected {
                        channel: n,
                        cause: from_reject_cause(&r.cause),
                    });
                }
            }
            ResponseMessage::CloseLogicalChannelAck(_) => {}
            ResponseMessage::RequestChannelCloseAck(a) => {
                // The peer closes the channel itself with CloseLogicalChannel.
                self.close_requests
                    .remove(&a.forward_logical_channel_number.0);
            }
            ResponseMessage::RequestChannelCloseReject(r) => {
                let n = r.forward_logical_channel_number.0;
                if self.close_requests.remove(&n).is_some() {
                    self.events
                        .push_back(Event::ChannelCloseRefused { channel: n });
                }
            }
            ResponseMessage::RoundTripDelayResponse(r) => match self.rtd_sent {
                Some((seq, sent)) if seq == r.sequence_number.0 => {
                    self.rtd_sent = None;
                    self.rtd_missed = 0;
                    self.events
                        .push_back(Event::RoundTripDelay(now.saturating_duration_since(sent)));
                }
                _ => debug!("H.245: stale RoundTripDelayResponse"),
            },
            other => debug!("H.245: response ignored: {other:?}"),
        }
    }

    fn on_command(&mut self, c: CommandMessage, now: Instant) {
        match c {
            CommandMessage::MiscellaneousCommand(m) => match m.type_ {
                MiscellaneousCommandType::VideoFastUpdatePicture
                | MiscellaneousCommandType::VideoFastUpdateGOB(_)
                | MiscellaneousCommandType::VideoFastUpdateMB(_) => {
                    self.events.push_back(Event::FastUpdateRequested {
                        channel: m.logical_channel_number.0,
                    });
                }
                // Freeze, trade-off and the like change nothing for a mixer.
                other => debug!("H.245: miscellaneous command ignored: {other:?}"),
            },
            CommandMessage::FlowControlCommand(f) => {
                let channel = match f.scope {
                    FlowControlCommandScope::LogicalChannelNumber(n) => Some(n.0),
                    _ => None,
                };
                let max_kbps = match f.restriction {
                    FlowControlCommandRestriction::MaximumBitRate(b) => Some(b / 10),
                    FlowControlCommandRestriction::NoRestriction => None,
                };
                self.events
                    .push_back(Event::FlowControl { channel, max_kbps });
            }
            CommandMessage::EndSessionCommand(_) => {
                let first = !self.ended;
                self.end_session();
                if first || !self.events.contains(&Event::EndSession) {
                    self.events.push_back(Event::EndSession);
                }
            }
            CommandMessage::SendTerminalCapabilitySet(_) => {
                // Asked for our set again: a fresh one, next sequence number.
                self.send_capabilities(now);
            }
            other => {
                debug!("H.245: command not understood: {other:?}");
                self.indicate(IndicationMessage::FunctionNotUnderstood(
                    FunctionNotUnderstood::Command(other),
                ));
            }
        }
    }

    fn on_indication(&mut self, i: IndicationMessage) {
        match i {
            IndicationMessage::UserInput(UserInputIndication::Alphanumeric(s)) => {
                let text = String::from_utf8_lossy(s.as_ref()).into_owned();
                if !text.is_empty() {
                    self.events.push_back(Event::UserInput(text));
                }
            }
            IndicationMessage::UserInput(UserInputIndication::Signal(s)) => {
                self.events
                    .push_back(Event::UserInput(s.signal_type.to_string()));
            }
            IndicationMessage::MasterSlaveDeterminationRelease(_) => {
                if !matches!(self.msd, Msd::Done(_)) {
                    self.msd_failed();
                }
            }
            IndicationMessage::FunctionNotUnderstood(f) => {
                debug!("H.245: the peer did not understand {f:?}");
            }
            // signalUpdate (a longer key press), vendor identification,
            // jitter, skew... carry nothing for us.
            other => debug!("H.245: indication ignored: {other:?}"),
        }
    }

    // --- queueing ---

    fn request(&mut self, r: RequestMessage) {
        self.out
            .push_back(MultimediaSystemControlMessage::Request(r));
    }

    fn respond(&mut self, r: ResponseMessage) {
        self.out
            .push_back(MultimediaSystemControlMessage::Response(r));
    }

    fn command(&mut self, c: CommandMessage) {
        self.out
            .push_back(MultimediaSystemControlMessage::Command(c));
    }

    fn indicate(&mut self, i: IndicationMessage) {
        self.out
            .push_back(MultimediaSystemControlMessage::Indication(i));
    }
}

fn random_number() -> u32 {
    rand::random::<u32>() % MSD_MODULO
}

/// The OpenLogicalChannel of one of our channels.
pub(crate) fn open_logical_channel(n: u16, channel: &OutgoingChannel) -> OpenLogicalChannel {
    OpenLogicalChannel {
        forward_logical_channel_number: LogicalChannelNumber(n),
        forward_logical_channel_parameters: OpenLogicalChannelForwardLogicalChannelParameters {
            port_number: None,
            data_type: caps::data_type(&channel.codec.capability),
            multiplex_parameters:
                OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::H2250LogicalChannelParameters(
                    h2250_parameters(channel.session_id, &channel.codec, None, channel.local_rtcp),
                ),
            forward_logical_channel_dependency: None,
            replacement_for: None,
        },
        reverse_logical_channel_parameters: None,
        separate_stack: None,
        encryption_sync: None,
        generic_information: None,
    }
}

/// H.225.0 parameters of a channel.
pub(crate) fn h2250_parameters(
    session_id: u8,
    codec: &diemcau_codecs::h245::ChannelCodec,
    media: Option<SocketAddr>,
    media_control: Option<SocketAddr>,
) -> H2250LogicalChannelParameters {
    H2250LogicalChannelParameters {
        non_standard: None,
        session_id,
        associated_session_id: None,
        media_channel: media.map(caps::transport_address),
        media_guaranteed_delivery: None,
        media_control_channel: media_control.map(caps::transport_address),
        media_control_guaranteed_delivery: None,
        silence_suppression: codec.capability.frames().map(|_| false),
        destination: None,
        dynamic_rtp_payload_type: codec.dynamic_payload_type,
        media_packetization: caps::media_packetization(codec),
        transport_capability: None,
        redundancy_encoding: None,
        source: None,
        nominal_audio_level: None,
    }
}

fn reject_cause(c: RejectCause) -> OpenLogicalChannelRejectCause {
    match c {
        RejectCause::Unspecified | RejectCause::Other => OpenLogicalChannelRejectCause::Unspecified,
        RejectCause::UnsuitableReverseParameters => {
            OpenLogicalChannelRejectCause::UnsuitableReverseParameters
        }
        RejectCause::DataTypeNotSupported => OpenLogicalChannelRejectCause::DataTypeNotSupported,
        RejectCause::DataTypeNotAvailable => OpenLogicalChannelRejectCause::DataTypeNotAvailable,
        RejectCause::UnknownDataType => OpenLogicalChannelRejectCause::UnknownDataType,
        RejectCause::InsufficientBandwidth => OpenLogicalChannelRejectCause::InsufficientBandwidth,
        RejectCause::InvalidSessionId => OpenLogicalChannelRejectCause::InvalidSessionID,
        RejectCause::MasterSlaveConflict => OpenLogicalChannelRejectCause::MasterSlaveConflict,
    }
}

fn from_reject_cause(c: &OpenLogicalChannelRejectCause) -> RejectCause {
    match c {
        OpenLogicalChannelRejectCause::Unspecified => RejectCause::Unspecified,
        OpenLogicalChannelRejectCause::UnsuitableReverseParameters => {
            RejectCause::UnsuitableReverseParameters
        }
        OpenLogicalChannelRejectCause::DataTypeNotSupported => RejectCause::DataTypeNotSupported,
        OpenLogicalChannelRejectCause::DataTypeNotAvailable => RejectCause::DataTypeNotAvailable,
        OpenLogicalChannelRejectCause::UnknownDataType => RejectCause::UnknownDataType,
        OpenLogicalChannelRejectCause::InsufficientBandwidth => RejectCause::InsufficientBandwidth,
        OpenLogicalChannelRejectCause::InvalidSessionID => RejectCause::InvalidSessionId,
        OpenLogicalChannelRejectCause::MasterSlaveConflict => RejectCause::MasterSlaveConflict,
        _ => RejectCause::Other,
    }
}
