package dev.clincher.app.backup;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * One encrypted file of a backup: AES-256-GCM (the JDK's) in chunks of 1 MiB, each with a random 96-bit nonce.
 * <pre>
 *   "CLBK" 0x01  key id (8 bytes)                      header: which key sealed it
 *   { length (int)  nonce (12)  ciphertext+tag }...     data chunks, then one empty chunk marked last
 * </pre>
 * Each chunk's associated data is the file's context (the backup id and the file's name), its index and whether it is
 * the last, so chunks cannot be reordered, dropped, cut off at the end or moved to another file or backup unnoticed.
 */
final class SealedFile {
  static final int CHUNK = 1 << 20;
  private static final byte[] MAGIC = {'C', 'L', 'B', 'K', 1};
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What was sealed or opened: the plaintext's size and SHA-256 (hex). */
  record Digest(long size, String sha256) {}

  private SealedFile() {}

  /** Encrypts {@code plain} to {@code sealed} under {@code key}, bound to {@code context}. */
  static Digest seal(InputStream plain, OutputStream sealed, BackupKey key, String context) throws IOException {
    DataOutputStream out = new DataOutputStream(sealed);
    out.write(MAGIC);
    out.write(HexFormat.of().parseHex(key.id()));
    MessageDigest sha = sha256();
    long size = 0;
    long index = 0;
    byte[] buffer = new byte[CHUNK];
    int read;
    while ((read = plain.readNBytes(buffer, 0, CHUNK)) > 0) {
      sha.update(buffer, 0, read);
      size += read;
      writeChunk(out, key, context, index++, false, Arrays.copyOf(buffer, read));
    }
    writeChunk(out, key, context, index, true, new byte[0]);
    out.flush();
    return new Digest(size, HexFormat.of().formatHex(sha.digest()));
  }

  /**
   * Decrypts {@code sealed} into {@code plain}; refused, naming {@code name}, when the key is not the one that sealed
   * it, a chunk fails authentication, or the file ends early or goes on after its last chunk.
   */
  static Digest open(InputStream sealed, OutputStream plain, BackupKey key, String context, String name)
      throws IOException, BackupRefused {
    DataInputStream in = new DataInputStream(sealed);
    checkHeader(in, key, name);
    MessageDigest sha = sha256();
    long size = 0;
    for (long index = 0; ; index++) {
      Opened chunk = decrypt(key, context, readChunk(in, name, index), index, name);
      if (chunk.last()) {
        if (in.read() != -1) {
          throw new BackupRefused("blob.trailing", name + " goes on after its last chunk: it was changed");
        }
        return new Digest(size, HexFormat.of().formatHex(sha.digest()));
      }
      sha.update(chunk.text());
      size += chunk.text().length;
      plain.write(chunk.text());
    }
  }

  private static void checkHeader(DataInputStream in, BackupKey key, String name) throws IOException, BackupRefused {
    byte[] header = in.readNBytes(MAGIC.length + 8);
    if (header.length < MAGIC.length + 8 || !Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new BackupRefused("blob.format", name + " is not a Clincher backup file (bad or truncated header)");
    }
    String sealedWith = HexFormat.of().formatHex(header, MAGIC.length, header.length);
    if (!sealedWith.equals(key.id())) {
      throw new BackupRefused("key.wrong", "wrong key: " + name + " was encrypted with key " + sealedWith
          + ", the key file given is key " + key.id());
    }
  }

  /** A chunk as read from the file. */
  private record Chunk(byte[] nonce, byte[] ciphertext) {}

  /** A chunk's plaintext, and whether it authenticated as the file's last chunk. */
  private record Opened(byte[] text, boolean last) {}

  private static Chunk readChunk(DataInputStream in, String name, long index) throws IOException, BackupRefused {
    try {
      int length = in.readInt();
      if (length < TAG_BITS / 8 || length > CHUNK + TAG_BITS / 8) {
        throw new BackupRefused("blob.tampered", name + " was changed or damaged: chunk " + index
            + " has an impossible length");
      }
      byte[] nonce = in.readNBytes(NONCE);
      byte[] ciphertext = in.readNBytes(length);
      if (nonce.length < NONCE || ciphertext.length < length) {
        throw new EOFException();
      }
      return new Chunk(nonce, ciphertext);
    } catch (EOFException e) {
      throw new BackupRefused("blob.truncated", name + " is truncated: it ends in or before chunk " + index
          + ", without its last chunk");
    }
  }

  /** Tries the chunk as a middle chunk and as the last one: only the true one authenticates. */
  private static Opened decrypt(BackupKey key, String context, Chunk chunk, long index, String name)
      throws BackupRefused {
    for (boolean last : new boolean[] {false, true}) {
      try {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key.secret(), new GCMParameterSpec(TAG_BITS, chunk.nonce()));
        cipher.updateAAD(associatedData(context, index, last));
        return new Opened(cipher.doFinal(chunk.ciphertext()), last);
      } catch (AEADBadTagException e) {
        // not this one
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM is in every JDK", e);
      }
    }
    throw new BackupRefused("blob.tampered", name + " was changed or damaged: chunk " + index
        + " fails authentication");
  }

  private static void writeChunk(DataOutputStream out, BackupKey key, String context, long index, boolean last,
      byte[] text) throws IOException {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key.secret(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(context, index, last));
      byte[] sealed = cipher.doFinal(text);
      out.writeInt(sealed.length);
      out.write(nonce);
      out.write(sealed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is in every JDK", e);
    }
  }

  private static byte[] associatedData(String context, long index, boolean last) {
    byte[] name = context.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(name.length + 9).put(name).putLong(index).put((byte) (last ? 1 : 0)).array();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
