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
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * more round trips): replicas stay in sync incrementally, removals, evictions and expiries included. The search runs
 * outside the sync's lock on a near-real-time Lucene searcher; an expired entry is never returned. The replica is
 * bounded like Redis (so it holds what Redis holds) and keeps the {@code maxNamespaces} most recently used namespaces.
 *
 * <p>Cold start never waits for a graph. A cold namespace, or one further behind than the entry bound, is loaded from
 * Redis (in batches of {@value #FETCH_BATCH}; seconds at 100k entries) into a plain {@link Namespace} (vectors, ids,
 * expiries) that serves lookups at once by an exact linear scan, while the HNSW graph is built in the background on
 * the build executor (by default one named daemon thread per index: one build at a time). The build copies the
 * entries when it starts; the syncs that run meanwhile apply each change to the linear copy and record the changed
 * id. When the copy is in the graph, the recorded ids are replayed onto it (removed, or put again from the linear
 * copy) — first outside the namespace's lock, then what was recorded meanwhile under it — and the graph is swapped in
 * under that lock, so no change is lost and a lookup sees either the linear copy or the complete graph. A build that
 * fails leaves the linear copy serving and is started again by the first sync after {@link #BUILD_RETRY}. Each build
 * is logged once ({@code cache.index_build}: namespace, entries, duration_ms, outcome).
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
  private static final Logger LOG = LoggerFactory.getLogger("clincher.cache");
  /** How long a namespace whose graph build failed is served by the linear scan before the build is tried again. */
  static final Duration BUILD_RETRY = Duration.ofMinutes(1);

  private final UnifiedJedis redis;
  private final String prefix;
  private final IndexBounds bounds;
  private final Clock clock;
  /** The replica of every mirrored namespace's entries (its namespaces are dropped with their {@link Mirror}). */
  private final LuceneVectorIndex replica;
  /** The version of each mirrored namespace the replica reflects, least recently used first. */
  private final LinkedHashMap<String, Mirror> mirrors = new LinkedHashMap<>(16, 0.75f, true);
  /** Runs the graph builds, one at a time. */
  private final Executor builds;
  /** The builds' thread when this index made it (stopped by {@link #close}), else null. */
  private final ExecutorService ownBuilds;

  /** One mirrored namespace's state; its lock serializes that namespace's syncs, linear scans and graph swap. */
  private static final class Mirror {
    long version = -1; // -1: never loaded
    /** Serves the lookups by a linear scan until the graph is swapped in (then null). */
    Namespace linear;
    /** The ids changed since the running build copied the entries (null when no build runs). */
    Set<String> changedDuringBuild;
    long retryAtMillis = Long.MAX_VALUE; // when a failed build is started again
    /** Incremented by each build started: a build of an older generation stops. */
    volatile int generation;
    /** Set when the namespace is no longer mirrored: its build stops. */
    volatile boolean dropped;
  }

  /**
   * @param redis  a pooled client (not closed by this index)
   * @param prefix key prefix, e.g. {@code clincher:cache:}
   * @param bounds entries and bytes kept per namespace, in Redis and in the replica; namespaces mirrored in memory
   */
  public RedisVectorIndex(UnifiedJedis redis, String prefix, IndexBounds bounds, Clock clock) {
    this(redis, prefix, bounds, clock, null);
  }

  /** As above, the graphs built by {@code builds} (which must run them one at a time), or by a thread of its own. */
  RedisVectorIndex(UnifiedJedis redis, String prefix, IndexBounds bounds, Clock clock, Executor builds) {
    this.redis = redis;
    this.prefix = prefix;
    this.bounds = bounds;
    this.clock = clock;
    this.replica = LuceneVectorIndex.inMemory(
        new IndexBounds(bounds.maxEntriesPerNamespace(), bounds.maxBytesPerNamespace(), Integer.MAX_VALUE), clock);
    this.ownBuilds = builds == null
        ? Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("clincher-cache-index-build").factory())
        : null;
    this.builds = builds == null ? ownBuilds : builds;
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
      if (mirror.linear != null) { // the graph is being built
        return mirror.linear.nearest(vector, min, clock.millis());
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
    if (ownBuilds != null) {
      ownBuilds.shutdownNow();
    }
    replica.close();
  }

  /** Whether lookups of {@code namespace} search its graph (false while it is cold or being built; for benchmarks). */
  public boolean searchesGraph(String namespace) {
    Mirror mirror = mirror(namespace);
    synchronized (mirror) {
      return mirror.version >= 0 && mirror.linear == null;
    }
  }

  /** Brings the replica up to the namespace's current version (no-op when unchanged); holds the mirror's lock. */
  private void sync(String namespace, Mirror mirror) {
    byte[] text = redis.get(key(namespace, "ver"));
    long current = text == null ? 0 : Long.parseLong(new String(text, StandardCharsets.UTF_8));
    if (current != mirror.version) {
      if (mirror.version < 0 || current < mirror.version
          || current - mirror.version > bounds.maxEntriesPerNamespace()) {
        reload(namespace, mirror);
      } else {
        applyChanges(namespace, mirror);
      }
      mirror.version = current;
    }
    if (mirror.linear != null && mirror.changedDuringBuild == null && clock.millis() >= mirror.retryAtMillis) {
      startBuild(namespace, mirror); // the last build failed
    }
  }

  /** Loads every live entry of the namespace into a linear copy that serves at once, and starts the graph build. */
  private void reload(String namespace, Mirror mirror) {
    List<Tuple> live = redis.zrangeByScoreWithScores(key(namespace, "ids"), clock.millis() + 1,
        Double.POSITIVE_INFINITY);
    Map<String, Long> expiries = new HashMap<>();
    for (Tuple tuple : live) {
      expiries.put(tuple.getElement(), (long) tuple.getScore());
    }
    mirror.linear = new Namespace(bounds.maxEntriesPerNamespace());
    fetch(namespace, List.copyOf(expiries.keySet()), expiries, mirror);
    startBuild(namespace, mirror);
  }

  /** Applies the changes since the mirror's version: tombstoned ids removed, new or replaced vectors fetched. */
  private void applyChanges(String namespace, Mirror mirror) {
    List<String> changed = redis.zrangeByScore(name(namespace, "seq"), mirror.version + 1, Double.POSITIVE_INFINITY);
    Map<String, Long> expiries = new HashMap<>();
    if (!changed.isEmpty()) {
      List<Double> scores = redis.zmscore(name(namespace, "ids"), changed.toArray(String[]::new));
      for (int i = 0; i < changed.size(); i++) {
        if (scores.get(i) == null) {
          remove(namespace, mirror, changed.get(i)); // removed, evicted or expired in Redis: a tombstone
        } else {
          expiries.put(changed.get(i), scores.get(i).longValue());
        }
      }
    }
    fetch(namespace, List.copyOf(expiries.keySet()), expiries, mirror);
  }

  private void fetch(String namespace, List<String> ids, Map<String, Long> expiries, Mirror mirror) {
    for (int from = 0; from < ids.size(); from += FETCH_BATCH) {
      List<String> batch = ids.subList(from, Math.min(ids.size(), from + FETCH_BATCH));
      byte[][] fields = batch.stream().map(RedisVectorIndex::utf8).toArray(byte[][]::new);
      List<byte[]> vectors = redis.hmget(key(namespace, "vec"), fields);
      for (int i = 0; i < batch.size(); i++) {
        if (vectors.get(i) != null) {
          String id = batch.get(i);
          put(namespace, mirror, id, new Namespace.Entry(Float16.decode(vectors.get(i)), expiries.get(id)));
        }
      }
    }
  }

  /** One change to a synced entry: to the linear copy (recorded for the build) while there is one, else the graph. */
  private void put(String namespace, Mirror mirror, String id, Namespace.Entry entry) {
    if (mirror.linear == null) {
      replica.putUntil(namespace, id, entry.vector(), entry.expiresAtMillis());
      return;
    }
    mirror.linear.put(id, entry, clock.millis());
    if (mirror.changedDuringBuild != null) {
      mirror.changedDuringBuild.add(id);
    }
  }

  private void remove(String namespace, Mirror mirror, String id) {
    if (mirror.linear == null) {
      replica.remove(namespace, id);
      return;
    }
    mirror.linear.remove(id);
    if (mirror.changedDuringBuild != null) {
      mirror.changedDuringBuild.add(id);
    }
  }

  /** Hands the build of the namespace's graph, from a copy of its linear entries, to the build executor. */
  private void startBuild(String namespace, Mirror mirror) {
    int generation = ++mirror.generation;
    Map<String, Namespace.Entry> entries = mirror.linear.copy();
    mirror.changedDuringBuild = new HashSet<>();
    mirror.retryAtMillis = Long.MAX_VALUE;
    try {
      builds.execute(() -> build(namespace, mirror, generation, entries));
    } catch (RejectedExecutionException e) { // closed
      buildFailed(namespace, mirror, generation, entries.size(), 0, e);
    }
  }

  /** Runs on the build executor: the graph from the copied entries, the changes made meanwhile, then the swap. */
  private void build(String namespace, Mirror mirror, int generation, Map<String, Namespace.Entry> entries) {
    long started = System.nanoTime();
    try {
      replica.removeNamespace(namespace); // what an earlier, stopped build or graph left
      for (Map.Entry<String, Namespace.Entry> entry : entries.entrySet()) {
        if (mirror.generation != generation || mirror.dropped) {
          replica.removeNamespace(namespace);
          logBuild(namespace, entries.size(), started, "abandoned"); // dropped, or reloaded since
          return;
        }
        replica.putUntil(namespace, entry.getKey(), entry.getValue().vector(), entry.getValue().expiresAtMillis());
      }
      replay(namespace, drainChanges(mirror, generation));
      synchronized (mirror) {
        if (mirror.generation != generation || mirror.dropped) {
          replica.removeNamespace(namespace);
          logBuild(namespace, entries.size(), started, "abandoned");
          return;
        }
        replay(namespace, drainChanges(mirror, generation));
        mirror.linear = null;
        mirror.changedDuringBuild = null;
      }
      logBuild(namespace, entries.size(), started, "built");
    } catch (RuntimeException e) {
      buildFailed(namespace, mirror, generation, entries.size(), started, e);
    }
  }

  /** The entries changed since the build started (null: removed), forgotten from the mirror's record. */
  private static Map<String, Namespace.Entry> drainChanges(Mirror mirror, int generation) {
    synchronized (mirror) {
      Map<String, Namespace.Entry> changes = new HashMap<>();
      if (mirror.generation == generation && mirror.changedDuringBuild != null) {
        mirror.changedDuringBuild.forEach(id -> changes.put(id, mirror.linear.get(id)));
        mirror.changedDuringBuild.clear();
      }
      return changes;
    }
  }

  /** Applies recorded changes to the graph: removals first, so the additions never evict a live entry. */
  private void replay(String namespace, Map<String, Namespace.Entry> changes) {
    changes.forEach((id, entry) -> {
      if (entry == null) {
        replica.remove(namespace, id);
      }
    });
    changes.forEach((id, entry) -> {
      if (entry != null) {
        replica.putUntil(namespace, id, entry.vector(), entry.expiresAtMillis());
      }
    });
  }

  private void buildFailed(String namespace, Mirror mirror, int generation, int entries, long started,
      RuntimeException e) {
    synchronized (mirror) {
      if (mirror.generation == generation) { // the linear copy keeps serving
        mirror.changedDuringBuild = null;
        mirror.retryAtMillis = clock.millis() + BUILD_RETRY.toMillis();
      }
    }
    LOG.atWarn().addKeyValue("namespace", namespace).addKeyValue("entries", entries)
        .addKeyValue("duration_ms", started == 0 ? 0 : (System.nanoTime() - started) / 1_000_000)
        .addKeyValue("outcome", "failed").addKeyValue("exception", e.getClass().getName())
        .addKeyValue("retry_after_s", BUILD_RETRY.toSeconds()).log("cache.index_build");
  }

  private static void logBuild(String namespace, int entries, long started, String outcome) {
    LOG.atInfo().addKeyValue("namespace", namespace).addKeyValue("entries", entries)
        .addKeyValue("duration_ms", (System.nanoTime() - started) / 1_000_000).addKeyValue("outcome", outcome)
        .log("cache.index_build");
  }

  /** The namespace's mirror (created cold); beyond the bound the least recently used is dropped with its entries. */
  private synchronized Mirror mirror(String namespace) {
    Mirror mirror = mirrors.computeIfAbsent(namespace, name -> new Mirror());
    Iterator<Map.Entry<String, Mirror>> eldest = mirrors.entrySet().iterator();
    while (mirrors.size() > bounds.maxNamespaces()) {
      Map.Entry<String, Mirror> dropped = eldest.next();
      eldest.remove();
      dropped.getValue().dropped = true; // stops its build
      replica.removeNamespace(dropped.getKey()); // a sync still running on it leaves strays a reload removes
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
