package io.cgfed.launcher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose config} (Debian's docker-compose 1.29, no engine needed) on the root
 * docker-compose.yml with the example env file, alone and with the GPU override. Skipped only
 * where the binary is absent; {@code .ci/run} installs it, so CI always runs it.
 */
class DockerComposeConfigTest {

    private static Path root;
    private static Path compose;

    @BeforeAll
    static void locate() {
        root = RepoRoot.find();
        compose = RepoRoot.onPath("docker-compose");
    }

    record Result(int exit, String out) {
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(compose.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
        // only the env file may supply settings: nothing from the environment of the build
        pb.environment().keySet().removeIf(k -> k.startsWith("CGFED_") || k.startsWith("COMPOSE_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void composeFileIsValidWithTheExampleEnv() throws Exception {
        assumeTrue(compose != null, "docker-compose not on PATH (.ci/run installs it)");
        Result r = run("--env-file", "deploy/compose.env.example", "config");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out())
                .contains("postgres:", "coordinator:", "codec-service:", "registry:", "worker-1:", "worker-2:")
                .contains("image: cgfed/coordinator-service:0.1.0", "image: cgfed/worker-service:0.1.0")
                .contains("condition: service_healthy")
                .contains("/actuator/health/readiness")
                .contains("CGFED_OPEN_READS: \"false\"")
                .doesNotContain("WARNING");
        // workers get the join token, never the admin or registry key
        String worker = r.out().substring(r.out().indexOf("  worker-1:"), r.out().indexOf("  worker-2:"));
        assertThat(worker).contains("CGFED_JOIN_TOKEN").doesNotContain("CGFED_ADMIN_API_KEY", "CGFED_REGISTRY_API_KEY",
                "CGFED_CODEC_API_KEY");
        // the codec-service key is the coordinator's and the codec-service's only
        assertThat(section(r.out(), "  coordinator:")).contains("CGFED_CODEC_API_KEY");
        assertThat(section(r.out(), "  codec-service:")).contains("CGFED_CODEC_API_KEY");
        assertThat(section(r.out(), "  registry:")).doesNotContain("CGFED_CODEC_API_KEY");
    }

    /** One service's block of {@code docker-compose config}'s output. */
    private static String section(String config, String header) {
        java.util.regex.Matcher at = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(header) + "$").matcher(config);
        assertThat(at.find()).as(header).isTrue();
        int start = at.start();
        java.util.regex.Matcher next = java.util.regex.Pattern.compile("(?m)^  [a-z0-9-]+:$").matcher(config);
        int end = next.find(at.end()) ? next.start() : config.length();
        return config.substring(start, end);
    }

    @Test
    void gpuOverrideIsValidAndReservesDevices() throws Exception {
        assumeTrue(compose != null, "docker-compose not on PATH (.ci/run installs it)");
        Result r = run("--env-file", "deploy/compose.env.example",
                "-f", "docker-compose.yml", "-f", "deploy/docker-compose.gpu.yml", "config");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("driver: nvidia", "- gpu", "image: cgfed/worker-service:0.1.0-cuda",
                "PYTORCH_FLAVOR: cu128");
    }

    @Test
    void secretsAreRequired() throws Exception {
        assumeTrue(compose != null, "docker-compose not on PATH (.ci/run installs it)");
        Path empty = Files.createTempFile("compose", ".env");
        try {
            Result r = run("--env-file", empty.toString(), "config");
            assertThat(r.exit()).isNotZero();
            assertThat(r.out()).contains("deploy/compose.env");
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    void realEnvFileIsIgnoredByGit() throws Exception {
        assertThat(Files.readAllLines(root.resolve(".gitignore"))).contains("deploy/compose.env");
        assertThat(root.resolve("deploy/compose.env.example")).isRegularFile();
    }
}
