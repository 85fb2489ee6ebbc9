package eddy.bench.flink;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What every form shares: flag parsing, the local MiniCluster's configuration (parallelism 2,
 * RocksDB with incremental checkpoints, exactly-once checkpoints, restore from the newest complete
 * checkpoint after a crash), the transactional Kafka sink, and running the job until it ends or
 * SIGTERM cancels it. Each form only builds its pipeline on the environment.
 */
final class LocalFlink {
  static final int PARALLELISM = 2;
  /** Kafka transaction timeout of every form's sink: below the broker's maximum (15 min by default). */
  static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);
  private static final AtomicBoolean TERMINATING = new AtomicBoolean();

  /** Adds a form's operators to the environment; the job runs once it returns. */
  interface Pipeline {
    void build(StreamExecutionEnvironment env, Args a) throws Exception;
  }

  private LocalFlink() {}

  /** Parses the flags (one-line reason, exit 2), runs the job and exits the JVM with its outcome. */
  static void main(String[] argv, String jobName, Pipeline pipeline) {
    main(argv, jobName, a -> {}, pipeline);
  }

  /** As above, with a form's own check of the flags (IllegalArgumentException: one line, exit 2). */
  static void main(String[] argv, String jobName, Consumer<Args> check, Pipeline pipeline) {
    Args a;
    try {
      a = Args.parse(argv);
      check.accept(a);
    } catch (IllegalArgumentException e) {
      System.err.println("flink baseline: " + e.getMessage());
      System.exit(2);
      return;
    }
    int code = 0;
    try {
      run(a, jobName, pipeline);
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

  private static void run(Args a, String jobName, Pipeline pipeline) throws Exception {
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
    // Temporary files (the extracted RPC jar, the planner jar, blobs, REST uploads) under the state
    // dir, not /tmp.
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
    // Every type has a Flink serializer (POJOs, tuples, lists, rows): no Kryo fallback.
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
    pipeline.build(env, a);

    JobClient job = env.executeAsync(jobName);
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

  /**
   * The watch events of the input topic for the DataStream forms: earliest offsets (--bounded: up to
   * the end offsets seen at launch), per-partition watermarks max eventTime - outOfOrderness - 1.
   */
  static DataStream<WatchEvent> watchEvents(StreamExecutionEnvironment env, Args a) {
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
    return env.fromSource(sourceBuilder.build(), watermarks, "watch-events").uid("watch-events");
  }

  /** The trending sink: key = category, value = the JSON ranking; transactional (exactly once). */
  static KafkaSink<Tuple2<String, String>> rankingSink(Args a) {
    return KafkaSink.<Tuple2<String, String>>builder()
        .setBootstrapServers(a.brokers)
        .setRecordSerializer(new RankingSerializer(a.outputTopic))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(a.groupId)
        .setProperty("transaction.timeout.ms", String.valueOf(TRANSACTION_TIMEOUT.toMillis()))
        .build();
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
}
