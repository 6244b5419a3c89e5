package io.cgfed.core.model;

import java.util.List;

/**
 * LoRA settings: rank r, alpha (the update is scaled by alpha / r), the adapted projections, and the
 * dropout probability on the LoRA branch's input during training (0 for none; PEFT's
 * {@code lora_dropout}).
 */
public record LoraConfig(int rank, double alpha, List<LoraTarget> targets, double dropout) {
    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive");
        }
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        // one canonical order (q, k, v, o, gate, up, down) for layout, initialisation and model alike
        targets = targets.stream().distinct().sorted().toList();
    }

    /** Without dropout. */
    public LoraConfig(int rank, double alpha, List<LoraTarget> targets) {
        this(rank, alpha, targets, 0.0);
    }

    public double scaling() {
        return alpha / rank;
    }
}
