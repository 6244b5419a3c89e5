package io.cgfed.core.aggregation;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;

/**
 * The second half of a {@link Strategy}: how a round's combined update Δ (the pseudo-gradient) becomes the
 * change applied to the global adapter, with the optimiser's state carried from round to round (Reddi et al.,
 * "Adaptive Federated Optimization", ICLR 2021, Algorithm 2; Hsu et al. 2019 for server momentum):
 * <ul>
 *   <li>{@link #PLAIN}: the change is Δ (FedAvg), no state;</li>
 *   <li>{@link #momentum}: m = β m + Δ, change = η m (FedAvgM);</li>
 *   <li>{@link #adaptive}: m = β1 m + (1 - β1) Δ, then v = β2 v + (1 - β2) Δ² (Adam), v = v - (1 - β2) Δ²
 *       sign(v - Δ²) (Yogi) or v = v + Δ² (Adagrad), change = η m / (√v + τ); v starts at τ², as in the
 *       paper, and there is no bias correction.</li>
 * </ul>
 * The state is named tensors ({@code m/<tensor>}, {@code v/<tensor>}) kept as float32 between rounds, so a
 * run resumed from the stored state computes what an uninterrupted one does, bit for bit.
 */
public interface ServerOptimizer {
    String name();

    /** The change for this round's combined update and the state after it; state is null before the first round. */
    Step step(NamedTensors delta, NamedTensors state);

    /** The change to add to the global adapter, the optimiser's new state (null when it keeps none), its L2 norm. */
    record Step(NamedTensors change, NamedTensors state, double changeNorm) {
    }

    /** FedAvg's server: the combined update as it is. */
    ServerOptimizer PLAIN = new ServerOptimizer() {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public Step step(NamedTensors delta, NamedTensors state) {
            return new Step(delta, null, delta.l2Norm());
        }
    };

    static ServerOptimizer momentum(double learningRate, double beta) {
        return new Momentum(learningRate, beta);
    }

    /** The adaptive optimisers; kind is "adam", "yogi" or "adagrad". */
    static ServerOptimizer adaptive(String kind, double learningRate, double beta1, double beta2, double tau) {
        return new Adaptive(kind, learningRate, beta1, beta2, tau);
    }

    /** FedAvgM. */
    record Momentum(double learningRate, double beta) implements ServerOptimizer {
        @Override
        public String name() {
            return "momentum";
        }

        @Override
        public Step step(NamedTensors delta, NamedTensors state) {
            NamedTensors change = new NamedTensors();
            NamedTensors next = new NamedTensors();
            for (String name : delta.names()) {
                FloatTensor d = delta.get(name);
                float[] m = state == null ? new float[d.size()] : state.get("m/" + name).data();
                float[] mNext = new float[d.size()];
                float[] out = new float[d.size()];
                for (int i = 0; i < out.length; i++) {
                    mNext[i] = (float) (beta * m[i] + d.data()[i]);
                    out[i] = (float) (learningRate * mNext[i]);
                }
                next.put("m/" + name, new FloatTensor(d.shape(), mNext));
                change.put(name, new FloatTensor(d.shape(), out));
            }
            return new Step(change, next, change.l2Norm());
        }
    }

    /** FedAdam, FedYogi, FedAdagrad. */
    record Adaptive(String kind, double learningRate, double beta1, double beta2, double tau) implements ServerOptimizer {
        public Adaptive {
            if (!kind.equals("adam") && !kind.equals("yogi") && !kind.equals("adagrad")) {
                throw new IllegalArgumentException("adaptive server optimiser '" + kind + "' (known: adam, yogi, adagrad)");
            }
        }

        @Override
        public String name() {
            return kind;
        }

        @Override
        public Step step(NamedTensors delta, NamedTensors state) {
            NamedTensors change = new NamedTensors();
            NamedTensors next = new NamedTensors();
            float v0 = (float) (tau * tau);
            for (String name : delta.names()) {
                FloatTensor d = delta.get(name);
                int n = d.size();
                float[] m = state == null ? new float[n] : state.get("m/" + name).data();
                float[] v = state == null ? null : state.get("v/" + name).data();
                float[] mNext = new float[n];
                float[] vNext = new float[n];
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    double g = d.data()[i];
                    double g2 = g * g;
                    double vi = v == null ? v0 : v[i];
                    double mi = beta1 * m[i] + (1 - beta1) * g;
                    double vn = switch (kind) {
                        case "adam" -> beta2 * vi + (1 - beta2) * g2;
                        case "yogi" -> vi - (1 - beta2) * g2 * Math.signum(vi - g2);
                        default -> vi + g2;
                    };
                    mNext[i] = (float) mi;
                    vNext[i] = (float) vn;
                    out[i] = (float) (learningRate * mNext[i] / (Math.sqrt(vNext[i]) + tau));
                }
                next.put("m/" + name, new FloatTensor(d.shape(), mNext));
                next.put("v/" + name, new FloatTensor(d.shape(), vNext));
                change.put(name, new FloatTensor(d.shape(), out));
            }
            return new Step(change, next, change.l2Norm());
        }
    }
}
