package eddy.bench.flink;

/** One row of the SQL form's Window Top-N: a content id's rank in one (window, category) ranking. */
public class RankedRow {
  public String category;
  public String contentId;
  public long views;
  public long watchSeconds;
  public long windowStart;
  public long windowEnd;
  public long rank;

  public RankedRow() {}
}
