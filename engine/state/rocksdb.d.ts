// The parts of Level's `rocksdb` package (CommonJS, untyped) that Eddy uses.
declare module 'rocksdb' {
  type Callback<T = void> = (err: Error | undefined | null, value: T) => void;
  interface RocksIterator {
    next(cb: (err: Error | undefined | null, key?: Buffer, value?: Buffer) => void): void;
    end(cb: (err?: Error | null) => void): void;
  }
  interface RocksDB {
    open(options: Record<string, unknown>, cb: (err?: Error | null) => void): void;
    close(cb: (err?: Error | null) => void): void;
    getMany(keys: Buffer[], options: Record<string, unknown>, cb: Callback<(Buffer | undefined)[]>): void;
    batch(ops: ({ type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer })[], options: Record<string, unknown>, cb: (err?: Error | null) => void): void;
    iterator(options: Record<string, unknown>): RocksIterator;
    clear(options: Record<string, unknown>, cb: (err?: Error | null) => void): void;
    approximateSize(start: Buffer, end: Buffer, cb: Callback<number>): void;
    getProperty(property: string): string;
  }
  interface RocksDBFactory {
    (location: string): RocksDB;
    destroy(location: string, cb: (err?: Error | null) => void): void;
  }
  const factory: RocksDBFactory;
  export default factory;
}
