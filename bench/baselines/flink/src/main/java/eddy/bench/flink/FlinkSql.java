package eddy.bench.flink;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableConfig;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** What the SQL forms (sql, q5) share: the table environment's options and SQL text helpers. */
final class FlinkSql {
  private FlinkSql() {}

  /**
   * A streaming table environment on `env` (so it shares the RocksDB, checkpoint and restart
   * settings of LocalFlink) with the options the Flink docs' "Performance Tuning" page gives for
   * aggregations; see the README for each option's source.
   */
  static StreamTableEnvironment tableEnvironment(StreamExecutionEnvironment env) {
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
    TableConfig c = tEnv.getConfig();
    // Windows on a TIMESTAMP_LTZ time attribute are aligned in the session time zone: UTC keeps them
    // epoch-aligned like the DataStream windows, and window_start/window_end read as UTC.
    c.set("table.local-time-zone", "UTC");
    // Mini-batch: buffer input and touch state once per key and bundle (Nexmark's own settings).
    c.set("table.exec.mini-batch.enabled", "true");
    c.set("table.exec.mini-batch.allow-latency", "2 s");
    c.set("table.exec.mini-batch.size", "50000");
    // Local-global (two-phase) aggregation: a local pre-aggregate before the shuffle.
    c.set("table.optimizer.agg-phase-strategy", "TWO_PHASE");
    return tEnv;
  }

  /** The WITH options of a Kafka source table over the input topic: JSON, earliest offsets. */
  static String kafkaSource(Args a) {
    return option("connector", "kafka") + ",\n"
        + option("topic", a.inputTopic) + ",\n"
        + option("properties.bootstrap.servers", a.brokers) + ",\n"
        // Offsets are committed to this group on each completed checkpoint (as the DataStream forms do).
        + option("properties.group.id", a.groupId) + ",\n"
        + option("properties.client.id.prefix", a.groupId) + ",\n"
        + option("scan.startup.mode", "earliest-offset") + ",\n"
        // --bounded: stop at the end offsets seen at launch (setBounded(latest()) in DataStream).
        + (a.bounded ? option("scan.bounded.mode", "latest-offset") + ",\n" : "")
        + option("format", "json") + ",\n"
        // A record that is not valid JSON is skipped; a field of the wrong type becomes NULL.
        + option("json.ignore-parse-errors", "true") + "\n";
  }

  /** A SQL string literal option `'key' = 'value'`. */
  static String option(String key, String value) {
    return literal(key) + " = " + literal(value);
  }

  static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /**
   * A day-time interval literal of `ms` milliseconds. `INTERVAL 'n' SECOND` allows at most 2 digits
   * (99 s) and no fraction by default, so every duration is written as DAY TO SECOND(3).
   */
  static String interval(long ms) {
    return String.format("INTERVAL '%d %02d:%02d:%02d.%03d' DAY TO SECOND(3)",
        ms / 86_400_000, ms / 3_600_000 % 24, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
  }
}
