package eddy.bench.flink;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * content-popularity on Apache Flink, the SQL form: a Kafka table over the watch events, a HOP
 * window TVF aggregation per content id, Window Top-N per (window, category) and per window for
 * "all", and a small DataStream step that writes each ranking as one record.
 *
 * <pre>
 * Kafka table (JSON; watermark per partition: max eventTime - outOfOrderness - 1 ms)
 *   → HOP window aggregation: COUNT(*), SUM(watchSeconds) GROUP BY window, contentId, category
 *   → Window Top-N: ROW_NUMBER() OVER (PARTITION BY window, category ORDER BY views DESC, contentId) ≤ K,
 *     UNION ALL the same over the whole window as category "all"
 *   → toDataStream → keyBy (category, windowEnd) → one JSON record per ranking on the timer windowEnd - 1
 *   → KafkaSink (EXACTLY_ONCE, transactional)
 * </pre>
 */
public final class ContentPopularitySqlJob {
  private ContentPopularitySqlJob() {}

  public static void main(String[] argv) {
    LocalFlink.main(argv, "content-popularity-sql", a -> {
      // The planner rejects other HOP windows ("size must be an integral multiple of slide").
      if (a.windowMs % a.slideMs != 0) throw new IllegalArgumentException("--window-ms must be a multiple of --slide-ms for Flink SQL's HOP window");
    }, ContentPopularitySqlJob::build);
  }

  static void build(StreamExecutionEnvironment env, Args a) {
    StreamTableEnvironment tEnv = FlinkSql.tableEnvironment(env);

    // Flink SQL's `ts - INTERVAL X` watermark is max(ts) - X, one millisecond ahead of the DataStream
    // bounded-out-of-orderness watermark (max - X - 1) that defines the benchmark's semantics; X + 1 ms
    // makes the two equal, so the same events are late and windows fire on the same input.
    tEnv.executeSql("CREATE TABLE watch_events_kafka (\n"
        + "  contentId STRING,\n"
        + "  category STRING,\n"
        + "  watchSeconds BIGINT,\n"
        + "  eventTime BIGINT,\n"
        + "  ts AS TO_TIMESTAMP_LTZ(eventTime, 3),\n"
        + "  WATERMARK FOR ts AS ts - " + FlinkSql.interval(a.outOfOrdernessMs + 1) + "\n"
        + ") WITH (\n" + FlinkSql.kafkaSource(a) + ")");
    // Records that are not watch events (JSON errors become NULL fields) are dropped, as in the
    // DataStream forms.
    tEnv.executeSql("CREATE TEMPORARY VIEW watch_events AS\n"
        + "SELECT contentId, category, watchSeconds, ts FROM watch_events_kafka\n"
        + "WHERE contentId IS NOT NULL AND contentId <> '' AND category IS NOT NULL\n"
        + "  AND watchSeconds IS NOT NULL AND eventTime IS NOT NULL");
    // One aggregate per (window, content id); its category is a grouping key too (a content id has one).
    tEnv.executeSql("CREATE TEMPORARY VIEW content_views AS\n"
        + "SELECT window_start, window_end, category, contentId,\n"
        + "  COUNT(*) AS `views`, SUM(watchSeconds) AS watchSeconds\n"
        + "FROM TABLE(HOP(TABLE watch_events, DESCRIPTOR(ts), " + FlinkSql.interval(a.slideMs) + ", "
        + FlinkSql.interval(a.windowMs) + "))\n"
        + "GROUP BY window_start, window_end, contentId, category");
    // Two Window Top-N over that one aggregation (the planner reuses it): per category, and overall.
    Table ranked = tEnv.sqlQuery("SELECT window_start, window_end, category, contentId, `views`, watchSeconds, rn\n"
        + "FROM (\n"
        + "  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, category\n"
        + "                               ORDER BY `views` DESC, contentId ASC) AS rn\n"
        + "  FROM content_views)\n"
        + "WHERE rn <= " + a.top + "\n"
        + "UNION ALL\n"
        + "SELECT window_start, window_end, 'all' AS category, contentId, `views`, watchSeconds, rn\n"
        + "FROM (\n"
        + "  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end\n"
        + "                               ORDER BY `views` DESC, contentId ASC) AS rn\n"
        + "  FROM content_views)\n"
        + "WHERE rn <= " + a.top);

    DataStream<Tuple2<String, String>> rankings = tEnv.toDataStream(ranked)
        .map(ContentPopularitySqlJob::rankedRow, Types.POJO(RankedRow.class))
        .name("ranked-rows")
        .uid("ranked-rows")
        .keyBy(AssembleRanking::key, Types.STRING)
        .process(new AssembleRanking(), Types.TUPLE(Types.STRING, Types.STRING))
        .name("rankings")
        .uid("rankings");
    rankings.sinkTo(LocalFlink.rankingSink(a)).name("trending").uid("trending");
  }

  /** window_start/window_end are TIMESTAMP(3) in the session time zone, UTC (FlinkSql). */
  private static RankedRow rankedRow(Row row) {
    RankedRow r = new RankedRow();
    r.windowStart = epochMillis(row.getFieldAs("window_start"));
    r.windowEnd = epochMillis(row.getFieldAs("window_end"));
    r.category = row.getFieldAs("category");
    r.contentId = row.getFieldAs("contentId");
    r.views = row.<Long>getFieldAs("views");
    r.watchSeconds = row.<Long>getFieldAs("watchSeconds");
    r.rank = row.<Long>getFieldAs("rn");
    return r;
  }

  private static long epochMillis(LocalDateTime t) {
    return t.toInstant(ZoneOffset.UTC).toEpochMilli();
  }
}
