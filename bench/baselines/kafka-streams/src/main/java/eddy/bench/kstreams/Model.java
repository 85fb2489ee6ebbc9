package eddy.bench.kstreams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;

/** The job's value types and their (compact, binary) serdes. */
final class Model {
  private Model() {}

  /** One watch event: only what the job needs (the content id is the record key). */
  record Event(String category, long watchSeconds, long eventTime) {}

  /** Per content id and window: views and summed watch seconds (the category rides along). */
  record Agg(String category, long views, long watchSeconds) {
    static final Agg EMPTY = new Agg(null, 0, 0);

    Agg add(Event e) {
      return new Agg(e.category(), views + 1, watchSeconds + e.watchSeconds());
    }
  }

  /** One ranked content id. */
  record Entry(String contentId, long views, long watchSeconds) {}

  /**
   * A record of the repartition topic between the two stages: either a partial top-K of one
   * (window, category) from one upstream task, or a progress marker "upstream task {@code
   * upstream} has reached stream time {@code streamTime}, and has sent everything that closes by
   * then" (sent to every downstream partition).
   */
  record Msg(boolean marker, long windowStart, String category, List<Entry> entries, int upstream, long streamTime) {
    static Msg data(long windowStart, String category, List<Entry> entries) {
      return new Msg(false, windowStart, category, entries, -1, -1);
    }

    static Msg marker(int upstream, long streamTime) {
      return new Msg(true, -1, null, List.of(), upstream, streamTime);
    }
  }

  // ---- ranking: views descending, then contentId ascending (String.compareTo = UTF-16 order) ----

  static int compare(Entry a, Entry b) {
    int c = Long.compare(b.views(), a.views());
    return c != 0 ? c : a.contentId().compareTo(b.contentId());
  }

  /** Inserts {@code e} into the sorted list {@code top}, keeping at most {@code k} entries; false if it did not make it. */
  static boolean insert(List<Entry> top, Entry e, int k) {
    int i = top.size();
    while (i > 0 && compare(e, top.get(i - 1)) < 0) i--;
    if (i >= k) return false;
    top.add(i, e);
    if (top.size() > k) top.remove(top.size() - 1);
    return true;
  }

  // ---- input: JSON watch events ----

  static final class EventDeserializer implements Deserializer<Event> {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public Event deserialize(String topic, byte[] data) {
      if (data == null) return null;
      String category = null;
      long watchSeconds = 0;
      long eventTime = Long.MIN_VALUE;
      try (JsonParser p = JSON.createParser(data)) {
        if (p.nextToken() != JsonToken.START_OBJECT) return null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken t = p.nextToken();
          switch (field) {
            case "category" -> category = t == JsonToken.VALUE_STRING ? p.getText() : null;
            case "watchSeconds" -> watchSeconds = t.isNumeric() ? p.getValueAsLong() : 0;
            case "eventTime" -> eventTime = t.isNumeric() ? p.getValueAsLong() : Long.MIN_VALUE;
            default -> p.skipChildren();
          }
        }
      } catch (IOException e) {
        return null; // malformed: dropped by the timestamp extractor (negative timestamp)
      }
      if (category == null || eventTime == Long.MIN_VALUE) return null;
      return new Event(category.intern(), watchSeconds, eventTime);
    }
  }

  // ---- binary helpers ----

  private static void putString(ByteBuffer b, byte[] s) {
    b.putInt(s.length);
    b.put(s);
  }

  private static String getString(ByteBuffer b) {
    int n = b.getInt();
    String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Event serde (only used if Kafka Streams ever needs to write an event; the input is JSON). */
  static final Serde<Event> EVENT_SERDE = Serdes.serdeFrom(
      (Serializer<Event>) (topic, e) -> {
        if (e == null) return null;
        byte[] c = utf8(e.category());
        ByteBuffer b = ByteBuffer.allocate(4 + c.length + 16);
        putString(b, c);
        return b.putLong(e.watchSeconds()).putLong(e.eventTime()).array();
      },
      (Deserializer<Event>) (topic, data) -> {
        if (data == null) return null;
        ByteBuffer b = ByteBuffer.wrap(data);
        return new Event(getString(b), b.getLong(), b.getLong());
      });

  static final Serde<Agg> AGG_SERDE = Serdes.serdeFrom(
      (Serializer<Agg>) (topic, a) -> {
        if (a == null) return null;
        byte[] c = utf8(a.category() == null ? "" : a.category());
        ByteBuffer b = ByteBuffer.allocate(4 + c.length + 16);
        putString(b, c);
        return b.putLong(a.views()).putLong(a.watchSeconds()).array();
      },
      (Deserializer<Agg>) (topic, data) -> {
        if (data == null) return null;
        ByteBuffer b = ByteBuffer.wrap(data);
        return new Agg(getString(b), b.getLong(), b.getLong());
      });

  /** A sorted top-K list. */
  static final Serde<List<Entry>> TOP_SERDE = Serdes.serdeFrom(
      (Serializer<List<Entry>>) (topic, l) -> l == null ? null : writeEntries(l, 0, null),
      (Deserializer<List<Entry>>) (topic, data) -> data == null ? null : readEntries(ByteBuffer.wrap(data)));

  private static byte[] writeEntries(List<Entry> l, int headerBytes, java.util.function.Consumer<ByteBuffer> header) {
    byte[][] ids = new byte[l.size()][];
    int size = headerBytes + 4;
    for (int i = 0; i < ids.length; i++) {
      ids[i] = utf8(l.get(i).contentId());
      size += 4 + ids[i].length + 16;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    if (header != null) header.accept(b);
    b.putInt(ids.length);
    for (int i = 0; i < ids.length; i++) {
      putString(b, ids[i]);
      b.putLong(l.get(i).views()).putLong(l.get(i).watchSeconds());
    }
    return b.array();
  }

  private static List<Entry> readEntries(ByteBuffer b) {
    int n = b.getInt();
    List<Entry> l = new ArrayList<>(n + 1);
    for (int i = 0; i < n; i++) l.add(new Entry(getString(b), b.getLong(), b.getLong()));
    return l;
  }

  static final Serde<Msg> MSG_SERDE = Serdes.serdeFrom(
      (Serializer<Msg>) (topic, m) -> {
        if (m == null) return null;
        if (m.marker()) {
          return ByteBuffer.allocate(13).put((byte) 1).putInt(m.upstream()).putLong(m.streamTime()).array();
        }
        byte[] c = utf8(m.category());
        return writeEntries(m.entries(), 1 + 8 + 4 + c.length, b -> {
          b.put((byte) 0).putLong(m.windowStart());
          putString(b, c);
        });
      },
      (Deserializer<Msg>) (topic, data) -> {
        if (data == null) return null;
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.get() == 1) return Msg.marker(b.getInt(), b.getLong());
        long windowStart = b.getLong();
        String category = getString(b);
        return Msg.data(windowStart, category, readEntries(b));
      });

  // ---- state store keys: 8-byte big-endian window start, then the UTF-8 category ----
  // (byte order = window-start order for the non-negative epoch times of the workload)

  static Bytes windowKey(long windowStart, String category) {
    byte[] c = utf8(category);
    return Bytes.wrap(ByteBuffer.allocate(8 + c.length).putLong(windowStart).put(c).array());
  }

  static long keyWindowStart(Bytes key) {
    return ByteBuffer.wrap(key.get()).getLong();
  }

  static String keyCategory(Bytes key) {
    byte[] k = key.get();
    return new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
  }
}
