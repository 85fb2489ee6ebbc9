package eddy.bench.flink;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Incremental per-content window aggregate: views = count, watchSeconds = sum, category = the event's. */
public class ContentAggregate implements AggregateFunction<WatchEvent, ContentStats, ContentStats> {
  private static final long serialVersionUID = 1L;

  @Override
  public ContentStats createAccumulator() {
    return new ContentStats();
  }

  @Override
  public ContentStats add(WatchEvent e, ContentStats acc) {
    acc.views += 1;
    acc.watchSeconds += e.watchSeconds;
    acc.category = e.category;
    return acc;
  }

  @Override
  public ContentStats getResult(ContentStats acc) {
    return acc;
  }

  @Override
  public ContentStats merge(ContentStats a, ContentStats b) {
    a.views += b.views;
    a.watchSeconds += b.watchSeconds;
    if (a.category == null) a.category = b.category;
    return a;
  }
}
