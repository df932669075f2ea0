//! Fast start (H.323 §8.1.7) for the call: the caller's OpenLogicalChannel
//! proposals in Setup, the callee's choice in its answer, as the call's
//! media. The OLCs themselves and the codec choice are
//! [`crate::h323::h245::fast_start`]'s; this turns them into the per-kind
//! streams the mixer takes (one codec per kind, both directions).

use diemcau_codecs::catalogue::{Capabilities, MediaKind};
use diemcau_codecs::h245::{negotiated_stream, ChannelCodec, RemoteMedia};

use super::LocalMedia;
use crate::h323::h245::fast_start::{self as fs, FastStartDirection};
use crate::h323::media::H323Stream;

fn local(l: &LocalMedia, kind: MediaKind) -> Option<fs::LocalMedia> {
    l.of(kind).map(|(rtp, rtcp)| fs::LocalMedia { rtp, rtcp })
}

/// The mixer's stream for a kind: our channel (`send`) and the peer's
/// (`receive`), with the peer's addresses.
pub fn stream(
    kind: MediaKind,
    send: Option<&ChannelCodec>,
    receive: Option<&ChannelCodec>,
    remote: RemoteMedia,
) -> Option<H323Stream> {
    let index = match kind {
        MediaKind::Audio => 0,
        MediaKind::Video => 1,
    };
    let ns = negotiated_stream(index, send, receive, remote)?;
    Some(H323Stream {
        kind,
        codec: ns.codec,
        receiving: receive.is_some(),
        peer_rtp: ns.remote_rtp,
        peer_rtcp: ns.remote_rtcp,
        max_kbps: ns.bandwidth_kbps,
    })
}

/// Outgoing: our proposals (PER-encoded OLCs).
pub fn propose(caps: &Capabilities, l: &LocalMedia) -> Vec<Vec<u8>> {
    let base = fs::proposals(caps, local(l, MediaKind::Audio), local(l, MediaKind::Video));
    // A channel we send for every codec we receive, not only the first: a
    // callee that takes one of them both ways gives the mixer its one
    // codec per kind.
    let mut channels: Vec<fs::FastStartChannel> = Vec::new();
    for c in &base {
        if c.direction == FastStartDirection::Reverse {
            let sent = channels.iter().any(|o| {
                o.direction == FastStartDirection::Forward
                    && o.codec.capability.same_codec(&c.codec.capability)
            });
            if !sent {
                channels.push(fs::FastStartChannel {
                    direction: FastStartDirection::Forward,
                    media: RemoteMedia {
                        rtp: None,
                        rtcp: c.media.rtcp,
                    },
                    ..c.clone()
                });
            }
        }
        if c.direction == FastStartDirection::Reverse
            || !channels.iter().any(|o| {
                o.direction == c.direction && o.codec.capability.same_codec(&c.codec.capability)
            })
        {
            channels.push(c.clone());
        }
    }
    for (n, c) in channels.iter_mut().enumerate() {
        c.channel = u16::try_from(n + 1).unwrap_or(u16::MAX);
    }
    fs::encode(&channels).unwrap_or_default()
}

/// What fast start settled.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub streams: Vec<H323Stream>,
    /// The peer's video channel to us (for videoFastUpdatePicture).
    pub video_in: Option<u16>,
}

fn video_in(channels: &[fs::FastStartChannel], d: FastStartDirection) -> Option<u16> {
    channels
        .iter()
        .find(|c| c.direction == d && c.codec.capability.kind() == MediaKind::Video)
        .map(|c| c.channel)
}

/// Incoming: our answers to the caller's proposals and the media they
/// make; `None` when we take none (fastConnectRefused).
pub fn answer(
    proposals: &[Vec<u8>],
    caps: &Capabilities,
    l: &LocalMedia,
) -> Option<(Vec<Vec<u8>>, Settled)> {
    let parsed = fs::parse(proposals).ok()?;
    let (audio, video) = (local(l, MediaKind::Audio), local(l, MediaKind::Video));
    // The mixer has one codec per kind: we send what the caller sends us
    // when it takes it, so that codec goes first in our preference.
    let mut symmetric = caps.clone();
    for s in fs::answer(&parsed, caps, audio, video).streams {
        if let Some(r) = s.receive {
            let name = r.capability.codec();
            let list = match s.kind {
                MediaKind::Audio => &mut symmetric.audio,
                MediaKind::Video => &mut symmetric.video,
            };
            list.retain(|c| *c != name);
            list.insert(0, name);
        }
    }
    let a = fs::answer(&parsed, &symmetric, audio, video);
    if a.channels.is_empty() {
        return None;
    }
    let answers = fs::encode(&a.channels).ok()?;
    let streams = a
        .streams
        .iter()
        .filter_map(|s| stream(s.kind, s.send.as_ref(), s.receive.as_ref(), s.remote))
        .collect();
    Some((
        answers,
        Settled {
            streams,
            // The caller's forward channels are its media to us.
            video_in: video_in(&a.channels, FastStartDirection::Forward),
        },
    ))
}

/// Outgoing: the media the callee's answers make. An answered forward
/// proposal is our channel to the callee (its RTP address in it), an
/// answered reverse one the callee's channel to us.
pub fn accept(answers: &[Vec<u8>], l: &LocalMedia) -> Option<Settled> {
    let parsed = fs::parse(answers).ok()?;
    let mut out = Vec::new();
    for kind in [MediaKind::Audio, MediaKind::Video] {
        if l.of(kind).is_none() {
            continue;
        }
        let of = |d: FastStartDirection| {
            parsed
                .iter()
                .find(|c| c.direction == d && c.codec.capability.kind() == kind)
        };
        let (send, receive) = (
            of(FastStartDirection::Forward),
            of(FastStartDirection::Reverse),
        );
        let remote = RemoteMedia {
            rtp: send.and_then(|c| c.media.rtp),
            rtcp: send
                .and_then(|c| c.media.rtcp)
                .or(receive.and_then(|c| c.media.rtcp)),
        };
        out.extend(stream(
            kind,
            send.map(|c| &c.codec),
            receive.map(|c| &c.codec),
            remote,
        ));
    }
    (!out.is_empty()).then(|| Settled {
        streams: out,
        video_in: video_in(&parsed, FastStartDirection::Reverse),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use diemcau_codecs::catalogue::CodecName;
    use std::net::SocketAddr;

    fn local(base: u16) -> LocalMedia {
        let a = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
        LocalMedia {
            audio: (a(base), a(base + 1)),
            video: Some((a(base + 2), a(base + 3))),
        }
    }

    fn caps(audio: Vec<CodecName>) -> Capabilities {
        Capabilities {
            audio,
            video: vec![CodecName::H264],
            ..Capabilities::default()
        }
    }

    /// Our proposals answered by our answer logic: both ends get the
    /// other's addresses and one codec per kind, both ways.
    #[test]
    fn proposals_answered_and_accepted() {
        let caller = local(5000);
        let callee = local(6000);
        let proposals = propose(&caps(vec![CodecName::Pcma, CodecName::Pcmu]), &caller);
        assert!(proposals.len() >= 4, "{}", proposals.len());
        let (answers, settled) = answer(
            &proposals,
            &caps(vec![CodecName::Pcmu, CodecName::Pcma]),
            &callee,
        )
        .expect("answered");
        let streams = &settled.streams;
        assert_eq!(streams.len(), 2);
        assert!(settled.video_in.is_some());
        let audio = &streams[0];
        // What the caller sends (its first codec), both ways.
        assert_eq!(audio.codec.name, CodecName::Pcma);
        assert_eq!(audio.codec.payload_type, 8);
        assert_eq!(audio.kind, MediaKind::Audio);
        assert!(audio.receiving);
        assert_eq!(audio.peer_rtp, Some(caller.audio.0));
        let video = &streams[1];
        assert_eq!(video.codec.name, CodecName::H264);
        assert_eq!(video.peer_rtp, Some(caller.video.unwrap().0));
        assert!(video.receiving);

        let got = accept(&answers, &caller).expect("accepted");
        assert!(got.video_in.is_some());
        let got = got.streams;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].codec.name, audio.codec.name);
        assert!(got[0].receiving);
        assert_eq!(got[0].peer_rtp, Some(callee.audio.0));
        assert_eq!(got[1].peer_rtp, Some(callee.video.unwrap().0));
        assert_eq!(got[1].codec.payload_type, video.codec.payload_type);
    }

    /// A caller preferring G.722 and a callee taking only A-law: audio
    /// still flows both ways in A-law.
    #[test]
    fn a_callee_with_one_codec_gets_it_both_ways() {
        let proposals = propose(
            &caps(vec![CodecName::G722, CodecName::Pcmu, CodecName::Pcma]),
            &local(5000),
        );
        let (_, settled) =
            answer(&proposals, &caps(vec![CodecName::Pcma]), &local(6000)).expect("answered");
        let audio = &settled.streams[0];
        assert_eq!(audio.codec.name, CodecName::Pcma);
        assert!(audio.receiving && audio.peer_rtp.is_some(), "{audio:?}");
    }

    #[test]
    fn nothing_in_common_or_garbage_is_refused() {
        let proposals = propose(&caps(vec![CodecName::G722]), &local(5000));
        let audio_only = LocalMedia {
            video: None,
            ..local(6000)
        };
        assert!(answer(&proposals, &caps(vec![CodecName::Pcma]), &audio_only).is_none());
        assert!(answer(
            &[vec![0xff; 7], vec![]],
            &caps(vec![CodecName::Pcma]),
            &local(6000)
        )
        .is_none());
        assert!(accept(&[vec![1, 2, 3]], &local(5000)).is_none());
    }
}
