//! Transport facts of an m-line: addresses, RTCP, direction, bandwidth.

use std::net::{IpAddr, SocketAddr};

use super::Direction;
use crate::sdp::{MediaDescription, SessionDescription};

/// The direction attribute of an m-line, else of the session, else
/// sendrecv (RFC 3264 §5.1).
pub(super) fn declared_direction(session: &SessionDescription, m: &MediaDescription) -> Direction {
    let find = |attrs: &[crate::sdp::Attribute]| {
        attrs
            .iter()
            .filter(|a| a.value.is_none())
            .find_map(|a| Direction::from_attribute(&a.name))
    };
    find(&m.attributes)
        .or_else(|| find(&session.attributes))
        .unwrap_or(Direction::SendRecv)
}

/// The peer's effective direction: what it declares, minus receiving when
/// its address is `0.0.0.0` (RFC 2543 hold, RFC 3264 §8.4): it wants
/// nothing sent to it.
pub(super) fn peer_direction(session: &SessionDescription, m: &MediaDescription) -> Direction {
    let declared = declared_direction(session, m);
    let held = session.connection_for(m).is_some_and(|c| c.is_hold());
    if held {
        Direction::from_flags(declared.sends(), false)
    } else {
        declared
    }
}

fn usable(ip: IpAddr) -> bool {
    !ip.is_unspecified()
}

/// The peer's RTP address: `None` for port 0, no connection, or the
/// unspecified address.
pub(super) fn remote_rtp(session: &SessionDescription, m: &MediaDescription) -> Option<SocketAddr> {
    let c = session.connection_for(m)?;
    (m.port != 0 && usable(c.address)).then(|| SocketAddr::new(c.address, m.port))
}

/// `a=rtcp:<port> [IN IP4|IP6 <address>]` (RFC 3605).
fn rtcp_attribute(m: &MediaDescription) -> Option<(u16, Option<IpAddr>)> {
    let value = m.attribute_value("rtcp")?;
    let mut tokens = value.split_whitespace();
    let port: u16 = tokens.next()?.parse().ok().filter(|p| *p != 0)?;
    let address = match (tokens.next(), tokens.next(), tokens.next()) {
        (Some(_nettype), Some(_addrtype), Some(addr)) => Some(addr.parse().ok()?),
        _ => None,
    };
    Some((port, address))
}

/// The peer's RTCP address: the RTP one when muxed, `a=rtcp` when given,
/// else RTP port + 1 (RFC 3550 §11).
pub(super) fn remote_rtcp(
    session: &SessionDescription,
    m: &MediaDescription,
    rtp: Option<SocketAddr>,
    mux: bool,
) -> Option<SocketAddr> {
    if mux {
        return rtp;
    }
    if let Some((port, address)) = rtcp_attribute(m) {
        let ip = address.or_else(|| session.connection_for(m).map(|c| c.address))?;
        return (usable(ip) && m.port != 0).then(|| SocketAddr::new(ip, port));
    }
    let rtp = rtp?;
    Some(SocketAddr::new(rtp.ip(), rtp.port().checked_add(1)?))
}

/// `a=ptime` in ms; a fractional value ("20.0") is cut to its integer part.
pub(super) fn ptime(m: &MediaDescription) -> Option<u32> {
    let v = m.attribute_value("ptime")?.trim();
    let int = v.split('.').next().unwrap_or(v);
    int.parse().ok().filter(|p| *p > 0)
}

fn bandwidth_of(bandwidths: &[crate::sdp::Bandwidth]) -> Option<u32> {
    let find = |kind: &str| {
        bandwidths
            .iter()
            .find(|b| b.kind.eq_ignore_ascii_case(kind))
            .map(|b| b.value)
    };
    // TIAS (bit/s, RFC 3890) is the more precise of the two when both come.
    let kbps = match find("TIAS") {
        Some(bps) => bps.div_ceil(1000),
        None => find("AS")?,
    };
    Some(u32::try_from(kbps).unwrap_or(u32::MAX)).filter(|k| *k > 0)
}

/// The peer's bandwidth for an m-line: its own b=TIAS/AS, else the
/// session's (which bounds every stream).
pub(super) fn bandwidth_kbps(session: &SessionDescription, m: &MediaDescription) -> Option<u32> {
    bandwidth_of(&m.bandwidths).or_else(|| bandwidth_of(&session.bandwidths))
}

/// `a=content` of RFC 4796 without `main` among its values marks a second
/// stream (slides, speaker, sign language, alternative).
pub(super) fn is_secondary_content(m: &MediaDescription) -> bool {
    let mut values = m
        .attribute_values("content")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .peekable();
    values.peek().is_some() && !values.any(|c| c.eq_ignore_ascii_case("main"))
}
