package io.cgfed.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The coordinator on a PostgreSQL in a container, as in a deployment. Runs where a Docker engine
 * exists and is skipped cleanly where none does (the embedded PostgreSQL covers the rest).
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ContainerPostgresTest {
    @Container
    static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:17-alpine");
    static final String ADMIN_KEY = io.cgfed.service.support.security.Secrets.generate("cgfed_");

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) throws Exception {
        r.add("spring.datasource.url", POSTGRES::getJdbcUrl);
        r.add("spring.datasource.username", POSTGRES::getUsername);
        r.add("spring.datasource.password", POSTGRES::getPassword);
        r.add("cgfed.coordinator.blob-dir", () -> tempDir());
        r.add("cgfed.security.admin-api-key", () -> ADMIN_KEY);
    }

    @Test
    void migratesTheSchemaAndKeepsASubmittedExperiment() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String spec = """
                {"name":"container","model":{"name":"micro-llama"},"dataset":{"name":"demo-mc","trainExamples":20,
                 "evalExamples":10},"clients":2,"rounds":1,"training":{"localSteps":1,"batchSize":2,"learningRate":0.01},
                 "lora":{"rank":2,"alpha":4,"targets":["q"]},"codec":{"name":"none"}}""";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/experiments"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(spec)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + created.headers().firstValue("Location").orElseThrow())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"name\":\"container\"");
    }

    private static String tempDir() {
        try {
            return Files.createTempDirectory("cgfed-container-blobs").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
