package eddy.bench.flink;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** (category, JSON) to an output record: key = category, value = the JSON, both UTF-8. */
public class RankingSerializer implements KafkaRecordSerializationSchema<Tuple2<String, String>> {
  private static final long serialVersionUID = 1L;
  private final String topic;

  public RankingSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(Tuple2<String, String> r, KafkaSinkContext ctx, Long timestamp) {
    return new ProducerRecord<>(topic, r.f0.getBytes(StandardCharsets.UTF_8), r.f1.getBytes(StandardCharsets.UTF_8));
  }
}
