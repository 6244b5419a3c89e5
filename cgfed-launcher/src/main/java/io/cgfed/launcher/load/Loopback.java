package io.cgfed.launcher.load;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What this machine's loopback carries, measured beside the benchmark so that the coordinator's
 * bytes per second have a ceiling to be read against: the same bytes (count x payload) once over one
 * raw TCP connection, and once as HTTP PUTs to a trivial local server that reads each body whole and
 * answers 202, sent by the same kind of client with the same number in flight.
 */
public final class Loopback {
    private Loopback() {
    }

    /** Bytes per second of {@code count} writes of {@code payload} over one TCP connection to a reader that discards. */
    public static double rawTcp(byte[] payload, int count) throws IOException, InterruptedException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long expected = (long) payload.length * count;
            long[] received = new long[1];
            Thread reader = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        received[0] += n;
                    }
                } catch (IOException e) {
                    received[0] = -1;
                }
            }, "loopback-reader");
            reader.start();
            long t0;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 OutputStream out = s.getOutputStream()) {
                t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    out.write(payload);
                }
                out.flush();
                s.shutdownOutput();
                reader.join();
            }
            long elapsed = System.nanoTime() - t0;
            if (received[0] != expected) {
                throw new IOException("loopback reader got " + received[0] + " of " + expected + " bytes");
            }
            return expected / (elapsed / 1e9);
        }
    }

    /**
     * Bytes per second of {@code count} HTTP/1.1 PUTs of {@code payload}, {@code inFlight} at a time, to a
     * JDK HttpServer with {@code serverThreads} threads that reads each body whole.
     */
    public static double http(byte[] payload, int count, int inFlight, int serverThreads)
            throws IOException, InterruptedException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        ExecutorService serverPool = Executors.newFixedThreadPool(serverThreads);
        server.setExecutor(serverPool);
        server.createContext("/sink", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if (body.length != payload.length) {
                    exchange.sendResponseHeaders(400, -1);
                    exchange.close();
                    return;
                }
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        server.start();
        ExecutorService clientPool = Executors.newFixedThreadPool(4);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientPool)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try {
            URI uri = URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":"
                    + server.getAddress().getPort() + "/sink");
            // warm-up (connections, JIT), not timed
            send(http, uri, payload, Math.min(count, inFlight), inFlight);
            long t0 = System.nanoTime();
            send(http, uri, payload, count, inFlight);
            long elapsed = System.nanoTime() - t0;
            return (double) payload.length * count / (elapsed / 1e9);
        } finally {
            server.stop(0);
            serverPool.shutdownNow();
            clientPool.shutdownNow();
            clientPool.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void send(HttpClient http, URI uri, byte[] payload, int count, int inFlight)
            throws IOException, InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            slots.acquire();
            HttpRequest put = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(payload)).build();
            all.add(http.sendAsync(put, HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> slots.release()));
        }
        for (CompletableFuture<HttpResponse<Void>> f : all) {
            int status = f.join().statusCode();
            if (status != 202) {
                throw new IOException("loopback HTTP sink answered " + status);
            }
        }
    }
}
