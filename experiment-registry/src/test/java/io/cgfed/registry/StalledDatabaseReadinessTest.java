package io.cgfed.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cgfed.testing.SharedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stalled database (it takes connections and bytes but answers nothing, as a PostgreSQL that is
 * stopped or cut off mid-stream does) makes readiness answer 503 within its timeout, not hang (issue 15,
 * E: readiness hung while PostgreSQL was stopped for 20 s), and readiness is UP again when the database
 * answers again, without a restart. The registry reaches the real PostgreSQL through a TCP relay of
 * this test that can hold every byte back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"cgfed.health.database-timeout=1500ms"})
class StalledDatabaseReadinessTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Relay RELAY = Relay.to(SharedPostgres.instance().getPort());

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void throughTheRelay(DynamicPropertyRegistry r) {
        r.add("spring.datasource.url", () -> "jdbc:postgresql://localhost:" + RELAY.port() + "/postgres");
        r.add("spring.datasource.username", () -> "postgres");
        r.add("spring.datasource.password", () -> "");
    }

    @AfterAll
    static void stopRelay() {
        RELAY.resume();
        RELAY.close();
    }

    private HttpResponse<String> readiness() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readinessAnswers503WithinItsTimeoutWhileTheDatabaseStallsAndIsUpWhenItAnswersAgain() throws Exception {
        HttpResponse<String> up = readiness();
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        assertThat(JSON.readTree(up.body()).at("/components/database/status").asString()).isEqualTo("UP");

        RELAY.pause();
        try {
            for (int probe = 0; probe < 3; probe++) {
                long start = System.nanoTime();
                HttpResponse<String> stalled = readiness();
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertThat(stalled.statusCode()).as(stalled.body()).isEqualTo(503);
                JsonNode body = JSON.readTree(stalled.body());
                assertThat(body.at("/components/database/status").asString()).isEqualTo("DOWN");
                assertThat(ms).as("probe %d answered in %d ms", probe, ms).isLessThan(5_000);
            }
        } finally {
            RELAY.resume();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> back = readiness();
        while (back.statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                fail("readiness never came back: " + back.body());
            }
            Thread.sleep(200);
            back = readiness();
        }
        assertThat(JSON.readTree(back.body()).at("/components/database/status").asString()).isEqualTo("UP");
    }

    /** A TCP relay to a local port that can hold back every byte in both directions (never drops one). */
    static final class Relay implements AutoCloseable {
        private final ServerSocket server;
        private final int target;
        private volatile boolean paused;

        private Relay(ServerSocket server, int target) {
            this.server = server;
            this.target = target;
            Thread accept = new Thread(this::accept, "relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        static Relay to(int targetPort) {
            try {
                return new Relay(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), targetPort);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        int port() {
            return server.getLocalPort();
        }

        void pause() {
            paused = true;
        }

        void resume() {
            paused = false;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    pump(client, upstream);
                    pump(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        while (paused) {
                            Thread.sleep(20);
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // one side went away: so does the other
                } finally {
                    try {
                        from.close();
                        to.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
