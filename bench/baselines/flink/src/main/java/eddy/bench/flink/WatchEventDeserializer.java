package eddy.bench.flink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses the record value (UTF-8 JSON watch event) with Jackson's streaming parser, keeping only
 * contentId, category, watchSeconds and eventTime. Records that are not valid watch events are
 * skipped (counted, one warning at the first). Also prints READY once every source reader opened.
 */
public class WatchEventDeserializer implements KafkaRecordDeserializationSchema<WatchEvent> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(WatchEventDeserializer.class);
  /** Source readers opened in this JVM (the MiniCluster runs the job in-process). */
  private static final AtomicInteger OPENED = new AtomicInteger();
  private static final AtomicInteger SKIPPED = new AtomicInteger();

  private final int readers;
  private transient JsonFactory json;

  public WatchEventDeserializer(int readers) {
    this.readers = readers;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    json = new JsonFactory();
    if (OPENED.incrementAndGet() == readers) {
      System.out.println("READY");
      System.out.flush();
    }
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<WatchEvent> out) {
    byte[] value = record.value();
    WatchEvent e = value == null ? null : parse(value);
    if (e != null) {
      out.collect(e);
    } else if (SKIPPED.getAndIncrement() == 0) {
      LOG.warn("skipping input records that are not valid watch events (first at {}-{}@{})",
          record.topic(), record.partition(), record.offset());
    }
  }

  private WatchEvent parse(byte[] value) {
    String contentId = null;
    String category = null;
    long watchSeconds = 0;
    long eventTime = 0;
    boolean hasWatch = false;
    boolean hasTime = false;
    try (JsonParser p = json.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "contentId":
            if (v != JsonToken.VALUE_STRING) return null;
            contentId = p.getText();
            break;
          case "category":
            if (v != JsonToken.VALUE_STRING) return null;
            category = p.getText();
            break;
          case "watchSeconds":
            if (v != JsonToken.VALUE_NUMBER_INT) return null;
            watchSeconds = p.getLongValue();
            hasWatch = true;
            break;
          case "eventTime":
            if (v != JsonToken.VALUE_NUMBER_INT) return null;
            eventTime = p.getLongValue();
            hasTime = true;
            break;
          default:
            p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT) return null;
    } catch (IOException | RuntimeException ex) {
      return null;
    }
    if (contentId == null || contentId.isEmpty() || category == null || !hasWatch || !hasTime) return null;
    return new WatchEvent(contentId, category, watchSeconds, eventTime);
  }

  @Override
  public TypeInformation<WatchEvent> getProducedType() {
    return TypeInformation.of(WatchEvent.class);
  }
}
