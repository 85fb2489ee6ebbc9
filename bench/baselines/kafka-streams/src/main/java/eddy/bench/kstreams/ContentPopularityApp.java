package eddy.bench.kstreams;

import eddy.bench.kstreams.Model.Agg;
import eddy.bench.kstreams.Model.Event;
import eddy.bench.kstreams.Model.Msg;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Eddy's content-popularity job on Kafka Streams.
 *
 * <pre>
 * input (key contentId, JSON; event time = eventTime)
 *   groupByKey                                       no repartition: already keyed by contentId
 *   windowedBy(TimeWindows.ofSizeAndGrace(W, ooo).advanceBy(S))
 *   emitStrategy(onWindowClose)                      one final result per (content, window)
 *   aggregate(views, watchSeconds)                   RocksDB window store
 *   process(LocalTopK)                               partial top K per (window, category|all) + progress markers
 *   repartition(by category; markers to all partitions)
 *   process(GlobalTopK)                              merged top K, emitted when closed on every upstream task
 *   to(output)                                       key = category, JSON value
 * </pre>
 */
public final class ContentPopularityApp {
  private static final String USAGE = "usage: run --brokers B --input-topic T --output-topic O --group-id G --state-dir DIR"
      + " [--window-ms 600000] [--slide-ms 60000] [--top 10] [--out-of-orderness-ms 30000] [--checkpoint-interval-ms 5000] [--session-timeout-ms 45000] [--transaction-timeout-ms T] [--bounded]";

  private ContentPopularityApp() {}

  record Args(String brokers, String input, String output, String groupId, String stateDir, long windowMs, long slideMs, int top,
              long outOfOrdernessMs, long checkpointIntervalMs, long sessionTimeoutMs, Long transactionTimeoutMs) {}

  static Args parse(String[] argv) {
    Map<String, String> v = new LinkedHashMap<>();
    Set<String> valued = Set.of("--brokers", "--input-topic", "--output-topic", "--group-id", "--state-dir", "--window-ms", "--slide-ms",
        "--top", "--out-of-orderness-ms", "--checkpoint-interval-ms", "--session-timeout-ms", "--transaction-timeout-ms");
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (a.equals("--bounded")) continue; // Kafka Streams has no bounded mode: the harness stops us with SIGTERM
      if (!valued.contains(a)) throw new IllegalArgumentException("unknown argument " + a);
      if (i + 1 >= argv.length) throw new IllegalArgumentException(a + " needs a value");
      v.put(a, argv[++i]);
    }
    for (String required : List.of("--brokers", "--input-topic", "--output-topic", "--group-id", "--state-dir")) {
      if (v.get(required) == null || v.get(required).isEmpty()) throw new IllegalArgumentException("missing " + required);
    }
    long windowMs = positive(v, "--window-ms", 600_000);
    long slideMs = positive(v, "--slide-ms", 60_000);
    long top = positive(v, "--top", 10);
    long ooo = Long.parseLong(v.getOrDefault("--out-of-orderness-ms", "30000"));
    if (ooo < 0) throw new IllegalArgumentException("--out-of-orderness-ms must be >= 0");
    if (slideMs > windowMs) throw new IllegalArgumentException("--slide-ms must be <= --window-ms");
    if (top > 100_000) throw new IllegalArgumentException("--top too large");
    return new Args(v.get("--brokers"), v.get("--input-topic"), v.get("--output-topic"), v.get("--group-id"), v.get("--state-dir"),
        windowMs, slideMs, (int) top, ooo, positive(v, "--checkpoint-interval-ms", 5_000), positive(v, "--session-timeout-ms", 45_000),
        v.containsKey("--transaction-timeout-ms") ? positive(v, "--transaction-timeout-ms", 0) : null);
  }

  private static long positive(Map<String, String> v, String flag, long dflt) {
    String s = v.get(flag);
    long n;
    try {
      n = s == null ? dflt : Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got " + s);
    }
    if (n <= 0) throw new IllegalArgumentException(flag + " must be > 0, got " + s);
    return n;
  }

  /** Data records go to the partition of their category (murmur2, like Kafka's default); markers to every partition. */
  static final class CategoryOrBroadcast implements StreamPartitioner<String, Msg> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Msg value, int numPartitions) {
      if (value.marker()) {
        Set<Integer> all = new HashSet<>();
        for (int p = 0; p < numPartitions; p++) all.add(p);
        return Optional.of(all);
      }
      return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions));
    }
  }

  /**
   * Retention of the per-content window store. The store drops expired segments on the put of the
   * record that advances stream time, BEFORE that record's processing emits the windows it closes:
   * with the default retention (W + grace) a jump of stream time (e.g. to the harness's flush
   * events, W + ooo + 2S past the last real event) would silently lose windows that were still to
   * be emitted. This covers jumps of up to 2W + 2S + ooo.
   */
  static long retentionMs(Args a) {
    return 3 * a.windowMs() + 2 * a.slideMs() + 2 * a.outOfOrdernessMs();
  }

  static Topology topology(Args a, int inputPartitions, Properties props) {
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
    builder.stream(a.input(), Consumed.with(Serdes.String(), (org.apache.kafka.common.serialization.Serde<Event>) Serdes.serdeFrom(
                Model.EVENT_SERDE.serializer(), new Model.EventDeserializer()))
            // event time = the eventTime field; malformed records get -1 and are skipped by Kafka Streams
            .withTimestampExtractor((rec, partitionTime) -> rec.value() instanceof Event e ? e.eventTime() : -1L)
            .withName("watch-events"))
        .groupByKey(Grouped.with("by-content", Serdes.String(), Model.EVENT_SERDE))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(a.windowMs()), Duration.ofMillis(a.outOfOrdernessMs()))
            .advanceBy(Duration.ofMillis(a.slideMs())))
        .emitStrategy(EmitStrategy.onWindowClose())
        .aggregate(() -> Agg.EMPTY, (contentId, e, agg) -> agg.add(e), Named.as("per-content-window"),
            Materialized.<String, Agg, WindowStore<Bytes, byte[]>>as("per-content-window")
                .withKeySerde(Serdes.String())
                .withValueSerde(Model.AGG_SERDE)
                .withRetention(Duration.ofMillis(retentionMs(a))))
        .toStream(Named.as("per-content-final"))
        .process(new LocalTopK(a.windowMs(), a.slideMs(), a.outOfOrdernessMs(), a.top()), Named.as("local-topk"))
        .repartition(Repartitioned.with(Serdes.String(), Model.MSG_SERDE)
            .withName("by-category")
            .withNumberOfPartitions(inputPartitions)
            .withStreamPartitioner(new CategoryOrBroadcast()))
        .process(new GlobalTopK(a.windowMs(), a.outOfOrdernessMs(), a.top(), inputPartitions), Named.as("global-topk"))
        .to(a.output(), Produced.with(Serdes.String(), Serdes.String()).withName("trending"));
    return builder.build(props);
  }

  static Properties config(Args a) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, a.groupId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.brokers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, a.checkpointIntervalMs());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, a.stateDir());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L << 20);
    // RocksDB and, unless --transaction-timeout-ms is given, the transaction timeout stay at Kafka
    // Streams' defaults (10 s under exactly-once): a longer timeout would keep a killed process's open
    // transaction blocking the changelog restore for longer (README: "Wrong output at 1M events").
    // The latency run gives 60 s: a thread's first transaction can outlast 10 s (README: "Fenced at start-up").
    if (a.transactionTimeoutMs() != null) {
      p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), a.transactionTimeoutMs().intValue());
    }
    // onWindowClose checks for closed windows on every record (default: at most once a second of
    // wall-clock time, which would delay finals to a later record, and never emit the last ones).
    p.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 0L);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // How soon the group notices a dead process (the consumer's default is 45 s); heartbeats a third of it.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) a.sessionTimeoutMs());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), (int) Math.max(1, a.sessionTimeoutMs() / 3));
    // No global state here; set only to silence a start-up deprecation warning.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    return p;
  }

  /** Input partition count (one stage-1 task each); creates the output topic if it is missing. */
  static int prepareTopics(Args a) throws Exception {
    Map<String, Object> conf = new HashMap<>();
    conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, a.brokers());
    try (Admin admin = Admin.create(conf)) {
      int partitions;
      try {
        TopicDescription d = admin.describeTopics(List.of(a.input())).allTopicNames().get(60, TimeUnit.SECONDS).get(a.input());
        partitions = d.partitions().size();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) throw new IllegalArgumentException("input topic " + a.input() + " does not exist");
        throw e;
      }
      try {
        admin.createTopics(List.of(new NewTopic(a.output(), Optional.of(partitions), Optional.empty()))).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
      return partitions;
    }
  }

  public static void main(String[] argv) {
    Args a;
    try {
      a = parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("kafka-streams baseline: " + e.getMessage() + " (" + USAGE + ")");
      System.exit(2);
      return;
    }
    int inputPartitions;
    try {
      inputPartitions = prepareTopics(a);
    } catch (IllegalArgumentException e) {
      System.err.println("kafka-streams baseline: " + e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) {
      System.err.println("kafka-streams baseline: cannot reach the brokers at " + a.brokers() + ": " + e);
      System.exit(1);
      return;
    }

    // Kafka Streams 4.3.1 cannot restart on the local state that a killed process leaves under
    // exactly-once: it opens the stores at start-up and again in a stream thread, RocksDB refuses
    // the second open ("lock hold by current process"), and the client stops. Under exactly-once it
    // wipes such state anyway (no checkpoint file: "task corruption") and restores it from the
    // changelogs, so after an unclean stop we delete it first, which is the same recovery work.
    File running = new File(a.stateDir(), a.groupId() + ".running");
    if (running.exists()) {
      System.err.println("kafka-streams baseline: the previous run did not stop cleanly; local state is restored from the changelogs");
      try {
        Utils.delete(new File(a.stateDir(), a.groupId()));
      } catch (java.io.IOException e) {
        System.err.println("kafka-streams baseline: cannot delete the local state: " + e);
        System.exit(1);
        return;
      }
    }
    try {
      if (!new File(a.stateDir()).isDirectory() && !new File(a.stateDir()).mkdirs() || !running.exists() && !running.createNewFile()) {
        throw new java.io.IOException("cannot create " + running);
      }
    } catch (java.io.IOException e) {
      System.err.println("kafka-streams baseline: " + e.getMessage());
      System.exit(1);
      return;
    }

    Properties props = config(a);
    KafkaStreams streams = new KafkaStreams(topology(a, inputPartitions, props), props);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean ready = new AtomicBoolean();
    AtomicBoolean failed = new AtomicBoolean();
    AtomicBoolean terminating = new AtomicBoolean();
    streams.setUncaughtExceptionHandler(ex -> {
      System.err.println("kafka-streams baseline: stream thread failed: " + ex);
      failed.set(true);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && ready.compareAndSet(false, true)) {
        System.out.println("READY");
        System.out.flush();
      }
      if (now == KafkaStreams.State.ERROR || (now == KafkaStreams.State.NOT_RUNNING && !terminating.get())) {
        failed.set(true);
        stopped.countDown();
      }
    });
    Thread hook = new Thread(() -> {
      terminating.set(true);
      if (streams.close(Duration.ofSeconds(45))) running.delete();
      stopped.countDown();
    }, "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    streams.start();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failed.get() && !terminating.get()) {
      Runtime.getRuntime().removeShutdownHook(hook);
      streams.close(Duration.ofSeconds(15));
      System.err.println("kafka-streams baseline: stopped after an error");
      System.exit(1);
    }
  }
}
