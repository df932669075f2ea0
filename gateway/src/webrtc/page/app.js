"use strict";
window.diemcau = { pc: null, sessionUrl: null, state: "idle" };
document.getElementById("form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const room = document.getElementById("room").value.trim();
  const q = new URLSearchParams({ name: document.getElementById("name").value, pin: document.getElementById("pin").value });
  const pc = new RTCPeerConnection();
  window.diemcau.pc = pc;
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  media.getTracks().forEach((t) => pc.addTrack(t, media));
  pc.ontrack = (e) => { document.getElementById("remote").srcObject = e.streams[0] || new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === "complete") r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r(); setTimeout(r, 2000); });
  const res = await fetch(`/webrtc/rooms/${encodeURIComponent(room)}/join?${q}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
  if (res.status !== 201) { document.getElementById("status").textContent = await res.text(); return; }
  window.diemcau.sessionUrl = res.headers.get("Location");
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  window.diemcau.state = "joined";
});
