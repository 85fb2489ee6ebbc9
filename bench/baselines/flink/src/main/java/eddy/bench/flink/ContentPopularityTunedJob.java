package eddy.bench.flink;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * content-popularity on Apache Flink, the tuned DataStream form: events are pre-aggregated per content
 * id into tumbling slices (one state update per event), slices are combined into the sliding
 * windows per key, a local top K per subtask, then the global top K per (group, window).
 *
 * <pre>
 * KafkaSource (per-partition watermarks: max eventTime - outOfOrderness - 1)
 *   → keyBy contentId → tumbling event-time windows of gcd(W, S) → AggregateFunction (views, watchSeconds)
 *   → (same partitioning, no shuffle) per key: slices → sliding windows; per subtask: top K per (window, group)
 *   → keyBy (group, windowEnd) → top K of the local tops, emitted on the timer windowEnd - 1
 *   → KafkaSink (EXACTLY_ONCE, transactional)
 * </pre>
 */
public final class ContentPopularityTunedJob {
  private ContentPopularityTunedJob() {}

  public static void main(String[] argv) {
    LocalFlink.main(argv, "content-popularity-tuned", ContentPopularityTunedJob::build);
  }

  static void build(StreamExecutionEnvironment env, Args a) {
    SlidingLocalTopK sliding = new SlidingLocalTopK(a.windowMs, a.slideMs, a.top);

    DataStream<Slice> slices = LocalFlink.watchEvents(env, a)
        .keyBy(e -> e.contentId, Types.STRING)
        .window(TumblingEventTimeWindows.of(Duration.ofMillis(sliding.sliceMs())))
        .aggregate(new ContentAggregate(), new AttachSlice(),
            Types.POJO(ContentStats.class), Types.POJO(ContentStats.class), Types.POJO(Slice.class))
        .name("views-per-slice")
        .uid("views-per-slice");

    // The slices leave the window operator partitioned by content id already: keep that partitioning
    // (the operator is chained to the window operator) instead of shuffling them again.
    DataStream<WindowEntry> localTops = DataStreamUtils.reinterpretAsKeyedStream(slices, s -> s.contentId, Types.STRING)
        .transform("sliding-windows-local-top-k", Types.POJO(WindowEntry.class), new SlidingLocalTopK.Operator(sliding))
        .uid("sliding-windows-local-top-k");

    DataStream<Tuple2<String, String>> rankings = localTops
        .keyBy(TopKPerWindow::key, Types.STRING)
        .process(new TopKPerWindow(a.top), Types.TUPLE(Types.STRING, Types.STRING))
        .name("top-k")
        .uid("top-k");

    rankings.sinkTo(LocalFlink.rankingSink(a)).name("trending").uid("trending");
  }
}
