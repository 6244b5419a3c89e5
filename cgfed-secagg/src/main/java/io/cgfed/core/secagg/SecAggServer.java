package io.cgfed.core.secagg;

import io.cgfed.core.secagg.Messages.Advertisement;
import io.cgfed.core.secagg.Messages.MaskedInput;
import io.cgfed.core.secagg.Messages.SealedShare;
import io.cgfed.core.secagg.Messages.Unmasking;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server's side of SecAgg+: it routes what the clients send, closes each stage on the clients that took part
 * (U1 advertised, U2 shared keys, U3 sent a masked input), and at the end rebuilds, from at least t shares each,
 * the self-mask seed of every client in U3 and the mask key of every client in U2 that is not, to take those masks
 * off the sum of the masked inputs. It never sees a client's input, only their sum modulo 2^32, and it cannot
 * unmask anyone alone: the shares it needs come from the clients, which refuse to give both kinds for one
 * neighbour. Any stage with fewer than t clients aborts the round, with the reason.
 */
public final class SecAggServer {
    private final SecAggConfig config;
    private final NeighbourGraph graph;
    private final Map<Integer, Advertisement> advertisements = new TreeMap<>();
    private Set<Integer> u1;
    private final Map<Integer, List<SealedShare>> sharesBySender = new TreeMap<>();
    private final Map<Integer, List<SealedShare>> sharesByRecipient = new TreeMap<>();
    private Set<Integer> u2;
    private final Map<Integer, int[]> masked = new TreeMap<>();
    private Set<Integer> u3;
    private final Map<Integer, Unmasking> unmaskings = new TreeMap<>();

    public SecAggServer(SecAggConfig config) {
        this.config = config;
        this.graph = config.graph();
    }

    public NeighbourGraph graph() {
        return graph;
    }

    /** Stage 1 in: a client's keys (a second advertisement from one client is refused). */
    public void advertised(Advertisement a) {
        checkAdvertisement(a);
        if (advertisements.putIfAbsent(a.client(), a) != null) {
            throw new SecAggException("client " + a.client() + " advertised twice");
        }
    }

    /**
     * Whether {@link #advertised} would take this advertisement, on the stages closed so far, without taking it
     * (nor looking at the stage's other messages): the server stays as it was, so one built to check against can
     * be shared.
     */
    public void checkAdvertisement(Advertisement a) {
        requireOpen(u1 == null, "advertisements");
        member(a.client());
        if (a.cipherKey().length != X25519.KEY_BYTES || a.maskKey().length != X25519.KEY_BYTES) {
            throw new SecAggException("client " + a.client() + "'s keys are not 32-byte X25519 keys");
        }
    }

    /** Closes stage 1: U1. */
    public Set<Integer> closeAdvertisements() {
        u1 = atLeastThreshold(advertisements.keySet(), "advertised keys");
        return u1;
    }

    /** What a client of U1 gets for stage 2: its neighbours' advertisements. */
    public List<Advertisement> advertisementsFor(int client) {
        requireClosed(u1, "advertisements");
        List<Advertisement> out = new ArrayList<>();
        for (int j : graph.of(client)) {
            if (u1.contains(j)) {
                out.add(advertisements.get(j));
            }
        }
        return out;
    }

    /** Stage 2 in: a client's sealed shares, each for a neighbour in U1. */
    public void sharesFrom(int client, List<SealedShare> shares) {
        checkShares(client, shares);
        if (sharesBySender.putIfAbsent(client, List.copyOf(shares)) != null) {
            throw new SecAggException("client " + client + " shared keys twice");
        }
    }

    /** Whether {@link #sharesFrom} would take these shares, without taking them (as {@link #checkAdvertisement}). */
    public void checkShares(int client, List<SealedShare> shares) {
        requireClosed(u1, "advertisements");
        requireOpen(u2 == null, "key sharing");
        if (!u1.contains(client)) {
            throw new SecAggException("client " + client + " did not advertise keys");
        }
        for (SealedShare s : shares) {
            if (s.from() != client || !u1.contains(s.to()) || !graph.adjacent(client, s.to())) {
                throw new SecAggException("client " + client + " sent a share from " + s.from() + " to " + s.to()
                        + ", not to one of its neighbours that advertised");
            }
        }
    }

    /** Closes stage 2: U2. */
    public Set<Integer> closeSharing() {
        u2 = atLeastThreshold(sharesBySender.keySet(), "shared keys");
        // indexed by recipient once, so that each of the n clients' stage-3 inputs costs O(k), not O(n k)
        for (int from : u2) {
            for (SealedShare s : sharesBySender.get(from)) {
                sharesByRecipient.computeIfAbsent(s.to(), to -> new ArrayList<>()).add(s);
            }
        }
        return u2;
    }

    /** What a client of U2 gets for stage 3: the shares addressed to it by the clients of U2, by sender. */
    public List<SealedShare> sharesFor(int client) {
        requireClosed(u2, "key sharing");
        return List.copyOf(sharesByRecipient.getOrDefault(client, List.of()));
    }

    /** Stage 3 in. */
    public void maskedInput(MaskedInput m) {
        requireClosed(u2, "key sharing");
        requireOpen(u3 == null, "masked inputs");
        if (!u2.contains(m.client())) {
            throw new SecAggException("client " + m.client() + " did not share keys");
        }
        if (m.values().length != config.length()) {
            throw new SecAggException("client " + m.client() + "'s masked input has " + m.values().length
                    + " values, the round sums " + config.length());
        }
        if (masked.putIfAbsent(m.client(), m.values().clone()) != null) {
            throw new SecAggException("client " + m.client() + " sent its masked input twice");
        }
    }

    /**
     * Stage 3 in, without the values: that client's masked input arrived (it was checked when it did). Enough to
     * close the stage and to check the unmasking answers against it; {@link #finish} needs the values.
     */
    public void maskedInputArrived(int client) {
        requireClosed(u2, "key sharing");
        requireOpen(u3 == null, "masked inputs");
        if (!u2.contains(client)) {
            throw new SecAggException("client " + client + " did not share keys");
        }
        if (masked.containsKey(client)) {
            throw new SecAggException("client " + client + " sent its masked input twice");
        }
        masked.put(client, null);
    }

    /** Closes stage 3: U3, the clients whose inputs the sum holds. */
    public Set<Integer> closeMaskedInputs() {
        u3 = atLeastThreshold(masked.keySet(), "sent masked inputs");
        return u3;
    }

    /** Stage 4 in: a survivor's shares; it must not give both kinds for one neighbour, nor a kind the set does not ask. */
    public void unmasking(Unmasking u) {
        checkUnmasking(u);
        if (unmaskings.putIfAbsent(u.from(), u) != null) {
            throw new SecAggException("client " + u.from() + " sent its unmasking shares twice");
        }
    }

    /** Whether {@link #unmasking} would take these shares, without taking them (as {@link #checkAdvertisement}). */
    public void checkUnmasking(Unmasking u) {
        requireClosed(u3, "masked inputs");
        if (!u3.contains(u.from())) {
            throw new SecAggException("client " + u.from() + " sent no masked input");
        }
        for (int j : u.selfMaskShares().keySet()) {
            if (!u3.contains(j) || u.maskKeyShares().containsKey(j)) {
                throw new SecAggException("client " + u.from() + " gave a self-mask share of client " + j
                        + ", which is not a survivor or whose key share it gave too");
            }
        }
        for (int j : u.maskKeyShares().keySet()) {
            if (u3.contains(j) || !u2.contains(j)) {
                throw new SecAggException("client " + u.from() + " gave a key share of client " + j + ", which did not drop");
            }
        }
    }

    /** The sum of the survivors' inputs modulo 2^32, and who they are. */
    public record Result(int[] sum, Set<Integer> survivors, Set<Integer> droppedAfterSharing) {
    }

    /**
     * Unmasks the sum.
     *
     * @throws SecAggException when a client's secret has fewer than t shares among the unmasking answers, or a
     *                         rebuilt mask key does not match the one the client advertised
     */
    public Result finish() {
        requireClosed(u3, "masked inputs");
        int[] sum = new int[config.length()];
        for (int[] y : masked.values()) {
            if (y == null) {
                throw new IllegalStateException("a masked input was fed without its values: the sum cannot be taken");
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += y[i];
            }
        }
        for (int i : u3) {
            byte[] seed = Shamir.reconstruct(shares(i, true), config.threshold(), 32);
            MaskStream.add(seed, -1, sum);
        }
        Set<Integer> dropped = new TreeSet<>(u2);
        dropped.removeAll(u3);
        for (int d : dropped) {
            byte[] key = Shamir.reconstruct(shares(d, false), config.threshold(), X25519.KEY_BYTES);
            if (!Arrays.equals(X25519.publicKey(key), advertisements.get(d).maskKey())) {
                throw new SecAggException("client " + d + "'s rebuilt mask key does not match its advertised key "
                        + "(a share was wrong)");
            }
            // every survivor j that masked against d added sign(j, d) PRG(s_jd): take it off
            for (int j : graph.of(d)) {
                if (u3.contains(j) && hasShareFrom(d, j)) {
                    byte[] seed = SecAggClient.pairSeed(key, advertisements.get(j).maskKey(), config);
                    MaskStream.add(seed, j < d ? -1 : 1, sum);
                }
            }
        }
        return new Result(sum, Collections.unmodifiableSet(new TreeSet<>(u3)), Collections.unmodifiableSet(dropped));
    }

    /** The shares of client {@code owner}'s self-mask seed (or mask key) the answers hold, in answer order. */
    private List<Shamir.Share> shares(int owner, boolean selfMask) {
        List<Shamir.Share> out = new ArrayList<>();
        for (Unmasking u : unmaskings.values()) {
            Shamir.Share s = (selfMask ? u.selfMaskShares() : u.maskKeyShares()).get(owner);
            if (s != null) {
                out.add(s);
            }
        }
        if (out.size() < config.threshold()) {
            throw new SecAggException("client " + owner + "'s " + (selfMask ? "self-mask seed" : "mask key") + " has "
                    + out.size() + " shares among the unmasking answers, fewer than the threshold " + config.threshold()
                    + ": too many clients dropped out");
        }
        return out;
    }

    /** Whether client {@code to} received a share from {@code from} (then it masked against it). */
    private boolean hasShareFrom(int from, int to) {
        return sharesBySender.getOrDefault(from, List.of()).stream().anyMatch(s -> s.to() == to)
                && sharesBySender.containsKey(to);
    }

    private Set<Integer> atLeastThreshold(Set<Integer> took, String what) {
        if (took.size() < config.threshold()) {
            throw new SecAggException("only " + took.size() + " clients " + what + ", fewer than the threshold "
                    + config.threshold() + ": the round is aborted");
        }
        return Collections.unmodifiableSet(new TreeSet<>(took));
    }

    private void member(int client) {
        if (!config.clients().contains(client)) {
            throw new SecAggException("client " + client + " is not selected for this round");
        }
    }

    private static void requireOpen(boolean open, String stage) {
        if (!open) {
            throw new SecAggException("the " + stage + " stage is closed");
        }
    }

    private static void requireClosed(Set<Integer> closed, String stage) {
        if (closed == null) {
            throw new SecAggException("the " + stage + " stage is not closed yet");
        }
    }
}
