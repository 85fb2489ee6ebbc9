package eddy.bench.kstreams;

import eddy.bench.kstreams.Model.Entry;
import eddy.bench.kstreams.Model.Msg;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2, after the repartition by category: merges the partial top-K lists of every upstream
 * task into one top K per (window, category), and emits it once the window is closed on ALL
 * upstream tasks: min over upstream tasks of their stream time (from their progress markers) >=
 * windowEnd + grace. That is Flink's rule "watermark = min over input partitions of (max event
 * time - outOfOrderness - 1) >= windowEnd - 1", since each upstream task reads one input partition.
 */
final class GlobalTopK implements ProcessorSupplier<String, Msg, String, String> {
  static final String RANKINGS = "global-topk";
  static final String PROGRESS = "upstream-progress";
  private static final Logger LOG = LoggerFactory.getLogger(GlobalTopK.class);

  private final long windowMs;
  private final long graceMs;
  private final int top;
  private final int upstreamTasks;

  GlobalTopK(long windowMs, long graceMs, int top, int upstreamTasks) {
    this.windowMs = windowMs;
    this.graceMs = graceMs;
    this.top = top;
    this.upstreamTasks = upstreamTasks;
  }

  @Override
  public Set<StoreBuilder<?>> stores() {
    return Set.of(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RANKINGS), Serdes.Bytes(), Model.TOP_SERDE).withCachingEnabled(),
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PROGRESS), Serdes.Integer(), Serdes.Long()).withCachingEnabled());
  }

  @Override
  public Processor<String, Msg, String, String> get() {
    return new Processor<>() {
      private ProcessorContext<String, String> context;
      private KeyValueStore<Bytes, List<Entry>> rankings;
      private KeyValueStore<Integer, Long> progress;
      private final long[] upstreamTime = new long[upstreamTasks];
      private long minTime = Long.MIN_VALUE; // the windows with end + grace <= minTime have been emitted
      private long droppedLate;

      @Override
      public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.rankings = context.getStateStore(RANKINGS);
        this.progress = context.getStateStore(PROGRESS);
        Arrays.fill(upstreamTime, Long.MIN_VALUE);
        try (KeyValueIterator<Integer, Long> it = progress.all()) {
          while (it.hasNext()) {
            KeyValue<Integer, Long> kv = it.next();
            if (kv.key >= 0 && kv.key < upstreamTasks) upstreamTime[kv.key] = kv.value;
          }
        }
        minTime = Arrays.stream(upstreamTime).min().orElse(Long.MIN_VALUE);
      }

      @Override
      public void process(Record<String, Msg> r) {
        Msg m = r.value();
        if (m == null) return;
        if (m.marker()) {
          int u = m.upstream();
          if (u < 0 || u >= upstreamTasks || m.streamTime() <= upstreamTime[u]) return;
          upstreamTime[u] = m.streamTime();
          progress.put(u, m.streamTime());
          long min = Arrays.stream(upstreamTime).min().getAsLong();
          if (min > minTime) {
            minTime = min;
            emitClosed();
          }
          return;
        }
        if (m.windowStart() + windowMs + graceMs <= minTime) {
          // Cannot happen with exactly-once processing: every upstream task sends a window's
          // rankings before its marker that closes the window.
          if (droppedLate++ == 0) LOG.warn("dropping a partial ranking for an already emitted window {} / {}", m.windowStart(), m.category());
          return;
        }
        Bytes key = Model.windowKey(m.windowStart(), m.category());
        List<Entry> l = rankings.get(key);
        if (l == null) {
          l = new ArrayList<>(m.entries());
        } else {
          for (Entry e : m.entries()) if (!Model.insert(l, e, top)) break; // e's list is sorted too
        }
        rankings.put(key, l);
      }

      private void emitClosed() {
        List<Bytes> emitted = new ArrayList<>();
        try (KeyValueIterator<Bytes, List<Entry>> it = rankings.all()) { // sorted by window start
          while (it.hasNext()) {
            KeyValue<Bytes, List<Entry>> kv = it.next();
            long windowStart = Model.keyWindowStart(kv.key);
            if (windowStart + windowMs + graceMs > minTime) break;
            String category = Model.keyCategory(kv.key);
            long now = System.currentTimeMillis();
            context.forward(new Record<>(category, json(windowStart, windowStart + windowMs, category, kv.value, now), now));
            emitted.add(kv.key);
          }
        }
        for (Bytes k : emitted) rankings.delete(k);
      }
    };
  }

  static String json(long windowStart, long windowEnd, String category, List<Entry> top, long emittedAt) {
    StringBuilder b = new StringBuilder(96 + top.size() * 80);
    b.append("{\"windowStart\":").append(windowStart).append(",\"windowEnd\":").append(windowEnd).append(",\"category\":");
    quote(b, category);
    b.append(",\"rankings\":[");
    for (int i = 0; i < top.size(); i++) {
      Entry e = top.get(i);
      if (i > 0) b.append(',');
      b.append("{\"rank\":").append(i + 1).append(",\"contentId\":");
      quote(b, e.contentId());
      b.append(",\"views\":").append(e.views()).append(",\"watchSeconds\":").append(e.watchSeconds()).append('}');
    }
    return b.append("],\"emittedAt\":").append(emittedAt).append('}').toString();
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    b.append('"');
  }
}
