package io.cgfed.core.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.RandomLlama;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class HfConfigTest {
    private static final String WHERE = "/models/x/config.json";

    private static LlamaConfig parse(ObjectNode config) {
        return HfConfig.parse(CheckpointWriter.JSON.writeValueAsString(config), WHERE);
    }

    private static ObjectNode base() {
        return CheckpointWriter.config(RandomLlama.GQA);
    }

    @Test
    void aLlamaConfigReadsFieldByField() {
        assertThat(parse(base())).isEqualTo(RandomLlama.GQA);
        assertThat(parse(CheckpointWriter.config(RandomLlama.TIED))).isEqualTo(RandomLlama.TIED);
    }

    @Test
    void aRealLlamaConfigReads() {
        // TinyLlama-1.1B-Chat-v1.0's config.json
        String json = """
                {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1,
                 "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
                 "intermediate_size": 5632, "max_position_embeddings": 2048, "model_type": "llama",
                 "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
                 "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
                 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.35.0",
                 "use_cache": true, "vocab_size": 32000}""";
        assertThat(HfConfig.parse(json, WHERE))
                .isEqualTo(new LlamaConfig(32000, 2048, 5632, 22, 32, 4, 1e-5, 10000.0, 2048, false));
    }

    @Test
    void absentOptionalFieldsTakeTransformersDefaults() {
        ObjectNode c = base();
        c.remove(java.util.List.of("num_key_value_heads", "rope_theta", "tie_word_embeddings", "rms_norm_eps",
                "max_position_embeddings", "rope_scaling", "architectures", "hidden_act"));
        LlamaConfig parsed = parse(c);
        assertThat(parsed.numKeyValueHeads()).isEqualTo(parsed.numAttentionHeads());
        assertThat(parsed.ropeTheta()).isEqualTo(10000.0);
        assertThat(parsed.tieWordEmbeddings()).isFalse();
        assertThat(parsed.rmsNormEps()).isEqualTo(1e-6);
        assertThat(parsed.maxPositionEmbeddings()).isEqualTo(2048);
        c.putNull("num_key_value_heads");
        assertThat(parse(c).numKeyValueHeads()).isEqualTo(4);
    }

    @Test
    void ropeScalingIsRefused() {
        ObjectNode c = base();
        c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
        assertThatThrownBy(() -> parse(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WHERE).hasMessageContaining("rope_scaling").hasMessageContaining("linear");
    }

    @Test
    void llama3RopeScalingIsRead() {
        ObjectNode c = base();
        c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        assertThat(parse(c).ropeScaling()).isEqualTo(new io.cgfed.core.model.RopeScaling(32.0, 1.0, 4.0, 8192));
        c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0);
        assertThatThrownBy(() -> parse(c)).hasMessageContaining("lacks low_freq_factor");
        assertThat(parse(base()).ropeScaling()).isNull();
    }

    @Test
    void transformers5RopeParametersOfTheDefaultKindGiveTheta() {
        ObjectNode c = base();
        c.remove("rope_theta");
        c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 500000.0);
        assertThat(parse(c).ropeTheta()).isEqualTo(500000.0);
        c.putObject("rope_parameters").put("rope_type", "yarn").put("factor", 4.0);
        assertThatThrownBy(() -> parse(c)).hasMessageContaining("rope_parameters").hasMessageContaining("yarn");
    }

    @Test
    void otherArchitecturesAreRefused() {
        ObjectNode c = base();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        assertThatThrownBy(() -> parse(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WHERE).hasMessageContaining("Qwen2ForCausalLM")
                .hasMessageContaining("LlamaForCausalLM");
        c.remove("architectures");
        c.put("model_type", "gemma");
        assertThatThrownBy(() -> parse(c)).hasMessageContaining("gemma");
    }

    @Test
    void mistralIsAcceptedOnlyWhenItsSlidingWindowNeverMasks() {
        ObjectNode c = base();
        c.putArray("architectures").add("MistralForCausalLM");
        c.put("model_type", "mistral");
        c.put("sliding_window", 4);
        assertThatThrownBy(() -> parse(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sliding_window 4");
        c.remove("sliding_window"); // transformers' MistralConfig default is 4096
        c.put("max_position_embeddings", 32768);
        assertThatThrownBy(() -> parse(c)).hasMessageContaining("sliding_window 4096");
        c.put("max_position_embeddings", RandomLlama.GQA.maxPositionEmbeddings());
        c.putNull("sliding_window");
        assertThat(parse(c)).isEqualTo(RandomLlama.GQA);
        c.put("sliding_window", RandomLlama.GQA.maxPositionEmbeddings());
        assertThat(parse(c)).isEqualTo(RandomLlama.GQA);
    }

    @Test
    void featuresThisModelLacksAreRefused() {
        ObjectNode act = base().put("hidden_act", "gelu");
        assertThatThrownBy(() -> parse(act)).hasMessageContaining("hidden_act 'gelu'");
        ObjectNode bias = base().put("attention_bias", true);
        assertThatThrownBy(() -> parse(bias)).hasMessageContaining("attention_bias");
        ObjectNode mlpBias = base().put("mlp_bias", true);
        assertThatThrownBy(() -> parse(mlpBias)).hasMessageContaining("mlp_bias");
        ObjectNode headDim = base().put("head_dim", 16);
        assertThatThrownBy(() -> parse(headDim)).hasMessageContaining("head_dim 16");
        assertThat(parse(base().put("head_dim", 8))).isEqualTo(RandomLlama.GQA);
    }

    @Test
    void missingOrMalformedFieldsAreNamed() {
        ObjectNode c = base();
        c.remove("hidden_size");
        assertThatThrownBy(() -> parse(c)).hasMessageContaining(WHERE).hasMessageContaining("lacks hidden_size");
        ObjectNode text = base().put("vocab_size", "many");
        assertThatThrownBy(() -> parse(text)).hasMessageContaining("vocab_size is not an integer");
        ObjectNode odd = base().put("num_key_value_heads", 3);
        assertThatThrownBy(() -> parse(odd)).hasMessageContaining(WHERE)
                .hasMessageContaining("multiple of numKeyValueHeads");
        assertThatThrownBy(() -> HfConfig.parse("{not json", WHERE)).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> HfConfig.parse("[1]", WHERE)).hasMessageContaining("not a JSON object");
    }
}
