package io.cgfed.worker.task;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Locale;
import java.util.Random;

/**
 * A test client's attack on its own updates, so that the robust strategies (median, trimmed mean, Krum) can be
 * tried end to end: {@code sign-flip} sends -update, {@code scale:F} sends F x update, {@code random} a seeded
 * Gaussian of the update's shape and L2 norm. Off ({@code none}) by default, and refused at start unless
 * {@code cgfed.worker.attack-allowed} is set as well: one setting alone never turns a worker hostile.
 */
public record ByzantineAttack(String kind, double factor) {
    public static final ByzantineAttack NONE = new ByzantineAttack("none", 1.0);

    /** {@code none}, {@code sign-flip}, {@code scale:F} or {@code random}; allowed must be true for any but none. */
    public static ByzantineAttack parse(String setting, boolean allowed) {
        String s = setting == null ? "none" : setting.strip().toLowerCase(Locale.ROOT);
        ByzantineAttack attack;
        if (s.isEmpty() || s.equals("none")) {
            return NONE;
        } else if (s.equals("sign-flip")) {
            attack = new ByzantineAttack("sign-flip", -1.0);
        } else if (s.equals("random")) {
            attack = new ByzantineAttack("random", 1.0);
        } else if (s.startsWith("scale:")) {
            double f;
            try {
                f = Double.parseDouble(s.substring("scale:".length()));
            } catch (NumberFormatException e) {
                f = Double.NaN;
            }
            if (!Double.isFinite(f)) {
                throw new IllegalArgumentException("cgfed.worker.attack scale:F needs a finite number F, not '" + setting + "'");
            }
            attack = new ByzantineAttack("scale", f);
        } else {
            throw new IllegalArgumentException("cgfed.worker.attack must be none, sign-flip, scale:F or random, not '"
                    + setting + "'");
        }
        if (!allowed) {
            throw new IllegalArgumentException("cgfed.worker.attack=" + setting + " makes this worker send hostile "
                    + "updates; it is for testing robust strategies and needs cgfed.worker.attack-allowed=true too");
        }
        return attack;
    }

    public boolean active() {
        return !kind.equals("none");
    }

    /** The update this client sends instead of what it trained; seed: the task's (client, round). */
    public NamedTensors apply(NamedTensors update, long seed) {
        if (!active()) {
            return update;
        }
        if (!kind.equals("random")) {
            return update.scaled(factor);
        }
        double norm = update.l2Norm();
        Random rnd = new Random(seed ^ 0xB12A7L);
        NamedTensors noise = new NamedTensors();
        for (String name : update.names()) {
            FloatTensor t = update.get(name);
            float[] v = new float[t.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            noise.put(name, new FloatTensor(t.shape(), v));
        }
        double noiseNorm = noise.l2Norm();
        return noiseNorm == 0 ? noise : noise.scaled(norm / noiseNorm);
    }

    @Override
    public String toString() {
        return kind.equals("scale") ? "scale:" + factor : kind;
    }
}
