package eddy.bench.flink;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The runner contract's flags (bench/baselines/README.md), shared by every form. */
public final class Args {
  String brokers;
  String inputTopic;
  String outputTopic;
  String groupId;
  String stateDir;
  long windowMs = 600_000;
  long slideMs = 60_000;
  int top = 10;
  long outOfOrdernessMs = 30_000;
  long checkpointIntervalMs = 5_000;
  boolean bounded;

  private static final Set<String> VALUED = Set.of("--brokers", "--input-topic", "--output-topic", "--group-id",
      "--state-dir", "--window-ms", "--slide-ms", "--top", "--out-of-orderness-ms", "--checkpoint-interval-ms",
      "--session-timeout-ms");

  static Args parse(String[] argv) {
    Map<String, String> m = new HashMap<>();
    Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      String f = argv[i];
      String v = null;
      int eq = f.indexOf('=');
      if (f.startsWith("--") && eq > 0) {
        v = f.substring(eq + 1);
        f = f.substring(0, eq);
      }
      if (f.equals("--bounded") && v == null) {
        a.bounded = true;
      } else if (VALUED.contains(f)) {
        if (v == null) {
          if (i + 1 >= argv.length) throw new IllegalArgumentException(f + " needs a value");
          v = argv[++i];
        }
        if (v.isEmpty()) throw new IllegalArgumentException(f + " needs a non-empty value");
        m.put(f, v);
      } else {
        throw new IllegalArgumentException("unknown argument: " + argv[i]);
      }
    }
    a.brokers = required(m, "--brokers");
    a.inputTopic = required(m, "--input-topic");
    a.outputTopic = required(m, "--output-topic");
    a.groupId = required(m, "--group-id");
    a.stateDir = required(m, "--state-dir");
    a.windowMs = positive(m, "--window-ms", a.windowMs);
    a.slideMs = positive(m, "--slide-ms", a.slideMs);
    long top = positive(m, "--top", a.top);
    if (top > 1_000) throw new IllegalArgumentException("--top must be at most 1000");
    a.top = (int) top;
    a.outOfOrdernessMs = nonNegative(m, "--out-of-orderness-ms", a.outOfOrdernessMs);
    a.checkpointIntervalMs = positive(m, "--checkpoint-interval-ms", a.checkpointIntervalMs);
    // Validated but unused: Flink's Kafka source assigns partitions itself (no group membership),
    // so there is no session for a dead process to time out of.
    positive(m, "--session-timeout-ms", 1);
    if (a.slideMs > a.windowMs) throw new IllegalArgumentException("--slide-ms must be at most --window-ms");
    return a;
  }

  private static String required(Map<String, String> m, String f) {
    String v = m.get(f);
    if (v == null) throw new IllegalArgumentException("missing " + f);
    return v;
  }

  private static long number(Map<String, String> m, String f, long dflt) {
    String v = m.get(f);
    if (v == null) return dflt;
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(f + " must be an integer, got '" + v + "'");
    }
  }

  private static long positive(Map<String, String> m, String f, long dflt) {
    long n = number(m, f, dflt);
    if (n <= 0) throw new IllegalArgumentException(f + " must be positive, got " + n);
    return n;
  }

  private static long nonNegative(Map<String, String> m, String f, long dflt) {
    long n = number(m, f, dflt);
    if (n < 0) throw new IllegalArgumentException(f + " must not be negative, got " + n);
    return n;
  }
}
