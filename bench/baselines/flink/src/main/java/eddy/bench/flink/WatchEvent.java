package eddy.bench.flink;

/** The fields of a watch event that the job uses (a Flink POJO: public fields, no-arg constructor). */
public class WatchEvent {
  public String contentId;
  public String category;
  public long watchSeconds;
  public long eventTime;

  public WatchEvent() {}

  public WatchEvent(String contentId, String category, long watchSeconds, long eventTime) {
    this.contentId = contentId;
    this.category = category;
    this.watchSeconds = watchSeconds;
    this.eventTime = eventTime;
  }
}
