package io.cgfed.core.codec;

import io.cgfed.core.tensor.NamedTensors;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client-side error feedback: what the codec lost in one round is added to the client's next update,
 * so that a lossy codec delivers, over rounds, what it cannot deliver at once (it is what makes top-k
 * work; for a fixed linear codec the residual lies in its null space and changes nothing). One
 * residual per (experiment, client), kept in this process's memory: a restarted worker starts from
 * zero.
 */
public final class ErrorFeedback {
    private final Map<String, NamedTensors> residuals = new ConcurrentHashMap<>();

    /** What one encoding sent: the body, what the server will decode, and what was meant to be sent. */
    public record Encoded(byte[] body, NamedTensors decoded, NamedTensors intended) {
    }

    /**
     * Encodes {@code update} plus the residual kept under {@code key}, and keeps the new residual
     * (intended minus decoded). Without a residual yet, the update alone.
     */
    public Encoded encode(String key, NamedTensors update, Codec codec) {
        NamedTensors residual = residuals.get(key);
        NamedTensors intended = residual == null || !residual.sameLayout(update) ? update : update.plus(residual);
        Encoded e = encodeOnce(intended, codec);
        residuals.put(key, intended.minus(e.decoded()));
        return e;
    }

    /** Encodes without any feedback. */
    public static Encoded encodeOnce(NamedTensors update, Codec codec) {
        byte[] body = codec.encode(update);
        List<TensorSpec> manifest = TensorSpec.manifestOf(update);
        return new Encoded(body, codec.decode(body, manifest), update);
    }

    /** The residual carried to the next round for {@code key}, or null. */
    public NamedTensors residual(String key) {
        return residuals.get(key);
    }

    /** Forgets every residual of an experiment (its keys start with the experiment id). */
    public void forget(String experimentPrefix) {
        residuals.keySet().removeIf(k -> k.startsWith(experimentPrefix));
    }
}
