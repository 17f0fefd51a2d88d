package dev.clincher.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
  private static final String VALUE = "sk-live-9f8e7d6c5b4a";

  @TempDir Path dir;

  private Path secretFile(String content, String permissions) throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    return file;
  }

  @Test
  void variableWins() throws Exception {
    assertThat(Secrets.fromEnv("TOKEN", Map.of("TOKEN", VALUE))).contains(VALUE);
  }

  @Test
  void fileVariableIsReadWhenVariableIsUnset() throws Exception {
    Path file = secretFile(VALUE + "\n", "rw-------");
    assertThat(Secrets.fromEnv("TOKEN", Map.of("TOKEN_FILE", file.toString()))).contains(VALUE);
  }

  @Test
  void neitherSetIsEmpty() throws Exception {
    assertThat(Secrets.fromEnv("TOKEN", Map.of("OTHER", "x"))).isEqualTo(Optional.empty());
  }

  @Test
  void bothSetIsAnError() {
    assertThatThrownBy(() -> Secrets.fromEnv("TOKEN", Map.of("TOKEN", VALUE, "TOKEN_FILE", "/x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TOKEN_FILE")
        .hasMessageNotContaining(VALUE);
  }

  @Test
  void missingFileNamesTheVariable() {
    String path = dir.resolve("absent").toString();
    assertThatThrownBy(() -> Secrets.fromEnv("TOKEN", Map.of("TOKEN_FILE", path)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("TOKEN_FILE: " + path + ": secret file does not exist");
  }

  @Test
  void onlyOneTrailingNewlineIsStripped() throws Exception {
    assertThat(Secrets.readSecretFile(secretFile("a\n\n", "r--------"))).isEqualTo("a\n");
    assertThat(Secrets.readSecretFile(secretFile("a\r\n", "r--------"))).isEqualTo("a");
    assertThat(Secrets.readSecretFile(secretFile(" a ", "r--------"))).isEqualTo(" a ");
  }

  @Test
  void oversizeFileIsRejectedWithoutItsContent() throws Exception {
    Path file = secretFile(VALUE.repeat(Secrets.MAX_SECRET_BYTES / VALUE.length() + 1), "rw-------");
    assertThatThrownBy(() -> Secrets.readSecretFile(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("larger than")
        .hasMessageNotContaining(VALUE);
  }

  @Test
  void invalidUtf8IsRejected() throws Exception {
    Path file = dir.resolve("bin");
    Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
    assertThatThrownBy(() -> Secrets.readSecretFile(file))
        .isInstanceOf(ConfigException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void directoryIsRejected() {
    assertThatThrownBy(() -> Secrets.readSecretFile(dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining("directory");
  }

  @Test
  void worldReadableFileIsReadButWarnedAboutWithoutTheValue() throws Exception {
    Path file = secretFile(VALUE, "rw-r--r--");
    try (LogCapture logs = new LogCapture()) {
      assertThat(Secrets.readSecretFile(file)).isEqualTo(VALUE);
      assertThat(logs.text()).contains("secret.file.permissive").contains(file.toString()).doesNotContain(VALUE);
    }
  }

  @Test
  void privateFileIsNotWarnedAbout() throws Exception {
    Path file = secretFile(VALUE, "r--------");
    try (LogCapture logs = new LogCapture()) {
      Secrets.readSecretFile(file);
      assertThat(logs.text()).doesNotContain("secret.file.permissive");
    }
  }

  @Test
  void secretHidesItselfAndComparesByValue() {
    Secret secret = Secret.of(VALUE);
    assertThat(secret.toString()).isEqualTo("****").doesNotContain(VALUE);
    assertThat(secret.reveal()).isEqualTo(VALUE);
    assertThat(secret.matches(VALUE)).isTrue();
    assertThat(secret.matches(VALUE + "x")).isFalse();
    assertThat(secret.matches("")).isFalse();
    assertThat(secret.matches(null)).isFalse();
  }
}
