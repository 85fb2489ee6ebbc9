package eddy.bench.flink;

/**
 * One content id's aggregate for one window, routed to one ranking group: {@code group} is the
 * content's category, or "all" (each window result is emitted once per group).
 */
public class WindowEntry {
  public String group;
  public String contentId;
  public long views;
  public long watchSeconds;
  public long windowStart;
  public long windowEnd;

  public WindowEntry() {}

  public WindowEntry(String group, String contentId, long views, long watchSeconds, long windowStart, long windowEnd) {
    this.group = group;
    this.contentId = contentId;
    this.views = views;
    this.watchSeconds = watchSeconds;
    this.windowStart = windowStart;
    this.windowEnd = windowEnd;
  }

  /** Ranking order: views descending, then contentId ascending (String.compareTo = UTF-16 order). */
  public static int compareRank(WindowEntry a, WindowEntry b) {
    int c = Long.compare(b.views, a.views);
    return c != 0 ? c : a.contentId.compareTo(b.contentId);
  }
}
