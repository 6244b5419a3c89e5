package io.cgfed.launcher.load;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import tools.jackson.databind.json.JsonMapper;

/**
 * The simulated workers' identities: registers each one with the coordinator under the run's join token, as
 * a worker-service does, keeps the id and credential it was given, and puts both on that worker's requests.
 */
final class FleetRegistry {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final FleetHttp http;
    private final FleetObservations observed;
    private final List<UUID> ids = new ArrayList<>();
    /** This run's join token, and each registered worker's credential (the coordinator checks both). */
    private volatile String joinToken = "";
    private final Map<UUID, String> credentials = new ConcurrentHashMap<>();

    FleetRegistry(FleetHttp http, FleetObservations observed) {
        this.http = http;
        this.observed = observed;
    }

    /** The join token the coordinator expects (the platform makes a fresh one per run). */
    void useJoinToken(String token) {
        this.joinToken = token;
    }

    /** Registers {@code workers} workers, {@code inFlight} registrations at a time; returns the seconds it took. */
    double register(int workers, int inFlight) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<UUID>> pending = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < workers; i++) {
            slots.acquire();
            String body = "{\"name\":\"load-worker-" + i + "\",\"device\":\"simulated\"}";
            HttpRequest req = http.request("/api/v1/workers").timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + joinToken)
                    .POST(BodyPublishers.ofString(body)).build();
            pending.add(http.client(i).sendAsync(req, BodyHandlers.ofString()).whenComplete((r, e) -> slots.release())
                    .thenApply(r -> {
                        observed.count("register " + r.statusCode());
                        if (r.statusCode() != 201) {
                            throw new IllegalStateException("registration answered " + r.statusCode() + ": " + r.body());
                        }
                        var answer = JSON.readTree(r.body());
                        UUID id = UUID.fromString(answer.get("workerId").asString());
                        credentials.put(id, answer.get("credential").asString());
                        return id;
                    }));
        }
        for (CompletableFuture<UUID> f : pending) {
            try {
                ids.add(f.join());
            } catch (CompletionException e) {
                throw new IllegalStateException("a worker could not register: " + e.getCause(), e.getCause());
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Worker {@code w}'s id (in the order they registered). */
    UUID id(int w) {
        return ids.get(w);
    }

    /** Worker {@code w}'s id and credential on a request. */
    HttpRequest.Builder asWorker(HttpRequest.Builder request, int w) {
        UUID id = ids.get(w);
        return request.header("Cgfed-Worker-Id", id.toString()).header("Authorization", "Bearer " + credentials.get(id));
    }

    /** How many workers registered. */
    int size() {
        return ids.size();
    }
}
