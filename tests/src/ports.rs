//! Port choice for peers that run side by side (tests in parallel threads,
//! and more than one test binary at a time).
//!
//! Single ports (SIP, HTTP) come from the kernel: bind port 0, note the
//! number, release it. Ranges (RTP, and peers that need several fixed ports
//! such as baresip) come from [`PortBlock`]: blocks below the kernel's
//! ephemeral range (32768+ on Linux), so a port the kernel hands out for
//! port 0 never lands in someone's RTP range.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A port free for both UDP and TCP on 127.0.0.1 right now (SIP listens on
/// both with the same number).
pub fn free_udp_tcp_port() -> u16 {
    for _ in 0..100 {
        let Ok(udp) = UdpSocket::bind(SocketAddrV4::new(LOOPBACK, 0)) else {
            continue;
        };
        let Ok(addr) = udp.local_addr() else { continue };
        if TcpListener::bind(SocketAddrV4::new(LOOPBACK, addr.port())).is_ok() {
            return addr.port();
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1 after 100 tries");
}

/// A TCP port free on 127.0.0.1 right now.
pub fn free_tcp_port() -> u16 {
    match TcpListener::bind(SocketAddrV4::new(LOOPBACK, 0)).and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("no free TCP port on 127.0.0.1: {e}"),
    }
}

/// First port of the block area and the block size: 220 blocks of 100 ports
/// in 10000..32000.
const AREA_START: u16 = 10_000;
const BLOCK: u16 = 100;
const BLOCKS: u32 = 220;

/// A block of 100 consecutive ports, free (UDP and TCP on 127.0.0.1) when
/// reserved. Which block: a process-wide counter plus an offset from the pid,
/// so two test processes start far apart; blocks found busy are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortBlock {
    pub first: u16,
}

impl PortBlock {
    pub fn reserve() -> PortBlock {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        // Spread processes over the area: consecutive pids land 97 blocks
        // apart (97 and 220 are coprime, so every block is reachable).
        let offset = std::process::id().wrapping_mul(97) % BLOCKS;
        for _ in 0..BLOCKS {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let index = (offset + n) % BLOCKS;
            let block = PortBlock {
                // index < 220, so the product stays below 22000.
                first: AREA_START + (index as u16) * BLOCK,
            };
            if block.is_free() {
                return block;
            }
        }
        panic!("no free block of {BLOCK} ports in {AREA_START}..32000");
    }

    /// All ports of the block.
    pub fn range(&self) -> Range<u16> {
        self.first..self.first + BLOCK
    }

    /// The `i`-th port of the block.
    pub fn port(&self, i: u16) -> u16 {
        assert!(i < BLOCK, "port {i} is outside a block of {BLOCK}");
        self.first + i
    }

    /// Ports `from..to` of the block (an RTP range, say).
    pub fn sub(&self, from: u16, to: u16) -> Range<u16> {
        assert!(from < to && to <= BLOCK, "bad sub-range {from}..{to}");
        self.first + from..self.first + to
    }

    fn is_free(&self) -> bool {
        // Hold every socket until all are checked: a port is only counted
        // free while nobody else has it.
        let mut held = Vec::with_capacity(2 * BLOCK as usize);
        for port in self.range() {
            let addr = SocketAddrV4::new(LOOPBACK, port);
            match (UdpSocket::bind(addr), TcpListener::bind(addr)) {
                (Ok(u), Ok(t)) => held.push((u, t)),
                _ => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_tcp_port_is_bindable_on_both() {
        let port = free_udp_tcp_port();
        let addr = SocketAddrV4::new(LOOPBACK, port);
        assert!(UdpSocket::bind(addr).is_ok());
        assert!(TcpListener::bind(addr).is_ok());
    }

    #[test]
    fn blocks_are_distinct_and_below_the_ephemeral_range() {
        let a = PortBlock::reserve();
        let b = PortBlock::reserve();
        assert_ne!(a, b);
        for block in [a, b] {
            assert!(block.first >= AREA_START);
            assert!(block.range().end <= 32_000);
            assert_eq!(block.range().len(), BLOCK as usize);
        }
        assert_eq!(a.sub(10, 20), a.first + 10..a.first + 20);
    }

    #[test]
    fn a_block_with_one_busy_port_is_not_free() {
        let a = PortBlock::reserve();
        let hold = UdpSocket::bind(SocketAddrV4::new(LOOPBACK, a.port(42)));
        assert!(hold.is_ok());
        assert!(!a.is_free());
        drop(hold);
        assert!(a.is_free());
    }
}
