"""Figures → one printed table per database (and JSON for the record). Nothing is asserted."""

from __future__ import annotations

import statistics

from tests.benchmarks.measure import Burst, percentile

COLUMNS = ("page", "login", "scale", "req/s", "% hello", "p50 ms", "p95 ms", "SQL", "KB", "KB gz",
           "÷ admin", "p95 city÷demo", "SQL demo→city")
WIDTHS = (29, 15, 5, 7, 7, 7, 7, 4, 6, 6, 7, 13, 13)


def figures(page: Burst, hello: Burst, admin: Burst | None) -> dict:
    """One page's figures from its pooled bursts and the peers' bursts of the same rounds."""
    return {
        "requests": len(page.latencies), "rps": round(page.rps, 1),
        "share_of_hello": round(100 * page.rps / hello.rps, 2) if hello.rps else None,
        "hello_rps": round(hello.rps, 1),
        "p50_ms": round(1000 * percentile(page.latencies, 50), 1),
        "p95_ms": round(1000 * percentile(page.latencies, 95), 1),
        "queries": int(statistics.median(page.queries)) if page.queries else None,
        "queries_max": max(page.queries) if page.queries else None,
        "kb": round(page.raw_bytes / 1024, 1), "kb_gzip": round(page.gzip_bytes / 1024, 1),
        "admin_rps": round(admin.rps, 1) if admin else None,
        "ours_over_admin": round(page.rps / admin.rps, 2) if admin and admin.rps else None,
        "admin_p95_ms": round(1000 * percentile(admin.latencies, 95), 1) if admin else None,
        "errors": page.errors[:5] + (admin.errors[:3] if admin else []) + hello.errors[:3],
    }


def _cell(value, width: int) -> str:
    if value is None or value == "":
        text = "–"
    elif isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    else:
        text = str(value)
    return text[:width].ljust(width) if width >= 13 else text.rjust(width)


def row(values) -> str:
    return " ".join(str(v)[:w].ljust(w) if i < 2 else _cell(v, w)
                    for i, (v, w) in enumerate(zip(values, WIDTHS, strict=True)))


def table(database: str, results: dict[str, dict]) -> str:
    """`results`: {scale: {"pages": {name: {"login":…, figures…}}, "report": {…}}}."""
    lines = [f"== {database}", row(COLUMNS), row(["-" * w for w in WIDTHS])]
    demo, city = (results.get(scale, {}).get("pages", {}) for scale in ("demo", "city"))
    names = list(dict.fromkeys([*demo, *city]))
    for name in names:
        for scale, pages in (("demo", demo), ("city", city)):
            if name not in pages:
                continue
            f = pages[name]
            ratio = compare = None
            if scale == "city" and name in demo:
                ratio = round(f["p95_ms"] / demo[name]["p95_ms"], 2) if demo[name]["p95_ms"] else None
                compare = f"{demo[name]['queries']} → {f['queries']}"
            lines.append(row([name, f["login"], scale, f["rps"], f["share_of_hello"], f["p50_ms"], f["p95_ms"],
                              f["queries"], f["kb"], f["kb_gzip"], f["ours_over_admin"], ratio, compare]))
            for error in f["errors"][:2]:
                lines.append(f"    !! {error}")
    for scale in ("demo", "city"):
        extra = results.get(scale)
        if not extra:
            continue
        if "error" in extra:
            lines.append(f"{scale}: failed — {extra['error'].strip().splitlines()[-1]}")
            continue
        report = extra.get("report") or {}
        lines.append(f"{scale}: built in {extra['build_seconds']:.0f} s; hello {extra['hello_rps']:.0f} req/s; "
                     f"monthly report (street, .xlsx): "
                     + (f"{report['seconds']:.2f} s, {report['kb']:.0f} KB" if "seconds" in report
                        else report.get("error", "not run")))
        for error in extra.get("server_errors", [])[:3]:
            lines.append(f"    !! server: {error}")
    return "\n".join(lines)
