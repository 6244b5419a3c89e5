package io.cgfed.launcher.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The fleet's connections to the coordinator: a few JDK HttpClients (a selector thread each) on one small
 * callback pool carry every simulated worker's requests, worker {@code w} always on the same client, and a
 * request waits for its answer as long as a worker-service would.
 */
final class FleetHttp {
    private final String coordinatorUrl;
    private final int pollSeconds;
    private final HttpClient[] clients;

    FleetHttp(String coordinatorUrl, int pollSeconds, int httpClients) {
        this.coordinatorUrl = coordinatorUrl;
        this.pollSeconds = pollSeconds;
        ExecutorService callbacks = Executors.newFixedThreadPool(4, SimulatedFleet.daemon("fleet-http"));
        this.clients = new HttpClient[Math.max(1, httpClients)];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
                    .connectTimeout(Duration.ofSeconds(30)).build();
        }
    }

    /** The client worker {@code w} sends with. */
    HttpClient client(int w) {
        return clients[w % clients.length];
    }

    /** A request to the coordinator's {@code path}. */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(coordinatorUrl + path));
    }

    /** What a worker-service waits for any answer: its poll wait plus 30 s (CoordinatorClient's read timeout). */
    Duration requestTimeout() {
        return Duration.ofSeconds(pollSeconds + 30L);
    }

    /** The class of a transport error, under the CompletionException and plain IOException around it. */
    static String rootName(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t.getClass() == IOException.class) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName();
    }
}
