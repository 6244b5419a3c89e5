package io.cgfed.core.model.hf;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face {@code config.json} read as a {@link LlamaConfig}. Only what this model computes
 * faithfully is accepted: LlamaForCausalLM, and MistralForCausalLM whose sliding window never bites;
 * plain rotary embeddings or Llama 3's scaled ones ({@code rope_scaling} null or {@code rope_type: llama3}),
 * SiLU, no biases. Anything else is refused with
 * a message that says what and where, rather than loaded and computed wrongly. Absent fields take
 * the defaults of transformers' {@code LlamaConfig}.
 */
public final class HfConfig {
    public static final List<String> ARCHITECTURES = List.of("LlamaForCausalLM", "MistralForCausalLM");
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private HfConfig() {
    }

    public static LlamaConfig read(Path configJson) throws IOException {
        return parse(Files.readString(configJson), configJson.toString());
    }

    /** where: names the file in error messages. */
    public static LlamaConfig parse(String json, String where) {
        JsonNode c;
        try {
            c = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (c == null || !c.isObject()) {
            throw new IllegalArgumentException(where + ": not a JSON object");
        }
        boolean mistral = checkArchitecture(c, where);
        int heads = requiredInt(c, "num_attention_heads", where);
        int hidden = requiredInt(c, "hidden_size", where);
        int maxPositions = optionalInt(c, "max_position_embeddings", 2048, where);
        double ropeTheta = optionalDouble(c, "rope_theta", 10000.0, where);
        ropeTheta = checkRope(c, ropeTheta, where);
        RopeScaling ropeScaling = ropeScaling(c, where);
        if (mistral || present(c, "sliding_window")) {
            // transformers' MistralConfig defaults to a 4096-token window; null switches it off
            int window = !c.has("sliding_window") && mistral ? 4096
                    : optionalInt(c, "sliding_window", Integer.MAX_VALUE, where);
            // sequences never exceed max_position_embeddings, so a window at least that wide never masks
            if (window < maxPositions) {
                throw new IllegalArgumentException(where + ": sliding_window " + window
                        + " is not supported (sliding-window attention; only windows of at least"
                        + " max_position_embeddings = " + maxPositions + " or null)");
            }
        }
        String act = c.path("hidden_act").asString("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(where + ": hidden_act '" + act + "' is not supported (only silu)");
        }
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (c.path(bias).asBoolean(false)) {
                throw new IllegalArgumentException(where + ": " + bias + " true is not supported (no biases)");
            }
        }
        if (present(c, "head_dim") && heads > 0 && optionalInt(c, "head_dim", 0, where) != hidden / heads) {
            throw new IllegalArgumentException(where + ": head_dim " + c.get("head_dim")
                    + " is not supported (only hidden_size / num_attention_heads = " + hidden / heads + ")");
        }
        try {
            return new LlamaConfig(
                    requiredInt(c, "vocab_size", where),
                    hidden,
                    requiredInt(c, "intermediate_size", where),
                    requiredInt(c, "num_hidden_layers", where),
                    heads,
                    optionalInt(c, "num_key_value_heads", heads, where),
                    optionalDouble(c, "rms_norm_eps", 1e-6, where),
                    ropeTheta,
                    maxPositions,
                    c.path("tie_word_embeddings").asBoolean(false),
                    ropeScaling);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** Returns whether the model is a Mistral. */
    private static boolean checkArchitecture(JsonNode c, String where) {
        JsonNode archs = c.get("architectures");
        if (archs != null && !archs.isNull()) {
            if (!archs.isArray() || archs.size() != 1 || !ARCHITECTURES.contains(archs.get(0).asString(""))) {
                throw new IllegalArgumentException(where + ": architectures " + archs + " is not supported (only "
                        + "LlamaForCausalLM, or MistralForCausalLM without a sliding window)");
            }
            return archs.get(0).asString().equals("MistralForCausalLM");
        }
        String type = c.path("model_type").asString("");
        if (!type.equals("llama") && !type.equals("mistral")) {
            throw new IllegalArgumentException(where + ": no architectures, and model_type '" + type
                    + "' is not llama or mistral");
        }
        return type.equals("mistral");
    }

    /**
     * rope_scaling null, or Llama 3's kind; transformers 5's rope_parameters of the default or the
     * llama3 kind. Returns the (possibly moved) theta.
     */
    private static double checkRope(JsonNode c, double ropeTheta, String where) {
        JsonNode params = c.get("rope_parameters");
        if (params == null || params.isNull()) {
            return ropeTheta;
        }
        String type = params.path("rope_type").asString("default");
        if (!params.isObject() || !(type.equals("default") || type.equals("llama3"))) {
            throw new IllegalArgumentException(where + ": rope_parameters " + params
                    + " is not supported (only rope_type default or llama3)");
        }
        return params.has("rope_theta") ? optionalDouble(params, "rope_theta", ropeTheta, where) : ropeTheta;
    }

    /** Llama 3's frequency scaling from rope_scaling (or rope_parameters), null for plain rotary embeddings. */
    private static RopeScaling ropeScaling(JsonNode c, String where) {
        String field = present(c, "rope_scaling") ? "rope_scaling" : "rope_parameters";
        JsonNode s = c.get(field);
        if (s == null || s.isNull()) {
            return null;
        }
        String type = s.path("rope_type").asString(s.path("type").asString("default"));
        if (field.equals("rope_parameters") && type.equals("default")) {
            return null;
        }
        if (!s.isObject() || !type.equals("llama3")) {
            throw new IllegalArgumentException(where + ": rope_scaling " + s
                    + " is not supported (only plain rotary embeddings, rope_scaling null, or rope_type llama3)");
        }
        for (String f : new String[] {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
            if (!present(s, f)) {
                throw new IllegalArgumentException(where + ": " + field + " of rope_type llama3 lacks " + f);
            }
        }
        try {
            return new RopeScaling(optionalDouble(s, "factor", 1, where), optionalDouble(s, "low_freq_factor", 1, where),
                    optionalDouble(s, "high_freq_factor", 4, where),
                    optionalInt(s, "original_max_position_embeddings", 8192, where));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static boolean present(JsonNode c, String field) {
        return c.has(field) && !c.get(field).isNull();
    }

    private static int requiredInt(JsonNode c, String field, String where) {
        if (!present(c, field)) {
            throw new IllegalArgumentException(where + ": lacks " + field);
        }
        return optionalInt(c, field, 0, where);
    }

    private static int optionalInt(JsonNode c, String field, int fallback, String where) {
        if (!present(c, field)) {
            return fallback;
        }
        JsonNode v = c.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(where + ": " + field + " is not an integer: " + v);
        }
        return v.asInt();
    }

    private static double optionalDouble(JsonNode c, String field, double fallback, String where) {
        if (!present(c, field)) {
            return fallback;
        }
        JsonNode v = c.get(field);
        if (!v.isNumber()) {
            throw new IllegalArgumentException(where + ": " + field + " is not a number: " + v);
        }
        return v.asDouble();
    }
}
