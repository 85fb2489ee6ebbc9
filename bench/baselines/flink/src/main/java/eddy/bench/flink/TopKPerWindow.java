package eddy.bench.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Second stage, keyed by (group, windowEnd): keeps the running top K of the window's entries in
 * RocksDB (exact, because each content id arrives once per window and group) and emits the ranking
 * on the event-time timer windowEnd - 1, i.e. once every upstream window of that end has fired.
 * Output: (record key = group, record value = the JSON ranking).
 */
public class TopKPerWindow extends KeyedProcessFunction<String, WindowEntry, Tuple2<String, String>> {
  private static final long serialVersionUID = 1L;

  private final int k;
  private transient ValueState<List<WindowEntry>> top;

  public TopKPerWindow(int k) {
    this.k = k;
  }

  public static String key(WindowEntry e) {
    return e.group + '\u0000' + e.windowEnd;
  }

  @Override
  public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
    top = getRuntimeContext().getState(new ValueStateDescriptor<>("top-k", Types.LIST(Types.POJO(WindowEntry.class))));
  }

  @Override
  public void processElement(WindowEntry e, Context ctx, Collector<Tuple2<String, String>> out) throws Exception {
    List<WindowEntry> list = top.value();
    if (list == null) {
      list = new ArrayList<>(k + 1);
      ctx.timerService().registerEventTimeTimer(e.windowEnd - 1);
    } else if (list.size() >= k && WindowEntry.compareRank(e, list.get(list.size() - 1)) >= 0) {
      return; // ranks below the current K-th: the top K is unchanged
    }
    int i = list.size();
    while (i > 0 && WindowEntry.compareRank(e, list.get(i - 1)) < 0) i--;
    list.add(i, e);
    if (list.size() > k) list.remove(list.size() - 1);
    top.update(list);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<String, String>> out) throws Exception {
    List<WindowEntry> list = top.value();
    top.clear();
    if (list == null || list.isEmpty()) return;
    WindowEntry first = list.get(0);
    out.collect(Tuple2.of(first.group, json(first.windowStart, first.windowEnd, first.group, list)));
  }

  /**
   * The trending record's JSON, in the spec's field order (windowStart, windowEnd, category,
   * rankings[rank, contentId, views, watchSeconds], emittedAt); emittedAt = the wall clock now.
   */
  static String json(long windowStart, long windowEnd, String group, List<WindowEntry> ranked) {
    StringBuilder sb = new StringBuilder(128 + 96 * ranked.size());
    sb.append("{\"windowStart\":").append(windowStart)
        .append(",\"windowEnd\":").append(windowEnd)
        .append(",\"category\":");
    Json.string(sb, group);
    sb.append(",\"rankings\":[");
    for (int r = 0; r < ranked.size(); r++) {
      WindowEntry e = ranked.get(r);
      if (r > 0) sb.append(',');
      sb.append("{\"rank\":").append(r + 1).append(",\"contentId\":");
      Json.string(sb, e.contentId);
      sb.append(",\"views\":").append(e.views).append(",\"watchSeconds\":").append(e.watchSeconds).append('}');
    }
    sb.append("],\"emittedAt\":").append(System.currentTimeMillis()).append('}');
    return sb.toString();
  }
}
