package dev.clincher.app;

import dev.clincher.cache.embedding.OnnxEmbedder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Run once while the service image is built ({@code deploy/images/clincher/Dockerfile}), never at run time: loads
 * every native library the services use — SQLite (the gateway's transcript, the router's keys), ONNX Runtime and the
 * tokenizer (in-process embeddings) — from the image's own paths, so an image in which one would not load fails to
 * build instead of failing on the first tool call. The tokenizer's loader copies its library into
 * {@code ENGINE_CACHE_DIR} on first use; this run puts it there while the file system is still writable, because at
 * run time the root file system is read-only and {@code /tmp} is mounted {@code noexec}.
 */
public final class ImageSelfTest {
  private ImageSelfTest() {}

  public static void main(String[] args) throws SQLException {
    System.out.println("sqlite " + sqliteVersion());
    float[] vector = new OnnxEmbedder().embed("The image can embed text.");
    if (vector.length != 384) {
      throw new IllegalStateException("the embedding has " + vector.length + " dimensions, expected 384");
    }
    System.out.println("onnx embedding: " + vector.length + " dimensions");
  }

  private static String sqliteVersion() throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite::memory:");
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("select sqlite_version()")) {
      result.next();
      return result.getString(1);
    }
  }
}
