package eddy.bench.flink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;

/**
 * The tuned form's second stage, keyed by content id (the first stage's partitioning, reused without
 * a shuffle): combines a content id's slices into its sliding windows and feeds each window result
 * into this subtask's local top K per (window, group). Per key it keeps the slices still in an open
 * window in one value and one event-time timer, at the end of the next window that holds any of
 * them; each slice record costs one state update and each (key, window) one timer and one read.
 * The local top K of a window is complete once the watermark has fired every timer up to its end:
 * {@link Operator} then emits it (at most K entries per group) before forwarding the watermark.
 */
public class SlidingLocalTopK extends KeyedProcessFunction<String, Slice, WindowEntry> {
  private static final long serialVersionUID = 1L;

  private final SliceGeometry geometry;
  private final int k;
  private transient ValueState<SliceHistory> history;
  /** Window end → group → local top K; filled by timers, emptied by the operator on each watermark. */
  private transient TreeMap<Long, Map<String, List<WindowEntry>>> local;

  public SlidingLocalTopK(long windowMs, long slideMs, int k) {
    this.geometry = new SliceGeometry(windowMs, slideMs);
    this.k = k;
  }

  long sliceMs() {
    return geometry.slice;
  }

  @Override
  public void open(OpenContext ctx) {
    history = getRuntimeContext().getState(new ValueStateDescriptor<>("slices", Types.POJO(SliceHistory.class)));
    local = new TreeMap<>();
  }

  @Override
  public void processElement(Slice s, Context ctx, Collector<WindowEntry> out) throws Exception {
    SliceHistory h = history.value();
    if (h == null) h = new SliceHistory();
    h.category = s.category;
    h.add(s.sliceEnd, s.views, s.watchSeconds);
    long first = geometry.firstWindowEnd(s.sliceEnd);
    if (h.timerWindowEnd == 0 || first < h.timerWindowEnd) {
      if (h.timerWindowEnd != 0) ctx.timerService().deleteEventTimeTimer(h.timerWindowEnd - 1);
      ctx.timerService().registerEventTimeTimer(first - 1);
      h.timerWindowEnd = first;
    }
    history.update(h);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<WindowEntry> out) throws Exception {
    long windowEnd = timestamp + 1;
    SliceHistory h = history.value();
    long views = 0;
    long watchSeconds = 0;
    for (int i = 0; i < h.ends.length; i++) {
      if (geometry.inWindow(h.ends[i], windowEnd)) {
        views += h.views[i];
        watchSeconds += h.watchSeconds[i];
      }
    }
    if (views > 0) {
      String contentId = ctx.getCurrentKey();
      offer(windowEnd, h.category, contentId, views, watchSeconds);
      offer(windowEnd, AttachWindow.ALL, contentId, views, watchSeconds);
    }
    // The next window that holds a slice of this key (slices arriving later set their own timer).
    h.dropBefore(windowEnd, geometry);
    long next = Long.MAX_VALUE;
    for (long end : h.ends) next = Math.min(next, Math.max(geometry.firstWindowEnd(end), windowEnd + geometry.slide));
    if (next == Long.MAX_VALUE) {
      history.clear();
    } else {
      ctx.timerService().registerEventTimeTimer(next - 1);
      h.timerWindowEnd = next;
      history.update(h);
    }
  }

  private void offer(long windowEnd, String group, String contentId, long views, long watchSeconds) {
    List<WindowEntry> top = local.computeIfAbsent(windowEnd, e -> new HashMap<>()).computeIfAbsent(group, g -> new ArrayList<>(k + 1));
    if (top.size() >= k) {
      WindowEntry last = top.get(top.size() - 1);
      if (views < last.views || views == last.views && contentId.compareTo(last.contentId) > 0) return;
    }
    WindowEntry e = new WindowEntry(group, contentId, views, watchSeconds, windowEnd - geometry.size, windowEnd);
    int i = top.size();
    while (i > 0 && WindowEntry.compareRank(e, top.get(i - 1)) < 0) i--;
    top.add(i, e);
    if (top.size() > k) top.remove(top.size() - 1);
  }

  /** Emits every local top K gathered so far (all their windows are complete), as of time windowEnd - 1. */
  void emitLocalTops(Output<StreamRecord<WindowEntry>> output) {
    for (Map.Entry<Long, Map<String, List<WindowEntry>>> w : local.entrySet()) {
      StreamRecord<WindowEntry> record = new StreamRecord<>(null, w.getKey() - 1);
      for (List<WindowEntry> top : w.getValue().values()) {
        for (WindowEntry e : top) output.collect(record.replace(e));
      }
    }
    local.clear();
  }

  /**
   * Runs the function and, on each watermark, emits the local tops of the windows its timers just
   * completed before forwarding the watermark (AbstractStreamOperator's own order: timers, then
   * the watermark). The local tops never outlive one watermark, so they need no checkpointed state.
   */
  public static final class Operator extends KeyedProcessOperator<String, Slice, WindowEntry> {
    private static final long serialVersionUID = 1L;

    public Operator(SlidingLocalTopK function) {
      super(function);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
      if (timeServiceManager != null) timeServiceManager.advanceWatermark(mark);
      ((SlidingLocalTopK) userFunction).emitLocalTops(output);
      output.emitWatermark(mark);
    }
  }
}
