package io.cgfed.core.bench;

import io.cgfed.core.secagg.Messages;
import io.cgfed.core.secagg.NeighbourGraph;
import io.cgfed.core.secagg.Quantiser;
import io.cgfed.core.secagg.SecAggClient;
import io.cgfed.core.secagg.SecAggConfig;
import io.cgfed.core.secagg.SecAggServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * {@code ./cgfed bench-secagg}: what secure aggregation (SecAgg+) costs a round against the clear one, for n
 * simulated clients in one process on one thread, the real protocol objects and messages, without the network:
 * each client's CPU for its four stages (quantise, keys, shares, masks, unmasking), the server's CPU for routing,
 * closing the stages and unmasking, and the bytes each client sends (keys, sealed shares, the masked input,
 * unmasking shares; their binary sizes, as on the wire but for JSON's base64) against a clear fp32 and fp16
 * update. A share of the clients can drop out after sharing their keys ({@code -Ddropout=0.05}): the server then
 * rebuilds their mask keys and pair masks. Settings: {@code -Dclients=10,50,200 -Dlength=7168 -Ddropout=0}.
 */
public final class SecAggOverhead {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private SecAggOverhead() {
    }

    public static void main(String[] args) {
        int length = Integer.parseInt(System.getProperty("length", "7168"));
        double dropout = Double.parseDouble(System.getProperty("dropout", "0"));
        List<Integer> sizes = new ArrayList<>();
        for (String s : System.getProperty("clients", "10,50,200").split(",")) {
            sizes.add(Integer.parseInt(s.strip()));
        }
        System.out.printf(Locale.ROOT, "SecAgg+ overhead, one thread, vector of %d values (clip 0.5, 16 bits), dropout %.2f "
                + "after sharing; Java %s%n%n", length, dropout, System.getProperty("java.version"));
        System.out.println("| clients n | neighbours k | threshold t | client CPU ms / round | server CPU ms / round | "
                + "server CPU ms / client | bytes / client | of which masked input | clear fp32 | clear fp16 | "
                + "clear server sum ms |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        // one unprinted round first, so that the first row is not the JIT's warm-up
        run(sizes.get(0), length, dropout, false);
        for (int n : sizes) {
            run(n, length, dropout, true);
        }
    }

    private static long cpu() {
        return CPU.getCurrentThreadCpuTime();
    }

    private static void run(int n, int length, double dropout, boolean print) {
        SecureRandom random = new SecureRandom();
        List<Integer> ids = IntStream.range(0, n).boxed().toList();
        SecAggConfig config = SecAggConfig.withDefaults(ids, length, ("bench/round/" + n).getBytes());
        Quantiser q = new Quantiser(0.5, 16);
        SplittableRandom values = new SplittableRandom(n);
        Set<Integer> dropped = new HashSet<>();
        for (int i = 0; i < Math.round(dropout * n); i++) {
            dropped.add(i * 7 % n);
        }
        long clientCpu = 0;
        long serverCpu = 0;
        long bytes = 0;
        long maskedBytes = 0;
        long t;
        SecAggServer server = new SecAggServer(config);
        Map<Integer, SecAggClient> clients = new LinkedHashMap<>();
        for (int c : ids) {
            t = cpu();
            SecAggClient client = new SecAggClient(c, config, random);
            Messages.Advertisement ad = client.advertise();
            clientCpu += cpu() - t;
            bytes += Messages.encode(ad).length; // what a worker sends (docs/wire-format.md)
            clients.put(c, client);
            t = cpu();
            server.advertised(ad);
            serverCpu += cpu() - t;
        }
        t = cpu();
        server.closeAdvertisements();
        serverCpu += cpu() - t;
        for (SecAggClient c : clients.values()) {
            t = cpu();
            List<Messages.Advertisement> ads = server.advertisementsFor(c.id());
            serverCpu += cpu() - t;
            t = cpu();
            List<Messages.SealedShare> shares = c.shareKeys(ads);
            clientCpu += cpu() - t;
            bytes += Messages.encodeShares(shares).length;
            t = cpu();
            server.sharesFrom(c.id(), shares);
            serverCpu += cpu() - t;
        }
        t = cpu();
        server.closeSharing();
        serverCpu += cpu() - t;
        for (SecAggClient c : clients.values()) {
            if (dropped.contains(c.id())) {
                continue;
            }
            float[] update = new float[length];
            for (int i = 0; i < length; i++) {
                update[i] = (float) (values.nextGaussian() * 0.01);
            }
            t = cpu();
            List<Messages.SealedShare> forMe = server.sharesFor(c.id());
            serverCpu += cpu() - t;
            t = cpu();
            int[] levels = q.encode(update, values);
            Messages.MaskedInput m = c.maskInput(levels, forMe);
            clientCpu += cpu() - t;
            bytes += 4L * length;
            maskedBytes += 4L * length;
            t = cpu();
            server.maskedInput(m);
            serverCpu += cpu() - t;
        }
        t = cpu();
        Set<Integer> survivors = server.closeMaskedInputs();
        serverCpu += cpu() - t;
        for (SecAggClient c : clients.values()) {
            if (!survivors.contains(c.id())) {
                continue;
            }
            t = cpu();
            Messages.Unmasking u = c.unmask(survivors);
            clientCpu += cpu() - t;
            bytes += Messages.encode(u).length;
            t = cpu();
            server.unmasking(u);
            serverCpu += cpu() - t;
        }
        t = cpu();
        q.decodeSum(server.finish().sum(), survivors.size());
        serverCpu += cpu() - t;
        // the clear round's server side: the sum of the survivors' fp32 updates
        float[][] clear = new float[survivors.size()][length];
        t = cpu();
        float[] sum = new float[length];
        for (float[] u : clear) {
            for (int i = 0; i < length; i++) {
                sum[i] += u[i];
            }
        }
        long clearCpu = cpu() - t;
        int k = config.graph().of(0).size();
        if (!print) {
            return;
        }
        System.out.printf(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.2f | %,d | %,d | %,d | %,d | %.2f |%n", n, k,
                config.threshold(), clientCpu / 1e6 / n, serverCpu / 1e6, serverCpu / 1e6 / n, bytes / n,
                maskedBytes / Math.max(1, survivors.size()), 4L * length, 2L * length, clearCpu / 1e6);
        if (sum.length < 0) {
            throw new IllegalStateException(); // keeps the clear sum from being optimised away
        }
        if (NeighbourGraph.defaultDegree(n) != k && k != n - 1) {
            throw new IllegalStateException("degree " + k);
        }
    }
}
