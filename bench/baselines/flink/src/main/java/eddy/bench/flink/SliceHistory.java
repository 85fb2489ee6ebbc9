package eddy.bench.flink;

import java.util.Arrays;

/**
 * One content id's slices that still belong to a window not yet emitted (a Flink POJO kept in one
 * RocksDB value per key: at most window/slice + 1 entries), its category, and the end of the window
 * its pending timer emits (0: no timer).
 */
public class SliceHistory {
  public String category;
  public long[] ends = new long[0];
  public long[] views = new long[0];
  public long[] watchSeconds = new long[0];
  public long timerWindowEnd;

  public SliceHistory() {}

  /** Appends a slice; slices of one key arrive in event-time order (each fires on the watermark). */
  void add(long end, long v, long w) {
    int n = ends.length;
    ends = Arrays.copyOf(ends, n + 1);
    views = Arrays.copyOf(views, n + 1);
    watchSeconds = Arrays.copyOf(watchSeconds, n + 1);
    ends[n] = end;
    views[n] = v;
    watchSeconds[n] = w;
  }

  /** Keeps the slices whose last window ends after `windowEnd`. */
  void dropBefore(long windowEnd, SliceGeometry g) {
    int keep = 0;
    while (keep < ends.length && g.lastWindowEnd(ends[keep]) <= windowEnd) keep++;
    if (keep == 0) return;
    ends = Arrays.copyOfRange(ends, keep, ends.length);
    views = Arrays.copyOfRange(views, keep, views.length);
    watchSeconds = Arrays.copyOfRange(watchSeconds, keep, watchSeconds.length);
  }
}
