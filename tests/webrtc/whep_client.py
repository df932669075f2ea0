"""A WHEP viewer built on aiortc: receives a room's picture and sound for
--seconds, writes the last decoded picture (PNG) and all decoded audio (WAV,
mono 48 kHz), then DELETEs its session. Prints JSON lines: answered,
connected, done (with frame and sample counts, sizes, DELETE's status).

usage: whep_client.py URL [--token T] [--seconds 8] --png OUT.png --wav OUT.wav
"""

import argparse
import asyncio
import wave

from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError

from common import delete, negotiate, resource_url, say, write_png


class Sink:
    def __init__(self):
        self.frames = 0
        self.size = None
        self.last_video = None
        self.audio = bytearray()
        self.audio_rate = None

    async def video(self, track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.frames += 1
            self.size = (frame.width, frame.height)
            self.last_video = frame

    async def sound(self, track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.audio_rate = frame.sample_rate
            data = bytes(frame.planes[0])[: frame.samples * 2 * len(frame.layout.channels)]
            channels = len(frame.layout.channels)
            if frame.format.name != "s16":
                continue
            if channels == 1:
                self.audio += data
            else:
                # Interleaved: keep the first channel.
                step = 2 * channels
                self.audio += b"".join(data[i : i + 2] for i in range(0, len(data), step))

    def write_png(self, path):
        if self.last_video is None:
            return
        rgb = self.last_video.reformat(format="rgb24")
        plane = rgb.planes[0]
        raw = bytes(plane)
        w, h = rgb.width, rgb.height
        rows = [raw[y * plane.line_size : y * plane.line_size + 3 * w] for y in range(h)]
        write_png(path, w, h, rows)

    def write_wav(self, path):
        with wave.open(path, "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(self.audio_rate or 48000)
            f.writeframes(bytes(self.audio))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--token")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--png", required=True)
    p.add_argument("--wav", required=True)
    a = p.parse_args()

    pc = RTCPeerConnection()
    sink = Sink()
    tasks = []
    connected = asyncio.Event()

    @pc.on("track")
    def on_track(track):
        tasks.append(asyncio.ensure_future(sink.video(track) if track.kind == "video" else sink.sound(track)))

    @pc.on("connectionstatechange")
    def on_state():
        say(event="state", state=pc.connectionState)
        if pc.connectionState == "connected":
            connected.set()

    pc.addTransceiver("audio", direction="recvonly")
    pc.addTransceiver("video", direction="recvonly")
    location = await negotiate(pc, connected, a.url, a.token, "WHEP")
    await asyncio.sleep(a.seconds)
    sink.write_png(a.png)
    sink.write_wav(a.wav)
    status = delete(resource_url(a.url, location), a.token)
    await pc.close()
    for t in tasks:
        t.cancel()
    say(
        event="done",
        frames=sink.frames,
        size=sink.size,
        audio_secs=len(sink.audio) / 2 / (sink.audio_rate or 48000),
        deleted=status,
    )


if __name__ == "__main__":
    asyncio.run(main())
