package eddy.bench.flink;

import java.io.Serializable;

/**
 * Flink's sliding event-time windows [k·slide, k·slide + size), cut into tumbling slices of
 * gcd(size, slide) (as Flink SQL's window operators slice hopping windows): every window is the
 * union of size/slice whole slices. Window ends are k·slide + size, so one window ends every slide.
 */
final class SliceGeometry implements Serializable {
  private static final long serialVersionUID = 1L;

  final long size;
  final long slide;
  final long slice;

  SliceGeometry(long size, long slide) {
    this.size = size;
    this.slide = slide;
    long a = size;
    long b = slide;
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    this.slice = a;
  }

  /** The end of the first window holding the slice that ends at `sliceEnd` (its start ≥ sliceEnd - size). */
  long firstWindowEnd(long sliceEnd) {
    return -Math.floorDiv(size - sliceEnd, slide) * slide + size;
  }

  /** The end of the last window holding the slice that ends at `sliceEnd` (its start ≤ the slice's start). */
  long lastWindowEnd(long sliceEnd) {
    return Math.floorDiv(sliceEnd - slice, slide) * slide + size;
  }

  /** Whether the slice that ends at `sliceEnd` lies in the window that ends at `windowEnd`. */
  boolean inWindow(long sliceEnd, long windowEnd) {
    return sliceEnd <= windowEnd && sliceEnd - slice >= windowEnd - size;
  }
}
