package dev.clincher.gateway.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DockerHostTest {

  @Test
  void aTcpHostHasAnHttpUrlAndASocketNone() {
    assertThat(DockerHost.parse("tcp://socket-proxy:2375").httpUrl()).contains(URI.create("http://socket-proxy:2375"));
    assertThat(DockerHost.parse("tcp://[::1]:2375").httpUrl()).contains(URI.create("http://[::1]:2375"));
    assertThat(DockerHost.parse("unix:///var/run/docker.sock").httpUrl()).isEmpty();
  }

  @Test
  void parsesTcpAndUnix() {
    DockerHost tcp = DockerHost.parse("tcp://socket-proxy:2375");
    assertThat(tcp.unix()).isFalse();
    assertThat(tcp.hostHeader()).isEqualTo("socket-proxy:2375");
    assertThat(DockerHost.parse("tcp://[::1]:2375").hostHeader()).isEqualTo("[::1]:2375");
    DockerHost unix = DockerHost.parse("unix:///var/run/docker.sock");
    assertThat(unix.socket()).isEqualTo(Path.of("/var/run/docker.sock"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "http://x:1", "tcp://x", "tcp://user:pw@x:1", "tcp://x:1/path", "tcp://x:1?q=1",
      "unix://relative.sock", "ssh://host", "npipe:////./pipe/docker_engine"})
  void refusesWhatItCannotSpeak(String value) {
    assertThatThrownBy(() -> DockerHost.parse(value)).isInstanceOf(IllegalArgumentException.class);
  }
}
