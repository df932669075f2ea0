//! RTP/RTCP port pairs from the configured range.
//!
//! Ports are handed out round-robin: a port freed by a finished call is only
//! reused after the whole range has been cycled through, so that stale
//! packets of the last call (a peer still sending for a few seconds) do not
//! land in a new call. Ports another process holds are skipped.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};

use crate::MixerError;

/// Hands out even RTP ports with RTCP on the next port (RFC 3550 §11).
/// Cheap to share: clones use the same pool.
#[derive(Clone)]
pub struct PortAllocator {
    pool: Arc<Pool>,
}

struct Pool {
    bind_ip: IpAddr,
    min: u16,
    max: u16,
    /// First RTP port of the range (even, at least 2).
    first: u16,
    state: Mutex<PoolState>,
}

struct PoolState {
    /// Pair index to try first.
    next: usize,
    /// Pairs handed out and not yet returned.
    in_use: Vec<bool>,
}

impl PortAllocator {
    /// Pairs are taken from `min..=max`; an RTP port is even and its RTCP
    /// port (RTP + 1) must be in the range too.
    pub fn new(bind_ip: IpAddr, min: u16, max: u16) -> Self {
        let low = min.max(2);
        let first = low.saturating_add(low % 2);
        let pairs = if first < max && first & 1 == 0 {
            // Ports first..=max, two per pair (first >= 2: no overflow).
            usize::from(max - first + 1) / 2
        } else {
            0
        };
        Self {
            pool: Arc::new(Pool {
                bind_ip,
                min,
                max,
                first,
                state: Mutex::new(PoolState {
                    next: 0,
                    in_use: vec![false; pairs],
                }),
            }),
        }
    }

    pub fn bind_ip(&self) -> IpAddr {
        self.pool.bind_ip
    }

    /// Number of pairs in the range.
    pub fn capacity(&self) -> usize {
        self.pool.lock().in_use.len()
    }

    /// Number of pairs currently handed out.
    pub fn in_use(&self) -> usize {
        self.pool.lock().in_use.iter().filter(|u| **u).count()
    }

    /// Bind the next free pair. Ports that are busy elsewhere are skipped;
    /// any other bind error (bad address, permissions) is returned as is.
    pub fn allocate(&self) -> Result<PortPair, MixerError> {
        let pool = &self.pool;
        let mut st = pool.lock();
        let n = st.in_use.len();
        for step in 0..n {
            let idx = (st.next + step) % n;
            if st.in_use[idx] {
                continue;
            }
            let rtp_port = pool.port_of(idx);
            match bind_pair(pool.bind_ip, rtp_port) {
                Ok((rtp, rtcp)) => {
                    st.in_use[idx] = true;
                    st.next = (idx + 1) % n;
                    return Ok(PortPair {
                        rtp,
                        rtcp,
                        lease: PortLease {
                            pool: pool.clone(),
                            index: idx,
                            rtp_port,
                        },
                    });
                }
                Err(BindFailure::Busy) => {
                    tracing::debug!(port = rtp_port, "media port busy, skipping");
                }
                Err(BindFailure::Other(addr, source)) => {
                    return Err(MixerError::Bind { addr, source });
                }
            }
        }
        Err(MixerError::PortsExhausted {
            min: pool.min,
            max: pool.max,
        })
    }
}

impl std::fmt::Debug for PortAllocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortAllocator")
            .field("bind_ip", &self.pool.bind_ip)
            .field("min", &self.pool.min)
            .field("max", &self.pool.max)
            .finish()
    }
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // The state stays consistent even if a holder panicked: a flag write.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn port_of(&self, index: usize) -> u16 {
        // index < pairs, so this stays within first..=max.
        self.first + 2 * index as u16
    }
}

enum BindFailure {
    Busy,
    Other(SocketAddr, io::Error),
}

fn bind_pair(ip: IpAddr, rtp_port: u16) -> Result<(UdpSocket, UdpSocket), BindFailure> {
    let rtp = bind_one(SocketAddr::new(ip, rtp_port))?;
    let rtcp = bind_one(SocketAddr::new(ip, rtp_port + 1))?;
    Ok((rtp, rtcp))
}

fn bind_one(addr: SocketAddr) -> Result<UdpSocket, BindFailure> {
    let sock = UdpSocket::bind(addr).map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => BindFailure::Busy,
        _ => BindFailure::Other(addr, e),
    })?;
    // Tokio takes the socket over later; it must not block.
    sock.set_nonblocking(true)
        .map_err(|e| BindFailure::Other(addr, e))?;
    Ok(sock)
}

/// A bound RTP/RTCP socket pair. Dropping it closes the sockets and returns
/// the ports to the allocator.
#[derive(Debug)]
pub struct PortPair {
    // Field order matters: the sockets close before the lease frees the ports.
    rtp: UdpSocket,
    rtcp: UdpSocket,
    lease: PortLease,
}

impl PortPair {
    pub fn rtp_port(&self) -> u16 {
        self.lease.rtp_port
    }

    pub fn rtcp_port(&self) -> u16 {
        self.lease.rtp_port + 1
    }

    pub fn local_ip(&self) -> IpAddr {
        self.lease.pool.bind_ip
    }

    /// The sockets and the lease; the lease must outlive the sockets.
    pub(crate) fn into_parts(self) -> (UdpSocket, UdpSocket, PortLease) {
        (self.rtp, self.rtcp, self.lease)
    }
}

/// Ownership of a pair's port numbers; returns them to the pool on drop.
pub(crate) struct PortLease {
    pool: Arc<Pool>,
    index: usize,
    rtp_port: u16,
}

impl std::fmt::Debug for PortLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PortLease({})", self.rtp_port)
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        if let Some(slot) = self.pool.lock().in_use.get_mut(self.index) {
            *slot = false;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    /// A range of `pairs` even/odd port pairs on loopback that were all free a
    /// moment ago. Starts near an OS-chosen ephemeral port, so that tests
    /// running in parallel land in different places.
    pub(crate) fn free_range(pairs: u16) -> (u16, u16) {
        for _ in 0..50 {
            let probe = UdpSocket::bind((LOCALHOST, 0)).unwrap();
            let base = probe.local_addr().unwrap().port() & !1;
            drop(probe);
            let Some(max) = base.checked_add(2 * pairs - 1) else {
                continue;
            };
            let all_free = (base..=max).all(|p| UdpSocket::bind((LOCALHOST, p)).is_ok());
            if base >= 1024 && all_free {
                return (base, max);
            }
        }
        panic!("no free loopback port range");
    }

    #[test]
    fn pairs_are_even_and_odd() {
        let (min, max) = free_range(3);
        let alloc = PortAllocator::new(LOCALHOST, min, max);
        assert_eq!(alloc.capacity(), 3);
        let pairs: Vec<_> = (0..3).map(|_| alloc.allocate().unwrap()).collect();
        for p in &pairs {
            assert_eq!(p.rtp_port() % 2, 0);
            assert_eq!(p.rtcp_port(), p.rtp_port() + 1);
            assert!(p.rtp_port() >= min && p.rtcp_port() <= max);
            assert_eq!(p.rtp.local_addr().unwrap().port(), p.rtp_port());
            assert_eq!(p.rtcp.local_addr().unwrap().port(), p.rtcp_port());
        }
        assert_eq!(alloc.in_use(), 3);
    }

    #[test]
    fn odd_bounds_shrink_the_range() {
        // 10001..=10006: pairs 10002/3 and 10004/5; 10006 has no RTCP port.
        let alloc = PortAllocator::new(LOCALHOST, 10001, 10006);
        assert_eq!(alloc.capacity(), 2);
        assert_eq!(alloc.pool.first, 10002);
        assert_eq!(PortAllocator::new(LOCALHOST, 10000, 10000).capacity(), 0);
        assert_eq!(PortAllocator::new(LOCALHOST, 20000, 10000).capacity(), 0);
        assert_eq!(PortAllocator::new(LOCALHOST, 0, 3).capacity(), 1);
        assert_eq!(PortAllocator::new(LOCALHOST, 65534, 65535).capacity(), 1);
    }

    #[test]
    fn exhaustion_is_an_error() {
        let (min, max) = free_range(2);
        let alloc = PortAllocator::new(LOCALHOST, min, max);
        let _a = alloc.allocate().unwrap();
        let _b = alloc.allocate().unwrap();
        match alloc.allocate() {
            Err(MixerError::PortsExhausted { min: lo, max: hi }) => {
                assert_eq!((lo, hi), (min, max));
            }
            other => panic!("expected exhaustion, got {other:?}"),
        }
        let empty = PortAllocator::new(LOCALHOST, 10000, 10000);
        assert!(matches!(
            empty.allocate(),
            Err(MixerError::PortsExhausted { .. })
        ));
    }

    #[test]
    fn freed_pair_is_reused_only_after_a_full_round() {
        let (min, max) = free_range(2);
        let alloc = PortAllocator::new(LOCALHOST, min, max);
        let a = alloc.allocate().unwrap();
        let first = a.rtp_port();
        drop(a);
        assert_eq!(alloc.in_use(), 0);
        // Round-robin: the next call gets the other pair, not the freed one.
        let b = alloc.allocate().unwrap();
        assert_ne!(b.rtp_port(), first);
        // Then the range wraps and the freed pair (sockets closed) comes back.
        let c = alloc.allocate().unwrap();
        assert_eq!(c.rtp_port(), first);
        // The returned ports are really free for the OS again after drop.
        let (pb, pc) = (b.rtp_port(), c.rtcp_port());
        drop(b);
        drop(c);
        UdpSocket::bind((LOCALHOST, pb)).unwrap();
        UdpSocket::bind((LOCALHOST, pc)).unwrap();
    }

    #[test]
    fn ports_busy_elsewhere_are_skipped() {
        let (min, max) = free_range(3);
        // Someone else holds the RTCP port of the first pair and the RTP port
        // of the second one.
        let _squat1 = UdpSocket::bind((LOCALHOST, min + 1)).unwrap();
        let _squat2 = UdpSocket::bind((LOCALHOST, min + 2)).unwrap();
        let alloc = PortAllocator::new(LOCALHOST, min, max);
        let p = alloc.allocate().unwrap();
        assert_eq!(p.rtp_port(), min + 4);
        // The half-bound first attempt released its RTP socket again.
        UdpSocket::bind((LOCALHOST, min)).unwrap();
        assert!(matches!(
            alloc.allocate(),
            Err(MixerError::PortsExhausted { .. })
        ));
    }

    #[test]
    fn non_local_address_is_a_bind_error_not_exhaustion() {
        // TEST-NET-1 is never assigned to a local interface.
        let alloc = PortAllocator::new("192.0.2.1".parse().unwrap(), 40000, 40003);
        assert!(matches!(alloc.allocate(), Err(MixerError::Bind { .. })));
    }

    #[test]
    fn allocator_is_shared_across_threads() {
        let (min, max) = free_range(8);
        let alloc = PortAllocator::new(LOCALHOST, min, max);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let a = alloc.clone();
                std::thread::spawn(move || {
                    (0..2).map(|_| a.allocate().unwrap()).collect::<Vec<_>>()
                })
            })
            .collect();
        let pairs: Vec<PortPair> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let mut ports: Vec<u16> = pairs.iter().map(PortPair::rtp_port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 8);
    }
}
