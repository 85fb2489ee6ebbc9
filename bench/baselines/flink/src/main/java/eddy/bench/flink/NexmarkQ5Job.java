package eddy.bench.flink;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Nexmark q5 ("Hot Items") in Flink SQL: the query of nexmark/nexmark's
 * nexmark-flink/src/main/resources/queries/q5.sql as written (HOP of 10 s every 2 s, the auctions
 * with the most bids per window), with this benchmark's Kafka source and sink tables and the
 * window's start and end added to the output. Window flags (--window-ms, …) are ignored.
 */
public final class NexmarkQ5Job {
  private NexmarkQ5Job() {}

  public static void main(String[] argv) {
    LocalFlink.main(argv, "nexmark-q5", NexmarkQ5Job::build);
  }

  static void build(StreamExecutionEnvironment env, Args a) {
    StreamTableEnvironment tEnv = FlinkSql.tableEnvironment(env);

    // The bid topic: one JSON bid per record, dateTime in epoch ms. Nexmark's own DDL reads a
    // TIMESTAMP(3) column and declares `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`;
    // here the epoch ms become that time attribute through a computed column, renamed by the view.
    tEnv.executeSql("CREATE TABLE bid_kafka (\n"
        + "  auction BIGINT,\n"
        + "  bidder BIGINT,\n"
        + "  price BIGINT,\n"
        + "  channel STRING,\n"
        + "  url STRING,\n"
        + "  `dateTime` BIGINT,\n"
        + "  extra STRING,\n"
        + "  event_time AS TO_TIMESTAMP_LTZ(`dateTime`, 3),\n"
        + "  WATERMARK FOR event_time AS event_time - INTERVAL '4' SECOND\n"
        + ") WITH (\n" + FlinkSql.kafkaSource(a) + ")");
    // Nexmark's `bid` view (ddl_views.sql) over its source table; bids without an auction or a time
    // (JSON errors become NULL fields) are dropped.
    tEnv.executeSql("CREATE TEMPORARY VIEW bid AS\n"
        + "SELECT auction, bidder, price, channel, url, event_time AS `dateTime`, extra FROM bid_kafka\n"
        + "WHERE auction IS NOT NULL AND `dateTime` IS NOT NULL");

    // Key = the auction id as a decimal string (raw UTF-8), value = JSON without the key column.
    tEnv.executeSql("CREATE TABLE nexmark_q5 (\n"
        + "  auction_key STRING,\n"
        + "  windowStart BIGINT,\n"
        + "  windowEnd BIGINT,\n"
        + "  auction BIGINT,\n"
        + "  num BIGINT\n"
        + ") WITH (\n"
        + FlinkSql.option("connector", "kafka") + ",\n"
        + FlinkSql.option("topic", a.outputTopic) + ",\n"
        + FlinkSql.option("properties.bootstrap.servers", a.brokers) + ",\n"
        + FlinkSql.option("key.format", "raw") + ",\n"
        + FlinkSql.option("key.fields", "auction_key") + ",\n"
        + FlinkSql.option("value.format", "json") + ",\n"
        + FlinkSql.option("value.fields-include", "EXCEPT_KEY") + ",\n"
        + FlinkSql.option("sink.delivery-guarantee", "exactly-once") + ",\n"
        + FlinkSql.option("sink.transactional-id-prefix", a.groupId) + ",\n"
        + FlinkSql.option("properties.transaction.timeout.ms", String.valueOf(LocalFlink.TRANSACTION_TIMEOUT.toMillis())) + "\n"
        + ")");

    // q5.sql as written, but for the select list: the key, then the window (EXTRACT(EPOCH …) gives
    // whole seconds of the UTC wall clock, exact for windows on 2 s boundaries) before auction, num.
    StreamStatementSet statements = tEnv.createStatementSet();
    statements.addInsertSql("INSERT INTO nexmark_q5\n"
        + "SELECT CAST(AuctionBids.auction AS STRING),\n"
        + "       EXTRACT(EPOCH FROM AuctionBids.starttime) * 1000,\n"
        + "       EXTRACT(EPOCH FROM AuctionBids.endtime) * 1000,\n"
        + "       AuctionBids.auction, AuctionBids.num\n"
        + " FROM (\n"
        + "   SELECT\n"
        + "     auction,\n"
        + "     count(*) AS num,\n"
        + "     window_start AS starttime,\n"
        + "     window_end AS endtime\n"
        + "     FROM TABLE(\n"
        + "             HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))\n"
        + "     GROUP BY auction, window_start, window_end\n"
        + " ) AS AuctionBids\n"
        + " JOIN (\n"
        + "   SELECT\n"
        + "     max(CountBids.num) AS maxn,\n"
        + "     CountBids.starttime,\n"
        + "     CountBids.endtime\n"
        + "   FROM (\n"
        + "     SELECT\n"
        + "       count(*) AS num,\n"
        + "       window_start AS starttime,\n"
        + "       window_end AS endtime\n"
        + "     FROM TABLE(\n"
        + "                HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))\n"
        + "     GROUP BY auction, window_start, window_end\n"
        + "     ) AS CountBids\n"
        + "   GROUP BY CountBids.starttime, CountBids.endtime\n"
        + " ) AS MaxBids\n"
        + " ON AuctionBids.starttime = MaxBids.starttime AND\n"
        + "    AuctionBids.endtime = MaxBids.endtime AND\n"
        + "    AuctionBids.num >= MaxBids.maxn");
    statements.attachAsDataStream();
  }
}
