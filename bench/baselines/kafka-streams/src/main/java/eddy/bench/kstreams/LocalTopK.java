package eddy.bench.kstreams;

import eddy.bench.kstreams.Model.Agg;
import eddy.bench.kstreams.Model.Entry;
import eddy.bench.kstreams.Model.Msg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * End of stage 1, in the same task as the per-content windowed aggregation (one task per input
 * partition). It receives the final per-content result of each closed window, keeps a partial
 * top K per (window, category) and per (window, "all") in a state store, and on stream-time
 * punctuation sends the partial rankings downstream, followed by a progress marker (this task's
 * stream time) to every downstream partition once another window has closed here.
 *
 * <p>Why the partial top K is exact: the input is keyed (and so partitioned) by contentId, so each
 * content id's complete count lives in exactly one upstream task, and any member of the global
 * top K is also in the top K of its own task (views desc, contentId asc is a total order).
 *
 * <p>Why the marker is safe: the windowed aggregation (emitStrategy onWindowClose, emit interval 0)
 * emits a window's final results synchronously while processing the record that moves stream time
 * past windowEnd + grace; the punctuation runs after that record was processed, flushes the store,
 * then sends the marker, through the same producer (so in order per partition).
 */
final class LocalTopK implements ProcessorSupplier<Windowed<String>, Agg, String, Msg> {
  static final String STORE = "local-topk";
  static final String ALL = "all";

  private final long windowMs;
  private final long slideMs;
  private final long graceMs;
  private final int top;

  LocalTopK(long windowMs, long slideMs, long graceMs, int top) {
    this.windowMs = windowMs;
    this.slideMs = slideMs;
    this.graceMs = graceMs;
    this.top = top;
  }

  @Override
  public Set<StoreBuilder<?>> stores() {
    return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.Bytes(), Model.TOP_SERDE)
        .withCachingEnabled());
  }

  @Override
  public Processor<Windowed<String>, Agg, String, Msg> get() {
    return new Processor<>() {
      private ProcessorContext<String, Msg> context;
      private KeyValueStore<Bytes, List<Entry>> store;
      private int upstream;
      private boolean dirty = true; // a restored store may hold rankings not yet sent
      private long markedCloses = Long.MIN_VALUE;

      @Override
      public void init(ProcessorContext<String, Msg> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.upstream = context.taskId().partition();
        context.schedule(Duration.ofMillis(1), PunctuationType.STREAM_TIME, this::punctuate);
      }

      @Override
      public void process(Record<Windowed<String>, Agg> r) {
        Agg a = r.value();
        if (a == null) return;
        long windowStart = r.key().window().start();
        Entry e = new Entry(r.key().key(), a.views(), a.watchSeconds());
        add(Model.windowKey(windowStart, a.category()), e);
        add(Model.windowKey(windowStart, ALL), e);
        dirty = true;
      }

      private void add(Bytes key, Entry e) {
        List<Entry> l = store.get(key);
        if (l == null) l = new ArrayList<>(top + 1);
        if (Model.insert(l, e, top)) store.put(key, l);
      }

      private void punctuate(long streamTime) {
        if (dirty) {
          List<Bytes> sent = new ArrayList<>();
          try (KeyValueIterator<Bytes, List<Entry>> it = store.all()) {
            while (it.hasNext()) {
              KeyValue<Bytes, List<Entry>> kv = it.next();
              String category = Model.keyCategory(kv.key);
              context.forward(new Record<>(category, Msg.data(Model.keyWindowStart(kv.key), category, kv.value), streamTime));
              sent.add(kv.key);
            }
          }
          for (Bytes k : sent) store.delete(k);
          dirty = false;
        }
        // Windows [s, s+W) with s + W + grace <= streamTime are closed; s is a multiple of S.
        long closes = Math.floorDiv(streamTime - graceMs - windowMs, slideMs);
        if (closes > markedCloses) {
          markedCloses = closes;
          context.forward(new Record<>("", Msg.marker(upstream, streamTime), streamTime));
        }
      }
    };
  }
}
