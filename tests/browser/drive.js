// Drives Debian's chromium (never a downloaded browser) for the e2e tests.
// One JSON command a line on stdin, one JSON answer a line on stdout:
//   {"cmd":"launch","executable":"/usr/bin/chromium","args":[...]}
//   {"cmd":"goto","url":"http://127.0.0.1:8080/"}
//   {"cmd":"fill","selector":"#name","value":"Trình duyệt Hà Nội"}
//   {"cmd":"click","selector":"#join"}
//   {"cmd":"eval","expr":"window.diemcau.state"}
//   {"cmd":"wait","expr":"window.diemcau.state === 'joined'","timeout_ms":15000}
//   {"cmd":"stats"}            inbound/outbound RTP counters of diemcau.pc
//   {"cmd":"screenshot","path":"/tmp/x.png","selector":"#remote"}
//   {"cmd":"kill"}             SIGKILL the browser: no DELETE, no goodbye
//   {"cmd":"close"}
// Answers: {"ok":true,"value":...} or {"ok":false,"error":"..."}.
// The page's console goes to stderr, which the harness keeps in a log.
"use strict";

const readline = require("readline");
const { chromium } = require("playwright-core");

const fs = require("fs");

let browser = null;
let page = null;
let chromiumPid = null;

// The browser process playwright started: our child named chromium (the
// Browser object does not expose it).
function findChromium() {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch (_) {
      continue;
    }
    // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === process.pid && comm.startsWith("chrom")) return Number(entry);
  }
  return null;
}

// getStats() reduced to what the tests judge, by kind and direction.
async function pageStats() {
  const pc = window.diemcau && window.diemcau.pc;
  if (!pc) return null;
  const out = {
    inbound: {},
    outbound: {},
    connection: pc.connectionState,
    // What was negotiated, for a failure's message.
    directions: pc.getTransceivers().map((t) => `${t.mid}:${t.receiver.track.kind}:${t.currentDirection}`),
  };
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type === "inbound-rtp") {
      out.inbound[s.kind] = {
        packetsReceived: s.packetsReceived,
        bytesReceived: s.bytesReceived,
        framesDecoded: s.framesDecoded,
        frameWidth: s.frameWidth,
        frameHeight: s.frameHeight,
        codecId: s.codecId,
        totalSamplesReceived: s.totalSamplesReceived,
        totalAudioEnergy: s.totalAudioEnergy,
        audioLevel: s.audioLevel,
      };
    } else if (s.type === "outbound-rtp") {
      out.outbound[s.kind] = {
        packetsSent: s.packetsSent,
        framesEncoded: s.framesEncoded,
        frameWidth: s.frameWidth,
        frameHeight: s.frameHeight,
      };
    }
  });
  const codecs = {};
  report.forEach((s) => {
    if (s.type === "codec") codecs[s.id] = s.mimeType;
  });
  for (const kind of Object.keys(out.inbound)) {
    out.inbound[kind].mimeType = codecs[out.inbound[kind].codecId] || null;
  }
  return out;
}

async function handle(msg) {
  switch (msg.cmd) {
    case "launch": {
      browser = await chromium.launch({
        executablePath: msg.executable,
        // The harness gives every flag itself, --headless included.
        headless: false,
        ignoreDefaultArgs: true,
        // The DevTools pipe is how playwright talks to the browser.
        args: [...msg.args, "--remote-debugging-pipe", "--no-startup-window"],
        env: { ...process.env, ...(msg.env || {}) },
      });
      const context = await browser.newContext({
        viewport: msg.viewport || { width: 1280, height: 900 },
      });
      page = await context.newPage();
      page.on("console", (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
      page.on("pageerror", (e) => process.stderr.write(`[page error] ${e.stack || e}\n`));
      chromiumPid = findChromium();
      return { pid: chromiumPid };
    }
    case "goto":
      await page.goto(msg.url, { waitUntil: "load" });
      return page.url();
    case "fill":
      await page.fill(msg.selector, msg.value);
      return null;
    case "click":
      await page.click(msg.selector, { timeout: msg.timeout_ms || 5000 });
      return null;
    case "eval":
      return await page.evaluate(msg.expr);
    case "wait": {
      const h = await page.waitForFunction(msg.expr, null, {
        timeout: msg.timeout_ms || 10000,
        polling: 200,
      });
      return await h.jsonValue();
    }
    case "stats":
      return await page.evaluate(pageStats);
    case "screenshot": {
      const target = msg.selector ? page.locator(msg.selector) : page;
      await target.screenshot({ path: msg.path, type: "png" });
      return msg.path;
    }
    case "kill": {
      if (!chromiumPid) throw new Error("no browser process");
      // Playwright starts the browser in its own process group: take the
      // renderer and network service with it.
      try {
        process.kill(-chromiumPid, "SIGKILL");
      } catch (_) {
        process.kill(chromiumPid, "SIGKILL");
      }
      const pid = chromiumPid;
      browser = null;
      page = null;
      chromiumPid = null;
      return pid;
    }
    case "close":
      if (browser) await browser.close();
      browser = null;
      return null;
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    let answer;
    try {
      answer = { ok: true, value: await handle(JSON.parse(line)) };
    } catch (e) {
      answer = { ok: false, error: String((e && e.message) || e) };
    }
    process.stdout.write(JSON.stringify(answer === undefined ? null : answer) + "\n");
  });
});
rl.on("close", () => {
  queue.then(async () => {
    if (browser) await browser.close().catch(() => {});
    process.exit(0);
  });
});
// Ended by the harness (a failed test): never leave a chromium behind.
process.on("SIGTERM", () => {
  if (chromiumPid) {
    try {
      process.kill(-chromiumPid, "SIGKILL");
    } catch (_) {
      // already gone
    }
  }
  process.exit(1);
});
