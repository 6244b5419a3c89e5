package io.cgfed.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cgfed.core.model.GradMode;
import io.cgfed.core.model.LlamaModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FedProx's proximal term (Li et al., MLSys 2020) on the LoRA factors: (mu / 2) ||w - w_global||^2 added to the
 * local loss, where w_global is the adapter the task started from (the round's global adapter). Its gradient,
 * mu (w - w_global), is added to each factor's gradient before the optimiser's step (and its clipping); the
 * reported loss stays the data loss. With mu = 0 it does nothing and holds no copy.
 */
final class ProximalTerm implements AutoCloseable {
    private static final ProximalTerm NONE = new ProximalTerm(0, null, Map.of());
    private final double mu;
    private final NDManager manager;
    private final Map<String, NDArray> anchor;

    private ProximalTerm(double mu, NDManager manager, Map<String, NDArray> anchor) {
        this.mu = mu;
        this.manager = manager;
        this.anchor = anchor;
    }

    /** The term for this model's current factors (the task's starting point). */
    static ProximalTerm of(LlamaModel model, double mu) {
        if (mu == 0) {
            return NONE;
        }
        GradMode.off();
        NDManager manager = model.manager().newSubManager();
        Map<String, NDArray> anchor = new LinkedHashMap<>();
        model.loraParameters().forEach((name, p) -> {
            NDArray copy = p.duplicate();
            copy.attach(manager);
            anchor.put(name, copy);
        });
        return new ProximalTerm(mu, manager, anchor);
    }

    /** Adds mu (w - w_global) to every LoRA factor's gradient. */
    void addGradient(LlamaModel model) {
        if (mu == 0) {
            return;
        }
        GradMode.off();
        model.loraParameters().forEach((name, p) -> {
            try (NDArray g = p.getGradient(); NDArray d = p.sub(anchor.get(name))) {
                g.addi(d.muli(mu));
            }
        });
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
