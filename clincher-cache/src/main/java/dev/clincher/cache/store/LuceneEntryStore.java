package dev.clincher.cache.store;

import dev.clincher.cache.index.LuceneFiles;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.BytesRef;

/**
 * Values in a Lucene index under a directory (the embedded cache's answers survive a restart), bounded by total
 * bytes (oldest evicted first), each with its expiry; an expired value is never returned.
 */
public final class LuceneEntryStore implements EntryStore {
  private static final String KEY = "key";
  private static final String VALUE = "value";
  private static final String EXPIRES = "expires";

  private record Held(long expiresAtMillis, long bytes) {}

  private final LuceneFiles files;
  private final long maxBytes;
  private final Clock clock;
  private final LinkedHashMap<String, Held> held = new LinkedHashMap<>();
  private long bytes;

  private LuceneEntryStore(LuceneFiles files, long maxBytes, Clock clock) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1, not " + maxBytes);
    }
    this.files = files;
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** The values in {@code directory} (created if absent), with what an earlier run left there. */
  public static LuceneEntryStore open(Path directory, long maxBytes, Clock clock) {
    LuceneEntryStore store = new LuceneEntryStore(LuceneFiles.open(directory), maxBytes, clock);
    store.readHeld();
    return store;
  }

  @Override
  public Optional<byte[]> get(String key) {
    synchronized (this) {
      Held value = held.get(key);
      if (value == null) {
        return Optional.empty();
      }
      if (value.expiresAtMillis() <= clock.millis()) {
        remove(key);
        return Optional.empty();
      }
    }
    return files.search(searcher -> {
      TopDocs top = searcher.search(new TermQuery(new Term(KEY, key)), 1);
      if (top.scoreDocs.length == 0) {
        return Optional.empty();
      }
      Document document = searcher.storedFields().document(top.scoreDocs[0].doc, Set.of(VALUE, EXPIRES));
      if (document.getField(EXPIRES).numericValue().longValue() <= clock.millis()) {
        return Optional.empty();
      }
      BytesRef value = document.getBinaryValue(VALUE);
      return Optional.of(BytesRef.deepCopyOf(value).bytes);
    });
  }

  @Override
  public synchronized void put(String key, byte[] value, Duration ttl) {
    if (value.length > maxBytes) {
      return;
    }
    long expires = clock.millis() + ttl.toMillis();
    Document document = new Document();
    document.add(new StringField(KEY, key, Field.Store.YES));
    document.add(new StoredField(VALUE, value));
    document.add(new LongField(EXPIRES, expires, Field.Store.YES));
    remove(key);
    files.update(new Term(KEY, key), document);
    held.put(key, new Held(expires, value.length));
    bytes += value.length;
    evictBeyondBound();
  }

  private void evictBeyondBound() {
    Iterator<String> oldest = held.keySet().iterator();
    while (bytes > maxBytes && oldest.hasNext()) {
      String gone = oldest.next();
      bytes -= held.get(gone).bytes();
      oldest.remove();
      files.delete(new Term(KEY, gone));
    }
  }

  @Override
  public boolean ping() {
    return true;
  }

  @Override
  public void close() {
    files.close();
  }

  private void remove(String key) {
    Held old = held.remove(key);
    if (old != null) {
      bytes -= old.bytes();
      files.delete(new Term(KEY, key));
    }
  }

  /** Rebuilds the byte count and eviction order from the files, dropping what expired meanwhile. */
  private synchronized void readHeld() {
    record Stored(String key, long expires, long bytes) {}
    List<Stored> stored = new ArrayList<>();
    files.forEachDocument(document -> stored.add(new Stored(document.get(KEY),
        document.getField(EXPIRES).numericValue().longValue(), document.getBinaryValue(VALUE).length)));
    stored.sort(Comparator.comparingLong(Stored::expires));
    long now = clock.millis();
    for (Stored entry : stored) {
      if (entry.expires() <= now) {
        files.delete(new Term(KEY, entry.key()));
      } else {
        held.put(entry.key(), new Held(entry.expires(), entry.bytes()));
        bytes += entry.bytes();
      }
    }
    evictBeyondBound();
  }
}
