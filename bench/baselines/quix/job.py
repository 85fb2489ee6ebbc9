"""
content-popularity on Quix Streams (single process, single-threaded).

Stage 1 (input topic, key = contentId):
    hopping_window(W, S, grace) per contentId -> agg(views=Count(), watchSeconds=Sum, category=Latest)
    .final(closing_strategy="partition")
  plus a branch that emits a progress marker for its input partition each time the partition's
  closing frontier (max eventTime seen on it - grace) passes another window end.
Stage 2 (group_by "g": the category of a result, and "all"):
    one stateful function per key.
    "all": top-K over every result of a window, the frontiers of all input partitions; when the
           minimum frontier over all partitions reaches a window's end (Flink's watermark rule), it
           emits the "all" ranking and one close signal per category seen in that window, produced
           back into the stage-2 (repartition) topic keyed by the category.
    category: top-K over the results of its category; emits its ranking on the close signal, which
           is behind every result of that window and category in the same partition (same producer,
           produced later), so all of them have been counted by then.
See README.md for why the markers and close signals are needed.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

try:  # authlib (pulled in by confluent-kafka's schema registry) forces its deprecation warnings on
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
except ImportError:
    pass

from confluent_kafka.admin import AdminClient
from quixstreams import Application, message_context
from quixstreams.dataframe.windows import Count, Latest, Sum
from quixstreams.models import TopicConfig


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, non-zero exit
        sys.stderr.write(f"quix run: {message}\n")
        sys.exit(2)


def parse_args(argv):
    p = _Parser(prog="run", add_help=True)
    p.add_argument("--brokers", required=True)
    p.add_argument("--input-topic", required=True)
    p.add_argument("--output-topic", required=True)
    p.add_argument("--group-id", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--window-ms", type=int, default=600000)
    p.add_argument("--slide-ms", type=int, default=60000)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--out-of-orderness-ms", type=int, default=30000)
    p.add_argument("--checkpoint-interval-ms", type=int, default=5000)
    p.add_argument("--session-timeout-ms", type=int, default=45000)
    p.add_argument("--bounded", action="store_true", help="ignored: Quix Streams has no bounded mode")
    a = p.parse_args(argv)
    if a.window_ms <= 0 or a.slide_ms <= 0 or a.top <= 0 or a.out_of_orderness_ms < 0 or a.checkpoint_interval_ms <= 0 or a.session_timeout_ms <= 0:
        p.error("--window-ms, --slide-ms, --top, --checkpoint-interval-ms, --session-timeout-ms must be > 0 and --out-of-orderness-ms >= 0")
    if a.window_ms % a.slide_ms != 0:
        # Quix's partition-wide window closing only looks at window ends on the slide grid.
        p.error("--window-ms must be a multiple of --slide-ms")
    return a


def input_partitions(brokers: str, topic: str) -> int:
    """The input topic's partition count (list all topics: asking for one may auto-create it)."""
    md = AdminClient({"bootstrap.servers": brokers}).list_topics(timeout=30)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        sys.stderr.write(f"quix run: input topic {topic!r} does not exist\n")
        sys.exit(2)
    return len(t.partitions)


def u16(s: str) -> bytes:
    """Sort key giving plain UTF-16 code unit order (what Eddy/Java compare)."""
    return s.encode("utf-16-be", "surrogatepass")


def insert_top(top: list, views: int, cid: str, ws: int, k: int) -> bool:
    """Keeps `top` (entries [views, contentId, watchSeconds]) sorted by views desc, contentId
    asc and at most k long. Each (window, content) result arrives exactly once (final windows),
    so a bounded list is exact. Returns whether `top` changed."""
    n = len(top)
    i = n
    # walk from the end: most results do not make the top K
    while i > 0:
        o = top[i - 1]
        if o[0] > views or (o[0] == views and u16(o[1]) < u16(cid)):
            break
        i -= 1
    if i >= k:
        return False
    top.insert(i, [views, cid, ws])
    if n + 1 > k:
        top.pop()
    return True


def ranking(start: int, end: int, category: str, top: list) -> dict:
    return {
        "windowStart": start,
        "windowEnd": end,
        "category": category,
        "rankings": [
            {"rank": i + 1, "contentId": e[1], "views": e[0], "watchSeconds": e[2]} for i, e in enumerate(top)
        ],
        "emittedAt": int(time.time() * 1000),
    }


def main(argv) -> None:
    a = parse_args(argv)
    W, S, GRACE, K = a.window_ms, a.slide_ms, a.out_of_orderness_ms, a.top
    n_parts = input_partitions(a.brokers, a.input_topic)
    log = logging.getLogger("quix-content-popularity")

    class App(Application):
        _ready = False

        def _on_assign(self, consumer, topic_partitions):  # READY once partitions are assigned
            super()._on_assign(consumer, topic_partitions)
            if topic_partitions and not App._ready:
                App._ready = True
                sys.stdout.write("READY\n")
                sys.stdout.flush()

    app = App(
        broker_address=a.brokers,
        consumer_group=a.group_id,
        state_dir=a.state_dir,
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        commit_interval=a.checkpoint_interval_ms / 1000.0,
        # How soon the group notices a dead process (librdkafka's default is 45 s); heartbeats a third of it.
        consumer_extra_config={
            "session.timeout.ms": a.session_timeout_ms,
            "heartbeat.interval.ms": max(1, a.session_timeout_ms // 3),
        },
        loglevel="WARNING",
    )

    inp = app.topic(
        a.input_topic,
        key_deserializer="str",
        value_deserializer="json",
        timestamp_extractor=lambda value, headers, ts, ts_type: value["eventTime"],
    )
    out = app.topic(
        a.output_topic,
        key_serializer="str",
        value_serializer="json",
        config=TopicConfig(num_partitions=n_parts, replication_factor=1),
    )

    sdf = app.dataframe(inp)

    # ---- stage 1: per content id, per hopping window: views, watchSeconds (final results only)
    win = (
        sdf.hopping_window(duration_ms=W, step_ms=S, grace_ms=GRACE, name="views")
        .agg(views=Count(), watchSeconds=Sum("watchSeconds"), category=Latest("category"))
        .final(closing_strategy="partition")
    )

    def to_results(w, cid, _ts, _headers):
        r = {"k": "r", "g": w["category"], "c": cid, "s": w["start"], "e": w["end"], "v": w["views"], "w": w["watchSeconds"]}
        r_all = dict(r)
        r_all["g"] = "all"
        r_all["cat"] = w["category"]
        return (r, r_all)

    results = win.apply(to_results, expand=True, metadata=True)

    # Progress markers. This branch runs after the window branch for the same record, so a
    # marker is produced after every window result the same record closed. The tracked max is
    # never ahead of the window store's own (it restarts from zero after a restart), so a
    # marker never claims more than stage 1 has emitted.
    max_ts: dict[int, int] = {}
    sent: dict[int, int] = {}

    def markers(_value, _key, ts, _headers):
        p = message_context().partition
        m = max_ts.get(p)
        if m is not None and ts <= m:
            return ()
        max_ts[p] = ts
        closed = ts - GRACE  # windows with end <= closed are closed on partition p
        f = closed - closed % S  # window ends lie on the slide grid
        if f <= sent.get(p, -(1 << 62)):
            return ()
        sent[p] = f
        return ({"k": "m", "g": "all", "p": p, "f": f, "n": n_parts},)

    progress = sdf.apply(markers, expand=True, metadata=True)

    # Internal records carry wall-clock timestamps: the broker's time-based retention goes by
    # record timestamps, and event-time stamps (window starts) may be older than retention.ms.
    merged = results.concat(progress).set_timestamp(lambda _v, _k, _ts, _h: int(time.time() * 1000))

    # ---- stage 2: keyed by category and "all"
    ranked = merged.group_by(lambda v: v["g"], name="rank")
    rank_topic = ranked.topics[0]

    def rank(v, state):
        kind = v["k"]
        g = v["g"]
        if kind == "r":
            s = v["s"]
            wk = f"w{s}"
            w = state.get(wk)
            new = w is None
            if new:
                fired = state.get("fired", None)
                if fired is not None and v["e"] <= fired:
                    log.warning("late result for window %s-%s group %s dropped", s, v["e"], g)
                    return ()
                w = {"e": v["e"], "top": []}
                if g == "all":
                    w["cats"] = {}
                    opened = state.get("open", [])
                    opened.append(s)
                    state.set("open", opened)
            changed = insert_top(w["top"], v["v"], v["c"], v["w"], K)
            if g == "all" and v["cat"] not in w["cats"]:
                w["cats"][v["cat"]] = 1
                changed = True
            if changed or new:
                state.set(wk, w)
            return ()
        if kind == "m":  # only on "all"
            fr = state.get("fr", {})
            p = str(v["p"])
            if fr.get(p, -(1 << 62)) >= v["f"]:
                return ()
            fr[p] = v["f"]
            state.set("fr", fr)
            if len(fr) < v["n"]:
                return ()
            wm = min(fr.values())
            opened = state.get("open", [])
            if not opened:
                return ()
            outs = []
            keep = []
            for s in sorted(opened):
                wk = f"w{s}"
                w = state.get(wk)
                if w["e"] <= wm:
                    outs.append({"k": "o", "v": ranking(s, w["e"], "all", w["top"])})
                    for cat in sorted(w["cats"]):
                        outs.append({"k": "c", "g": cat, "s": s, "e": w["e"]})
                    state.delete(wk)
                    state.set("fired", max(w["e"], state.get("fired", w["e"])))
                else:
                    keep.append(s)
            if outs:
                state.set("open", keep)
            return outs
        if kind == "c":  # close signal for one category's window
            s = v["s"]
            wk = f"w{s}"
            w = state.get(wk)
            if w is None:
                log.warning("close signal without results: window %s category %s", s, g)
                return ()
            state.delete(wk)
            state.set("fired", max(v["e"], state.get("fired", v["e"])))
            return ({"k": "o", "v": ranking(s, w["e"], g, w["top"])},)
        return ()

    emitted = ranked.apply(rank, stateful=True, expand=True)
    closes = emitted.filter(lambda v: v["k"] == "c")
    closes.to_topic(rank_topic, key=lambda v: v["g"])
    rankings = (
        emitted.filter(lambda v: v["k"] == "o")
        .apply(lambda v: v["v"])
        .set_timestamp(lambda v, _k, _ts, _h: v["emittedAt"])
    )
    rankings.to_topic(out, key=lambda v: v["category"])

    app.run()


if __name__ == "__main__":
    main(sys.argv[1:])
