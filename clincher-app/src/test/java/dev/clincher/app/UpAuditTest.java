package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code clincher audit --state-dir}: up's state directory as up leaves it after a start, then broken. */
class UpAuditTest {
  @TempDir
  Path temp;

  /** What up writes before it starts the services: clincher.yaml, the secrets, generated/. */
  private Path startedStateDirectory() throws Exception {
    Path state = Files.createDirectory(temp.resolve("state"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    UpDefaults.writeConfigOnce(state);
    UpDefaults.gatewayToken(state);
    UpDefaults.routerKey(state);
    UpConfig config = UpConfig.read(state.resolve(UpDefaults.CONFIG_FILE));
    Path generated = UpConfig.generatedDirectory(state);
    config.write(generated, "egress-acl.yaml", config.egressAcl());
    config.write(generated, "socket-proxy-policy.yaml", config.socketProxy());
    config.write(generated, "router.yaml", ModelDefault.choose(null, null, config.router(), Map.of())
        .applyTo(config.router()));
    config.write(generated, "gateway.yaml", config.gateway());
    return state;
  }

  @Test
  void aFreshStateDirectoryHasNoCriticalFinding() throws Exception {
    JsonNode report = audit(startedStateDirectory(), 0);
    assertThat(ids(report, "critical")).isEmpty();
    assertThat(report.path("kind").asText()).isEqualTo("up");
  }

  @Test
  void aWorldReadableTokenAnEgressInReportModeAndRootExecAreNamed() throws Exception {
    Path state = startedStateDirectory();
    Files.setPosixFilePermissions(state.resolve("gateway-token"), PosixFilePermissions.fromString("rw-r--r--"));
    Path acl = state.resolve("generated/egress-acl.yaml");
    Files.writeString(acl, Files.readString(acl).replace("action: \"enforce\"", "action: \"report\"")
        .replace("action: enforce", "action: report"));
    Path policy = state.resolve("generated/socket-proxy-policy.yaml");
    Files.writeString(policy, Files.readString(policy).replace("allow_root_exec: false", "allow_root_exec: true"));
    JsonNode report = audit(state, 1);
    assertThat(ids(report, "critical")).contains("secrets.file_mode", "egress.acl.mode.enforce",
        "socket_proxy.policy.root_exec");
  }

  @Test
  void aDirectoryUpNeverStartedInIsAUsageErrorAndFixIsRefused() throws Exception {
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine();
    line.setErr(new PrintWriter(err));
    line.setOut(new PrintWriter(new StringWriter()));
    assertThat(line.execute("audit", "--state-dir", temp.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("run ./clincher up --state-dir");
    assertThat(line.execute("audit", "--state-dir", startedStateDirectory().toString(), "--fix")).isEqualTo(2);
    assertThat(line.execute("audit", "--state-dir", temp.toString(), "--deploy", temp.toString())).isEqualTo(2);
  }

  @Test
  void doctorOnAStateDirectoryWhoseUpIsNotRunningSaysToStartIt() throws Exception {
    Path state = startedStateDirectory();
    Report run = json("doctor", "--state-dir", state.toString(), "--json");
    int status = run.status();
    JsonNode report = run.report();
    List<String> stopped = new ArrayList<>();
    report.path("findings").forEach(f -> {
      if (f.path("id").asText().equals("doctor.service.stopped")) {
        stopped.add(f.path("found").asText() + " | " + f.path("fix").asText());
      }
    });
    // Nothing of up runs in this test (another up on these fixed ports would answer: then nothing is asserted).
    org.junit.jupiter.api.Assumptions.assumeTrue(stopped.size() == 4, "something answers on up's ports: " + stopped);
    assertThat(status).isEqualTo(1);
    assertThat(stopped).anySatisfy(f -> assertThat(f).startsWith("router does not answer on 127.0.0.1:4000")
        .endsWith("./clincher up --state-dir " + state));
    assertThat(ids(report, "critical")).contains("doctor.service.stopped");
    assertThat(ids(report, "warn")).contains("doctor.service.stopped"); // the socket proxy: only with a Docker socket
  }

  @Test
  void aDeepAuditWithNothingListeningProvesNothingAndSaysSo() throws Exception {
    Path state = startedStateDirectory();
    Report run = json("audit", "--state-dir", state.toString(), "--deep", "--json");
    int status = run.status();
    JsonNode report = run.report();
    // Another up on these fixed ports would answer: then the probes are refused and nothing is asserted here.
    org.junit.jupiter.api.Assumptions.assumeTrue(report.toString().contains("answered 000"), "up's ports answer");
    assertThat(status).isEqualTo(1);
    assertThat(ids(report, "critical")).as("an unanswered probe is not a refusal").contains("deep.egress.private",
        "deep.router.no_key", "deep.gateway.no_token");
  }

  private static JsonNode audit(Path state, int status) throws Exception {
    Report run = json("audit", "--state-dir", state.toString(), "--json");
    assertThat(run.status()).as(run.report().toString()).isEqualTo(status);
    return run.report();
  }

  /** A command's exit status and its JSON report. */
  record Report(int status, JsonNode report) {}

  private static Report json(String... args) throws Exception {
    StringWriter out = new StringWriter();
    CommandLine line = Main.commandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(new StringWriter()));
    int status = line.execute(args);
    return new Report(status, new ObjectMapper().readTree(out.toString()));
  }

  private static List<String> ids(JsonNode report, String severity) {
    List<String> ids = new ArrayList<>();
    report.path("findings").forEach(finding -> {
      if (finding.path("severity").asText().equals(severity)) {
        ids.add(finding.path("id").asText());
      }
    });
    return ids;
  }
}
