"""A WHIP publisher built on aiortc: sends a solid colour picture and a sine
tone to a WHIP endpoint until stdin closes (or --seconds pass), then
DELETEs its session. Prints JSON lines: answered, connected, deleted.

usage: whip_client.py URL [--token T] [--rgb 0x00ff00] [--tone 1000]
                      [--size 640x480] [--seconds N]
"""

import argparse
import asyncio
import fractions
import math
import struct
import sys
import time

import av
from aiortc import MediaStreamTrack, RTCPeerConnection

from common import delete, negotiate, resource_url, rgb_to_yuv, say

VIDEO_RATE = 90000
FPS = 15
AUDIO_RATE = 48000
AUDIO_SAMPLES = 960  # 20 ms


class ColourTrack(MediaStreamTrack):
    """A camera that shows one colour, paced at FPS."""

    kind = "video"

    def __init__(self, width, height, rgb):
        super().__init__()
        self.width, self.height = width, height
        y, u, v = rgb_to_yuv(*rgb)
        self.planes = (
            bytes([y]) * (width * height),
            bytes([u]) * (width * height // 4),
            bytes([v]) * (width * height // 4),
        )
        self.start = None
        self.n = 0

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        due = self.start + self.n / FPS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        for i, (plane, data) in enumerate(zip(frame.planes, self.planes)):
            # Rows may be padded: write each at the plane's stride.
            w = self.width if i == 0 else self.width // 2
            if plane.line_size == w:
                plane.update(data)
            else:
                pad = bytes(plane.line_size - w)
                plane.update(b"".join(data[r * w : (r + 1) * w] + pad for r in range(len(data) // w)))
        frame.pts = self.n * VIDEO_RATE // FPS
        frame.time_base = fractions.Fraction(1, VIDEO_RATE)
        self.n += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """A microphone that plays a sine tone, 20 ms a frame."""

    kind = "audio"

    def __init__(self, hz):
        super().__init__()
        self.hz = hz
        self.start = None
        self.n = 0

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        due = self.start + self.n * AUDIO_SAMPLES / AUDIO_RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        first = self.n * AUDIO_SAMPLES
        samples = [
            int(12000 * math.sin(2 * math.pi * self.hz * (first + i) / AUDIO_RATE))
            for i in range(AUDIO_SAMPLES)
        ]
        frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_SAMPLES)
        frame.planes[0].update(struct.pack(f"<{AUDIO_SAMPLES}h", *samples))
        frame.sample_rate = AUDIO_RATE
        frame.pts = first
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self.n += 1
        return frame


async def stdin_closed():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--token")
    p.add_argument("--rgb", default="0x00ff00")
    p.add_argument("--tone", type=float, default=1000.0)
    p.add_argument("--size", default="640x480")
    p.add_argument("--seconds", type=float, default=120.0)
    a = p.parse_args()
    rgb_int = int(a.rgb, 16)
    rgb = ((rgb_int >> 16) & 255, (rgb_int >> 8) & 255, rgb_int & 255)
    width, height = (int(x) for x in a.size.split("x"))

    pc = RTCPeerConnection()
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        say(event="state", state=pc.connectionState)
        if pc.connectionState == "connected":
            connected.set()

    pc.addTransceiver(ToneTrack(a.tone), direction="sendonly")
    pc.addTransceiver(ColourTrack(width, height, rgb), direction="sendonly")
    location = await negotiate(pc, connected, a.url, a.token, "WHIP")

    stop = asyncio.ensure_future(stdin_closed())
    await asyncio.wait([stop], timeout=a.seconds)
    status = delete(resource_url(a.url, location), a.token)
    say(event="deleted", status=status)
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
