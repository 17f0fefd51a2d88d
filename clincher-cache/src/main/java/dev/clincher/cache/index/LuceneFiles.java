package dev.clincher.cache.index;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.document.Document;
import java.util.function.Consumer;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;

/**
 * One Lucene index: a writer, and searchers that see every change made before the search began (near-real-time:
 * reopened only when something changed; safe while other threads write). On disk, committed at most every
 * {@link #COMMIT_EVERY} while changes are made, and on {@link #close}; a crash loses at most that much (in memory
 * there is nothing to make durable, so nothing is committed). Disk failures are {@link CacheBackendException}s, so
 * the cache is bypassed rather than failing requests.
 */
public final class LuceneFiles implements AutoCloseable {
  /** Longest time changes stay uncommitted while more are made. */
  public static final Duration COMMIT_EVERY = Duration.ofSeconds(10);
  /**
   * What an in-memory index buffers before it flushes a segment (a bound, not an allocation): a replica's bulk load
   * (a cold namespace's background build, ~2 KB a 384-dimension entry) up to ~200k entries becomes one segment, whose
   * HNSW graph is built once and searched once (0.3-0.5 ms p50 at 100k, against 1.0-1.7 ms in the two segments a
   * 128 MB buffer made: bench/cache/README.md); a refresh for a search flushes it earlier.
   */
  private static final double IN_MEMORY_BUFFER_MB = 512;

  /** A search over the current searcher. */
  public interface Search<T> {
    T run(IndexSearcher searcher) throws IOException;
  }

  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final boolean durable;
  /** Changes made so far, and how many of them the current searcher is known to see. */
  private final AtomicLong changes = new AtomicLong();
  private final AtomicLong searchable = new AtomicLong();
  private long lastCommitNanos = System.nanoTime();

  private LuceneFiles(Directory directory, boolean durable) throws IOException {
    this.directory = directory;
    this.durable = durable;
    IndexWriterConfig config = new IndexWriterConfig().setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    if (!durable) {
      config.setRAMBufferSizeMB(IN_MEMORY_BUFFER_MB);
    }
    this.writer = new IndexWriter(directory, config);
    this.searchers = new SearcherManager(writer, null);
  }

  /** The index in {@code path} (created if absent); one process at a time (Lucene's write lock). */
  public static LuceneFiles open(Path path) {
    Directory directory = null;
    try {
      directory = FSDirectory.open(path);
      return new LuceneFiles(directory, true);
    } catch (LockObtainFailedException e) {
      closeQuietly(directory);
      throw new IllegalStateException(path + " is in use by another process (one cache per directory)", e);
    } catch (IOException e) {
      closeQuietly(directory);
      throw new IllegalStateException("cannot open the cache index in " + path + ": " + e.getMessage(), e);
    }
  }

  /** An index in memory. */
  public static LuceneFiles inMemory() {
    try {
      return new LuceneFiles(new ByteBuffersDirectory(), false);
    } catch (IOException e) {
      throw new IllegalStateException("an in-memory index cannot fail to open", e);
    }
  }

  /** Replaces the document holding {@code key} (or adds it). */
  public void update(Term key, Document document) {
    try {
      writer.updateDocument(key, document);
      changed();
    } catch (IOException e) {
      throw new CacheBackendException("lucene: writing the index failed", e);
    }
  }

  public void delete(Term term) {
    try {
      writer.deleteDocuments(term);
      changed();
    } catch (IOException e) {
      throw new CacheBackendException("lucene: writing the index failed", e);
    }
  }

  /**
   * Runs {@code search} on a searcher that sees every change made before this call (a refresh under way in another
   * thread is waited for, then checked).
   */
  public <T> T search(Search<T> search) {
    try {
      long made = changes.get();
      if (searchable.get() < made) {
        searchers.maybeRefreshBlocking();
        searchable.accumulateAndGet(made, Math::max);
      }
      IndexSearcher searcher = searchers.acquire();
      try {
        return search.run(searcher);
      } finally {
        searchers.release(searcher);
      }
    } catch (IOException e) {
      throw new CacheBackendException("lucene: searching the index failed", e);
    }
  }

  /** Calls {@code each} with every document (all stored fields) not deleted, e.g. to rebuild bookkeeping at start. */
  public void forEachDocument(Consumer<Document> each) {
    search(searcher -> {
      for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
        Bits live = leaf.reader().getLiveDocs();
        StoredFields fields = leaf.reader().storedFields();
        for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
          if (live == null || live.get(doc)) {
            each.accept(fields.document(doc));
          }
        }
      }
      return null;
    });
  }

  /** Makes every change so far durable (in memory: nothing to do). */
  public synchronized void commit() {
    if (!durable) {
      return;
    }
    try {
      writer.commit();
      lastCommitNanos = System.nanoTime();
    } catch (IOException e) {
      throw new CacheBackendException("lucene: committing the index failed", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      searchers.close();
      if (durable) {
        writer.close(); // commits
      } else {
        writer.rollback(); // closes without flushing what is about to be dropped anyway
      }
    } catch (IOException e) {
      throw new CacheBackendException("lucene: closing the index failed", e);
    } finally {
      closeQuietly(directory);
    }
  }

  private void changed() {
    changes.incrementAndGet();
    if (!durable) {
      return;
    }
    synchronized (this) {
      if (System.nanoTime() - lastCommitNanos > COMMIT_EVERY.toNanos()) {
        commit();
      }
    }
  }

  private static void closeQuietly(Directory directory) {
    if (directory != null) {
      try {
        directory.close();
      } catch (IOException ignored) {
        // already failing; the first error is the one reported
      }
    }
  }
}
