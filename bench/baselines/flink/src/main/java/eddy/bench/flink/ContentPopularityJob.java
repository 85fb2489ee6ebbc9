package eddy.bench.flink;

import java.io.File;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;

/**
 * content-popularity on Apache Flink (DataStream API), run in a local MiniCluster inside this JVM.
 *
 * <pre>
 * KafkaSource (per-partition watermarks: max eventTime - outOfOrderness - 1)
 *   → keyBy contentId → sliding event-time windows → AggregateFunction + ProcessWindowFunction
 *   → keyBy (group, windowEnd), group ∈ {category, "all"} → top K, emitted on the timer windowEnd - 1
 *   → KafkaSink (EXACTLY_ONCE, transactional)
 * </pre>
 */
public final class ContentPopularityJob {
  static final int PARALLELISM = 2;
  static final AtomicBoolean TERMINATING = new AtomicBoolean();

  private ContentPopularityJob() {}

  public static void main(String[] argv) {
    Args a;
    try {
      a = Args.parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("flink baseline: " + e.getMessage());
      System.exit(2);
      return;
    }
    int code = 0;
    try {
      run(a);
    } catch (Throwable t) {
      if (TERMINATING.get()) return; // SIGTERM: the shutdown hook cancelled the job; the JVM is exiting
      Throwable root = t;
      while (root.getCause() != null && root.getCause() != root) root = root.getCause();
      System.err.println("flink baseline: job failed: " + t + (root != t ? " (cause: " + root + ")" : ""));
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  static void run(Args a) throws Exception {
    File stateDir = new File(a.stateDir).getAbsoluteFile();
    File rocksDir = new File(stateDir, "rocksdb");
    File tmpDir = new File(stateDir, "tmp");
    if (!rocksDir.isDirectory() && !rocksDir.mkdirs() || !tmpDir.isDirectory() && !tmpDir.mkdirs()) {
      throw new IllegalStateException("cannot create directories under " + stateDir);
    }

    ensureOutputTopic(a.brokers, a.outputTopic);

    Configuration conf = new Configuration();
    // State: RocksDB (EmbeddedRocksDBStateBackend), incremental checkpoints to the state dir.
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(RocksDBOptions.LOCAL_DIRECTORIES, rocksDir.getPath());
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, new File(stateDir, "checkpoints").toURI().toString());
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    // Tuned for large state as Flink's docs suggest: with ~1M keys each record's window lookup is a
    // miss, which without Bloom filters probes every SST file (at 1M keys the untuned job built its
    // state at under 3k events/min, stuck in RocksDB.get), and a RocksDB budget above the local
    // default of 128 MiB.
    conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(512));
    // Temporary files (the extracted RPC jar, blobs, REST uploads) under the state dir, not /tmp.
    conf.set(CoreOptions.TMP_DIRS, tmpDir.getPath());
    conf.set(WebOptions.TMP_DIR, tmpDir.getPath());
    conf.set(WebOptions.UPLOAD_DIR, tmpDir.getPath());
    // No web UI (flink-runtime-web is not on the classpath), REST endpoint on loopback and a free port.
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.BIND_PORT, "0");
    // A failing job should fail the run rather than restart forever.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
    // Every type has a Flink serializer (POJOs, tuples, lists): no Kryo fallback.
    conf.set(PipelineOptions.GENERIC_TYPES, false);

    // After a crash (kill -9 leaves the checkpoint folders in place), resume from the newest complete
    // checkpoint, as a Flink user would with `flink run -s`; its source state overrides the starting
    // offsets. A job that finishes or is cancelled deletes its checkpoints, so a new run starts fresh.
    Optional<File> restore = newestCheckpoint(new File(stateDir, "checkpoints"));
    if (restore.isPresent()) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restore.get().toURI().toString());
      System.err.println("flink baseline: restoring from " + restore.get());
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(PARALLELISM, conf);
    env.enableCheckpointing(a.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);

    KafkaSourceBuilder<WatchEvent> sourceBuilder = KafkaSource.<WatchEvent>builder()
        .setBootstrapServers(a.brokers)
        .setTopics(a.inputTopic)
        .setGroupId(a.groupId)
        .setClientIdPrefix(a.groupId)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new WatchEventDeserializer(PARALLELISM));
    if (a.bounded) sourceBuilder.setBounded(OffsetsInitializer.latest());

    WatermarkStrategy<WatchEvent> watermarks = WatermarkStrategy
        .<WatchEvent>forBoundedOutOfOrderness(Duration.ofMillis(a.outOfOrdernessMs))
        .withTimestampAssigner((e, kafkaTs) -> e.eventTime);

    DataStream<WindowEntry> perContent = env
        .fromSource(sourceBuilder.build(), watermarks, "watch-events")
        .uid("watch-events")
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

    KafkaSink<Tuple2<String, String>> sink = KafkaSink.<Tuple2<String, String>>builder()
        .setBootstrapServers(a.brokers)
        .setRecordSerializer(new RankingSerializer(a.outputTopic))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(a.groupId)
        // Below the broker's transaction.max.timeout.ms (15 min by default).
        .setProperty("transaction.timeout.ms", String.valueOf(Duration.ofMinutes(10).toMillis()))
        .build();
    rankings.sinkTo(sink).name("trending").uid("trending");

    JobClient job = env.executeAsync("content-popularity");
    AtomicBoolean finished = new AtomicBoolean();
    // SIGTERM (the harness's stop for unbounded runs): cancel the job so that the sink closes its
    // producers and no transaction stays open on the output topic, then let the JVM exit.
    Thread onTerm = new Thread(() -> {
      if (finished.get()) return;
      TERMINATING.set(true);
      try {
        job.cancel().get(20, TimeUnit.SECONDS);
        job.getJobExecutionResult().handle((r, e) -> null).get(20, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // shutting down anyway
      }
    }, "cancel-on-shutdown");
    Runtime.getRuntime().addShutdownHook(onTerm);
    try {
      job.getJobExecutionResult().get();
    } finally {
      finished.set(true);
    }
  }

  /** The newest `chk-N` folder with a `_metadata` file (a complete checkpoint) of any earlier job. */
  static Optional<File> newestCheckpoint(File checkpoints) {
    File best = null;
    File[] jobs = checkpoints.listFiles(File::isDirectory);
    for (File job : jobs == null ? new File[0] : jobs) {
      File[] chks = job.listFiles((d, n) -> n.startsWith("chk-") && new File(d, n + "/_metadata").isFile());
      for (File chk : chks == null ? new File[0] : chks) {
        if (best == null || new File(chk, "_metadata").lastModified() > new File(best, "_metadata").lastModified()) best = chk;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Creates the output topic (1 partition, the broker's default replication) when it does not exist,
   * as Eddy does for its sink topics: transactional producers do not auto-create topics.
   */
  static void ensureOutputTopic(String brokers, String topic) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    try (Admin admin = Admin.create(props)) {
      if (admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(topic)) return;
      try {
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
    }
  }

  /** The runner contract's flags. */
  static final class Args {
    String brokers;
    String inputTopic;
    String outputTopic;
    String groupId;
    String stateDir;
    long windowMs = 600_000;
    long slideMs = 60_000;
    int top = 10;
    long outOfOrdernessMs = 30_000;
    long checkpointIntervalMs = 5_000;
    boolean bounded;

    private static final Set<String> VALUED = Set.of("--brokers", "--input-topic", "--output-topic", "--group-id",
        "--state-dir", "--window-ms", "--slide-ms", "--top", "--out-of-orderness-ms", "--checkpoint-interval-ms",
        "--session-timeout-ms");

    static Args parse(String[] argv) {
      Map<String, String> m = new HashMap<>();
      Args a = new Args();
      for (int i = 0; i < argv.length; i++) {
        String f = argv[i];
        String v = null;
        int eq = f.indexOf('=');
        if (f.startsWith("--") && eq > 0) {
          v = f.substring(eq + 1);
          f = f.substring(0, eq);
        }
        if (f.equals("--bounded") && v == null) {
          a.bounded = true;
        } else if (VALUED.contains(f)) {
          if (v == null) {
            if (i + 1 >= argv.length) throw new IllegalArgumentException(f + " needs a value");
            v = argv[++i];
          }
          if (v.isEmpty()) throw new IllegalArgumentException(f + " needs a non-empty value");
          m.put(f, v);
        } else {
          throw new IllegalArgumentException("unknown argument: " + argv[i]);
        }
      }
      a.brokers = required(m, "--brokers");
      a.inputTopic = required(m, "--input-topic");
      a.outputTopic = required(m, "--output-topic");
      a.groupId = required(m, "--group-id");
      a.stateDir = required(m, "--state-dir");
      a.windowMs = positive(m, "--window-ms", a.windowMs);
      a.slideMs = positive(m, "--slide-ms", a.slideMs);
      long top = positive(m, "--top", a.top);
      if (top > 1_000) throw new IllegalArgumentException("--top must be at most 1000");
      a.top = (int) top;
      a.outOfOrdernessMs = nonNegative(m, "--out-of-orderness-ms", a.outOfOrdernessMs);
      a.checkpointIntervalMs = positive(m, "--checkpoint-interval-ms", a.checkpointIntervalMs);
      // Validated but unused: Flink's Kafka source assigns partitions itself (no group membership),
      // so there is no session for a dead process to time out of.
      positive(m, "--session-timeout-ms", 1);
      if (a.slideMs > a.windowMs) throw new IllegalArgumentException("--slide-ms must be at most --window-ms");
      return a;
    }

    private static String required(Map<String, String> m, String f) {
      String v = m.get(f);
      if (v == null) throw new IllegalArgumentException("missing " + f);
      return v;
    }

    private static long number(Map<String, String> m, String f, long dflt) {
      String v = m.get(f);
      if (v == null) return dflt;
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(f + " must be an integer, got '" + v + "'");
      }
    }

    private static long positive(Map<String, String> m, String f, long dflt) {
      long n = number(m, f, dflt);
      if (n <= 0) throw new IllegalArgumentException(f + " must be positive, got " + n);
      return n;
    }

    private static long nonNegative(Map<String, String> m, String f, long dflt) {
      long n = number(m, f, dflt);
      if (n < 0) throw new IllegalArgumentException(f + " must not be negative, got " + n);
      return n;
    }
  }
}
