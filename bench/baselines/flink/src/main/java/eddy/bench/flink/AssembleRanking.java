package eddy.bench.flink;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The SQL form's last step, keyed by (category, windowEnd): collects the Window Top-N rows of one
 * ranking (at most K) and writes them as one trending record, ordered by the SQL rank, on the
 * event-time timer windowEnd - 1. The Window Top-N operator emits a window's rows before it forwards
 * the watermark that fired the window, so every row is here when the timer fires.
 */
public class AssembleRanking extends KeyedProcessFunction<String, RankedRow, Tuple2<String, String>> {
  private static final long serialVersionUID = 1L;

  private transient ListState<RankedRow> rows;

  public static String key(RankedRow r) {
    return r.category + '\u0000' + r.windowEnd;
  }

  @Override
  public void open(OpenContext ctx) {
    rows = getRuntimeContext().getListState(new ListStateDescriptor<>("ranked-rows", Types.POJO(RankedRow.class)));
  }

  @Override
  public void processElement(RankedRow r, Context ctx, Collector<Tuple2<String, String>> out) throws Exception {
    // Registering the same timer again is a no-op; the first row of a ranking creates it.
    ctx.timerService().registerEventTimeTimer(r.windowEnd - 1);
    rows.add(r);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<String, String>> out) throws Exception {
    List<RankedRow> ranked = new ArrayList<>();
    for (RankedRow r : rows.get()) ranked.add(r);
    rows.clear();
    if (ranked.isEmpty()) return;
    ranked.sort(Comparator.comparingLong(r -> r.rank));
    List<WindowEntry> entries = new ArrayList<>(ranked.size());
    for (RankedRow r : ranked) {
      entries.add(new WindowEntry(r.category, r.contentId, r.views, r.watchSeconds, r.windowStart, r.windowEnd));
    }
    RankedRow first = ranked.get(0);
    out.collect(Tuple2.of(first.category, TopKPerWindow.json(first.windowStart, first.windowEnd, first.category, entries)));
  }
}
