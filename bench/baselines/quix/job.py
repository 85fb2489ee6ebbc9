"""
content-popularity on Quix Streams (single process, single-threaded).

Stage 1 (input topic, key = contentId):
    hopping_window(W, S, grace) per contentId -> agg(Reduce: [views, watchSeconds, category])
    .final(closing_strategy="partition")
  plus a branch that emits a progress marker for its input partition each time the partition's
  closing frontier (max eventTime seen on it - grace) passes another window end.
  Local top-K: the windows a record closes and that record's marker arrive together (see
  local_top_k), so each input partition sends on only its top K per (window, category) and
  per (window, "all"), followed by the marker. This is exact: a content id lives in one partition.
Stage 2 (group_by "g": a category, or "all"):
    one stateful function per key, merging the partitions' candidates into the global top K.
    "all": also holds the frontiers of all input partitions; when the minimum frontier over all
           partitions reaches a window's end (Flink's watermark rule), it emits the "all" ranking
           and one close signal per category seen in that window, produced back into the stage-2
           (repartition) topic keyed by the category.
    category: emits its ranking on the close signal, which is behind every candidate of that
           window and category in the same partition (same producer, produced later), so all of
           them have been merged by then.
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
from quixstreams.dataframe.windows import Reduce
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


def insert_top(top: list, views: int, cid: str, ws: int, k: int) -> None:
    """Keeps `top` (entries [views, contentId, watchSeconds]) sorted by views desc, contentId
    asc and at most k long. Each (window, content) result arrives exactly once (final windows,
    and a content id's candidates come from its one input partition), so a bounded list is
    exact."""
    n = len(top)
    i = n
    # walk from the end: most results do not make the top K
    while i > 0:
        o = top[i - 1]
        if o[0] > views or (o[0] == views and u16(o[1]) < u16(cid)):
            break
        i -= 1
    if i >= k:
        return
    top.insert(i, [views, cid, ws])
    if n + 1 > k:
        top.pop()


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

    # ---- stage 1: per content id, per hopping window: views, watchSeconds (final results only).
    # Every event updates W/S windows; one Reduce keeping [views, watchSeconds, category] is one
    # aggregator call and one small list per update, where Count + Sum + Latest are three.
    # (The category is a fixed function of the content id, so the first one seen is kept.)
    win = (
        sdf.hopping_window(duration_ms=W, step_ms=S, grace_ms=GRACE, name="views")
        .agg(
            stats=Reduce(
                reducer=lambda acc, v: [acc[0] + 1, acc[1] + v["watchSeconds"], acc[2]],
                initializer=lambda v: [1, v["watchSeconds"], v["category"]],
            )
        )
        .final(closing_strategy="partition")
    )

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

    # Local top-K. Quix expires a partition's windows while it processes one record (the one whose
    # `eventTime - grace`, on the slide grid, passes the store's last expired end), and that record
    # also emits a marker (`sent` is never above the store's last expired end). So a record's closed
    # windows arrive here followed by its marker, within one input message and so one checkpoint:
    # the buffer needs no state. Forwarding only each partition's top K per (window, group) is exact
    # because a content id lives in one input partition.
    closed_now: dict[tuple[int, int], dict[str, list]] = {}

    def local_top_k(v, cid, _ts, _headers):
        if "start" in v:  # one content id's closed window
            views, watch, cat = v["stats"]
            tops = closed_now.setdefault((v["start"], v["end"]), {})
            insert_top(tops.setdefault(cat, []), views, cid, watch, K)
            insert_top(tops.setdefault("all", []), views, cid, watch, K)
            return ()
        out = []
        for (s, e), tops in sorted(closed_now.items()):
            for g, top in tops.items():
                c = {"k": "t", "g": g, "s": s, "e": e, "top": top}
                if g == "all":
                    c["cats"] = [x for x in tops if x != "all"]
                out.append(c)
        closed_now.clear()
        out.append(v)
        return out

    # Internal records carry wall-clock timestamps: the broker's time-based retention goes by
    # record timestamps, and event-time stamps (window starts) may be older than retention.ms.
    candidates = (
        win.concat(progress)
        .apply(local_top_k, expand=True, metadata=True)
        .set_timestamp(lambda _v, _k, _ts, _h: int(time.time() * 1000))
    )

    # ---- stage 2: keyed by category and "all"
    ranked = candidates.group_by(lambda v: v["g"], name="rank")
    rank_topic = ranked.topics[0]

    def rank(v, state):
        kind = v["k"]
        g = v["g"]
        if kind == "t":  # one input partition's top K of a window and group
            s = v["s"]
            wk = f"w{s}"
            w = state.get(wk)
            if w is None:
                fired = state.get("fired", None)
                if fired is not None and v["e"] <= fired:
                    log.warning("late candidates for window %s-%s group %s dropped", s, v["e"], g)
                    return ()
                w = {"e": v["e"], "top": []}
                if g == "all":
                    w["cats"] = []
                    opened = state.get("open", [])
                    opened.append(s)
                    state.set("open", opened)
            for views, cid, watch in v["top"]:
                insert_top(w["top"], views, cid, watch, K)
            if g == "all":
                w["cats"] = sorted(set(w["cats"]).union(v["cats"]))
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
                    for cat in w["cats"]:
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
                log.warning("close signal without candidates: window %s category %s", s, g)
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
