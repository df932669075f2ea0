// The join page: one RTCPeerConnection to the daemon, negotiated by POSTing
// the offer (WHIP style), later ICE candidates sent with PATCH (RFC 8840),
// DELETE to leave. No build step, no libraries.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  // How long to wait for ICE gathering before POSTing what we have: the
  // daemon takes later candidates by PATCH, and a host on a network with an
  // unreachable STUN server must not keep the user waiting.
  const GATHER_TIMEOUT_MS = 2000;
  const POLL_MS = 1000;

  // What tests (and curious people) can read.
  const app = (window.diemcau = {
    pc: null,
    sessionUrl: null,
    state: "idle",
    participant: null,
    error: null,
  });

  let local = null; // the camera/microphone MediaStream
  let pollTimer = null;
  let rooms = [];
  // Candidates gathered after the POST, until the session URL is known.
  let pendingCandidates = [];
  let localIce = { ufrag: "", pwd: "" };

  const MESSAGES = {
    400: "Máy chủ không chấp nhận lời mời kết nối (SDP không hợp lệ). Hãy thử trình duyệt khác.",
    401: "Thiếu hoặc sai mã truy cập.",
    403: "Sai mã PIN hoặc chưa nhập mã PIN của phòng.",
    404: "Không tìm thấy phòng này. Hãy kiểm tra lại số phòng.",
    409: "Phòng đã đủ người, không thể tham gia thêm.",
    415: "Trình duyệt gửi lời mời sai định dạng.",
    503: "Máy chủ đang tắt chức năng họp qua trình duyệt.",
  };

  function setState(state) {
    app.state = state;
    document.body.dataset.state = state;
  }

  function status(text, isError) {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("error", Boolean(isError));
  }

  function fail(text, detail) {
    app.error = detail === undefined ? text : detail;
    setState("error");
    status(text, true);
  }

  // --- rooms ---------------------------------------------------------------

  async function loadRooms() {
    try {
      const res = await fetch("/webrtc/rooms", { cache: "no-store" });
      if (!res.ok) return;
      rooms = await res.json();
    } catch (_) {
      return; // the number can still be typed
    }
    const list = $("rooms");
    const datalist = $("room-list");
    list.replaceChildren();
    datalist.replaceChildren();
    for (const r of rooms) {
      const opt = document.createElement("option");
      opt.value = r.number;
      opt.label = r.name;
      datalist.append(opt);

      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.room = r.number;
      b.textContent = `${r.number} · ${r.name} (${r.participants}/${r.max_participants})${r.has_pin ? " · có PIN" : ""}`;
      b.addEventListener("click", () => {
        $("room").value = r.number;
        roomChanged();
        $("name").focus();
      });
      li.append(b);
      list.append(li);
    }
    roomChanged();
  }

  function roomChanged() {
    const number = $("room").value.trim();
    const r = rooms.find((x) => x.number === number);
    for (const b of $("rooms").querySelectorAll("button")) {
      b.classList.toggle("selected", b.dataset.room === number);
    }
    $("pin-hint").textContent = r
      ? r.has_pin
        ? "(phòng này cần mã PIN)"
        : "(phòng này không cần PIN)"
      : "(nếu phòng có PIN)";
    $("pin").required = Boolean(r && r.has_pin);
  }

  // --- media ---------------------------------------------------------------

  // Camera and microphone, or whatever of them can be had: a phone without
  // a camera still joins with its voice, a kiosk without either can watch.
  async function getMedia() {
    const tries = [
      { audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } },
      { audio: true, video: false },
      { audio: false, video: true },
    ];
    let lastError = null;
    for (const c of tries) {
      try {
        return await navigator.mediaDevices.getUserMedia(c);
      } catch (e) {
        lastError = e;
        if (e && e.name === "NotAllowedError") break;
      }
    }
    if (lastError && lastError.name === "NotAllowedError") {
      status("Bạn chưa cho phép dùng camera và micro: bạn chỉ xem và nghe được phòng họp.", true);
    } else {
      status("Không tìm thấy camera hoặc micro: bạn chỉ xem và nghe được phòng họp.", true);
    }
    return new MediaStream();
  }

  function waitForGathering(pc) {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const done = () => {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", done);
          resolve();
        }
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, GATHER_TIMEOUT_MS);
    });
  }

  // --- trickle ICE (RFC 8840 sdpfrag) ----------------------------------------

  function iceCredentials(sdp) {
    const ufrag = /^a=ice-ufrag:(.+)$/m.exec(sdp);
    const pwd = /^a=ice-pwd:(.+)$/m.exec(sdp);
    return { ufrag: ufrag ? ufrag[1].trim() : "", pwd: pwd ? pwd[1].trim() : "" };
  }

  function fragment(candidates) {
    const lines = [`a=ice-ufrag:${localIce.ufrag}`, `a=ice-pwd:${localIce.pwd}`];
    const byMid = new Map();
    for (const c of candidates) {
      const mid = c ? c.sdpMid : null;
      if (!byMid.has(mid)) byMid.set(mid, []);
      byMid.get(mid).push(c);
    }
    for (const [mid, list] of byMid) {
      lines.push("m=audio 9 UDP/TLS/RTP/SAVPF 0");
      if (mid !== null && mid !== undefined) lines.push(`a=mid:${mid}`);
      for (const c of list) {
        lines.push(c.candidate ? `a=${c.candidate}` : "a=end-of-candidates");
      }
    }
    return lines.join("\r\n") + "\r\n";
  }

  async function sendCandidates(candidates) {
    if (!app.sessionUrl || candidates.length === 0) return;
    try {
      await fetch(app.sessionUrl, {
        method: "PATCH",
        headers: { "Content-Type": "application/trickle-ice-sdpfrag" },
        body: fragment(candidates),
      });
    } catch (_) {
      // A lost candidate only matters if it was the one that works; the
      // ones in the offer are still there.
    }
  }

  function onCandidate(ev) {
    // Candidates before the POST went in the offer.
    if (app.state !== "joining" && app.state !== "joined") return;
    const c = ev.candidate ? ev.candidate.toJSON() : { candidate: "", sdpMid: null };
    if (app.sessionUrl) {
      sendCandidates([c]);
    } else {
      pendingCandidates.push(c);
    }
  }

  // --- join / leave --------------------------------------------------------

  async function join(ev) {
    ev.preventDefault();
    if (app.state === "joining" || app.state === "joined") return;
    const room = $("room").value.trim();
    const name = $("name").value.trim();
    const pin = $("pin").value.trim();
    if (!room) return fail("Hãy chọn hoặc nhập số phòng.");
    if (!name) return fail("Hãy nhập tên hiển thị.");
    $("join").disabled = true;
    app.error = null;
    setState("media");
    status("Đang mở camera và micro…");
    local = await getMedia();
    $("local").srcObject = local;

    setState("joining");
    status("Đang kết nối…");
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
    app.pc = pc;
    // One sendrecv audio and one sendrecv video m-line whatever the
    // devices gave: the room's picture and sound come back on them.
    for (const kind of ["audio", "video"]) {
      const track = local.getTracks().find((t) => t.kind === kind) || null;
      const t = pc.addTransceiver(track || kind, { direction: "sendrecv", streams: [local] });
      if (!track) t.sender.replaceTrack(null);
    }
    const remote = new MediaStream();
    $("remote").srcObject = remote;
    pc.ontrack = (e) => {
      remote.addTrack(e.track);
      playRemote();
    };
    pc.onicecandidate = onCandidate;
    pc.onconnectionstatechange = () => {
      if (app.pc !== pc) return;
      const s = pc.connectionState;
      if (s === "connected") status("Đã vào phòng.");
      else if (s === "disconnected") status("Mất kết nối, đang thử lại…", true);
      else if (s === "failed") {
        fail("Không kết nối được tới máy chủ (ICE/DTLS thất bại).");
        teardown(true);
      }
    };

    let res;
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await waitForGathering(pc);
      localIce = iceCredentials(pc.localDescription.sdp);
      const q = new URLSearchParams({ name });
      if (pin) q.set("pin", pin);
      res = await fetch(`/webrtc/rooms/${encodeURIComponent(room)}/join?${q}`, {
        method: "POST",
        headers: { "Content-Type": "application/sdp" },
        body: pc.localDescription.sdp,
      });
    } catch (e) {
      fail("Không gửi được yêu cầu tới máy chủ. Kiểm tra kết nối mạng.", String(e));
      return teardown(false);
    }
    if (res.status !== 201) {
      const detail = (await res.text().catch(() => "")).trim();
      const text = MESSAGES[res.status] || `Lỗi máy chủ (${res.status}).`;
      fail(detail ? `${text} (${detail})` : text, { status: res.status, message: detail });
      return teardown(false);
    }
    const location = res.headers.get("Location");
    app.sessionUrl = location ? new URL(location, window.location.href).pathname : null;
    try {
      await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    } catch (e) {
      fail("Máy chủ trả lời không hợp lệ.", String(e));
      return leave();
    }
    const queued = pendingCandidates;
    pendingCandidates = [];
    sendCandidates(queued);

    setState("joined");
    status("Đang vào phòng…");
    $("join-form").hidden = true;
    $("call").hidden = false;
    $("join").disabled = false;
    poll();
    pollTimer = setInterval(poll, POLL_MS);
  }

  function playRemote() {
    const v = $("remote");
    const p = v.play();
    if (p && p.catch) {
      // Autoplay with sound can be refused on phones: one tap allows it.
      p.catch(() => {
        $("unmute-sound").hidden = false;
      });
    }
  }

  async function leave() {
    const url = app.sessionUrl;
    const failed = app.state === "error";
    teardown(false);
    if (!failed) {
      setState("left");
      status("Bạn đã rời phòng.");
    }
    if (url) {
      try {
        await fetch(url, { method: "DELETE" });
      } catch (_) {
        // The daemon drops the session on its media timeout anyway.
      }
    }
  }

  function teardown(keepError) {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
    if (app.pc) {
      app.pc.onconnectionstatechange = null;
      app.pc.close();
    }
    app.pc = null;
    app.sessionUrl = null;
    app.participant = null;
    pendingCandidates = [];
    if (local) local.getTracks().forEach((t) => t.stop());
    local = null;
    $("remote").srcObject = null;
    $("local").srcObject = null;
    $("call").hidden = true;
    $("join-form").hidden = false;
    $("join").disabled = false;
    $("room-title").hidden = true;
    $("participants").replaceChildren();
    $("count").textContent = "";
    setMuteButton("mute-audio", false);
    setMuteButton("mute-video", false);
    if (keepError) setState("error");
    loadRooms();
  }

  // --- room state ----------------------------------------------------------

  async function poll() {
    const url = app.sessionUrl;
    if (!url) return;
    let res;
    try {
      res = await fetch(url, { cache: "no-store" });
    } catch (_) {
      return; // a blip; the next poll tries again
    }
    if (url !== app.sessionUrl) return;
    if (res.status === 404) {
      // Hung up by the operator, or dropped on a media timeout.
      teardown(false);
      fail("Bạn không còn ở trong phòng (phiên đã kết thúc).");
      return;
    }
    if (!res.ok) return;
    let s;
    try {
      s = await res.json();
    } catch (_) {
      return;
    }
    app.participant = s.participant;
    const title = $("room-title");
    title.textContent = `Phòng ${s.room.number}: ${s.room.name}`;
    title.hidden = false;
    document.title = `${s.room.name} – diemcau`;
    renderParticipants(s);
  }

  const PROTOCOLS = { sip: "SIP", h323: "H.323", webrtc: "Trình duyệt", whip: "WHIP", whep: "WHEP" };

  function renderParticipants(s) {
    const ul = $("participants");
    const items = s.participants.map((p) => {
      const li = document.createElement("li");
      li.dataset.id = String(p.id);
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = p.display_name + (p.id === s.participant ? " (bạn)" : "");
      li.append(name);
      if (p.muted) {
        const m = document.createElement("span");
        m.className = "badge";
        m.textContent = "tắt tiếng";
        li.append(m);
      }
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = PROTOCOLS[p.protocol] || p.protocol;
      li.append(tag);
      li.classList.toggle("me", p.id === s.participant);
      const speaking = s.active_speaker !== null && p.id === s.active_speaker;
      li.classList.toggle("speaking", speaking);
      if (speaking) {
        const b = document.createElement("span");
        b.className = "badge";
        b.textContent = "đang nói";
        name.after(b);
      }
      return li;
    });
    ul.replaceChildren(...items);
    $("count").textContent = `(${s.participants.length})`;
  }

  // --- mute ----------------------------------------------------------------

  const MUTE_TEXT = {
    "mute-audio": ["Tắt micro", "Bật micro"],
    "mute-video": ["Tắt camera", "Bật camera"],
  };

  function setMuteButton(id, muted) {
    const b = $(id);
    b.setAttribute("aria-pressed", String(muted));
    b.textContent = MUTE_TEXT[id][muted ? 1 : 0];
  }

  function toggle(id, kind) {
    if (!local) return;
    const tracks = local.getTracks().filter((t) => t.kind === kind);
    if (tracks.length === 0) {
      status(kind === "audio" ? "Không có micro." : "Không có camera.", true);
      return;
    }
    const muted = tracks[0].enabled;
    tracks.forEach((t) => (t.enabled = !muted));
    setMuteButton(id, muted);
  }

  // --- wiring --------------------------------------------------------------

  $("join-form").addEventListener("submit", join);
  $("room").addEventListener("input", roomChanged);
  $("leave").addEventListener("click", leave);
  $("mute-audio").addEventListener("click", () => toggle("mute-audio", "audio"));
  $("mute-video").addEventListener("click", () => toggle("mute-video", "video"));
  $("unmute-sound").addEventListener("click", () => {
    $("unmute-sound").hidden = true;
    playRemote();
  });
  // A tab closed while in a room: tell the daemon at once rather than
  // leaving it to the media timeout.
  window.addEventListener("pagehide", () => {
    if (app.sessionUrl) {
      fetch(app.sessionUrl, { method: "DELETE", keepalive: true }).catch(() => {});
    }
  });
  const params = new URLSearchParams(window.location.search);
  if (params.get("room")) $("room").value = params.get("room");
  setState("idle");
  loadRooms();
})();
