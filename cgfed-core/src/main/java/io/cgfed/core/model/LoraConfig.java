package io.cgfed.core.model;

import java.util.List;

/** LoRA settings: rank r, alpha (the update is scaled by alpha / r) and the adapted projections. */
public record LoraConfig(int rank, double alpha, List<LoraTarget> targets) {
    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive");
        }
        if (alpha <= 0) {
            throw new IllegalArgumentException("LoRA alpha must be positive");
        }
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
        // one canonical order (q, k, v, o, gate, up, down) for layout, initialisation and model alike
        targets = targets.stream().distinct().sorted().toList();
    }

    public double scaling() {
        return alpha / rank;
    }
}
