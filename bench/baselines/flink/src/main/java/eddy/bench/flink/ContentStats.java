package eddy.bench.flink;

/** Accumulator of the per-content window aggregate: views, watchSeconds and the content's category. */
public class ContentStats {
  public long views;
  public long watchSeconds;
  public String category;

  public ContentStats() {}
}
