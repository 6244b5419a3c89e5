package io.cgfed.core.secagg;

import io.cgfed.core.secagg.Messages.Advertisement;
import io.cgfed.core.secagg.Messages.MaskedInput;
import io.cgfed.core.secagg.Messages.SealedShare;
import io.cgfed.core.secagg.Messages.Unmasking;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One client's side of SecAgg+ (Bell et al. 2020, after Bonawitz et al. 2017), in four calls, one per stage:
 * <ol>
 *   <li>{@link #advertise}: two fresh X25519 key pairs, c (to seal shares) and s (to agree pair masks);</li>
 *   <li>{@link #shareKeys}: a fresh self-mask seed b; b and the private s key each Shamir-shared t of k among
 *       the neighbours that advertised, every neighbour's two shares sealed for it ({@link ShareCipher});</li>
 *   <li>{@link #maskInput}: y = x + PRG(b) + sum over the neighbours whose shares arrived of
 *       +-PRG(s_ij), modulo 2^32 (+ for the smaller id), s_ij = HKDF(X25519(s_i, s_j));</li>
 *   <li>{@link #unmask}: for each of those neighbours, the share of its b if the server says it sent its input,
 *       the share of its s key if not; never both, and nothing when fewer than t of them survived (a server
 *       that claimed so few could otherwise unmask one client's input).</li>
 * </ol>
 * The state between stages is this object's; {@link #state} and {@link #restore} carry it across a worker
 * restart. A share that fails authentication aborts the client's part with the sender named.
 */
public final class SecAggClient {
    private final int id;
    private final SecAggConfig config;
    private final SecureRandom random;
    private final Set<Integer> neighbours;
    private X25519.Keys cipherKeys;
    private X25519.Keys maskKeys;
    private byte[] selfSeed;
    private final Map<Integer, Advertisement> advertised = new TreeMap<>();
    /** The neighbours whose shares reached this client, with them: they mask against it. */
    private final Map<Integer, byte[][]> received = new TreeMap<>();

    public SecAggClient(int id, SecAggConfig config, SecureRandom random) {
        this.id = id;
        this.config = config;
        this.random = random;
        this.neighbours = config.graph().of(id);
    }

    public int id() {
        return id;
    }

    public Set<Integer> neighbours() {
        return neighbours;
    }

    public SecAggConfig config() {
        return config;
    }

    /** Stage 1. */
    public Advertisement advertise() {
        cipherKeys = X25519.generate(random);
        maskKeys = X25519.generate(random);
        return new Advertisement(id, cipherKeys.publicKey(), maskKeys.publicKey());
    }

    /**
     * Stage 2: the sealed shares for the neighbours among {@code ads} (others' advertisements are ignored).
     *
     * @throws SecAggException when fewer than t neighbours advertised: their shares could not rebuild anything
     */
    public List<SealedShare> shareKeys(List<Advertisement> ads) {
        require(cipherKeys != null, "advertise first");
        for (Advertisement a : ads) {
            if (neighbours.contains(a.client())) {
                advertised.put(a.client(), a);
            }
        }
        if (advertised.size() < config.threshold()) {
            throw new SecAggException("client " + id + ": only " + advertised.size() + " neighbours advertised keys, "
                    + "fewer than the threshold " + config.threshold());
        }
        selfSeed = new byte[32];
        random.nextBytes(selfSeed);
        List<Integer> points = new ArrayList<>();
        for (int j : advertised.keySet()) {
            points.add(j + 1);
        }
        List<Shamir.Share> keyShares = Shamir.share(maskKeys.privateKey(), config.threshold(), points, random);
        List<Shamir.Share> seedShares = Shamir.share(selfSeed, config.threshold(), points, random);
        List<SealedShare> out = new ArrayList<>();
        int i = 0;
        for (Advertisement a : advertised.values()) {
            byte[] plain = ByteBuffer.allocate(8 + 2 * Shamir.SHARE_BYTES).putInt(id).putInt(a.client())
                    .put(keyShares.get(i).value()).put(seedShares.get(i).value()).array();
            byte[] key = ShareCipher.pairKey(cipherKeys.privateKey(), a.cipherKey());
            out.add(new SealedShare(id, a.client(), ShareCipher.seal(key, plain, config.shareContext(id, a.client()), random)));
            i++;
        }
        return out;
    }

    /**
     * Stage 3: the masked input, from the quantised input and the sealed shares the server forwarded to this
     * client (each from a neighbour that sent its shares).
     *
     * @throws SecAggException when a share fails authentication (names the sender), is not for this client, or
     *                         comes from a client that is not a neighbour that advertised
     */
    public MaskedInput maskInput(int[] input, List<SealedShare> forMe) {
        require(selfSeed != null, "share keys first");
        if (input.length != config.length()) {
            throw new SecAggException("input of " + input.length + " values, the round sums " + config.length());
        }
        for (SealedShare s : forMe) {
            Advertisement from = advertised.get(s.from());
            if (s.to() != id || from == null) {
                throw new SecAggException("client " + id + ": a share from " + s.from() + " to " + s.to()
                        + " is not one this client expects");
            }
            byte[] plain;
            try {
                plain = ShareCipher.open(ShareCipher.pairKey(cipherKeys.privateKey(), from.cipherKey()), s.ciphertext(),
                        config.shareContext(s.from(), id));
            } catch (SecAggException e) {
                throw new SecAggException("client " + id + ": the share from client " + s.from() + " failed: " + e.getMessage());
            }
            ByteBuffer b = ByteBuffer.wrap(plain);
            if (plain.length != 8 + 2 * Shamir.SHARE_BYTES || b.getInt() != s.from() || b.getInt() != id) {
                throw new SecAggException("client " + id + ": the share from client " + s.from() + " names another pair");
            }
            byte[] keyShare = new byte[Shamir.SHARE_BYTES];
            byte[] seedShare = new byte[Shamir.SHARE_BYTES];
            b.get(keyShare).get(seedShare);
            received.put(s.from(), new byte[][] {keyShare, seedShare});
        }
        int[] y = input.clone();
        MaskStream.add(selfSeed, 1, y);
        for (int j : received.keySet()) {
            MaskStream.add(pairSeed(maskKeys.privateKey(), advertised.get(j).maskKey(), config), id < j ? 1 : -1, y);
        }
        return new MaskedInput(id, y);
    }

    /**
     * Stage 4: the shares the server needs, given who sent a masked input.
     *
     * @throws SecAggException when fewer than t of this client's partners survived
     */
    public Unmasking unmask(Set<Integer> survivors) {
        require(selfSeed != null, "mask the input first");
        long alive = received.keySet().stream().filter(survivors::contains).count();
        if (alive < config.threshold()) {
            throw new SecAggException("client " + id + ": only " + alive + " of its partners sent their input, fewer "
                    + "than the threshold " + config.threshold() + "; it reveals nothing");
        }
        Map<Integer, Shamir.Share> seeds = new HashMap<>();
        Map<Integer, Shamir.Share> keys = new HashMap<>();
        received.forEach((j, shares) -> {
            if (survivors.contains(j)) {
                seeds.put(j, new Shamir.Share(id + 1, shares[1]));
            } else {
                keys.put(j, new Shamir.Share(id + 1, shares[0]));
            }
        });
        return new Unmasking(id, seeds, keys);
    }

    /** The seed of a pair's mask: both ends, and the server with a rebuilt key, derive the same. */
    static byte[] pairSeed(byte[] myMaskPrivate, byte[] theirMaskPublic, SecAggConfig config) {
        return Hkdf.derive(null, X25519.agree(myMaskPrivate, theirMaskPublic), config.pairLabel(), 32);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
