//! H.245 PER: round trips, real room systems' bytes decoded field by
//! field, and Wireshark's dissector as the judge of what we encode.

use super::*;
use crate::h323::asn1::h245::wireshark;

/// Hex lines to bytes (test data only).
pub(crate) fn hex(lines: &[&str]) -> Vec<u8> {
    let s: String = lines.concat();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex"))
        .collect()
}

/// A TerminalCapabilitySet sent by a Polycom room system (H.221
/// manufacturer B5 00 0001, the PictureTel code Polycom kept; Siren
/// G.722.1/G.722.1C, H.264 Baseline and High at level 1.3 with custom
/// MaxMBPS/MaxFS for 720p, H.239), H.245 v13. Source: the H.323 unit tests
/// of the TrueConf server (github.com/opensource240222/trueconf-server,
/// common/tests/UnitTestH323Lib/UnitTestH323Lib.cpp,
/// `TERMINAL_CAPABILITY_SET`).
pub(crate) const POLYCOM_TCS: &[&str] = &[
    "0270010600088175000d803480003c0001000001000001000402180208097c10",
    "0800088171000000001008000881710000000107600630002400004001000100",
    "1a80000086090000060008816f0101800001862110c0b500000101ac06001200",
    "010022009600320096004200340052000a0062057880000224302060c0b50000",
    "0101ad40fa00020cb500000101012000010cb500000101012000018000032430",
    "1660c0b500000101a740fa00010cb5000001010120000180000424301660c0b5",
    "00000101a640bb80010cb5000001010120000180000524301660c0b500000101",
    "a5407d00010cb500000101012000018000062430156000070007b83501010040",
    "01e0020012000100217080000724301660c0b5000001019340bb80010cb50000",
    "0101012000018000082430116000060007b8350100407d000100120001800009",
    "2430116000060007b8350100405dc0010012000180000a24301660c0b5000001",
    "0196403e80010cb5000001010120000180000b21401380000c22400780000d20",
    "c01380000e20401380000f22c0018000100c002560000700088171000001404b",
    "000602914002a20024003200d8006200400042000f00a2000d8000110c002560",
    "000700088171000001404b000602910802a20024003200d8006200400042000f",
    "00a2000d80001209f80000404aff007040010080001308b0004aff4000140c00",
    "0c10c0b500000101ab010011098000150c087840013b8000684aff0070500100",
    "5aa80000137c00000000000008010050005700470057004720230000202000ff",
    "00bf00ff00bf49200000c7009500c70095452000009f0077009f007743200000",
    "af007700af00774320400057003b0057003b4020407001000210000160000600",
    "08816f01020000010011018000160c000800c0b5000001019f8000170c083940",
    "01802560000700088171000001404b000602914002a200240032002f00620040",
    "0042000f00a2000d016000060008816f010200000100110180001848c6003280",
    "00194a0c09000006000881600100003280001a04b50023310251530080000501",
    "000000010d00020003000400050006000700080009000a000b000c000d000e00",
    "0f040010001100120013001402001500160017010018001900001a",
];

/// UserInputIndication signal "9", duration 100 ms, as a Cisco IOS
/// gateway received it (`debug h245 asn1`: "H245 MSC INCOMING ENCODE
/// BUFFER::= 6D810447200063"), quoted in a public article on DTMF relay
/// methods.
pub(crate) const CISCO_UII_SIGNAL: &[&str] = &["6d810447200063"];

fn request(r: RequestMessage) -> MultimediaSystemControlMessage {
    MultimediaSystemControlMessage::Request(r)
}

fn h264_param(id: u8, value: ParameterValue) -> GenericParameter {
    GenericParameter {
        parameter_identifier: ParameterIdentifier::Standard(id),
        parameter_value: value,
        supersedes: None,
    }
}

fn polycom() -> TerminalCapabilitySet {
    match decode(&hex(POLYCOM_TCS)) {
        Ok(MultimediaSystemControlMessage::Request(RequestMessage::TerminalCapabilitySet(t))) => t,
        other => panic!("not a TCS: {other:?}"),
    }
}

#[test]
fn polycom_capability_set_decodes_field_by_field() {
    let tcs = polycom();
    assert_eq!(tcs.sequence_number.0, 1);
    assert_eq!(tcs.protocol_identifier, protocol_identifier(13));
    let Some(MultiplexCapability::H2250Capability(h2250)) = &tcs.multiplex_capability else {
        panic!("no H.225.0 multiplex capability");
    };
    assert_eq!(h2250.maximum_audio_delay_jitter, 60);
    assert!(!h2250.rtcp_video_control_capability);
    let table = tcs.capability_table.as_deref().expect("capability table");
    assert_eq!(table.len(), 27);
    for (i, e) in table.iter().enumerate() {
        assert_eq!(usize::from(e.capability_table_entry_number.0), i + 1);
    }
    let cap = |n: usize| table[n - 1].capability.as_ref().expect("capability");

    // 1: H.239 control (generic control capability 0.0.8.239.1.1).
    match cap(1) {
        Capability::GenericControlCapability(g) => assert_eq!(
            g.capability_identifier,
            CapabilityIdentifier::Standard(oid(&[0, 0, 8, 239, 1, 1]))
        ),
        other => panic!("entry 1: {other:?}"),
    }
    // 2: Polycom's own generic control capability, H.221 non-standard.
    match cap(2) {
        Capability::GenericControlCapability(g) => {
            let CapabilityIdentifier::H221NonStandard(ns) = &g.capability_identifier else {
                panic!("entry 2: {g:?}");
            };
            assert_eq!(
                ns.non_standard_identifier,
                NonStandardIdentifier::H221NonStandard(NonStandardIdentifierH221NonStandard {
                    t35_country_code: 181,
                    t35_extension: 0,
                    manufacturer_code: 1,
                })
            );
            assert_eq!(ns.data.as_ref(), &[0xac]);
        }
        other => panic!("entry 2: {other:?}"),
    }
    // 3: Polycom's Siren generic audio; Polycom writes its maxBitRate in
    // bit/s (64000), not in the standard's 100 bit/s units.
    match cap(3) {
        Capability::ReceiveAudioCapability(AudioCapability::GenericAudioCapability(g)) => {
            assert_eq!(g.max_bit_rate, Some(64000));
        }
        other => panic!("entry 3: {other:?}"),
    }
    // The plain audio codecs, frames per packet.
    assert_eq!(
        cap(12),
        &Capability::ReceiveAudioCapability(AudioCapability::G722_64k(20))
    );
    assert_eq!(
        cap(13),
        &Capability::ReceiveAudioCapability(AudioCapability::G728(8))
    );
    assert_eq!(
        cap(14),
        &Capability::ReceiveAudioCapability(AudioCapability::G711Ulaw64k(20))
    );
    assert_eq!(
        cap(15),
        &Capability::ReceiveAudioCapability(AudioCapability::G711Alaw64k(20))
    );
    assert_eq!(
        cap(16),
        &Capability::ReceiveAudioCapability(AudioCapability::G729AnnexA(2))
    );
    // 17: H.264 Baseline, level 1.3 raised by custom MaxMBPS/MaxFS for 720p.
    match cap(17) {
        Capability::ReceiveVideoCapability(VideoCapability::GenericVideoCapability(g)) => {
            assert_eq!(
                g.capability_identifier,
                CapabilityIdentifier::Standard(h264_capability_oid())
            );
            assert_eq!(g.max_bit_rate, Some(19200));
            let c = g.collapsing.as_deref().expect("collapsing");
            assert_eq!(c.len(), 6);
            assert_eq!(c[0], h264_param(41, ParameterValue::BooleanArray(64)));
            assert_eq!(c[1], h264_param(42, ParameterValue::UnsignedMin(36)));
            assert_eq!(c[2], h264_param(3, ParameterValue::UnsignedMin(216)));
            assert_eq!(c[3], h264_param(6, ParameterValue::UnsignedMin(64)));
            assert_eq!(c[4], h264_param(4, ParameterValue::UnsignedMin(15)));
        }
        other => panic!("entry 17: {other:?}"),
    }
    // 18: the same in High profile.
    match cap(18) {
        Capability::ReceiveVideoCapability(VideoCapability::GenericVideoCapability(g)) => {
            let c = g.collapsing.as_deref().expect("collapsing");
            assert_eq!(c[0], h264_param(41, ParameterValue::BooleanArray(8)));
        }
        other => panic!("entry 18: {other:?}"),
    }
    let descriptors = tcs.capability_descriptors.as_deref().expect("descriptors");
    assert_eq!(descriptors.len(), 1);
    assert_eq!(descriptors[0].capability_descriptor_number.0, 0);
}

#[test]
fn polycom_capability_set_reencodes_to_the_same_bytes() {
    let bytes = hex(POLYCOM_TCS);
    let msg = decode(&bytes).expect("decode");
    assert_eq!(encode(&msg).expect("encode"), bytes);
}

#[test]
fn cisco_user_input_signal_decodes() {
    let msg = decode(&hex(CISCO_UII_SIGNAL)).expect("decode");
    let MultimediaSystemControlMessage::Indication(IndicationMessage::UserInput(
        UserInputIndication::Signal(s),
    )) = &msg
    else {
        panic!("not a signal: {msg:?}");
    };
    assert_eq!(s.signal_type.to_string(), "9");
    assert_eq!(s.duration, Some(100));
    assert_eq!(encode(&msg).expect("encode"), hex(CISCO_UII_SIGNAL));
}

#[test]
fn master_slave_determination_round_trips() {
    let msg = request(RequestMessage::MasterSlaveDetermination(
        MasterSlaveDetermination {
            terminal_type: 190,
            status_determination_number: 0x00ab_cdef,
        },
    ));
    let bytes = encode(&msg).expect("encode");
    // request(0) masterSlaveDetermination(1): 0 00 0 0001, then the
    // terminal type octet and the 24-bit number in a 1..3 octet length.
    assert_eq!(bytes[0], 0x01);
    assert_eq!(decode(&bytes).expect("decode"), msg);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for bytes in [&[][..], &[0xff][..], &[0x02, 0x70][..], &[0x7f; 40][..]] {
        assert!(decode(bytes).is_err(), "{bytes:?}");
    }
    assert!(decode(&vec![0u8; MAX_MESSAGE_LEN + 1]).is_err());
}

#[test]
fn wireshark_reads_the_polycom_set_and_our_reencoding_alike() {
    let bytes = hex(POLYCOM_TCS);
    let ours = encode(&decode(&bytes).expect("decode")).expect("encode");
    let d = wireshark::dissect(&[ours]);
    assert_eq!(d.malformed, 0, "{}", d.verbose);
    assert!(d.verbose.contains("terminalCapabilitySet"));
    assert!(d.verbose.contains("0.0.8.241.0.0.1"));
    assert!(d.verbose.contains("unsignedMin: 36"));
}

/// A tiny deterministic generator (xorshift64*): the mutations are the
/// same on every run, so a failure reproduces.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random mutation: flip bits, overwrite, insert, delete, truncate,
/// duplicate a range, or set a length-looking byte to an extreme.
pub(crate) fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                b.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                b.remove(rng.below(len));
            }
            4 => b.truncate(rng.below(len + 1)),
            5 if len > 1 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                let chunk = b[start..end].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
            }
            _ if len > 0 => {
                let i = rng.below(len);
                b[i] = if rng.below(2) == 0 { 0xff } else { 0x80 };
            }
            _ => {}
        }
    }
    b
}

/// Real and own messages to mutate.
pub(crate) fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![hex(POLYCOM_TCS), hex(CISCO_UII_SIGNAL)];
    let msd = request(RequestMessage::MasterSlaveDetermination(
        MasterSlaveDetermination {
            terminal_type: 190,
            status_determination_number: 12345,
        },
    ));
    seeds.push(encode(&msd).expect("encode"));
    seeds
}

#[test]
fn mutated_messages_never_panic() {
    let mut rng = Rng(0x0005_eed0_fd1e_11c4);
    let seeds = seeds();
    let mut decoded = 0;
    for round in 0..3000 {
        let seed = &seeds[round % seeds.len()];
        let bytes = mutate(&mut rng, seed);
        if let Ok(msg) = decode(&bytes) {
            decoded += 1;
            // What decodes also encodes (or fails cleanly) and decodes again.
            if let Ok(again) = encode(&msg) {
                assert!(decode(&again).is_ok(), "re-encoding of {bytes:02x?}");
            }
        }
    }
    // The mutations are not all rejected outright: decoding got exercised.
    assert!(decoded > 100, "only {decoded} mutated messages decoded");
}

#[test]
fn deeply_nested_parameters_are_refused_not_a_stack_overflow() {
    // GenericParameter values nest (ParameterValue::genericParameter); a
    // hostile peer can nest them as deep as its bytes allow.
    fn nested(depth: usize) -> ParameterValue {
        let mut v = ParameterValue::Logical;
        for _ in 0..depth {
            v = ParameterValue::GenericParameter(vec![h264_param(1, v)]);
        }
        v
    }
    let msg = |depth| {
        request(RequestMessage::GenericRequest(GenericMessage {
            message_identifier: CapabilityIdentifier::Standard(h264_capability_oid()),
            sub_message_identifier: None,
            message_content: Some(vec![h264_param(1, nested(depth))]),
        }))
    };
    // Encode on a big stack (our own encoder is not the point here).
    let bytes = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || encode(&msg(2000)).expect("encode"))
        .expect("thread")
        .join()
        .expect("encode thread");
    // The deepest nesting rasn lets through decodes within a normal 2 MiB
    // thread stack, as tokio's.
    let legit = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || encode(&msg(40)).expect("encode"))
        .expect("thread")
        .join()
        .expect("encode thread");
    let ok = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || decode(&legit).is_ok())
        .expect("thread")
        .join()
        .expect("decoding must not overflow the stack");
    assert!(ok, "40 levels are within rasn's depth limit");
    // Decoding runs on a normal 2 MiB thread stack, as in tokio.
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || decode(&bytes).is_err())
        .expect("thread")
        .join()
        .expect("decoding must not overflow the stack");
    assert!(result, "a 2000-deep nesting decodes?");
}
