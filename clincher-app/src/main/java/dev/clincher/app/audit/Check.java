package dev.clincher.app.audit;

import java.util.List;

/** One area of the audit: reads the deployment, answers its findings (none when all is well). */
@FunctionalInterface
public interface Check {
  List<Finding> run(Deployment deployment);
}
