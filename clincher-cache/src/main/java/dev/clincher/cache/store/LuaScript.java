package dev.clincher.cache.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script and its SHA-1: sent by {@code EVALSHA}, and in full ({@code EVAL}, which also loads it) only when
 * Redis does not have it yet (after a restart or {@code SCRIPT FLUSH}). Saves sending and hashing the script's text
 * on every call.
 */
public record LuaScript(String text, String sha) {

  public static LuaScript of(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return new LuaScript(text, HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JDK", e);
    }
  }

  /** Runs the script on {@code redis}. */
  public Object eval(RedisClient redis, List<String> keys, List<String> args) {
    try {
      return redis.evalsha(sha, keys, args);
    } catch (JedisNoScriptException e) {
      return redis.eval(text, keys, args);
    }
  }
}
