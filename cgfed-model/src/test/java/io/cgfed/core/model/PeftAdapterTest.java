package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensors;
import io.cgfed.core.tensor.TensorFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PeftAdapterTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final LlamaConfig MICRO = ModelCatalog.config("micro-llama");
    private static final LlamaConfig TINY = ModelCatalog.config("tiny-llama");
    private static final LoraConfig LORA = new LoraConfig(4, 8, List.of(LoraTarget.V, LoraTarget.Q), 0.05);

    /** An adapter with non-zero A and B factors. */
    static NamedTensors adapter(LlamaConfig model, LoraConfig lora, long seed) {
        NamedTensors a = LoraAdapter.initialise(model, lora, seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        a.forEach((name, t) -> {
            if (name.contains("lora_B")) {
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (random.nextDouble() * 0.2 - 0.1);
                }
            }
        });
        return a;
    }

    private static JsonNode safetensorsHeader(byte[] file) {
        long len = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(file, 8, (int) len, StandardCharsets.UTF_8));
    }

    private static void assertSameTensors(NamedTensors actual, NamedTensors expected) {
        assertThat(actual.names()).containsExactlyElementsOf(expected.names());
        expected.forEach((name, t) -> {
            assertThat(actual.get(name).shape()).as(name).containsExactly(t.shape());
            assertThat(actual.get(name).data()).as(name).containsExactly(t.data());
        });
    }

    // ---------------------------------------------------------------- writing and reading back

    @Test
    void writesTheTwoPeftFilesAsPeftDoes(@TempDir Path dir) throws IOException {
        NamedTensors tensors = adapter(MICRO, LORA, 3);
        PeftAdapter.of("micro-llama", MICRO, LORA, tensors).writeDirectory(dir);

        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("adapter_config.json", "adapter_model.safetensors");
        }
        JsonNode c = JSON.readTree(Files.readString(dir.resolve("adapter_config.json")));
        assertThat(c.get("peft_type").asString()).isEqualTo("LORA");
        assertThat(c.get("task_type").asString()).isEqualTo("CAUSAL_LM");
        assertThat(c.get("r").isIntegralNumber()).isTrue();
        assertThat(c.get("r").asInt()).isEqualTo(4);
        assertThat(c.get("lora_alpha").isIntegralNumber()).as("PEFT writes lora_alpha as an int").isTrue();
        assertThat(c.get("lora_alpha").asInt()).isEqualTo(8);
        assertThat(c.get("lora_dropout").asDouble()).isEqualTo(0.05);
        assertThat(c.get("target_modules").isArray()).isTrue();
        assertThat(c.get("target_modules").valueStream().map(JsonNode::asString)).containsExactly("q_proj", "v_proj");
        assertThat(c.get("base_model_name_or_path").asString()).isEqualTo("micro-llama");
        assertThat(c.get("bias").asString()).isEqualTo("none");
        assertThat(c.get("fan_in_fan_out").isBoolean()).isTrue();
        assertThat(c.get("fan_in_fan_out").asBoolean()).isFalse();
        assertThat(c.get("inference_mode").asBoolean()).isTrue();
        assertThat(c.get("init_lora_weights").asBoolean()).isTrue();
        assertThat(c.get("use_rslora").isBoolean()).isTrue();
        assertThat(c.get("use_rslora").asBoolean()).isFalse();
        assertThat(c.has("modules_to_save")).isTrue();
        assertThat(c.get("modules_to_save").isNull()).isTrue();
        assertThat(c.has("revision")).isTrue();
        assertThat(c.get("revision").isNull()).isTrue();
        List<String> keys = new ArrayList<>(c.propertyNames());
        List<String> sorted = new ArrayList<>(keys);
        Collections.sort(sorted);
        assertThat(keys).as("keys sorted, as PEFT writes them").isEqualTo(sorted);

        byte[] weights = Files.readAllBytes(dir.resolve("adapter_model.safetensors"));
        JsonNode header = safetensorsHeader(weights);
        assertThat(header.get("__metadata__")).isEqualTo(JSON.readTree("{\"format\":\"pt\"}"));
        List<String> dtypes = new ArrayList<>();
        header.properties().forEach(e -> {
            if (!e.getKey().equals("__metadata__")) {
                dtypes.add(e.getValue().get("dtype").asString());
            }
        });
        assertThat(dtypes).hasSize(4).containsOnly("F32");
        NamedTensors back = SafeTensors.read(weights);
        assertSameTensors(back, tensors);
        assertThat(back.names()).containsExactly(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
        assertThat(back.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
                .as("A is r x in").containsExactly(4, MICRO.hiddenSize());
        assertThat(back.get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight").shape())
                .as("B is out x r").containsExactly(MICRO.outFeatures(LoraTarget.V), 4);
    }

    @Test
    void roundTripsThroughADirectoryAndAZip(@TempDir Path dir) throws IOException {
        LoraConfig lora = new LoraConfig(2, 3.5, List.of(LoraTarget.values()), 0.1);
        NamedTensors tensors = adapter(TINY, lora, 11);
        PeftAdapter written = PeftAdapter.of("tiny-llama", TINY, lora, tensors);

        written.writeDirectory(dir);
        PeftAdapter fromDir = PeftAdapter.readDirectory(dir, TINY);
        byte[] zip = written.toZip();
        PeftAdapter fromZip = PeftAdapter.readZip(zip, TINY);
        PeftAdapter unchecked = PeftAdapter.readZip(zip, null);

        for (PeftAdapter read : List.of(fromDir, fromZip, unchecked)) {
            assertThat(read.baseModel()).isEqualTo("tiny-llama");
            assertThat(read.lora()).isEqualTo(lora);
            assertThat(read.layers()).isEqualTo(2);
            assertSameTensors(read.tensors(), tensors);
        }
        assertThat(fromZip.tensors().sameLayout(LoraAdapter.layout(TINY, lora))).isTrue();
        assertThat(written.toZip()).as("the same adapter, the same bytes").isEqualTo(zip);
        assertThat(zipEntries(zip).keySet()).containsExactly("adapter_config.json", "adapter_model.safetensors");
        assertThat(zipEntries(zip).get("adapter_config.json")).isEqualTo(written.configJson());
        assertThat(zipEntries(zip).get("adapter_model.safetensors")).isEqualTo(written.weights());
    }

    @Test
    void readsAConfigAsPeftWritesItIgnoringFieldsItDoesNotKnow(@TempDir Path dir) throws IOException {
        // adapter_config.json as PEFT 0.13 saves it for a LLaMA causal LM, fields this platform never writes included
        String config = """
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": "meta-llama/Llama-2-7b-hf",
                  "bias": "none",
                  "eva_config": null,
                  "exclude_modules": null,
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layer_replication": null,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "loftq_config": {},
                  "lora_alpha": 16,
                  "lora_bias": false,
                  "lora_dropout": 0.05,
                  "megatron_config": null,
                  "megatron_core": "megatron.core",
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 4,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": [
                    "v_proj",
                    "q_proj"
                  ],
                  "task_type": "CAUSAL_LM",
                  "use_dora": false,
                  "use_rslora": false,
                  "some_future_field": {"nested": [1, 2, 3]}
                }
                """;
        LoraConfig lora = new LoraConfig(4, 16, List.of(LoraTarget.Q, LoraTarget.V));
        NamedTensors tensors = adapter(MICRO, lora, 5);
        // as torch writes them: alphabetical order, half precision
        NamedTensors shuffled = new NamedTensors();
        tensors.names().stream().sorted(Collections.reverseOrder()).forEach(n -> shuffled.put(n, tensors.get(n)));
        Files.writeString(dir.resolve("adapter_config.json"), config);
        Files.write(dir.resolve("adapter_model.safetensors"), SafeTensors.write(shuffled, DType.F16, Map.of("format", "pt")));
        Files.writeString(dir.resolve("README.md"), "---\nlibrary_name: peft\n---\n");

        PeftAdapter read = PeftAdapter.readDirectory(dir, MICRO);

        assertThat(read.baseModel()).isEqualTo("meta-llama/Llama-2-7b-hf");
        assertThat(read.lora()).isEqualTo(new LoraConfig(4, 16, List.of(LoraTarget.Q, LoraTarget.V), 0.05));
        assertThat(read.lora().scaling()).isEqualTo(4.0);
        assertThat(read.layers()).isEqualTo(1);
        assertThat(read.tensors().names()).as("layout order").containsExactlyElementsOf(tensors.names());
        assertThat(read.tensors().get(LoraAdapter.name(0, LoraTarget.Q, 'B')).data()[0])
                .isCloseTo(tensors.get(LoraAdapter.name(0, LoraTarget.Q, 'B')).data()[0], org.assertj.core.api.Assertions.within(1e-3f));
        read.requireMatches(lora);
    }

    @Test
    void readsAZipOfAFolderAsUsersMakeThem() throws IOException {
        PeftAdapter written = PeftAdapter.of("micro-llama", MICRO, LORA, adapter(MICRO, LORA, 2));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("my-adapter/"));
            zip.closeEntry();
            for (var e : Map.of("my-adapter/adapter_config.json", written.configJson(),
                    "my-adapter/adapter_model.safetensors", written.weights(),
                    "my-adapter/training_args.bin", new byte[] {1, 2, 3}).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        PeftAdapter read = PeftAdapter.readZip(bytes.toByteArray(), MICRO);
        assertThat(read.lora()).isEqualTo(LORA);
        assertSameTensors(read.tensors(), written.tensors());
    }

    @Test
    void alphaThatIsNotAWholeNumberIsWrittenAsADecimal() {
        LoraConfig lora = new LoraConfig(4, 2.5, List.of(LoraTarget.Q));
        JsonNode c = JSON.readTree(PeftAdapter.of(null, MICRO, lora, adapter(MICRO, lora, 1)).configJson());
        assertThat(c.get("lora_alpha").asDouble()).isEqualTo(2.5);
        assertThat(c.get("lora_dropout").asDouble()).isZero();
        assertThat(c.get("base_model_name_or_path").isNull()).isTrue();
    }

    // ---------------------------------------------------------------- errors

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws IOException {
        PeftAdapter written = PeftAdapter.of("m", MICRO, LORA, adapter(MICRO, LORA, 1));
        assertThatThrownBy(() -> PeftAdapter.readDirectory(dir.resolve("nowhere"), MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> PeftAdapter.readDirectory(dir, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("has no adapter_config.json");
        Files.write(dir.resolve("adapter_config.json"), written.configJson());
        assertThatThrownBy(() -> PeftAdapter.readDirectory(dir, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("has no adapter_model.safetensors");
        Files.write(dir.resolve("adapter_model.bin"), new byte[] {1});
        assertThatThrownBy(() -> PeftAdapter.readDirectory(dir, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("adapter_model.bin")
                .hasMessageContaining("safe_serialization=True");

        assertThatThrownBy(() -> PeftAdapter.readZip(zip(Map.of("adapter_config.json", written.configJson())), MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("zip has no adapter_model.safetensors");
        assertThatThrownBy(() -> PeftAdapter.readZip(zip(Map.of("adapter_model.safetensors", written.weights())), MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("zip has no adapter_config.json");
        assertThatThrownBy(() -> PeftAdapter.readZip("not a zip at all".getBytes(StandardCharsets.UTF_8), MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("not a zip archive");
        assertThatThrownBy(() -> PeftAdapter.readZip(zip(Map.of("a/adapter_config.json", written.configJson(),
                "b/adapter_model.safetensors", written.weights())), MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("different folders");
    }

    @Test
    void unknownModuleNamesAreRefused() {
        NamedTensors tensors = adapter(MICRO, LORA, 1);
        NamedTensors odd = tensors.copy();
        odd.put("base_model.model.model.layers.0.self_attn.rotary_proj.lora_A.weight", FloatTensor.zeros(4, 32));
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), odd, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("unknown module 'self_attn.rotary_proj'");

        NamedTensors head = tensors.copy();
        head.put("base_model.model.lm_head.lora_A.weight", FloatTensor.zeros(4, 32));
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), head, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("base_model.model.lm_head.lora_A.weight")
                .hasMessageContaining("not a LoRA factor of a decoder layer");

        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"lm_head\"]"), tensors, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("unknown module name 'lm_head'");
    }

    @Test
    void inconsistentRanksAreRefused() {
        NamedTensors tensors = adapter(MICRO, LORA, 1);
        NamedTensors bWrong = tensors.copy();
        bWrong.put(LoraAdapter.name(0, LoraTarget.Q, 'B'), FloatTensor.zeros(32, 2));
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), bWrong, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("inconsistent rank")
                .hasMessageContaining("q_proj.lora_B.weight has shape [32, 2]");

        NamedTensors perModule = tensors.copy();
        perModule.put(LoraAdapter.name(0, LoraTarget.V, 'A'), FloatTensor.zeros(2, 32));
        perModule.put(LoraAdapter.name(0, LoraTarget.V, 'B'), FloatTensor.zeros(16, 2));
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), perModule, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("inconsistent rank")
                .hasMessageContaining("per-module ranks are not supported");
    }

    @Test
    void rankOrAlphaThatDisagreeWithTheConfigAreRefused() {
        NamedTensors tensors = adapter(MICRO, LORA, 1);
        assertThatThrownBy(() -> read(config(8, 16, "[\"q_proj\",\"v_proj\"]"), tensors, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("adapter_config.json says r=8 but the tensors of adapter_model.safetensors have rank 4");
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"k_proj\",\"v_proj\"]"), tensors, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("target_modules [q_proj, k_proj, v_proj] but adapter_model.safetensors adapts [q_proj, v_proj]");

        PeftAdapter read = read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), tensors, MICRO);
        assertThatThrownBy(() -> read.requireMatches(new LoraConfig(4, 16, LORA.targets())))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("r=4, lora_alpha=8")
                .hasMessageContaining("expected r=4, lora_alpha=16");
        assertThatThrownBy(() -> read.requireMatches(new LoraConfig(8, 8, LORA.targets())))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("expected r=8");
        assertThat(read.requireMatches(new LoraConfig(4, 8, LORA.targets(), 0.3))).as("dropout is not compared")
                .isSameAs(read);

        assertThatThrownBy(() -> PeftAdapter.of("m", MICRO, new LoraConfig(2, 8, LORA.targets()), tensors))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("rank 4").hasMessageContaining("r=2");
    }

    @Test
    void shapesAreCheckedAgainstTheModel() {
        NamedTensors tinyAdapter = adapter(TINY, LORA, 1);
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), tinyAdapter, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("adapts 2 layers; the model has 1");

        // one layer, as micro-llama, but tiny-llama's widths
        NamedTensors oneLayer = new NamedTensors();
        tinyAdapter.forEach((n, t) -> {
            if (n.contains("layers.0.")) {
                oneLayer.put(n, t);
            }
        });
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), oneLayer, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("q_proj.lora_A.weight has shape [4, 64]; expected [4, 32] for the model's q_proj (32 x 32)");
        // without a model to check against it is read as it is
        assertThat(read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), oneLayer, null).layers()).isEqualTo(1);

        NamedTensors gap = tinyAdapter.copy();
        NamedTensors onlyLayer1 = new NamedTensors();
        gap.forEach((n, t) -> {
            if (n.contains("layers.1.")) {
                onlyLayer1.put(n, t);
            }
        });
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), onlyLayer1, null))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("no LoRA factors for layer 0");

        NamedTensors noB = adapter(MICRO, LORA, 1);
        NamedTensors withoutB = new NamedTensors();
        noB.forEach((n, t) -> {
            if (!n.equals(LoraAdapter.name(0, LoraTarget.V, 'B'))) {
                withoutB.put(n, t);
            }
        });
        assertThatThrownBy(() -> read(config(4, 8, "[\"q_proj\",\"v_proj\"]"), withoutB, MICRO))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("has " + LoraAdapter.name(0, LoraTarget.V, 'A') + " but no " + LoraAdapter.name(0, LoraTarget.V, 'B'));
    }

    @Test
    void settingsThisPlatformCannotRepresentAreRefused() {
        NamedTensors tensors = adapter(MICRO, LORA, 1);
        String targets = "[\"q_proj\",\"v_proj\"]";
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("\"use_rslora\": true", "use_rslora is true");
        refused.put("\"use_dora\": true", "DoRA");
        refused.put("\"fan_in_fan_out\": true", "fan_in_fan_out");
        refused.put("\"bias\": \"all\"", "bias=\"all\"");
        refused.put("\"rank_pattern\": {\"q_proj\": 8}", "rank_pattern");
        refused.put("\"modules_to_save\": [\"lm_head\"]", "modules_to_save");
        refused.put("\"lora_dropout\": 1.0", "lora_dropout=1.0");
        refused.forEach((field, message) -> {
            String c = config(4, 8, targets).replaceFirst("\\{", "{" + field + ",");
            assertThatThrownBy(() -> read(c, tensors, MICRO)).as(field)
                    .isInstanceOf(TensorFormatException.class).hasMessageContaining(message);
        });
        assertThatThrownBy(() -> read(config(4, 8, targets).replace("\"LORA\"", "\"IA3\""), tensors, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("only LORA");
        assertThatThrownBy(() -> read("{\"lora_alpha\": 8}", tensors, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("has no r");
        assertThatThrownBy(() -> read("{\"r\": 4}", tensors, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("has no lora_alpha");
        assertThatThrownBy(() -> read("[1, 2]", tensors, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> read("{\"r\": ", tensors, MICRO))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("not valid JSON");
        // a regular expression in target_modules: the tensors decide
        assertThat(read(config(4, 8, "\".*(q|v)_proj\""), tensors, MICRO).lora().targets())
                .containsExactly(LoraTarget.Q, LoraTarget.V);
    }

    // ---------------------------------------------------------------- helpers

    private static String config(int r, double alpha, String targetModules) {
        return "{\"peft_type\": \"LORA\", \"r\": " + r + ", \"lora_alpha\": " + alpha + ", \"target_modules\": "
                + targetModules + "}";
    }

    private static PeftAdapter read(String config, NamedTensors tensors, LlamaConfig model) {
        return PeftAdapter.read(config.getBytes(StandardCharsets.UTF_8), SafeTensors.write(tensors), model);
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static Map<String, byte[]> zipEntries(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }
}
