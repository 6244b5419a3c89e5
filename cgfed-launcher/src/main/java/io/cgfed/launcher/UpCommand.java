package io.cgfed.launcher;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./cgfed up}: the platform on fixed ports (from 8080 unless {@code --port-base}) with its database kept
 * in the work directory, running until Ctrl-C; prints this run's admin key and how to submit and watch an
 * experiment.
 */
final class UpCommand {
    private UpCommand() {
    }

    static void run(LauncherOptions o) throws Exception {
        Path work = o.workDir != null ? o.workDir : CgfedLauncher.home().resolve(".cgfed");
        Platform platform = new Platform(new Platform.Settings(CgfedLauncher.home(), work, o.workers > 0 ? o.workers : 3,
                o.portBase, true, o.workerThreads));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping cgfed ...");
            platform.close();
            stopped.countDown();
        }));
        platform.start(System.out);
        System.out.println();
        System.out.println("cgfed is up. This run's admin API key (shown once; a new one each time cgfed up starts):");
        System.out.println("  export CGFED_API_KEY=" + platform.adminApiKey());
        System.out.println("Submit an experiment:");
        System.out.println("  curl -s -X POST " + platform.coordinatorUrl()
                + "/api/v1/experiments -H \"Authorization: Bearer $CGFED_API_KEY\" -H 'Content-Type: application/json' -d '"
                + CoordinatorApi.toJson(DemoRun.demoSpec("fp16", 3, 3)) + "'");
        System.out.println("Watch it:   curl -s " + platform.coordinatorUrl() + "/api/v1/experiments");
        System.out.println("Its record: curl -s " + platform.registryUrl() + "/api/v1/experiments");
        System.out.println("Dashboard:  " + platform.registryUrl() + "/  (API: " + platform.registryUrl() + "/swagger-ui.html)");
        System.out.println("Ctrl-C stops everything.");
        stopped.await();
    }
}
