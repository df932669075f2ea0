//! Per-room and per-stream media metrics, read from the rooms at scrape
//! time: nothing to keep in step with calls coming and going, and series of
//! a participant that left disappear with it.

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{CounterVec, GaugeVec, IntCounterVec, IntGaugeVec, Opts};

use crate::rooms::SharedRooms;

/// The families, built afresh for each scrape.
struct Families {
    participants: IntGaugeVec,
    cpu: CounterVec,
    composed: IntCounterVec,
    dropped: IntCounterVec,
    decoded: IntCounterVec,
    encoders: IntGaugeVec,
    keyframes: IntCounterVec,
    stream_packets: IntCounterVec,
    stream_lost: IntCounterVec,
    stream_jitter: GaugeVec,
    stream_bitrate: GaugeVec,
    stream_keyframes: IntCounterVec,
}

const STREAM_LABELS: [&str; 3] = ["room", "participant", "kind"];

impl Families {
    fn new() -> Result<Families, prometheus::Error> {
        let room = &["room"];
        Ok(Families {
            participants: IntGaugeVec::new(
                Opts::new("diemcau_room_participants", "Participants in the room"),
                room,
            )?,
            cpu: CounterVec::new(
                Opts::new(
                    "diemcau_mixer_cpu_seconds_total",
                    "CPU time of the room's media pipelines and mixer threads",
                ),
                room,
            )?,
            composed: IntCounterVec::new(
                Opts::new(
                    "diemcau_mixer_frames_composed_total",
                    "Video frames composed by the room's canvases",
                ),
                room,
            )?,
            dropped: IntCounterVec::new(
                Opts::new(
                    "diemcau_mixer_frames_dropped_total",
                    "Composed video frames that did not come out of their encoder",
                ),
                room,
            )?,
            decoded: IntCounterVec::new(
                Opts::new(
                    "diemcau_mixer_frames_decoded_total",
                    "Video frames decoded from the room's senders",
                ),
                room,
            )?,
            encoders: IntGaugeVec::new(
                Opts::new(
                    "diemcau_mixer_encoders",
                    "Video encoders running, by how many receivers each one feeds",
                ),
                &["room", "receivers"],
            )?,
            keyframes: IntCounterVec::new(
                Opts::new(
                    "diemcau_mixer_keyframe_requests_total",
                    "Keyframe requests: received from receivers, sent to senders",
                ),
                &["room", "direction"],
            )?,
            stream_packets: IntCounterVec::new(
                Opts::new(
                    "diemcau_stream_packets_received_total",
                    "RTP packets received on the stream",
                ),
                &STREAM_LABELS,
            )?,
            stream_lost: IntCounterVec::new(
                Opts::new(
                    "diemcau_stream_packets_lost_total",
                    "RTP packets lost on the stream (RFC 3550)",
                ),
                &STREAM_LABELS,
            )?,
            stream_jitter: GaugeVec::new(
                Opts::new(
                    "diemcau_stream_jitter_seconds",
                    "Interarrival jitter of the stream (RFC 3550)",
                ),
                &STREAM_LABELS,
            )?,
            stream_bitrate: GaugeVec::new(
                Opts::new(
                    "diemcau_stream_bitrate_bits_per_second",
                    "Received bit rate of the stream",
                ),
                &STREAM_LABELS,
            )?,
            stream_keyframes: IntCounterVec::new(
                Opts::new(
                    "diemcau_stream_keyframe_requests_total",
                    "Keyframe requests on a video stream: received from the peer, sent to it",
                ),
                &["room", "participant", "direction"],
            )?,
        })
    }

    fn collectors(&self) -> [&dyn Collector; 12] {
        [
            &self.participants,
            &self.cpu,
            &self.composed,
            &self.dropped,
            &self.decoded,
            &self.encoders,
            &self.keyframes,
            &self.stream_packets,
            &self.stream_lost,
            &self.stream_jitter,
            &self.stream_bitrate,
            &self.stream_keyframes,
        ]
    }
}

pub struct RoomCollector {
    rooms: SharedRooms,
    /// For `desc()` only.
    template: Families,
}

impl RoomCollector {
    pub fn new(rooms: SharedRooms) -> Result<RoomCollector, prometheus::Error> {
        Ok(RoomCollector {
            rooms,
            template: Families::new()?,
        })
    }

    fn fill(&self, f: &Families) {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        for (number, room) in &rooms.rooms {
            let r = number.as_str();
            f.participants
                .with_label_values(&[r])
                .set(room.participants.len() as i64);
            f.cpu
                .with_label_values(&[r])
                .inc_by(room.media.cpu_time().as_secs_f64());
            let v = room.media.video().stats();
            f.composed.with_label_values(&[r]).inc_by(v.frames_composed);
            f.dropped.with_label_values(&[r]).inc_by(v.frames_dropped);
            f.decoded.with_label_values(&[r]).inc_by(v.frames_decoded);
            for n in &v.encoders {
                f.encoders.with_label_values(&[r, &n.to_string()]).inc();
            }
            f.keyframes
                .with_label_values(&[r, "received"])
                .inc_by(v.keyframes_asked);
            f.keyframes
                .with_label_values(&[r, "sent"])
                .inc_by(v.keyframes_requested);
            for id in room.participants.keys() {
                let p = id.to_string();
                for s in room.media.participant_stats(*id) {
                    let kind = match s.kind {
                        diemcau_mixer::MediaKind::Audio => "audio",
                        diemcau_mixer::MediaKind::Video => "video",
                    };
                    let l = [r, p.as_str(), kind];
                    f.stream_packets.with_label_values(&l).inc_by(s.packets);
                    f.stream_lost.with_label_values(&l).inc_by(s.lost);
                    f.stream_jitter
                        .with_label_values(&l)
                        .set(s.jitter_ms / 1000.0);
                    f.stream_bitrate
                        .with_label_values(&l)
                        .set(s.bitrate_kbps * 1000.0);
                }
                if let Some(pv) = room.media.video().participant_stats(*id) {
                    f.stream_keyframes
                        .with_label_values(&[r, p.as_str(), "received"])
                        .inc_by(pv.keyframes_asked);
                    f.stream_keyframes
                        .with_label_values(&[r, p.as_str(), "sent"])
                        .inc_by(pv.keyframes_requested);
                }
            }
        }
    }
}

impl Collector for RoomCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.template
            .collectors()
            .into_iter()
            .flat_map(|c| c.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        // The options are the template's, which were valid once.
        let Ok(f) = Families::new() else {
            return Vec::new();
        };
        self.fill(&f);
        f.collectors()
            .into_iter()
            .flat_map(|c| c.collect())
            .collect()
    }
}
