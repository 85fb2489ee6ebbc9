package eddy.bench.flink;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Attaches the window to the content's aggregate and routes it to its two ranking groups: its
 * category and "all". The records carry the timestamp windowEnd - 1 (Flink's window result time).
 */
public class AttachWindow extends ProcessWindowFunction<ContentStats, WindowEntry, String, TimeWindow> {
  private static final long serialVersionUID = 1L;
  public static final String ALL = "all";

  @Override
  public void process(String contentId, Context ctx, Iterable<ContentStats> aggregates, Collector<WindowEntry> out) {
    TimeWindow w = ctx.window();
    for (ContentStats s : aggregates) {
      out.collect(new WindowEntry(s.category, contentId, s.views, s.watchSeconds, w.getStart(), w.getEnd()));
      out.collect(new WindowEntry(ALL, contentId, s.views, s.watchSeconds, w.getStart(), w.getEnd()));
    }
  }
}
