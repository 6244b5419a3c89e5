package io.cgfed.core.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.model.Generator;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.WeightSource;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merged export gives, without an adapter, the greedy tokens of the base with the adapter loaded. */
class MergedExportTest {
    private static final LoraConfig LORA = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V, LoraTarget.DOWN));
    private static final int[] PROMPT = {1, 70, 101, 100, 32, 108};

    @TempDir
    Path dir;

    /** Factors with B non-zero (a trained adapter, not a fresh one), large enough to change the output. */
    static NamedTensors trainedAdapter(LlamaConfig config, long seed) {
        NamedTensors a = LoraAdapter.initialise(config, LORA, seed);
        SplittableRandom random = new SplittableRandom(seed);
        NamedTensors out = new NamedTensors();
        a.forEach((name, t) -> {
            float[] d = t.data().clone();
            if (name.contains("lora_B")) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.3 * random.nextGaussian());
                }
            }
            out.put(name, new FloatTensor(t.shape(), d));
        });
        return out;
    }

    private static int[] greedy(LlamaConfig config, WeightSource base, NamedTensors adapter) {
        try (NDManager m = NDManager.newBaseManager(); LlamaModel model = new LlamaModel(m, config, base, LORA)) {
            model.loadAdapter(adapter);
            return new Generator(model).generate(PROMPT, Generator.Settings.greedy(12));
        }
    }

    @Test
    void aMergedCheckpointGreedilyWritesWhatTheBaseWithTheAdapterWrites() throws Exception {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            PublishedModels.Published small = new PublishedModels.Published("small", "none",
                    new LlamaConfig(300, 32, 64, 2, 4, 2, 1e-5, 10000.0, 64, false), dtype, 0.3,
                    List.of(new PublishedModels.Special("<s>", 1), new PublishedModels.Special("</s>", 2)), 1, 2);
            Path base = dir.resolve("base-" + dtype);
            CheckpointMaker.write(small, base, new CheckpointMaker.Options(dtype, 2, 5, false));
            NamedTensors adapter = trainedAdapter(small.config(), 9);
            int[] expected = greedy(small.config(), HfCheckpoint.open(base), adapter);
            int[] unadapted = greedy(small.config(), HfCheckpoint.open(base), LoraAdapter.initialise(small.config(), LORA, 1));
            assertThat(expected).as("the adapter changes what the model writes").isNotEqualTo(unadapted);

            MergedExport.Result r = MergedExport.fromCheckpoint(base, adapter, LORA.scaling(), dir.resolve("merged-" + dtype));
            assertThat(r.mergedMatrices()).isEqualTo(2 * 3);
            assertThat(r.files()).containsExactly("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");
            HfCheckpoint merged = HfCheckpoint.open(r.directory());
            assertThat(merged.config()).isEqualTo(small.config());
            assertThat(merged.tensors().get("model.layers.0.self_attn.q_proj.weight")
                    .entry("model.layers.0.self_attn.q_proj.weight").dtype()).isEqualTo(dtype);
            assertThat(Files.exists(r.directory().resolve("tokenizer.json"))).isTrue();
            // the merged weights with a zero adapter (B = 0) are the base with the adapter
            int[] actual = greedy(small.config(), merged, LoraAdapter.initialise(small.config(), LORA, 1));
            assertThat(actual).as(dtype + " merged").containsExactly(expected);
        }
    }

    @Test
    void aBuiltInModelExportsAsACheckpointItsTokenizerReads() throws Exception {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        NamedTensors base = ModelCatalog.baseWeights("micro-llama", 4);
        NamedTensors adapter = trainedAdapter(config, 3);
        int[] expected = greedy(config, WeightSource.of(base), adapter);
        MergedExport.Result r = MergedExport.fromWeights(base, config, adapter, LORA.scaling(), dir.resolve("m"));
        int[] actual = greedy(config, HfCheckpoint.open(r.directory()), LoraAdapter.initialise(config, LORA, 1));
        assertThat(actual).containsExactly(expected);
        try (var t = io.cgfed.core.text.HfTokenizer.open(r.directory())) {
            assertThat(t.encode("Hi")).containsExactly('H', 'i');
            assertThat(t.bos()).isEqualTo(io.cgfed.core.text.ByteTokenizer.BOS);
        }
    }

    @Test
    void anAdapterForAnotherModelIsRefusedBeforeAnythingIsWritten() throws Exception {
        PublishedModels.Published small = new PublishedModels.Published("small", "none",
                new LlamaConfig(300, 32, 64, 2, 4, 2, 1e-5, 10000.0, 64, false), DType.F32, 0.3,
                List.of(new PublishedModels.Special("<s>", 1)), 1, 1);
        Path base = dir.resolve("base");
        CheckpointMaker.write(small, base, new CheckpointMaker.Options(DType.F32, 1, 5, false));
        LlamaConfig deeper = new LlamaConfig(300, 32, 64, 3, 4, 2, 1e-5, 10000.0, 64, false);
        assertThatThrownBy(() -> MergedExport.fromCheckpoint(base, trainedAdapter(deeper, 1), 2.0, dir.resolve("out")))
                .hasMessageContaining("model.layers.2");
        assertThat(dir.resolve("out")).doesNotExist();
    }
}
