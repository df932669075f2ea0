//! TPKT (RFC 1006 §6): how H.225.0 call signalling and a separate H.245
//! channel frame their messages on TCP. Each packet is a 4-byte header
//! (version 3, a reserved byte, the packet length including the header,
//! big-endian) and the payload.
//!
//! [`Decoder`] is incremental: it is fed whatever the socket read returns
//! and yields whole payloads. It never panics; a header it cannot take (a
//! wrong version, a length beyond the limit) is an error after which the
//! stream cannot be resynchronised and the connection must close.

/// The TPKT version H.323 uses.
pub const VERSION: u8 = 3;
/// Header length.
pub const HEADER: usize = 4;
/// The largest packet the 16-bit length can describe.
pub const MAX_PACKET: usize = u16::MAX as usize;

/// Why a byte stream is not TPKT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TpktError {
    #[error("TPKT version {0}, expected 3")]
    Version(u8),
    #[error("TPKT length {0} is shorter than its header")]
    TooShort(usize),
    #[error("TPKT packet of {len} bytes is over the limit of {limit}")]
    TooLong { len: usize, limit: usize },
    #[error("payload of {0} bytes does not fit in a TPKT packet")]
    PayloadTooLong(usize),
}

/// One TPKT packet around `payload`.
pub fn encode(payload: &[u8]) -> Result<Vec<u8>, TpktError> {
    let len = payload.len() + HEADER;
    let wire = u16::try_from(len).map_err(|_| TpktError::PayloadTooLong(payload.len()))?;
    let mut out = Vec::with_capacity(len);
    out.push(VERSION);
    out.push(0);
    out.extend_from_slice(&wire.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}

/// Incremental TPKT decoder over a TCP byte stream.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    limit: usize,
    failed: Option<TpktError>,
}

impl Decoder {
    /// A decoder refusing packets longer than `limit` bytes (header
    /// included; at most [`MAX_PACKET`]).
    pub fn new(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            limit: limit.clamp(HEADER, MAX_PACKET),
            failed: None,
        }
    }

    /// Appends bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Bytes held that do not yet make a packet.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole payload, `Ok(None)` when more bytes are needed. An
    /// empty payload is a keep-alive some terminals send (H.323 §8.1). After
    /// an error every further call returns the same error.
    pub fn next_packet(&mut self) -> Result<Option<Vec<u8>>, TpktError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(&[version, _, hi, lo]) = self.buf.get(..HEADER) else {
            // A wrong first byte is known before the rest of the header.
            if let Some(&v) = self.buf.first() {
                if v != VERSION {
                    return Err(self.fail(TpktError::Version(v)));
                }
            }
            return Ok(None);
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if version != VERSION {
            return Err(self.fail(TpktError::Version(version)));
        }
        if len < HEADER {
            return Err(self.fail(TpktError::TooShort(len)));
        }
        if len > self.limit {
            return Err(self.fail(TpktError::TooLong {
                len,
                limit: self.limit,
            }));
        }
        if self.buf.len() < len {
            return Ok(None);
        }
        let payload = self.buf.get(HEADER..len).map(<[u8]>::to_vec);
        self.buf.drain(..len);
        Ok(payload)
    }

    fn fail(&mut self, e: TpktError) -> TpktError {
        self.buf.clear();
        self.failed = Some(e.clone());
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_writes_version_reserved_and_total_length() {
        let p = encode(&[0x08, 0x02, 0x00, 0x01]).unwrap();
        assert_eq!(p, vec![3, 0, 0, 8, 0x08, 0x02, 0x00, 0x01]);
        assert_eq!(encode(&[]).unwrap(), vec![3, 0, 0, 4]);
        assert_eq!(
            encode(&vec![0; MAX_PACKET]),
            Err(TpktError::PayloadTooLong(MAX_PACKET))
        );
        assert_eq!(encode(&vec![0; MAX_PACKET - 4]).unwrap().len(), MAX_PACKET);
    }

    #[test]
    fn packets_split_and_joined_anywhere_come_out_whole() {
        let mut stream = Vec::new();
        let payloads: Vec<Vec<u8>> = vec![vec![1, 2, 3], vec![], (0..=255).collect(), vec![9]];
        for p in &payloads {
            stream.extend(encode(p).unwrap());
        }
        // Every chunk size, from one byte at a time to all at once.
        for chunk in 1..=stream.len() {
            let mut d = Decoder::new(MAX_PACKET);
            let mut got = Vec::new();
            for c in stream.chunks(chunk) {
                d.push(c);
                while let Some(p) = d.next_packet().unwrap() {
                    got.push(p);
                }
            }
            assert_eq!(got, payloads, "chunk size {chunk}");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn a_partial_packet_waits() {
        let mut d = Decoder::new(1000);
        d.push(&[3, 0, 0, 10, 1, 2]);
        assert_eq!(d.next_packet(), Ok(None));
        assert_eq!(d.buffered(), 6);
        d.push(&[3, 4, 5, 6]);
        assert_eq!(d.next_packet(), Ok(Some(vec![1, 2, 3, 4, 5, 6])));
    }

    #[test]
    fn bad_headers_are_errors_that_stick() {
        let mut d = Decoder::new(1000);
        d.push(b"GET / HTTP/1.1\r\n");
        assert_eq!(d.next_packet(), Err(TpktError::Version(b'G')));
        d.push(&encode(&[1]).unwrap());
        assert_eq!(d.next_packet(), Err(TpktError::Version(b'G')));

        // A wrong version shows on its first byte.
        let mut d = Decoder::new(1000);
        d.push(&[0x16]);
        assert_eq!(d.next_packet(), Err(TpktError::Version(0x16)));

        let mut d = Decoder::new(1000);
        d.push(&[3, 0, 0, 3]);
        assert_eq!(d.next_packet(), Err(TpktError::TooShort(3)));

        let mut d = Decoder::new(1000);
        d.push(&[3, 0, 0x03, 0xe9]);
        assert_eq!(
            d.next_packet(),
            Err(TpktError::TooLong {
                len: 1001,
                limit: 1000
            })
        );
        assert_eq!(d.buffered(), 0, "nothing kept after an error");
    }

    /// Arbitrary bytes never panic and never yield more than was pushed.
    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x1234_5678_u32;
        for _ in 0..2000 {
            let mut d = Decoder::new(512);
            let mut pushed = 0;
            for _ in 0..8 {
                let n = (seed % 40) as usize;
                let bytes: Vec<u8> = (0..n)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        // Mostly valid versions so lengths get exercised.
                        if seed.is_multiple_of(4) {
                            3
                        } else {
                            (seed >> 8) as u8
                        }
                    })
                    .collect();
                pushed += bytes.len();
                d.push(&bytes);
                let mut out = 0;
                while let Ok(Some(p)) = d.next_packet() {
                    out += p.len() + HEADER;
                }
                assert!(out <= pushed);
            }
        }
    }
}
