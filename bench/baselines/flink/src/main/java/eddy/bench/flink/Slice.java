package eddy.bench.flink;

/** One content id's aggregate over one slice [sliceEnd - slice size, sliceEnd) of event time. */
public class Slice {
  public String contentId;
  public String category;
  public long sliceEnd;
  public long views;
  public long watchSeconds;

  public Slice() {}

  public Slice(String contentId, String category, long sliceEnd, long views, long watchSeconds) {
    this.contentId = contentId;
    this.category = category;
    this.sliceEnd = sliceEnd;
    this.views = views;
    this.watchSeconds = watchSeconds;
  }
}
