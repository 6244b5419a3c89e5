package io.cgfed.core.model;

import java.util.List;

/**
 * LoRA settings: rank r, alpha (the update is scaled by alpha / r), the adapted projections, the
 * dropout probability on the LoRA branch's input during training (0 for none; PEFT's
 * {@code lora_dropout}), and whether A is frozen ({@code frozenA}: FFA-LoRA, Sun et al. ICLR 2024): A stays at
 * its seeded initialisation, only B trains, and an update holds only the B factors, so that averaging the
 * updates averages the clients' weight changes exactly ({@code (1/n) sum B_i A = ((1/n) sum B_i) A}).
 */
public record LoraConfig(int rank, double alpha, List<LoraTarget> targets, double dropout, boolean frozenA) {
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

    /** Standard LoRA: A and B both train. */
    public LoraConfig(int rank, double alpha, List<LoraTarget> targets, double dropout) {
        this(rank, alpha, targets, dropout, false);
    }

    /** Without dropout. */
    public LoraConfig(int rank, double alpha, List<LoraTarget> targets) {
        this(rank, alpha, targets, 0.0);
    }

    /** Whether a factor of this name trains (and travels in an update): B always, A unless frozen. */
    public boolean trains(String factorName) {
        return !(frozenA && factorName.endsWith("lora_A.weight"));
    }

    public double scaling() {
        return alpha / rank;
    }
}
