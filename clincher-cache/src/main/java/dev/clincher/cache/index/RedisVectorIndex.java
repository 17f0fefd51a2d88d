package dev.clincher.cache.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.Tuple;

/**
 * The shared index in plain Redis (no RediSearch module needed), searched through a local replica.
 *
 * <p>Layout per namespace {@code ns} (one hash tag, so a cluster keeps them on one slot):
 * <pre>
 *   {prefix}{ns}:ids    sorted set   id → expiry (epoch ms)             the bounds and the TTL of each entry
 *   {prefix}{ns}:seq    sorted set   id → the version that last put or removed it (what changed since version v)
 *   {prefix}{ns}:vec    hash         id → vector as float16 (2 bytes × dims, 768 B for all-MiniLM-L6-v2)
 *   {prefix}{ns}:ver    counter      incremented by every put and remove
 *   {prefix}{ns}:bytes  counter      what the entries count against the byte bound ({@link IndexBounds#entryBytes})
 * </pre>
 * A put runs one Lua script: bump the version, drop expired ids, add the entry, evict the soonest-expiring beyond
 * either bound (entries, bytes; never the entry just added), record the entry and every dropped id under the version
 * (a dropped id in {@code :seq} but not in {@code :ids} is a tombstone), forget changes older than the entry bound,
 * and set every key's TTL.
 *
 * <p>Each instance (router replica) keeps a replica of the namespaces it searches: a {@link LuceneVectorIndex} in
 * memory (Lucene's HNSW graph, one per namespace, with each entry's expiry from Redis). A lookup reads only
 * {@code :ver} (one round trip) while nothing changed; when the version moved, it reads just the ids changed since
 * the replica's version and their expiries, deletes the tombstoned ones from the replica and adds the new vectors (two
 * more round trips): replicas stay in sync incrementally, removals, evictions and expiries included. A cold replica,
 * or one further behind than the entry bound, loads the whole namespace (in batches of {@value #FETCH_BATCH}). The
 * search runs outside the sync's lock on a near-real-time Lucene searcher; an expired entry is never returned. The
 * replica is bounded like Redis (so it holds what Redis holds) and keeps the {@code maxNamespaces} most recently used
 * namespaces.
 */
public final class RedisVectorIndex implements VectorIndex {
  private static final String PUT_SCRIPT = """
      local now = tonumber(ARGV[4])
      local max_entries = tonumber(ARGV[5])
      local max_bytes = tonumber(ARGV[7])
      local version = redis.call('INCR', KEYS[3])
      local function size(id) -- the float32 vector (twice the float16 one) and the id, as IndexBounds.entryBytes
        local stored = redis.call('HSTRLEN', KEYS[2], id)
        if stored == 0 then return 0 end
        return 2 * stored + #id
      end
      if redis.call('EXISTS', KEYS[5]) == 0 then -- new, or written by a version without the byte bound: count once
        local total = 0
        for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do total = total + size(id) end
        redis.call('SET', KEYS[5], total)
      end
      local function drop(id)
        redis.call('DECRBY', KEYS[5], size(id))
        redis.call('HDEL', KEYS[2], id)
        redis.call('ZREM', KEYS[1], id)
        redis.call('ZADD', KEYS[4], version, id)
      end
      for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do drop(id) end
      redis.call('DECRBY', KEYS[5], size(ARGV[1])) -- a replaced entry
      redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
      redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
      redis.call('INCRBY', KEYS[5], size(ARGV[1]))
      redis.call('ZADD', KEYS[4], version, ARGV[1])
      local function over()
        return redis.call('ZCARD', KEYS[1]) > max_entries or tonumber(redis.call('GET', KEYS[5])) > max_bytes
      end
      local skipped = 0 -- the entry just added, never evicted
      while over() do
        local soonest = redis.call('ZRANGE', KEYS[1], skipped, skipped + 63)
        if #soonest == 0 then break end
        for _, id in ipairs(soonest) do
          if not over() then break end
          if id == ARGV[1] then skipped = skipped + 1 else drop(id) end
        end
      end
      redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. (version - max_entries))
      for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
      return version
      """;
  private static final String REMOVE_SCRIPT = """
      local stored = redis.call('HSTRLEN', KEYS[2], ARGV[1])
      if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
      if stored > 0 then redis.call('DECRBY', KEYS[5], 2 * stored + #ARGV[1]) end
      redis.call('HDEL', KEYS[2], ARGV[1])
      local version = redis.call('INCR', KEYS[3])
      redis.call('ZADD', KEYS[4], version, ARGV[1])
      return version
      """;
  private static final int FETCH_BATCH = 500;

  private final UnifiedJedis redis;
  private final String prefix;
  private final IndexBounds bounds;
  private final Clock clock;
  /** The replica of every mirrored namespace's entries (its namespaces are dropped with their {@link Mirror}). */
  private final LuceneVectorIndex replica;
  /** The version of each mirrored namespace the replica reflects, least recently used first. */
  private final LinkedHashMap<String, Mirror> mirrors = new LinkedHashMap<>(16, 0.75f, true);

  /** The version of one namespace the replica reflects; its lock serializes that namespace's syncs. */
  private static final class Mirror {
    long version = -1; // -1: never loaded
  }

  /**
   * @param redis  a pooled client (not closed by this index)
   * @param prefix key prefix, e.g. {@code clincher:cache:}
   * @param bounds entries and bytes kept per namespace, in Redis and in the replica; namespaces mirrored in memory
   */
  public RedisVectorIndex(UnifiedJedis redis, String prefix, IndexBounds bounds, Clock clock) {
    this.redis = redis;
    this.prefix = prefix;
    this.bounds = bounds;
    this.clock = clock;
    this.replica = LuceneVectorIndex.inMemory(
        new IndexBounds(bounds.maxEntriesPerNamespace(), bounds.maxBytesPerNamespace(), Integer.MAX_VALUE), clock);
  }

  @Override
  public void put(String namespace, String id, float[] vector, Duration ttl) {
    long now = clock.millis();
    List<byte[]> args = List.of(utf8(id), Float16.encode(vector), utf8(Long.toString(now + ttl.toMillis())),
        utf8(Long.toString(now)), utf8(Integer.toString(bounds.maxEntriesPerNamespace())),
        utf8(Long.toString(Math.max(1, ttl.toMillis()))), utf8(Long.toString(bounds.maxBytesPerNamespace())));
    try {
      redis.eval(utf8(PUT_SCRIPT), keys(namespace), args);
    } catch (JedisException e) {
      throw new CacheBackendException("redis: storing a vector failed", e);
    }
  }

  @Override
  public void remove(String namespace, String id) {
    try {
      redis.eval(utf8(REMOVE_SCRIPT), keys(namespace), List.of(utf8(id)));
    } catch (JedisException e) {
      throw new CacheBackendException("redis: removing a vector failed", e);
    }
  }

  @Override
  public Optional<Match> nearest(String namespace, float[] vector, float min) {
    Mirror mirror = mirror(namespace);
    synchronized (mirror) {
      try {
        sync(namespace, mirror);
      } catch (JedisException e) {
        throw new CacheBackendException("redis: reading the index failed", e);
      }
    }
    return replica.nearest(namespace, vector, min);
  }

  @Override
  public int size(String namespace) {
    try {
      return (int) redis.zcount(key(namespace, "ids"), clock.millis() + 1, Double.POSITIVE_INFINITY);
    } catch (JedisException e) {
      throw new CacheBackendException("redis: counting entries failed", e);
    }
  }

  @Override
  public void close() {
    replica.close();
  }

  /** Brings the replica up to the namespace's current version (no-op when unchanged). */
  private void sync(String namespace, Mirror mirror) {
    byte[] text = redis.get(key(namespace, "ver"));
    long current = text == null ? 0 : Long.parseLong(new String(text, StandardCharsets.UTF_8));
    if (current == mirror.version) {
      return;
    }
    if (mirror.version < 0 || current < mirror.version
        || current - mirror.version > bounds.maxEntriesPerNamespace()) {
      reload(namespace);
    } else {
      List<String> changed = redis.zrangeByScore(name(namespace, "seq"), mirror.version + 1, Double.POSITIVE_INFINITY);
      Map<String, Long> expiries = new HashMap<>();
      if (!changed.isEmpty()) {
        List<Double> scores = redis.zmscore(name(namespace, "ids"), changed.toArray(String[]::new));
        for (int i = 0; i < changed.size(); i++) {
          if (scores.get(i) == null) {
            replica.remove(namespace, changed.get(i)); // removed, evicted or expired in Redis: a tombstone
          } else {
            expiries.put(changed.get(i), scores.get(i).longValue());
          }
        }
      }
      fetch(namespace, List.copyOf(expiries.keySet()), expiries);
    }
    mirror.version = current;
  }

  /** Makes the replica hold every live entry of the namespace (and only those). */
  private void reload(String namespace) {
    List<Tuple> live = redis.zrangeByScoreWithScores(key(namespace, "ids"), clock.millis() + 1,
        Double.POSITIVE_INFINITY);
    Map<String, Long> expiries = new HashMap<>();
    for (Tuple tuple : live) {
      expiries.put(tuple.getElement(), (long) tuple.getScore());
    }
    Set<String> held = new HashSet<>(replica.ids(namespace));
    for (String id : held) {
      if (!expiries.containsKey(id)) {
        replica.remove(namespace, id);
      }
    }
    List<String> missing = new ArrayList<>();
    expiries.keySet().forEach(id -> {
      if (!held.contains(id)) {
        missing.add(id);
      }
    });
    fetch(namespace, missing, expiries);
  }

  private void fetch(String namespace, List<String> ids, Map<String, Long> expiries) {
    for (int from = 0; from < ids.size(); from += FETCH_BATCH) {
      List<String> batch = ids.subList(from, Math.min(ids.size(), from + FETCH_BATCH));
      byte[][] fields = batch.stream().map(RedisVectorIndex::utf8).toArray(byte[][]::new);
      List<byte[]> vectors = redis.hmget(key(namespace, "vec"), fields);
      for (int i = 0; i < batch.size(); i++) {
        if (vectors.get(i) != null) {
          String id = batch.get(i);
          replica.putUntil(namespace, id, Float16.decode(vectors.get(i)), expiries.get(id));
        }
      }
    }
  }

  /** The namespace's mirror (created cold); beyond the bound the least recently used is dropped with its entries. */
  private synchronized Mirror mirror(String namespace) {
    Mirror mirror = mirrors.computeIfAbsent(namespace, name -> new Mirror());
    Iterator<String> eldest = mirrors.keySet().iterator();
    while (mirrors.size() > bounds.maxNamespaces()) {
      String dropped = eldest.next();
      eldest.remove();
      replica.removeNamespace(dropped); // a sync still running on it leaves strays a reload removes
    }
    return mirror;
  }

  /** The scripts' KEYS: ids, vec, ver, seq, bytes. */
  private List<byte[]> keys(String namespace) {
    return List.of(key(namespace, "ids"), key(namespace, "vec"), key(namespace, "ver"), key(namespace, "seq"),
        key(namespace, "bytes"));
  }

  private byte[] key(String namespace, String part) {
    return utf8(name(namespace, part));
  }

  private String name(String namespace, String part) {
    return prefix + "{" + namespace + "}:" + part;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Vectors as IEEE half-precision floats, little-endian: half the size of float32, similarity error below 1e-3. */
  static final class Float16 {
    private Float16() {}

    static byte[] encode(float[] vector) {
      ByteBuffer buffer = ByteBuffer.allocate(2 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float value : vector) {
        buffer.putShort(Float.floatToFloat16(value));
      }
      return buffer.array();
    }

    static float[] decode(byte[] bytes) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      float[] vector = new float[bytes.length / 2];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = Float.float16ToFloat(buffer.getShort());
      }
      return vector;
    }
  }
}
