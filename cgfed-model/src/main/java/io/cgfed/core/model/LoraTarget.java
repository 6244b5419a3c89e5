package io.cgfed.core.model;

import java.util.Locale;

/** The projections of a LLaMA decoder layer that LoRA can adapt, with their Hugging Face names. */
public enum LoraTarget {
    Q("self_attn.q_proj"), K("self_attn.k_proj"), V("self_attn.v_proj"), O("self_attn.o_proj"),
    GATE("mlp.gate_proj"), UP("mlp.up_proj"), DOWN("mlp.down_proj");

    private final String modulePath;

    LoraTarget(String modulePath) {
        this.modulePath = modulePath;
    }

    /** e.g. {@code self_attn.q_proj}: the module under {@code model.layers.{i}}. */
    public String modulePath() {
        return modulePath;
    }

    /** PEFT's short name, as in {@code target_modules}: {@code q_proj}. */
    public String peftName() {
        return modulePath.substring(modulePath.indexOf('.') + 1);
    }

    /**
     * Strictly a PEFT {@code target_modules} entry: {@code q_proj}, or a module path ending in one
     * ({@code self_attn.q_proj}, {@code model.layers.0.self_attn.q_proj}), as PEFT matches them.
     *
     * @throws IllegalArgumentException for a module that is not one of the projections ({@code lm_head})
     */
    public static LoraTarget fromPeftName(String name) {
        String last = name.substring(name.lastIndexOf('.') + 1);
        for (LoraTarget t : values()) {
            if (t.peftName().equals(last)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown module name '" + name + "' (LLaMA projections: q_proj, k_proj, "
                + "v_proj, o_proj, gate_proj, up_proj, down_proj)");
    }

    /** Accepts {@code q}, {@code q_proj} or {@code Q}. */
    public static LoraTarget parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.endsWith("_proj")) {
            n = n.substring(0, n.length() - "_proj".length());
        }
        for (LoraTarget t : values()) {
            if (t.name().toLowerCase(Locale.ROOT).equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown LoRA target '" + name + "' (one of q, k, v, o, gate, up, down)");
    }
}
