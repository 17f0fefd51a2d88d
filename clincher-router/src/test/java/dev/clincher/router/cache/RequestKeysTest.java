package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.cache.semantic.CacheKey;
import org.junit.jupiter.api.Test;

/** What makes two requests share a cache entry, and what never does. */
class RequestKeysTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final RequestKeys keys = new RequestKeys(JSON);

  CacheKey key(String tenant, String body) throws Exception {
    return keys.key(tenant, "gpt-test", "all-minilm-l6-v2", (ObjectNode) JSON.readTree(body));
  }

  static final String BASE = """
      {"model":"gpt-test","temperature":0,"messages":[{"role":"system","content":"be brief"},\
      {"role":"user","content":"hi"}]}""";

  @Test
  void keyOrderWhitespaceAndTransportFieldsDoNotMatter() throws Exception {
    CacheKey base = key("master", BASE);
    CacheKey reordered = key("master", """
        { "messages":[{"content":"be brief","role":"system"},{"content":"hi","role":"user"}],
          "temperature":0, "model":"gpt-test", "stream":true, "stream_options":{"include_usage":true},
          "cache":{"no-store":false} }""");
    assertThat(reordered.exactHash()).isEqualTo(base.exactHash());
    assertThat(base.question()).contains("hi");
  }

  @Test
  void tenantUserSystemPromptToolsAndSamplingAreInTheScope() throws Exception {
    String scope = key("master", BASE).scopeHash();
    assertThat(key("team-b", BASE).scopeHash()).isNotEqualTo(scope);
    assertThat(key("master", BASE.replace("\"temperature\":0", "\"temperature\":0,\"user\":\"alice\"")).scopeHash())
        .isNotEqualTo(scope);
    assertThat(key("master", BASE.replace("be brief", "be verbose")).scopeHash()).isNotEqualTo(scope);
    assertThat(key("master", BASE.replace("\"temperature\":0", "\"temperature\":1")).scopeHash()).isNotEqualTo(scope);
    assertThat(key("master", BASE.replace("\"temperature\":0", "\"temperature\":0,\"tools\":[{\"type\":\"function\","
        + "\"function\":{\"name\":\"rm\"}}]")).scopeHash()).isNotEqualTo(scope);
    assertThat(keys.key("master", "other-group", "all-minilm-l6-v2", (ObjectNode) JSON.readTree(BASE)).scopeHash())
        .isNotEqualTo(scope);
  }

  @Test
  void aTenantNameCannotBeForgedToCollideWithAnotherScope() throws Exception {
    // The scope is JSON, so a tenant name with separators cannot imitate another tenant plus a group.
    CacheKey a = keys.key("a\",\"group\":\"x", "gpt-test", "m", (ObjectNode) JSON.readTree(BASE));
    CacheKey b = keys.key("a", "x", "m", (ObjectNode) JSON.readTree(BASE));
    assertThat(a.scopeHash()).isNotEqualTo(b.scopeHash());
  }

  @Test
  void onlyUserTextIsMatchedByMeaning() throws Exception {
    assertThat(key("m", """
        {"model":"g","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""")
        .question()).contains("a\nb");
    assertThat(key("m", """
        {"model":"g","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""")
        .question()).isEmpty();
    assertThat(key("m", """
        {"model":"g","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"1","content":"42"}]}""")
        .question()).isEmpty();
  }
}
