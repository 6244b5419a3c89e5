package io.cgfed.core.model;

import java.util.concurrent.locks.ReentrantLock;

/**
 * DJL's PyTorch engine allows one open {@code GradientCollector} per process (a second one throws).
 * Everything in this platform that opens one (local LoRA training, learned codecs' training and FAF
 * contributions) takes turns through {@link #TURN}.
 */
public final class GradientCollectors {
    /** Held while a collector is open, or across a whole training that opens one per step. */
    public static final ReentrantLock TURN = new ReentrantLock();

    private GradientCollectors() {
    }
}
