package eddy.bench.flink;

import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;

/**
 * content-popularity on Apache Flink, the naive DataStream form: a sliding event-time window per
 * content id, then a global top K keyed by (group, windowEnd).
 *
 * <pre>
 * KafkaSource (per-partition watermarks: max eventTime - outOfOrderness - 1)
 *   → keyBy contentId → sliding event-time windows → AggregateFunction + ProcessWindowFunction
 *   → keyBy (group, windowEnd), group ∈ {category, "all"} → top K, emitted on the timer windowEnd - 1
 *   → KafkaSink (EXACTLY_ONCE, transactional)
 * </pre>
 */
public final class ContentPopularityJob {
  private ContentPopularityJob() {}

  public static void main(String[] argv) {
    LocalFlink.main(argv, "content-popularity", ContentPopularityJob::build);
  }

  static void build(StreamExecutionEnvironment env, Args a) {
    DataStream<WindowEntry> perContent = LocalFlink.watchEvents(env, a)
        .keyBy(e -> e.contentId, Types.STRING)
        .window(SlidingEventTimeWindows.of(Duration.ofMillis(a.windowMs), Duration.ofMillis(a.slideMs)))
        .aggregate(new ContentAggregate(), new AttachWindow(),
            Types.POJO(ContentStats.class), Types.POJO(ContentStats.class), Types.POJO(WindowEntry.class))
        .name("views-per-window")
        .uid("views-per-window");

    DataStream<Tuple2<String, String>> rankings = perContent
        .keyBy(TopKPerWindow::key, Types.STRING)
        .process(new TopKPerWindow(a.top), Types.TUPLE(Types.STRING, Types.STRING))
        .name("top-k")
        .uid("top-k");

    rankings.sinkTo(LocalFlink.rankingSink(a)).name("trending").uid("trending");
  }
}
