"""``marquee edge``: run an edge cache node, or write the nginx configuration of one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from marquee.cli.common import console, settings_or_exit
from marquee.delivery import edge as python_edge
from marquee.delivery import nginx, nginx_metrics
from marquee.delivery.revocation import NginxMapWriter
from marquee.delivery.tokens import KeyRing
from marquee.kit.geo import parse_proxies
from marquee.settings import Settings

UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^\s*(\d+)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)

app = typer.Typer(help="Edge cache nodes.", invoke_without_command=True)


def parse_size(text: str) -> int:
    """``10G``, ``500M``, ``64K`` or a byte count (units are powers of 1024)."""
    found = _SIZE.match(text)
    if found is None or int(found[1]) == 0:
        raise typer.BadParameter(f"{text!r} is not a size such as 10G, 500M or 1048576")
    return int(found[1]) * UNITS[found[2].upper()]


def _keys(settings: Settings) -> KeyRing:
    try:
        return KeyRing.from_settings(settings)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def local_edge(
    settings: Settings, host: str, api_port: int, edge_port: int, cache_size: str
) -> tuple[python_edge.EdgeThread, Settings]:
    """The edge role of ``marquee serve``: it fills from this process's API, and when no edges
    are configured, steering sends viewers to it (the settings returned say so)."""
    api_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    config = python_edge.EdgeConfig(
        f"http://{api_host}:{api_port}/api/v1/delivery",
        "local",
        settings.data_dir / "edge-cache",
        parse_size(cache_size),
        host=host,
        port=edge_port,
        metrics_networks=tuple(parse_proxies(settings.metrics_networks)),
        revocation_poll_s=settings.delivery_revocation_poll_s,
    )
    if not settings.delivery_edges:
        public_host = urlsplit(settings.public_url).hostname or api_host
        local = {"name": "local", "url": f"http://{public_host}:{edge_port}", "region": "local"}
        settings = settings.model_copy(update={"delivery_edges": [local]})
    return python_edge.EdgeThread(config, _keys(settings)), settings


Origin = Annotated[str, typer.Option(help="Base URL of the origin (marquee serve).")]
CacheDir = Annotated[Path, typer.Option(help="Directory of the disk cache.")]
CacheSize = Annotated[str, typer.Option(help="Size bound of the cache: 10G, 500M...")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


@app.callback()
def edge(
    ctx: typer.Context,
    origin: Annotated[str | None, typer.Option(help="Base URL of the origin.")] = None,
    region: Annotated[str | None, typer.Option(help="Region this edge serves.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Directory of the disk cache.")] = None,
    cache_size: Annotated[str | None, typer.Option(help="Cache bound: 10G, 500M...")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",  # noqa: S104
    port: Port = 8080,
) -> None:
    """Run a Python edge: token check, disk cache, fills from the origin, /metrics, /healthz."""
    if ctx.invoked_subcommand is not None:
        return
    if origin is None or region is None or cache_dir is None or cache_size is None:
        console.print("[red]error:[/red] --origin, --region, --cache-dir, --cache-size are needed")
        raise typer.Exit(2)
    settings = settings_or_exit()
    config = python_edge.EdgeConfig(
        origin,
        region,
        cache_dir,
        parse_size(cache_size),
        host=host,
        port=port,
        metrics_networks=tuple(parse_proxies(settings.metrics_networks)),
        revocation_poll_s=settings.delivery_revocation_poll_s,
    )
    python_edge.run(config, _keys(settings))


@app.command("nginx-config")
def nginx_config(
    origin: Origin,
    cache_dir: CacheDir,
    cache_size: CacheSize,
    port: Port = 8080,
    region: Annotated[str, typer.Option(help="Region, reported by /healthz.")] = "",
    run_dir: Annotated[
        Path, typer.Option(help="Directory for the pid file, error log and temp files.")
    ] = Path("/var/lib/marquee-edge"),
    workers: Annotated[str, typer.Option(help="nginx worker_processes.")] = "auto",
    user: Annotated[str | None, typer.Option(help="nginx user (when started as root).")] = None,
    metrics_port: Annotated[
        int, typer.Option(help="Port of `marquee edge nginx-metrics`, proxied as /metrics.")
    ] = 9145,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write an nginx.conf doing the edge's data plane (it holds the delivery secrets)."""
    settings = settings_or_exit()
    config = nginx.NginxEdgeConfig(
        origin,
        cache_dir,
        parse_size(cache_size),
        run_dir,
        region,
        port,
        workers,
        user,
        metrics_port,
        tuple(str(net) for net in parse_proxies(settings.metrics_networks)),
    )
    try:
        text = nginx.render(config, _keys(settings))
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text("")
    output.chmod(0o600)
    output.write_text(text)
    nginx.prepare_run_dir(run_dir)
    console.print(f"wrote {output}; start it with: nginx -c {output.resolve()}")


@app.command("nginx-metrics")
def nginx_metrics_exporter(
    cache_dir: CacheDir,
    cache_size: CacheSize,
    log: Annotated[
        Path, typer.Option(help="The edge's access log: {run-dir}/access.log of nginx-config.")
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="Port to listen on (nginx-config's --metrics-port).")
    ] = 9145,
    origin: Annotated[
        str | None,
        typer.Option(help="The edge's origin: keep {run-dir}/revoked.map from its list."),
    ] = None,
) -> None:
    """Serve an nginx edge's /metrics (the Python edge's names), read from its access log;
    with --origin, keep its revoked-session map (the run dir: the log's) and reload nginx."""
    exporter = nginx_metrics.NginxEdgeMetrics(log, cache_dir, parse_size(cache_size))
    server = nginx_metrics.make_server(exporter, host, port)
    console.print(f"nginx edge metrics on http://{host}:{port}/metrics from {log}")
    if origin is not None:
        settings = settings_or_exit()
        interval_s = settings.delivery_revocation_poll_s
        NginxMapWriter(origin, _keys(settings), log.parent, interval_s).start()
    with server:
        server.serve_forever()
