//! Multicast gatekeeper discovery (H.225.0 §7.6): terminals without a
//! configured gatekeeper send GRQ to 224.0.1.41:1718. A socket bound to a
//! unicast RAS address never sees group datagrams, so discovery has its own
//! socket on 0.0.0.0:1718, joined to the group on the RAS interfaces. The
//! GCF names the RAS socket the terminal can reach: the one on the address
//! the kernel routes back to the terminal from.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket as StdUdpSocket};

/// The UDP port discovery GRQs are sent to (the RAS channel itself is 1719).
pub const DISCOVERY_PORT: u16 = 1718;

/// The IPv4 addresses of the interfaces that are up and can do multicast
/// (what a RAS socket on 0.0.0.0 serves). Loopback only when it has the
/// MULTICAST flag, which it lacks by default.
pub fn multicast_interfaces() -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we only read and free once.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return out;
    }
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        let flags = ifa.ifa_flags;
        let wanted = libc::IFF_UP as u32 | libc::IFF_MULTICAST as u32;
        if ifa.ifa_addr.is_null() || flags & wanted != wanted {
            continue;
        }
        // SAFETY: ifa_addr points at a sockaddr whose family says its type.
        if i32::from(unsafe { (*ifa.ifa_addr).sa_family }) != libc::AF_INET {
            continue;
        }
        // SAFETY: AF_INET addresses are sockaddr_in.
        let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
        let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    // SAFETY: the list came from getifaddrs and is freed exactly once.
    unsafe { libc::freeifaddrs(head) };
    out
}

/// The interfaces to join the discovery group on, for the RAS sockets'
/// addresses: a specific address is its own interface, 0.0.0.0 stands for
/// every multicast interface.
pub fn group_interfaces(ras: &[SocketAddrV4], all: impl Fn() -> Vec<Ipv4Addr>) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    for a in ras {
        let ips = if a.ip().is_unspecified() {
            all()
        } else {
            vec![*a.ip()]
        };
        for ip in ips {
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

/// The local address the kernel would send to `peer` from: a connected UDP
/// socket learns it from the routing table without sending anything.
pub fn route_source(peer: SocketAddr) -> Option<Ipv4Addr> {
    let socket = StdUdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))).ok()?;
    socket.connect(peer).ok()?;
    match socket.local_addr().ok()?.ip() {
        IpAddr::V4(ip) if !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

/// The RAS address to name in a GCF for a terminal whose datagrams come
/// back from `source`: the RAS socket bound to `source`, else one on
/// 0.0.0.0 (which answers on every address). None when no RAS socket is
/// reachable there: a GCF pointing elsewhere would strand the terminal.
pub fn ras_address_for(ras: &[SocketAddrV4], source: Ipv4Addr) -> Option<SocketAddrV4> {
    ras.iter()
        .find(|a| *a.ip() == source)
        .or_else(|| ras.iter().find(|a| a.ip().is_unspecified()))
        .map(|a| SocketAddrV4::new(source, a.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> SocketAddrV4 {
        s.parse().expect("address")
    }

    #[test]
    fn wildcard_ras_joins_every_interface_and_specific_only_its_own() {
        let all = || vec![Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(192, 168, 1, 5)];
        assert_eq!(
            group_interfaces(&[v4("0.0.0.0:1719")], all),
            [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(192, 168, 1, 5)]
        );
        assert_eq!(
            group_interfaces(&[v4("192.168.1.5:1719"), v4("192.168.1.5:1819")], all),
            [Ipv4Addr::new(192, 168, 1, 5)]
        );
        assert_eq!(
            group_interfaces(&[v4("10.0.0.1:1719"), v4("0.0.0.0:1819")], all),
            [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(192, 168, 1, 5)]
        );
    }

    #[test]
    fn gcf_names_the_ras_socket_reachable_from_the_terminal() {
        let ras = [v4("127.0.0.1:11719"), v4("0.0.0.0:1719")];
        // Bound to that very address: its own port.
        assert_eq!(
            ras_address_for(&ras, Ipv4Addr::LOCALHOST),
            Some(v4("127.0.0.1:11719"))
        );
        // Elsewhere: the wildcard socket, on the routed address.
        assert_eq!(
            ras_address_for(&ras, Ipv4Addr::new(10, 1, 2, 3)),
            Some(v4("10.1.2.3:1719"))
        );
        // Only a loopback RAS socket: a LAN terminal gets no GCF.
        assert_eq!(ras_address_for(&ras[..1], Ipv4Addr::new(10, 1, 2, 3)), None);
    }

    #[test]
    fn loopback_routes_from_loopback() {
        assert_eq!(
            route_source(SocketAddr::from((Ipv4Addr::LOCALHOST, 1719))),
            Some(Ipv4Addr::LOCALHOST)
        );
    }
}
