package eddy.bench.flink;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** The tuned form's first stage: attaches the tumbling slice's end to a content id's aggregate. */
public class AttachSlice extends ProcessWindowFunction<ContentStats, Slice, String, TimeWindow> {
  private static final long serialVersionUID = 1L;

  @Override
  public void process(String contentId, Context ctx, Iterable<ContentStats> aggregates, Collector<Slice> out) {
    for (ContentStats s : aggregates) out.collect(new Slice(contentId, s.category, ctx.window().getEnd(), s.views, s.watchSeconds));
  }
}
