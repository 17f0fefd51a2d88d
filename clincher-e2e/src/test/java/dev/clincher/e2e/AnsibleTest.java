package dev.clincher.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.e2e.Commands.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Ansible playbooks ({@code deploy/ansible}): {@code deploy/ansible/test} checks their syntax, lints them with the
 * production profile and runs the base, fail2ban and backups roles twice against a Debian 12 container made from the
 * offline base image, the second run with {@code changed=0}. The script is the test; this class runs it inside
 * {@code ./clincher test} with the jar this build made.
 *
 * <p>Skips without {@code ansible-playbook}, {@code ansible-lint} or a Docker daemon, unless {@code CI} is set (then
 * fails): {@code clincher-e2e/ci-setup.sh} installs Debian's ansible and ansible-lint.
 */
class AnsibleTest {
  private static final Duration BOUND = Duration.ofMinutes(25);

  @Test
  @Timeout(1560)
  void thePlaybooksPassSyntaxLintAndTwoRunsInAContainerTheSecondChangingNothing() {
    Path repository = Path.of(System.getenv().getOrDefault("CLINCHER_REPOSITORY", "..")).toAbsolutePath().normalize();
    boolean tools = Commands.run(Duration.ofSeconds(20), "sh", "-c",
        "command -v ansible-playbook && command -v ansible-lint && docker info").ok();
    Assumptions.assumeTrue(tools || System.getenv("CI") != null,
        "ansible-playbook, ansible-lint or a Docker daemon is missing");
    Result test = Commands.run(BOUND, List.of(repository.resolve("deploy/ansible/test").toString()),
        Map.of("CLINCHER_JAR", repository.resolve("clincher-app/target/clincher.jar").toString()), repository);
    assertThat(test.ok()).as(test.describe()).isTrue();
    assertThat(test.err()).contains("second run: changed=0");
  }
}
