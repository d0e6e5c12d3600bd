"""Adaptive bitrate on real network traces: Marquee's rule, Shaka's default and dash.js's, played
in headless Chromium while a shaping proxy makes the network follow each trace second by second.

It ingests once (kept under ``.bench/abr-<seconds>s-<height>p/`` and reused) a generated clip
with the full ladder, serves the platform (``marquee serve``, every role) on loopback, and plays
the title once per trace and rule: ``/watch/<id>?abr=marquee`` and ``?abr=shaka`` in the web
app, and dash.js 5 (the interop tests' package, ``make players``) on a bare page of its own from
another loopback port, on a session of the same plan. Each rule first plays unthrottled for a
few seconds in its own browser context, so its code comes from the HTTP cache; what a player
keeps on the device to start from (Marquee's last throughput, dash.js's last bitrate) is cleared
before every run, so each run is a new device for every rule. From the page it records
the first frame shown at a playback rate above 0, stalls (after playing began: ``waiting``
until ``playing``, or the rate held at 0 while not paused, as Shaka does while it buffers to
its rebuffering goal) and, from the
network, the rendition of every video segment; the segments counted are those the playhead
reached, at the last rendition fetched for each.

QoE_lin (Pensieve, Mao et al. 2017) per segment of a run:
(Σ bitrate Mbit/s − 4.3 × stall seconds − Σ |bitrate change| Mbit/s) / segments.

    .venv/bin/python bench/abr.py [--traces DIR] [--max-traces N] [--seconds S] [--json]
        [--records FILE]

``--records`` writes one JSON line per run, to see why a rule chose what it did: every video
segment fetched (rendition, number, when its request started and ended, in seconds from the
page's opening) and, each second, the link's throughput, the buffer ahead and the playhead.

A trace file has one ``time_s<TAB>Mbps`` line per sample (any spacing; the value holds until
the next line); every file under ``--traces`` (recursively) but READMEs and licences is one.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from abr_shaper import Link, Shaper, shaping  # bench/abr_shaper.py
from playwright.sync_api import BrowserContext, Page, Request
from tests.e2e import browser as e2e

from marquee.demo.clips import make_clip

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TRACES = REPO.parent / "shared" / "data" / "abr_traces"
PLAYERS = REPO / "tests" / "e2e" / "players"
DASHJS = PLAYERS / "node_modules" / "dashjs" / "dist" / "modern" / "umd" / "dash.all.min.js"
RULES = ("marquee", "shaka", "dashjs")
#: The Pensieve paper's rebuffering penalty for QoE_lin (Mbit/s per second of stall).
STALL_PENALTY = 4.3
SEGMENT_S = 4.0
#: One encode job per title and a few VMAF keyframes (the ladder is encoded from one decode),
#: at x264's fastest preset: the bench compares rules on one stream, not encoders.
MEDIA = {"MARQUEE_MEDIA_ENCODE_JOBS": "ladder", "MARQUEE_MEDIA_PRESET": "ultrafast"}
#: A test pattern under moving grain: cheap to make, and costly enough to encode that every
#: rung of the ladder reaches its bitrate (a bare test pattern would take a fraction of it).
LOOK = "testsrc2=s={size},noise=alls=24:allf=t+u"
#: Round trip added to every request (Pensieve's emulation used 80 ms; loopback has none).
LATENCY_S = 0.04
#: The link never goes slower than this (a trace's zero would stall a response for good).
MIN_KBPS = 16
WARM_UP_S = 4
FRAME_TIMEOUT_MS = 60_000
#: Notes the first frame, stalls and the playhead of the page's video, in the page's clock.
PROBE = """(() => {
  const abr = { firstFrameMs: null, stalls: [], stalledAt: null, played: false };
  window.__abr = abr;
  // a new device: Marquee's last throughput, dash.js's last bitrates (lastBitrateCachingInfo)
  for (const key of ['marquee.abr.throughput_bps', 'dashjs_video_bitrate', 'dashjs_audio_bitrate'])
    localStorage.removeItem(key);
  const watch = (video) => {
    if (video.__abrProbed) return;
    video.__abrProbed = true;
    // A player may hold the picture at playback rate 0 while it buffers (Shaka's rebuffering
    // goal): the start is the first frame shown at a rate above 0, and a hold after it a stall.
    let waiting = false;
    const moving = () => !video.paused && video.playbackRate > 0 && !waiting;
    const onFrame = () => {
      if (moving()) abr.firstFrameMs ??= performance.now();
      else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    const update = () => {
      if (moving()) {
        abr.played = true;
        if (abr.stalledAt !== null) {
          abr.stalls.push(performance.now() - abr.stalledAt);
          abr.stalledAt = null;
        }
      } else if (abr.played && !video.paused && !video.seeking && abr.stalledAt === null) {
        abr.stalledAt = performance.now();
      }
    };
    video.addEventListener('waiting', () => { waiting = true; update(); });
    video.addEventListener('playing', () => { waiting = false; update(); });
    video.addEventListener('ratechange', update);
  };
  new MutationObserver(() => document.querySelectorAll('video').forEach(watch))
    .observe(document, { childList: true, subtree: true });
})();"""
READ_BUFFER = """() => {
  const video = document.querySelector('video');
  if (!video) return [0, 0];
  const now = video.currentTime;
  for (let i = 0; i < video.buffered.length; i++) {
    if (video.buffered.start(i) <= now + 0.1 && video.buffered.end(i) > now) {
      return [video.buffered.end(i) - now, now];
    }
  }
  return [0, now];
}"""
READ_PROBE = """() => {
  const abr = window.__abr;
  const video = document.querySelector('video');
  const open = abr.stalledAt === null ? [] : [performance.now() - abr.stalledAt];
  return { firstFrameMs: abr.firstFrameMs, stallsMs: [...abr.stalls, ...open],
           positionS: video ? video.currentTime : 0 };
}"""
DASHJS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dash.js</title>
<script src="dash.all.min.js"></script></head><body>
<video muted playsinline width="1280" height="720"></video>
<script>
const session = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const player = dashjs.MediaPlayer().create();
player.setProtectionData({ 'org.w3.clearkey': { serverURL: session.licenseUrl,
  httpRequestHeaders: { Authorization: 'Bearer ' + session.token }, withCredentials: false } });
player.initialize(document.querySelector('video'), session.manifest, true);
</script></body></html>"""


# --- traces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    name: str
    times_s: list[float]
    mbps: list[float]

    def at(self, t: float) -> float:
        """The throughput at ``t`` s: the last sample at or before it (the first before any)."""
        return self.mbps[max(0, bisect_right(self.times_s, t) - 1)]


def read_trace(path: Path) -> Trace:
    samples = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 2:
            samples.append((float(fields[0]), float(fields[1])))
    if not samples:
        raise ValueError(f"{path}: no 'time_s<TAB>Mbps' lines")
    samples.sort()
    start = samples[0][0]
    return Trace(path.name, [t - start for t, _ in samples], [m for _, m in samples])


def trace_files(folder: Path, limit: int | None) -> list[Path]:
    """The trace files under ``folder``, by name; with ``limit``, that many spread evenly."""
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and not _is_note(p)),
        key=lambda p: str(p.relative_to(folder)),
    )
    if limit is None or limit >= len(files):
        return files
    step = len(files) / limit
    return [files[int(i * step)] for i in range(limit)]


def _is_note(path: Path) -> bool:
    return path.suffix.lower() in {".md", ".txt"} or path.name.upper().startswith("LICENSE")


# --- the platform ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """The ingested title and its renditions' bitrate (Mbit/s) and VMAF by folder name."""

    title_id: str
    mbps: dict[str, float]
    vmaf: dict[str, float | None]


def ingest(work: Path, clip_seconds: float, clip_height: int) -> Stream:
    """The bench title, ingested into ``work/var`` on the first run and read back after."""
    answer = work / "ingest.json"
    if not answer.exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        env = {**e2e.environment(work / "var"), **MEDIA}
        clip = make_clip(
            work / "abr.mp4",
            look=LOOK,
            caption="ABR",
            tone_hz=440,
            seconds=clip_seconds,
            height=clip_height,
        )
        ingested = e2e.run_marquee(
            env, "ingest", str(clip), "--title", "ABR", "--publish", "--json", timeout=7200
        )
        answer.write_text(ingested.strip().splitlines()[-1])
    read = json.loads(answer.read_text())
    renditions = dict(zip(folder_names(read["renditions"]), read["renditions"], strict=True))
    return Stream(
        title_id=read["title_id"],
        mbps={name: r["bitrate_kbps"] / 1000 for name, r in renditions.items()},
        vmaf={name: r["vmaf"] for name, r in renditions.items()},
    )


def folder_names(renditions: list[dict[str, Any]]) -> list[str]:
    """The renditions' folders as media names them: ``720p``, then ``720p-2`` for a second
    rendition of that height (a per-title ladder), in the ingest's order."""
    seen: dict[int, int] = {}
    names = []
    for rendition in renditions:
        height = rendition["height"]
        seen[height] = seen.get(height, 0) + 1
        names.append(f"{height}p" if seen[height] == 1 else f"{height}p-{seen[height]}")
    return names


# --- one run ---------------------------------------------------------------------------------


@dataclass
class Run:
    rule: str
    trace: str
    startup_ms: float
    stalls_s: list[float]
    segments_mbps: list[float]
    segments_vmaf: list[float]
    played_s: float
    #: What ``--records`` writes: the segments fetched and the per-second timeline.
    fetched: list[dict[str, Any]] = field(default_factory=list)
    aborted: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[list[float]] = field(default_factory=list)

    @property
    def stall_s(self) -> float:
        return sum(self.stalls_s)

    @property
    def qoe_lin(self) -> float:
        """QoE_lin per segment (Pensieve's linear QoE)."""
        if not self.segments_mbps:
            return -STALL_PENALTY * self.stall_s
        b = self.segments_mbps
        switching = sum(abs(x - y) for x, y in itertools.pairwise(b))
        return (sum(b) - STALL_PENALTY * self.stall_s - switching) / len(b)


@dataclass
class SegmentLog:
    """Video segments fetched: (rendition folder, number) in order, read from their URLs, and
    when each request started and ended (seconds after ``opened_at``, the epoch in seconds)."""

    opened_at: float
    fetched: list[tuple[str, int]] = field(default_factory=list)
    times: list[tuple[float, float]] = field(default_factory=list)
    #: Video segment requests that failed (a player aborts one when it switches): records.
    failed: list[dict[str, Any]] = field(default_factory=list)

    def note(self, request: Request) -> None:
        segment = video_segment(request.url)
        if segment:
            self.fetched.append(segment)
            timing = request.timing
            start_s = timing["startTime"] / 1000 - self.opened_at
            self.times.append((start_s, start_s + timing["responseEnd"] / 1000))

    def note_failed(self, request: Request) -> None:
        segment = video_segment(request.url)
        if segment:
            at_s = round(time.time() - self.opened_at, 2)
            self.failed.append({"rendition": segment[0], "number": segment[1], "at_s": at_s})

    def records(self) -> list[dict[str, Any]]:
        return [
            {"rendition": name, "number": number, "start_s": round(a, 2), "end_s": round(b, 2)}
            for (name, number), (a, b) in zip(self.fetched, self.times, strict=True)
        ]

    def played(self, position_s: float) -> list[str]:
        """The rendition of each segment the playhead reached (the last fetch of each)."""
        last: dict[int, str] = {}
        for rendition, index in self.fetched:
            last[index] = rendition
        first = min(last, default=1)
        return [last[i] for i in sorted(last) if (i - first) * SEGMENT_S < position_s]


def video_segment(url: str) -> tuple[str, int] | None:
    """The rendition folder and number of a video segment's URL, else None."""
    parts = url.split("?", 1)[0].rsplit("/", 3)
    if len(parts) < 4 or parts[-3] != "video" or not parts[-1].startswith("seg-"):
        return None
    number = parts[-1].rsplit(".", 1)[0].rsplit("-", 1)[-1]  # seg-<rep>-<number>.m4s
    return (parts[-2], int(number)) if number.isdigit() else None


def play(
    page: Page, url: str, trace: Trace, seconds: float, stream: Stream, link: Link, rule: str
) -> Run:
    """Open ``url`` and follow ``trace`` for ``seconds`` on the shaped ``link``."""
    log = SegmentLog(opened_at=time.time())
    page.on("requestfinished", log.note)
    page.on("requestfailed", log.note_failed)
    timeline = []
    link.set_mbps(trace_mbps(trace, 0))
    page.goto(url)
    for second in range(1, int(seconds)):
        page.wait_for_timeout(1000)
        mbps = trace_mbps(trace, second)
        link.set_mbps(mbps)
        buffer_s, position_s = page.evaluate(READ_BUFFER)
        timeline.append([second, mbps, round(buffer_s, 2), round(position_s, 2)])
    read = page.evaluate(READ_PROBE)
    page.goto("about:blank")
    link.set_mbps(None)
    played = log.played(read["positionS"])
    return Run(
        rule=rule,
        trace=trace.name,
        startup_ms=read["firstFrameMs"] if read["firstFrameMs"] is not None else seconds * 1000,
        stalls_s=[ms / 1000 for ms in read["stallsMs"]],
        segments_mbps=[stream.mbps.get(name, 0.0) for name in played],
        segments_vmaf=[v for name in played if (v := stream.vmaf.get(name)) is not None],
        played_s=read["positionS"],
        fetched=log.records(),
        aborted=log.failed,
        timeline=timeline,
    )


def trace_mbps(trace: Trace, second: float) -> float:
    """The trace's throughput at ``second``, never under :data:`MIN_KBPS`."""
    return max(trace.at(second), MIN_KBPS / 1000)


# --- the rules' pages ------------------------------------------------------------------------


@contextmanager
def dashjs_pages() -> Iterator[str]:
    """The dash.js page and script served from a temporary folder on another loopback port."""
    with tempfile.TemporaryDirectory(prefix="marquee-abr-dashjs-") as folder:
        (Path(folder) / "player.html").write_text(DASHJS_PAGE)
        shutil.copy(DASHJS, Path(folder) / "dash.all.min.js")
        handler = partial(_QuietHandler, directory=folder)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/player.html"
        finally:
            server.shutdown()
            server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the bench's output."""


@dataclass
class Player:
    """Where one rule plays the title, in a browser context of its own (a device)."""

    rule: str
    served: e2e.Served
    context: BrowserContext
    link: Link
    viewer: e2e.Viewer
    title_id: str
    dashjs_page: str
    sessions: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self) -> str:
        """The web app's watch page, or the dash.js page on a session started here; from the
        start of the title either way (the profile's history is forgotten first)."""
        headers = e2e.log_in(self.served.base, self.viewer.email, self.viewer.password)
        history = f"/api/v1/profiles/{self.viewer.profile_id}/history/{self.title_id}"
        httpx.delete(self.served.base + history, headers=headers, timeout=30)
        if self.rule != "dashjs":
            return f"{self.served.base}/watch/{self.title_id}?abr={self.rule}"
        body = {"title_id": self.title_id, "profile_id": self.viewer.profile_id}
        answer = httpx.post(
            f"{self.served.base}/api/v1/playback/sessions", json=body, headers=headers, timeout=30
        )
        answer.raise_for_status()
        session = answer.json()
        self.sessions.append((session["session_id"], headers))
        grant = {
            "manifest": session["manifests"]["dash"],
            "licenseUrl": session["license_url"],
            "token": headers["Authorization"].removeprefix("Bearer "),
        }
        return f"{self.dashjs_page}#{quote(json.dumps(grant))}"

    def stop_sessions(self) -> None:
        """Frees the stream slots of the dash.js sessions (the web app stops its own)."""
        for session_id, headers in self.sessions:
            url = f"{self.served.base}/api/v1/playback/sessions/{session_id}/stop"
            httpx.post(url, json={}, headers=headers, timeout=30)
        self.sessions.clear()


@contextmanager
def player(
    browser: Any, served: e2e.Served, shaper: Shaper, rule: str, title_id: str, dashjs_page: str
) -> Iterator[Player]:
    """A signed-in context for ``rule`` on a full HD screen (every rung is worth showing), its
    every request through ``shaper`` (loopback included)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 720},
        screen={"width": 1920, "height": 1080},
        proxy={"server": shaper.url, "bypass": "<-loopback>"},
        service_workers="block",  # the web app's worker would answer from its own cache
    )
    context.add_init_script(PROBE)
    viewer = e2e.new_viewer(served.base, plan="premium")
    e2e.sign_in(context, served.base, viewer.email, viewer.password)
    e2e.select_profile(context, served.base, viewer.profile_id)
    playing = Player(rule, served, context, shaper.link, viewer, title_id, dashjs_page)
    try:
        yield playing
    finally:
        playing.stop_sessions()
        context.close()


def warm_up(playing: Player) -> None:
    """Plays unthrottled a few seconds, so the rule's code is in the HTTP cache."""
    page = playing.context.new_page()
    page.goto(playing.url())
    page.wait_for_function(
        "() => window.__abr && window.__abr.firstFrameMs !== null", timeout=FRAME_TIMEOUT_MS
    )
    page.wait_for_timeout(WARM_UP_S * 1000)
    page.close()
    playing.stop_sessions()


def run_rule(playing: Player, traces: list[Trace], seconds: float, stream: Stream) -> list[Run]:
    warm_up(playing)
    runs = []
    for trace in traces:
        page = playing.context.new_page()
        runs.append(play(page, playing.url(), trace, seconds, stream, playing.link, playing.rule))
        page.close()
        playing.stop_sessions()
        print(f"  {playing.rule:8} {trace.name:24} {summary_line(runs[-1])}", file=sys.stderr)
    return runs


def summary_line(run: Run) -> str:
    mean = statistics.fmean(run.segments_mbps) if run.segments_mbps else 0.0
    return (
        f"QoE {run.qoe_lin:6.2f}  {mean:5.2f} Mbit/s  stalls {len(run.stalls_s)}"
        f" ({run.stall_s:.1f} s)  startup {run.startup_ms:.0f} ms  played {run.played_s:.0f} s"
    )


# --- figures ---------------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[round(fraction * 100) - 1]


def figures(runs: list[Run]) -> dict[str, float]:
    """One rule's figures over its runs (one per trace)."""
    segments = [b for run in runs for b in run.segments_mbps]
    vmaf = [v for run in runs for v in run.segments_vmaf]
    stall_s = sum(run.stall_s for run in runs)
    watched_s = sum(run.played_s for run in runs) + stall_s
    startups = [run.startup_ms for run in runs]
    return {
        "qoe_lin": round(statistics.fmean(run.qoe_lin for run in runs), 3),
        "stall_ratio": round(stall_s / watched_s, 4) if watched_s else 0.0,
        "bitrate_mbps": round(statistics.fmean(segments), 3) if segments else 0.0,
        "vmaf": round(statistics.fmean(vmaf), 2) if vmaf else 0.0,
        "startup_p50_ms": round(statistics.median(startups)),
        "startup_p95_ms": round(percentile(startups, 0.95)),
    }


def print_table(results: dict[str, dict[str, float]], traces: int, seconds: float) -> None:
    print(f"{traces} traces x {seconds:g} s, headless Chromium, shaped by trace:")
    print("rule      QoE_lin/seg  stall ratio  Mbit/s   VMAF  startup p50  p95")
    for rule, f in results.items():
        print(
            f"{rule:8} {f['qoe_lin']:12.3f} {f['stall_ratio']:12.4f} {f['bitrate_mbps']:7.2f}"
            f" {f['vmaf']:6.1f} {f['startup_p50_ms']:9.0f} ms {f['startup_p95_ms']:5.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=Path, default=DEFAULT_TRACES)
    parser.add_argument("--max-traces", type=int, default=6, help="spread evenly by name")
    parser.add_argument("--seconds", type=float, default=90.0, help="played per trace")
    parser.add_argument("--clip-seconds", type=float, default=150.0)
    parser.add_argument("--clip-height", type=int, default=1080, help="the ladder stops there")
    parser.add_argument("--work", type=Path, default=None, help="where the ingest is kept")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--json", action="store_true", help="one line of JSON")
    parser.add_argument("--records", type=Path, default=None, help="JSON lines, one per run")
    args = parser.parse_args()
    reason = e2e.missing_requirement() or (None if DASHJS.exists() else f"{DASHJS} is missing")
    if reason:
        sys.exit(f"abr: {reason} (run `make web` and `make players`)")
    traces = [read_trace(p) for p in trace_files(args.traces, args.max_traces)]
    if not traces:
        sys.exit(f"abr: no trace files under {args.traces}")
    work = args.work or REPO / ".bench" / f"abr-{args.clip_seconds:g}s-{args.clip_height}p"
    stream = ingest(work, args.clip_seconds, args.clip_height)
    results = measure(work, stream, traces, args.seconds, args.rules.split(","), args.records)
    if args.json:
        print(json.dumps({"traces": len(traces), "rules": results}))
    else:
        print_table(results, len(traces), args.seconds)


def measure(
    work: Path,
    stream: Stream,
    traces: list[Trace],
    seconds: float,
    rules: list[str],
    records: Path | None = None,
) -> dict[str, dict[str, float]]:
    catalog = e2e.Catalog(titles={"abr": stream.title_id}, viewer=NOBODY, admin=NOBODY)
    results = {}
    with (
        e2e.serving(work / "var", catalog, settings=MEDIA) as served,
        dashjs_pages() as dashjs_page,
        shaping(LATENCY_S) as shaper,
        e2e.chromium() as browser,
    ):
        for rule in rules:
            with player(browser, served, shaper, rule, stream.title_id, dashjs_page) as playing:
                runs = run_rule(playing, traces, seconds, stream)
            results[rule] = figures(runs)
            if records:
                write_records(records, runs)
    return results


def write_records(path: Path, runs: list[Run]) -> None:
    """Appends one JSON line per run: its figures, segments fetched and timeline."""
    with path.open("a") as out:
        for run in runs:
            line = {
                "rule": run.rule,
                "trace": run.trace,
                "qoe_lin": round(run.qoe_lin, 3),
                "startup_ms": round(run.startup_ms),
                "stalls_s": run.stalls_s,
                "played_mbps": run.segments_mbps,
                "fetched": run.fetched,
                "aborted": run.aborted,
                "timeline": run.timeline,
            }
            print(json.dumps(line), file=out)


NOBODY = e2e.Credentials("", "")


if __name__ == "__main__":
    main()
