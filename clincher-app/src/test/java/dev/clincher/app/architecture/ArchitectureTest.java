package dev.clincher.app.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shape the codebase keeps (issue 14), checked over the main classes of every module: services do not import
 * each other, packages of a module form no cycle, tools never reach back into the session, and policy packages
 * decide without I/O.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArchitectureTest {
  private static final List<String> SERVICES = List.of("gateway", "router", "egress", "socketproxy");
  private JavaClasses classes;

  @BeforeAll
  void importEveryModule() {
    ImportOption mainCodeOnly = location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");
    classes = new ClassFileImporter().withImportOption(mainCodeOnly).importPackages("dev.clincher");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gateway", "router", "egress", "socketproxy"})
  void noServiceImportsAnother(String service) {
    String[] others = SERVICES.stream().filter(other -> !other.equals(service))
        .map(other -> "dev.clincher." + other + "..").toArray(String[]::new);
    noClasses().that().resideInAPackage("dev.clincher." + service + "..")
        .should().dependOnClassesThat().resideInAnyPackage(others)
        .because("each service can be swapped for its peer; only clincher-common and clincher-cache are shared")
        .check(classes);
  }

  /** No module has a package cycle (the router's shared usage, price and budget types live in its {@code metering}). */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gateway", "router", "egress", "socketproxy", "cache", "common", "app"})
  void theModulesPackagesFormNoCycle(String module) {
    slices().matching("dev.clincher." + module + ".(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void toolsNeverReachBackIntoTheSession() {
    noClasses().that().resideInAPackage("dev.clincher.gateway.tools..")
        .should().dependOnClassesThat().resideInAPackage("dev.clincher.gateway.session..")
        .check(classes);
  }

  /** A run's tools and loop get the session's sandbox handle and the run's event sink as objects (issue 14). */
  @Test
  void theAgentLoopNeverReachesBackIntoTheSession() {
    noClasses().that().resideInAnyPackage("dev.clincher.gateway.agent..", "dev.clincher.gateway.tools..",
            "dev.clincher.gateway.events..")
        .should().dependOnClassesThat().resideInAPackage("dev.clincher.gateway.session..")
        .because("at run time a tool call must not jump back into the session layer")
        .check(classes);
  }

  /** fs, memory, runtime, sessions and web share only what dev.clincher.gateway.tools gives them. */
  @Test
  void toolPackagesNeverImportEachOther() {
    slices().matching("dev.clincher.gateway.tools.(*)..").should().notDependOnEachOther()
        .because("a tool's shared bases and argument reader live in dev.clincher.gateway.tools")
        .check(classes);
  }

  @Test
  void policyPackagesDecideWithoutIo() {
    noClasses().that().resideInAnyPackage("dev.clincher.gateway.policy..", "dev.clincher.socketproxy.policy..",
            "dev.clincher.gateway.channel.access..")
        .should().dependOnClassesThat().resideInAnyPackage("java.nio.file..", "java.net.http..", "java.sql..",
            "javax.net..")
        .orShould().dependOnClassesThat().belongToAnyOf(java.io.File.class, java.io.FileInputStream.class,
            java.io.FileOutputStream.class, java.io.RandomAccessFile.class, java.net.Socket.class,
            java.net.ServerSocket.class, java.net.URLConnection.class, java.net.InetAddress.class)
        .because("a policy answers from its inputs; files, the network and DNS belong to its caller")
        .check(classes);
  }
}
