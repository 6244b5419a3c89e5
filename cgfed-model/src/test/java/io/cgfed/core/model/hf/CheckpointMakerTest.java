package io.cgfed.core.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.RopeScaling;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.SafeTensorsFile;
import io.cgfed.core.tensor.TensorSpec;
import io.cgfed.core.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class CheckpointMakerTest {
    @TempDir
    Path dir;

    /** The parameter counts of the published checkpoints (their model cards and safetensors index sizes). */
    private static final Map<String, Long> PUBLISHED_PARAMETERS = Map.of(
            "smollm-135m", 134_515_008L,
            "tinyllama-1.1b", 1_100_048_384L,
            "llama-3.2-1b", 1_235_814_400L,
            "llama-7b", 6_738_415_616L);

    @Test
    void everyPublishedLayoutHasItsPublishedParameterCountAndItsConfigReadsBack() throws Exception {
        assertThat(PublishedModels.names()).containsExactlyInAnyOrderElementsOf(PUBLISHED_PARAMETERS.keySet());
        for (String name : PublishedModels.names()) {
            PublishedModels.Published p = PublishedModels.get(name);
            long sum = CheckpointMaker.tensors(p.config()).stream().mapToLong(TensorSpec::numel).sum();
            assertThat(sum).as(name).isEqualTo(PUBLISHED_PARAMETERS.get(name)).isEqualTo(p.parameterCount());
            Path out = dir.resolve(name);
            CheckpointMaker.Result r = CheckpointMaker.write(p, out, new CheckpointMaker.Options(p.torchDtype(), 4, 1, true));
            assertThat(r.layoutOnly()).isTrue();
            // what transformers would read: the same architecture, rope scaling included
            assertThat(HfConfig.read(out.resolve("config.json"))).as(name).isEqualTo(p.config());
            JsonNode index = CheckpointMaker.JSON.readTree(out.resolve(HfCheckpoint.INDEX).toFile());
            assertThat(index.path("metadata").path("total_size").asLong()).isEqualTo(sum * p.torchDtype().bytes());
            assertThat(index.path("weight_map").size()).isEqualTo(CheckpointMaker.tensors(p.config()).size());
            try (var files = Files.list(out)) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.endsWith(".safetensors"));
            }
        }
        LlamaConfig llama32 = PublishedModels.get("llama-3.2-1b").config();
        assertThat(llama32.tieWordEmbeddings()).isTrue();
        assertThat(llama32.ropeScaling()).isEqualTo(new RopeScaling(32.0, 1.0, 4.0, 8192));
        assertThat(PublishedModels.get("llama-7b").config().numKeyValueHeads()).isEqualTo(32);
    }

    /** A small model of the same kind, written in full: it loads, its shards split the tensors in order. */
    @Test
    void writesAShardedCheckpointThatLoadsWithItsTokenizer() throws Exception {
        PublishedModels.Published small = new PublishedModels.Published("small", "none",
                new LlamaConfig(300, 32, 64, 2, 4, 2, 1e-5, 10000.0, 64, false), DType.BF16, 0.02,
                List.of(new PublishedModels.Special("<unk>", 0), new PublishedModels.Special("<s>", 1),
                        new PublishedModels.Special("</s>", 2)), 1, 2);
        CheckpointMaker.Result r = CheckpointMaker.write(small, dir.resolve("m"),
                new CheckpointMaker.Options(DType.BF16, 3, 7, false));
        assertThat(r.weightFiles()).containsExactly("model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors");
        HfCheckpoint checkpoint = HfCheckpoint.open(r.directory());
        assertThat(checkpoint.config()).isEqualTo(small.config());
        assertThat(checkpoint.files()).hasSize(3);
        for (SafeTensorsFile f : checkpoint.files()) {
            assertThat(f.header().entries()).isNotEmpty();
        }
        FloatTensor q = checkpoint.tensors().get("model.layers.1.self_attn.q_proj.weight")
                .read("model.layers.1.self_attn.q_proj.weight");
        double sq = 0;
        for (float v : q.data()) {
            sq += v * v;
        }
        assertThat(Math.sqrt(sq / q.size())).isCloseTo(0.02, within(0.002));
        FloatTensor norm = checkpoint.tensors().get("model.norm.weight").read("model.norm.weight");
        assertThat(norm.data()).containsOnly(1f);
        try (HfTokenizer t = HfTokenizer.open(r.directory())) {
            String text = "Federated fine-tuning: 7 € über alles\n";
            assertThat(t.decode(t.encode(text))).isEqualTo(text);
            assertThat(t.bos()).isEqualTo(1);
            assertThat(t.eos()).isEqualTo(2);
            assertThat(t.encode("A")).containsExactly(3 + 'A');
        }
        JsonNode gen = CheckpointMaker.JSON.readTree(r.directory().resolve("generation_config.json").toFile());
        assertThat(gen.path("eos_token_id").asInt()).isEqualTo(2);
        // the same seed gives the same weights
        CheckpointMaker.Result again = CheckpointMaker.write(small, dir.resolve("again"),
                new CheckpointMaker.Options(DType.BF16, 3, 7, false));
        assertThat(Files.mismatch(r.directory().resolve("model-00002-of-00003.safetensors"),
                again.directory().resolve("model-00002-of-00003.safetensors"))).isEqualTo(-1L);
    }

    @Test
    void llama3SpecialTokensSitAtTheirPublishedIds() throws Exception {
        PublishedModels.Published p = PublishedModels.get("llama-3.2-1b");
        Path out = dir.resolve("l3");
        CheckpointMaker.write(p, out, new CheckpointMaker.Options(DType.BF16, 1, 1, true));
        try (HfTokenizer t = HfTokenizer.open(out)) {
            assertThat(t.bos()).isEqualTo(128000);
            assertThat(t.eos()).isEqualTo(128001);
            assertThat(t.encode("hi")).containsExactly('h', 'i');
        }
    }

    @Test
    void shardsSplitInOrderAndNeverLeaveOneEmpty() {
        List<TensorSpec> tensors = CheckpointMaker.tensors(PublishedModels.get("smollm-135m").config());
        for (int shards : new int[] {1, 2, 5, tensors.size()}) {
            List<List<TensorSpec>> split = CheckpointMaker.shard(tensors, shards);
            assertThat(split).hasSize(shards).allMatch(s -> !s.isEmpty());
            assertThat(split.stream().flatMap(List::stream).collect(Collectors.toList())).isEqualTo(tensors);
        }
        List<List<TensorSpec>> two = CheckpointMaker.shard(tensors, 2);
        long first = two.get(0).stream().mapToLong(TensorSpec::numel).sum();
        long second = two.get(1).stream().mapToLong(TensorSpec::numel).sum();
        assertThat((double) first / (first + second)).isBetween(0.4, 0.6);
        assertThatThrownBy(() -> CheckpointMaker.shard(tensors, tensors.size() + 1)).hasMessageContaining("shards");
    }

    @Test
    void refusesToWriteIntoADirectoryThatHoldsSomething() throws Exception {
        Files.writeString(dir.resolve("x"), "keep me");
        assertThatThrownBy(() -> CheckpointMaker.write(PublishedModels.get("smollm-135m"), dir,
                new CheckpointMaker.Options(DType.BF16, 1, 1, true))).hasMessageContaining("not an empty directory");
        assertThat(Files.readString(dir.resolve("x"))).isEqualTo("keep me");
    }
}
