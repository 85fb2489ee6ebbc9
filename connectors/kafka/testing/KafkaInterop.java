// An independent Kafka client for interoperability tests: Apache Kafka's own Java client, run with the
// JDK's single-file launcher on the local broker's classpath (`java -cp '<lib>/*' KafkaInterop.java`).
//   produce <bootstrap> <topic>         reads "key<TAB>value" lines from stdin, writes them, prints the count
//   consume <bootstrap> <topic> <count> reads <count> records (read_committed) from the beginning and prints
//                                       "partition<TAB>offset<TAB>key<TAB>value" lines
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class KafkaInterop {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[1]);
    if (args[0].equals("produce")) {
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      p.put("enable.idempotence", "true");
      int n = 0;
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p);
           BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; n++) {
          int tab = line.indexOf('\t');
          producer.send(new ProducerRecord<>(args[2], line.substring(0, tab), line.substring(tab + 1)));
        }
        producer.flush();
      }
      System.out.println(n);
    } else {
      p.put("key.deserializer", StringDeserializer.class.getName());
      p.put("value.deserializer", StringDeserializer.class.getName());
      p.put("group.id", "interop-" + UUID.randomUUID());
      p.put("auto.offset.reset", "earliest");
      p.put("isolation.level", "read_committed");
      int want = Integer.parseInt(args[3]);
      int got = 0;
      long deadline = System.currentTimeMillis() + 60_000;
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
        consumer.subscribe(List.of(args[2]));
        while (got < want && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            System.out.println(r.partition() + "\t" + r.offset() + "\t" + r.key() + "\t" + r.value());
            got++;
          }
        }
      }
      if (got < want) System.exit(1);
    }
  }
}
