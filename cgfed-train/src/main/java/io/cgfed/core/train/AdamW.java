package io.cgfed.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.HashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, Loshchilov and Hutter) over named parameters, with optional
 * clipping of the global gradient norm. Moment estimates live in the optimizer's own manager;
 * every temporary is attached to the step's manager so nothing accumulates across steps.
 */
public final class AdamW implements AutoCloseable {
    private final NDManager manager;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double maxGradNorm;
    private final Map<String, NDArray> firstMoment = new HashMap<>();
    private final Map<String, NDArray> secondMoment = new HashMap<>();
    private int steps;

    public AdamW(NDManager parent, double weightDecay, double maxGradNorm) {
        this(parent, 0.9, 0.999, 1e-8, weightDecay, maxGradNorm);
    }

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.maxGradNorm = maxGradNorm;
    }

    /** Applies one update with learning rate {@code lr}; returns the gradient norm before clipping. */
    public double step(Map<String, NDArray> params, double lr, NDManager step) {
        steps++;
        Map<String, NDArray> grads = new HashMap<>();
        double sq = 0;
        for (var e : params.entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(step);
            grads.put(e.getKey(), g);
            sq += tmp(g.square().sum(), step).getFloat();
        }
        double norm = Math.sqrt(sq);
        double clip = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1.0;
        float bc1 = (float) (1 - Math.pow(beta1, steps));
        float bc2 = (float) (1 - Math.pow(beta2, steps));
        for (var e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray g = grads.get(e.getKey());
            if (clip != 1.0) {
                g = g.mul(clip);
            }
            NDArray m = firstMoment.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape()));
            NDArray v = secondMoment.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape()));
            m.muli(beta1).addi(g.mul(1 - beta1));
            v.muli(beta2).addi(g.square().muli(1 - beta2));
            NDArray mHat = tmp(m.div(bc1), step);
            NDArray denom = tmp(v.div(bc2), step).sqrt().addi(eps);
            if (weightDecay > 0) {
                p.muli(1 - lr * weightDecay);
            }
            p.subi(mHat.divi(denom).muli(lr));
            zero(grads.get(e.getKey())); // PyTorch accumulates gradients: zero them for the next step
        }
        return norm;
    }

    /** Sets a gradient to zero in place (multiplying by zero would keep a NaN). */
    public static void zero(NDArray gradient) {
        gradient.set(new NDIndex("..."), 0f);
    }

    public int steps() {
        return steps;
    }

    private static NDArray tmp(NDArray a, NDManager step) {
        a.attach(step);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}
