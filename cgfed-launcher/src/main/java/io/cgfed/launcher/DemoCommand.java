package io.cgfed.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./cgfed demo}: the platform, one demo experiment ({@link DemoRun}), a results table and a JSON
 * summary; exit 0 only if the experiment COMPLETED. On a failure, the tails of the services that exited.
 */
final class DemoCommand {
    private DemoCommand() {
    }

    static int run(LauncherOptions o) throws Exception {
        long t0 = System.nanoTime();
        Path work = o.workDir != null ? o.workDir : Files.createTempDirectory("cgfed-demo-");
        Platform platform = new Platform(new Platform.Settings(CgfedLauncher.home(), work, o.workers > 0 ? o.workers : o.clients,
                o.portBase, false, o.workerThreads));
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        try (platform) {
            platform.start(System.out);
            DemoRun run = new DemoRun(new CoordinatorApi(platform.coordinatorUrl(), platform.adminApiKey()), System.out);
            Map<String, Object> privacy = o.dpEpsilon > 0
                    ? Map.of("epsilon", o.dpEpsilon, "delta", 1e-5, "clipNorm", o.dpClip) : null;
            JsonNode result = run.run(DemoRun.demoSpec(o.codec, o.codecSettings, o.errorFeedback, privacy, o.audit, o.clients,
                            o.rounds),
                    Duration.ofMinutes(o.timeoutMinutes));
            run.printTable(result);
            Map<String, Object> summary = DemoRun.summary(result, (System.nanoTime() - t0) / 1e9);
            System.out.println(CoordinatorApi.toJson(summary));
            return "COMPLETED".equals(summary.get("status")) ? 0 : 1;
        } catch (Exception e) {
            System.err.println("cgfed demo failed: " + e.getMessage());
            for (ServiceProcess s : platform.services()) {
                if (!s.alive()) {
                    System.err.println("--- " + s.name() + " (exited) ---\n" + s.tail(30));
                }
            }
            System.err.println("logs: " + work.resolve("logs"));
            return 1;
        }
    }
}
