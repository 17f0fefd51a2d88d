package dev.clincher.cache.index;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded index: Lucene's HNSW graph of the vectors (approximate nearest neighbours, logarithmic search), in
 * files under a directory so a restart keeps the cache, or in memory. One Lucene document per entry: its namespace,
 * id, expiry and vector, in a vector field of the namespace's own (one graph per namespace, so a search needs no
 * filter and never sees another namespace); of the nearest candidates the best one the namespace's ledger still
 * holds unexpired is returned, so an expired or evicted entry never is. Bounded by {@link IndexBounds}: a
 * {@link Ledger} per namespace (rebuilt from the files at start) picks the least recently used entries to delete.
 */
public final class LuceneVectorIndex implements VectorIndex {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.cache");
  /** Candidates the HNSW search collects; more than 1 keeps the approximate search from missing the best match. */
  private static final int CANDIDATES = 8;
  /** Searches per lookup at most, when the candidates found were all expired. */
  private static final int SEARCHES = 4;
  /** Lucene's limit on vector dimensions. */
  private static final int MAX_DIMENSIONS = 1024;
  private static final String NAMESPACE = "ns";
  private static final String ID = "id";
  private static final String KEY = "key";
  private static final String EXPIRES = "expires";
  private static final String DIMENSIONS = "dims";

  private final LuceneFiles files;
  private final IndexBounds bounds;
  private final Clock clock;
  private final LinkedHashMap<String, Ledger> ledgers = new LinkedHashMap<>(16, 0.75f, true);

  private LuceneVectorIndex(LuceneFiles files, IndexBounds bounds, Clock clock) {
    this.files = files;
    this.bounds = bounds;
    this.clock = clock;
  }

  /** An index in {@code directory} (created if absent), with the entries an earlier run left there. */
  public static LuceneVectorIndex open(Path directory, IndexBounds bounds, Clock clock) {
    LuceneVectorIndex index = new LuceneVectorIndex(LuceneFiles.open(directory), bounds, clock);
    index.readLedgers();
    return index;
  }

  /** An index in this JVM's memory only. */
  public static LuceneVectorIndex inMemory(IndexBounds bounds, Clock clock) {
    return new LuceneVectorIndex(LuceneFiles.inMemory(), bounds, clock);
  }

  @Override
  public void put(String namespace, String id, float[] vector, Duration ttl) {
    putUntil(namespace, id, vector, clock.millis() + ttl.toMillis());
  }

  /** Adds or replaces an entry that expires at {@code expiresAtMillis} (a replica copying a shared store's entry). */
  void putUntil(String namespace, String id, float[] vector, long expiresAtMillis) {
    if (vector.length == 0 || vector.length > MAX_DIMENSIONS) {
      LOG.atWarn().addKeyValue("dimensions", vector.length).log("cache.index.vector_refused");
      return;
    }
    Document document = new Document();
    document.add(new StringField(NAMESPACE, namespace, Field.Store.YES));
    document.add(new StringField(ID, id, Field.Store.YES));
    document.add(new StringField(KEY, key(namespace, id), Field.Store.NO));
    document.add(new StoredField(EXPIRES, expiresAtMillis));
    document.add(new StoredField(DIMENSIONS, vector.length));
    document.add(new KnnFloatVectorField(vectorField(namespace, vector.length), vector,
        VectorSimilarityFunction.DOT_PRODUCT));
    synchronized (this) {
      files.update(new Term(KEY, key(namespace, id)), document);
      Ledger ledger = ledger(namespace);
      List<String> evicted = ledger.add(id,
          new Ledger.Held(expiresAtMillis, IndexBounds.entryBytes(id, vector.length)), clock.millis());
      evicted.forEach(gone -> files.delete(new Term(KEY, key(namespace, gone))));
      dropNamespacesBeyondBound();
    }
  }

  /**
   * The best of the nearest candidates that the namespace's ledger holds unexpired. Expired candidates are deleted on
   * the way; when every one of a full list of candidates was expired or gone, the search runs again (at most
   * {@value #SEARCHES} times), so a cluster of expired entries near the query does not hide a live one.
   */
  @Override
  public Optional<Match> nearest(String namespace, float[] vector, float min) {
    if (vector.length == 0 || vector.length > MAX_DIMENSIONS) {
      return Optional.empty();
    }
    KnnFloatVectorQuery query = new KnnFloatVectorQuery(vectorField(namespace, vector.length), vector, CANDIDATES);
    for (int search = 0; search < SEARCHES; search++) {
      synchronized (this) {
        if (!ledgers.containsKey(namespace)) {
          return Optional.empty();
        }
      }
      List<Match> candidates = files.search(searcher -> candidates(searcher, query, min));
      long now = clock.millis();
      synchronized (this) {
        Ledger ledger = ledgers.get(namespace);
        for (Match candidate : candidates) { // best first
          if (ledger != null && ledger.live(candidate.id(), now)) { // never an expired or evicted entry
            return Optional.of(candidate);
          }
          if (ledger != null && ledger.remove(candidate.id())) { // held but expired
            files.delete(new Term(KEY, key(namespace, candidate.id())));
          }
        }
      }
      if (candidates.size() < CANDIDATES) {
        return Optional.empty(); // every entry above min was a candidate
      }
    }
    return Optional.empty();
  }

  /** Forgets a namespace and its entries. */
  synchronized void removeNamespace(String namespace) {
    if (ledgers.remove(namespace) != null) {
      files.delete(new Term(NAMESPACE, namespace));
    }
  }

  /** The ids {@code namespace} holds (expired ones included until they are dropped). */
  synchronized List<String> ids(String namespace) {
    Ledger ledger = ledgers.get(namespace);
    return ledger == null ? List.of() : ledger.ids();
  }

  @Override
  public synchronized void remove(String namespace, String id) {
    Ledger ledger = ledgers.get(namespace);
    if (ledger != null && ledger.remove(id)) {
      files.delete(new Term(KEY, key(namespace, id)));
    }
  }

  @Override
  public synchronized int size(String namespace) {
    Ledger ledger = ledgers.get(namespace);
    if (ledger == null) {
      return 0;
    }
    ledger.dropExpired(clock.millis()).forEach(gone -> files.delete(new Term(KEY, key(namespace, gone))));
    return ledger.size();
  }

  /** Makes every change durable; {@link #close} does too. */
  public void commit() {
    files.commit();
  }

  @Override
  public void close() {
    files.close();
  }

  /** The nearest entries at least {@code min} similar, best first (ids are read only for those). */
  private static List<Match> candidates(IndexSearcher searcher, KnnFloatVectorQuery query, float min)
      throws IOException {
    TopDocs top = searcher.search(query, CANDIDATES); // sorted by score, best first
    StoredFields fields = searcher.storedFields();
    List<Match> candidates = new ArrayList<>(top.scoreDocs.length);
    for (ScoreDoc hit : top.scoreDocs) {
      float similarity = 2 * hit.score - 1; // Lucene scores a dot product d as (1 + d) / 2
      if (similarity < min) {
        break;
      }
      candidates.add(new Match(fields.document(hit.doc, Set.of(ID)).get(ID), similarity));
    }
    return candidates;
  }

  /** Rebuilds the ledgers from the documents on disk, oldest expiry first, dropping what expired meanwhile. */
  private void readLedgers() {
    record Stored(String namespace, String id, long expires, long bytes) {}
    List<Stored> stored = new ArrayList<>();
    files.forEachDocument(document -> {
      String id = document.get(ID);
      int dimensions = document.getField(DIMENSIONS).numericValue().intValue();
      stored.add(new Stored(document.get(NAMESPACE), id, document.getField(EXPIRES).numericValue().longValue(),
          IndexBounds.entryBytes(id, dimensions)));
    });
    stored.sort(Comparator.comparingLong(Stored::expires));
    long now = clock.millis();
    synchronized (this) {
      for (Stored entry : stored) {
        ledger(entry.namespace()).add(entry.id(), new Ledger.Held(entry.expires(), entry.bytes()), now)
            .forEach(gone -> files.delete(new Term(KEY, key(entry.namespace(), gone))));
      }
      for (Map.Entry<String, Ledger> ledger : ledgers.entrySet()) {
        ledger.getValue().dropExpired(now)
            .forEach(gone -> files.delete(new Term(KEY, key(ledger.getKey(), gone))));
      }
      dropNamespacesBeyondBound();
    }
    LOG.atInfo().addKeyValue("entries", stored.size()).addKeyValue("namespaces", ledgers.size())
        .log("cache.index.loaded");
  }

  private Ledger ledger(String namespace) {
    return ledgers.computeIfAbsent(namespace, name -> new Ledger(bounds));
  }

  private void dropNamespacesBeyondBound() {
    while (ledgers.size() > bounds.maxNamespaces()) {
      removeNamespace(ledgers.keySet().iterator().next());
    }
  }

  /**
   * One vector field, so one HNSW graph, per namespace and dimension count: a search needs no filter (whose cost
   * grows with the entries) and Lucene needs one dimension per field (embedding models may differ).
   */
  private static String vectorField(String namespace, int dimensions) {
    return "v" + dimensions + ":" + namespace;
  }

  private static String key(String namespace, String id) {
    return namespace + "\0" + id;
  }

}
