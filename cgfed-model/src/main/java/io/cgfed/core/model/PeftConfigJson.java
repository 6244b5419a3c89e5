package io.cgfed.core.model;

import static io.cgfed.core.model.PeftAdapter.CONFIG_FILE;

import io.cgfed.core.tensor.TensorFormatException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What this platform takes from a PEFT {@code adapter_config.json}, and the refusal, naming the field, of
 * every setting it cannot honour (rsLoRA, DoRA, biases, per-module ranks, modules to save). Targets are null
 * when only the tensors say (no list, or PEFT's regular expression).
 */
record PeftConfigJson(String baseModel, int rank, double alpha, double dropout, Set<LoraTarget> targets) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static PeftConfigJson parse(byte[] bytes) {
        JsonNode c;
        try {
            c = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE + " is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (c == null || !c.isObject()) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE + " is not a JSON object");
        }
        JsonNode type = c.path("peft_type");
        if (!type.isMissingNode() && !type.isNull() && !"LORA".equalsIgnoreCase(type.asString(""))) {
            throw new TensorFormatException("PEFT adapter: peft_type is " + type + "; only LORA adapters are read");
        }
        JsonNode r = c.path("r");
        if (!r.isIntegralNumber() || !r.canConvertToInt() || r.asInt() <= 0) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE
                    + (r.isMissingNode() ? " has no r" : " has r=" + r + ", not a positive integer"));
        }
        JsonNode alpha = c.path("lora_alpha");
        if (!alpha.isNumber() || !(alpha.asDouble() > 0) || Double.isInfinite(alpha.asDouble())) {
            throw new TensorFormatException("PEFT adapter: " + CONFIG_FILE
                    + (alpha.isMissingNode() ? " has no lora_alpha" : " has lora_alpha=" + alpha + ", not a positive number"));
        }
        JsonNode dropoutNode = c.path("lora_dropout");
        double dropout = 0.0;
        if (!dropoutNode.isMissingNode() && !dropoutNode.isNull()) {
            dropout = dropoutNode.isNumber() ? dropoutNode.asDouble() : Double.NaN;
            if (!(dropout >= 0 && dropout < 1)) {
                throw new TensorFormatException("PEFT adapter: lora_dropout=" + dropoutNode + " is not in [0, 1)");
            }
        }
        refuseIfSet(c, "use_rslora", "rank-stabilised LoRA (scaling alpha/sqrt(r)) is not supported");
        refuseIfSet(c, "use_dora", "DoRA is not supported");
        refuseIfSet(c, "fan_in_fan_out", "fan_in_fan_out (Conv1D weights) does not apply to LLaMA projections");
        refuseIfSet(c, "lora_bias", "LoRA biases are not supported");
        JsonNode bias = c.path("bias");
        if (!bias.isMissingNode() && !bias.isNull() && !"none".equals(bias.asString(""))) {
            throw new TensorFormatException("PEFT adapter: bias=" + bias + " is not supported (only \"none\")");
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = c.path(pattern);
            if (!p.isMissingNode() && !p.isNull() && !(p.isObject() && p.isEmpty())) {
                throw new TensorFormatException("PEFT adapter: " + pattern + " " + p
                        + " is not supported (one rank and one alpha for every module)");
            }
        }
        JsonNode save = c.path("modules_to_save");
        if (!save.isMissingNode() && !save.isNull() && !(save.isArray() && save.isEmpty())) {
            throw new TensorFormatException("PEFT adapter: modules_to_save " + save
                    + " is not supported (only LoRA factors are read)");
        }
        JsonNode base = c.path("base_model_name_or_path");
        return new PeftConfigJson(base.isString() ? base.asString() : null, r.asInt(), alpha.asDouble(), dropout,
                targets(c.path("target_modules")));
    }

    private static void refuseIfSet(JsonNode config, String field, String why) {
        if (config.path(field).asBoolean(false)) {
            throw new TensorFormatException("PEFT adapter: " + field + " is true; " + why);
        }
    }

    /** The modules of {@code target_modules}; null for a regular expression or none (the tensors decide). */
    private static Set<LoraTarget> targets(JsonNode node) {
        if (node.isArray()) {
            Set<LoraTarget> out = EnumSet.noneOf(LoraTarget.class);
            for (JsonNode n : node) {
                if (!n.isString()) {
                    throw new TensorFormatException("PEFT adapter: target_modules holds " + n + ", not a module name");
                }
                try {
                    out.add(LoraTarget.fromPeftName(n.asString()));
                } catch (IllegalArgumentException e) {
                    throw new TensorFormatException("PEFT adapter: target_modules: " + e.getMessage());
                }
            }
            return out;
        }
        if (node.isString()) {
            // PEFT takes a single string as a regular expression (or "all-linear"): the tensors decide
            for (LoraTarget t : LoraTarget.values()) {
                if (t.peftName().equals(node.asString())) {
                    return EnumSet.of(t);
                }
            }
        }
        return null;
    }
}
