package eddy.bench.kstreams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds RocksDB's off-heap memory for the whole process (Kafka Streams' documented recipe): all
 * store instances share one 64 MiB block cache, which also accounts for the memtables (at most
 * 32 MiB). Without it every store instance (and every segment of a window store) gets its own
 * 50 MiB cache and 3 x 16 MiB memtables.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {
  private static final long CACHE_BYTES = 64L << 20;
  private static final long MEMTABLE_BYTES = 32L << 20;

  static {
    org.rocksdb.RocksDB.loadLibrary();
  }

  private static final Cache CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.1);
  private static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(CACHE);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(WRITE_BUFFERS);
    options.setMaxWriteBufferNumber(2);
    options.setWriteBufferSize(8L << 20);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and write buffer manager are shared: never closed here.
  }
}
