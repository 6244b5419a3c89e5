package io.cgfed.core.codec;

import io.cgfed.core.tensor.TensorSpec;

import io.cgfed.core.tensor.NamedTensors;
import java.util.List;

/**
 * Client-side error feedback: what the codec lost in one round is added to the client's next update,
 * so that a lossy codec delivers, over rounds, what it cannot deliver at once (it is what makes top-k
 * work; for a fixed linear codec the residual lies in its null space and changes nothing). One
 * residual per (experiment, client), kept in this process's memory: a restarted worker starts from
 * zero. At most {@code capacity} residuals are kept (the least recently used go first), so a
 * long-lived worker serving many experiments does not grow without bound.
 */
public final class ErrorFeedback {
    public static final int DEFAULT_CAPACITY = 64;
    private final io.cgfed.core.util.LruCache<String, NamedTensors> residuals;

    public ErrorFeedback() {
        this(DEFAULT_CAPACITY);
    }

    public ErrorFeedback(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.residuals = new io.cgfed.core.util.LruCache<>(capacity);
    }

    /** What one encoding sent: the body, what the server will decode, and what was meant to be sent. */
    public record Encoded(byte[] body, NamedTensors decoded, NamedTensors intended) {
    }

    /**
     * Encodes {@code update} plus the residual kept under {@code key}, and keeps the new residual
     * (intended minus decoded). Without a residual yet, the update alone.
     */
    public Encoded encode(String key, NamedTensors update, Codec codec) {
        Encoded e = encodeOnce(intended(key, update), codec);
        keep(key, e);
        return e;
    }

    /** What a client means to send: {@code update} plus the residual kept under {@code key} (none yet: the update). */
    public NamedTensors intended(String key, NamedTensors update) {
        NamedTensors residual = residuals.get(key);
        return residual == null || !residual.sameLayout(update) ? update : update.plus(residual);
    }

    /** Keeps what {@code sent} lost (intended minus decoded) as the residual for the next round. */
    public void keep(String key, Encoded sent) {
        residuals.put(key, sent.intended().minus(sent.decoded()));
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
        residuals.removeKeysIf(k -> k.startsWith(experimentPrefix));
    }
}
