package dev.clincher.gateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SandboxImagesTest {

  @Test
  void theBuildCommandNamesTheImageUnlessItIsTheDefault() {
    assertThat(SandboxImages.buildCommand("clincher-sandbox:latest")).isEqualTo("./clincher sandbox build --offline");
    assertThat(SandboxImages.buildCommand("clincher-sandbox:2"))
        .isEqualTo("./clincher sandbox build --offline --image clincher-sandbox:2");
    assertThat(SandboxImages.dockerBuildCommand("clincher-sandbox:2"))
        .isEqualTo("docker build -t clincher-sandbox:2 DIR");
  }

  @Test
  void theMessageSaysWhatFailsAndBothWaysToBuild() {
    assertThat(SandboxImages.missingMessage("clincher-sandbox:latest"))
        .startsWith("the sandbox image clincher-sandbox:latest does not exist on the Docker host")
        .contains("`./clincher sandbox build --offline`", "`docker build -t clincher-sandbox:latest DIR`",
            "deploy/images/sandbox");
  }
}
