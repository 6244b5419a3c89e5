package io.cgfed.core.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.RandomLlama;
import io.cgfed.core.model.ReferenceLlama;
import io.cgfed.core.model.WeightSource;
import io.cgfed.core.tensor.DType;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.Half;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.SafeTensorsFile;
import io.cgfed.core.tensor.TensorFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint written in the Hugging Face layout, loaded back, reproduces Hugging Face's logits. */
class HfCheckpointTest {
    private static final double TOLERANCE = 1e-4;
    private static final NamedTensors BASE = RandomLlama.weights(RandomLlama.GQA, 31);
    private static final NamedTensors ADAPTER = RandomLlama.adapter(RandomLlama.GQA, 32);

    @TempDir
    Path dir;

    private static double[][][] reference(LlamaConfig c, NamedTensors base, NamedTensors adapter) {
        return ReferenceLlama.logits(c, base, adapter, RandomLlama.LORA, RandomLlama.TOKENS);
    }

    private static double check(String what, HfCheckpoint checkpoint, NamedTensors asStored, NamedTensors adapter) {
        double[][][] expected = reference(checkpoint.config(), asStored, adapter);
        float[][][] actual = RandomLlama.logits(checkpoint.config(), checkpoint, adapter, RandomLlama.TOKENS);
        double diff = RandomLlama.maxAbsDiff(actual, expected);
        System.out.printf("%s: max |logit difference| %.3g%n", what, diff);
        assertThat(diff).as(what).isLessThan(TOLERANCE);
        return diff;
    }

    @Test
    void f32SingleFileReproducesTheReferenceAndTheInMemoryModelExactly() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.F32, 1);
        HfCheckpoint checkpoint = HfCheckpoint.open(dir);

        assertThat(checkpoint.config()).isEqualTo(RandomLlama.GQA);
        assertThat(checkpoint.files()).hasSize(1);
        check("F32 model.safetensors", checkpoint, BASE, ADAPTER);
        float[][][] fromDisk = RandomLlama.logits(RandomLlama.GQA, checkpoint, ADAPTER, RandomLlama.TOKENS);
        float[][][] inMemory = RandomLlama.logits(RandomLlama.GQA, WeightSource.of(BASE), ADAPTER, RandomLlama.TOKENS);
        assertThat(fromDisk).isDeepEqualTo(inMemory);
    }

    @Test
    void bf16ShardedInTwoFilesReproducesTheReferenceOnBf16RoundedWeights() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.BF16, 2);
        assertThat(dir.resolve("model-00001-of-00002.safetensors")).exists();
        assertThat(dir.resolve("model-00002-of-00002.safetensors")).exists();
        assertThat(dir.resolve(HfCheckpoint.SINGLE_FILE)).doesNotExist();
        HfCheckpoint checkpoint = HfCheckpoint.open(dir);
        assertThat(checkpoint.files()).hasSize(2);
        assertThat(checkpoint.files().get(0).header().entries().values())
                .allSatisfy(e -> assertThat(e.dtype()).isEqualTo(DType.BF16));

        NamedTensors bf16 = RandomLlama.rounded(BASE, v -> Half.bf16ToFloat(Half.floatToBf16((float) v)));
        check("BF16, 2 shards + index", checkpoint, bf16, ADAPTER);
        // rounding to bf16 moves the logits far more than the tolerance: the right weights were compared
        float[][][] actual = RandomLlama.logits(checkpoint.config(), checkpoint, ADAPTER, RandomLlama.TOKENS);
        assertThat(RandomLlama.maxAbsDiff(actual, reference(RandomLlama.GQA, BASE, ADAPTER)))
                .isGreaterThan(10 * TOLERANCE);
    }

    @Test
    void f16TiedEmbeddingsCheckpointReproducesTheReference() throws Exception {
        NamedTensors base = RandomLlama.weights(RandomLlama.TIED, 33);
        NamedTensors adapter = RandomLlama.adapter(RandomLlama.TIED, 34);
        CheckpointWriter.write(dir, RandomLlama.TIED, base, DType.F16, 1);
        HfCheckpoint checkpoint = HfCheckpoint.open(dir);
        assertThat(checkpoint.config()).isEqualTo(RandomLlama.TIED);
        assertThat(checkpoint.contains("lm_head.weight")).isFalse();

        check("F16, tied embeddings", checkpoint,
                RandomLlama.rounded(base, v -> Half.toFloat(Half.fromFloat((float) v))), adapter);
    }

    @Test
    void weightsAreStreamedInReadsNoLargerThanTheChunkCap() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.F32, 1);
        long fileSize = Files.size(dir.resolve(HfCheckpoint.SINGLE_FILE));
        int cap = 256;
        HfCheckpoint checkpoint = HfCheckpoint.open(dir, cap);
        SafeTensorsFile file = checkpoint.files().get(0);
        assertThat(file.bytesRead()).as("opening reads the header only").isZero();

        float[][][] chunked = RandomLlama.logits(RandomLlama.GQA, checkpoint, ADAPTER, RandomLlama.TOKENS);

        long tensorBytes = 4 * BASE.numel();
        assertThat(fileSize).isGreaterThan(80L * cap);
        assertThat(file.largestReadBytes()).isPositive().isLessThanOrEqualTo(cap);
        assertThat(file.bytesRead()).as("each tensor's bytes read once").isEqualTo(tensorBytes);
        float[][][] whole = RandomLlama.logits(RandomLlama.GQA, HfCheckpoint.open(dir), ADAPTER, RandomLlama.TOKENS);
        assertThat(chunked).isDeepEqualTo(whole);

        // BF16 shards chunked too: widened in pieces, same values as in one go
        Path sharded = dir.resolve("bf16");
        CheckpointWriter.write(sharded, RandomLlama.GQA, BASE, DType.BF16, 2);
        HfCheckpoint small = HfCheckpoint.open(sharded, 100);
        float[][][] bf16Chunked = RandomLlama.logits(RandomLlama.GQA, small, ADAPTER, RandomLlama.TOKENS);
        assertThat(small.largestReadBytes()).isLessThanOrEqualTo(100);
        assertThat(bf16Chunked).isDeepEqualTo(
                RandomLlama.logits(RandomLlama.GQA, HfCheckpoint.open(sharded), ADAPTER, RandomLlama.TOKENS));
    }

    @Test
    void aMissingTensorIsNamedWithTheFilesSearched() throws Exception {
        NamedTensors partial = new NamedTensors();
        BASE.forEach((name, t) -> {
            if (!name.equals("model.layers.1.mlp.up_proj.weight")) {
                partial.put(name, t);
            }
        });
        CheckpointWriter.write(dir, RandomLlama.GQA, partial, DType.F32, 2);
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'model.layers.1.mlp.up_proj.weight'")
                .hasMessageContaining("model-00001-of-00002.safetensors")
                .hasMessageContaining("model-00002-of-00002.safetensors");
    }

    @Test
    void aTensorOfTheWrongShapeIsNamedWithItsFileAndBothShapes() throws Exception {
        NamedTensors wrong = BASE.copy();
        wrong.put("model.layers.0.self_attn.k_proj.weight", FloatTensor.zeros(32, 32)); // MHA-sized k for a GQA config
        CheckpointWriter.write(dir, RandomLlama.GQA, wrong, DType.F32, 1);
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'model.layers.0.self_attn.k_proj.weight'")
                .hasMessageContaining(dir.resolve(HfCheckpoint.SINGLE_FILE).toString())
                .hasMessageContaining("[32, 32]")
                .hasMessageContaining("[16, 32]");
    }

    @Test
    void aCorruptHeaderIsReportedWithTheFile() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.F32, 1);
        Path file = dir.resolve(HfCheckpoint.SINGLE_FILE);
        byte[] bytes = Files.readAllBytes(file);
        bytes[9] = '#'; // inside the JSON header
        Files.write(file, bytes);
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void anUnsupportedDtypeIsReportedWithTheFileAndTheTensor() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.F32, 1);
        Path file = dir.resolve(HfCheckpoint.SINGLE_FILE);
        String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        int at = bytes.indexOf("\"model.norm.weight\"");
        int dtype = bytes.indexOf("\"F32\"", at);
        Files.write(file, (bytes.substring(0, dtype) + "\"I32\"" + bytes.substring(dtype + 5))
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("'model.norm.weight'")
                .hasMessageContaining("unsupported dtype 'I32'");
    }

    @Test
    void aShardMissingFromTheDirectoryIsNamed() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.BF16, 2);
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors")
                .hasMessageContaining("does not exist");
    }

    @Test
    void anIndexPointingOutsideTheDirectoryIsRefused() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.F32, 2);
        Path index = dir.resolve(HfCheckpoint.INDEX);
        Files.writeString(index, Files.readString(index).replace("\"model-00001-of-00002.safetensors\"",
                "\"../model-00001-of-00002.safetensors\""));
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a file name in the checkpoint directory");
    }

    @Test
    void aDirectoryWithoutWeightsOrConfigIsRefused() throws Exception {
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config.json");
        CheckpointWriter.writeConfig(dir, CheckpointWriter.config(RandomLlama.GQA));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[16]);
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("convert");
    }

    @Test
    void aConfigWithRopeScalingIsRefusedBeforeAnyWeightIsRead() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, BASE, DType.F32, 1);
        var config = CheckpointWriter.config(RandomLlama.GQA);
        config.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 8.0);
        CheckpointWriter.writeConfig(dir, config);
        assertThatThrownBy(() -> HfCheckpoint.open(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("rope_scaling");
    }

    @Test
    void aBf16CheckpointHeldAsFloat16GivesTheLogitsOfItsWeightsAndTooLargeValuesStayFloat32() throws Exception {
        NamedTensors base = RandomLlama.weights(RandomLlama.GQA, 31);
        base.get("model.layers.1.mlp.up_proj.weight").data()[5] = 70000f; // beyond float16's 65504
        CheckpointWriter.write(dir, RandomLlama.GQA, base, DType.BF16, 2);
        HfCheckpoint checkpoint = HfCheckpoint.open(dir);
        assertThat(checkpoint.storedAs()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
        float[][][] wide = RandomLlama.logits(RandomLlama.GQA, checkpoint, ADAPTER, RandomLlama.TOKENS,
                ai.djl.ndarray.types.DataType.FLOAT32);
        float[][][] half = RandomLlama.logits(RandomLlama.GQA, checkpoint, ADAPTER, RandomLlama.TOKENS,
                ai.djl.ndarray.types.DataType.FLOAT16);
        double diff = 0;
        for (int b = 0; b < wide.length; b++) {
            for (int t = 0; t < wide[b].length; t++) {
                for (int v = 0; v < wide[b][t].length; v++) {
                    diff = Math.max(diff, Math.abs(wide[b][t][v] - half[b][t][v]));
                }
            }
        }
        // bf16 values have 8 significant bits, float16 11: every bf16 weight in float16's range is exact
        assertThat(diff).isLessThan(1e-5);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            var c = RandomLlama.GQA;
            assertThat(checkpoint.load(m, "model.layers.0.mlp.up_proj.weight", ai.djl.ndarray.types.DataType.FLOAT16,
                    c.intermediateSize(), c.hiddenSize()).getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
            assertThat(checkpoint.load(m, "model.layers.1.mlp.up_proj.weight", ai.djl.ndarray.types.DataType.FLOAT16,
                    c.intermediateSize(), c.hiddenSize()).getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT32);
        }
    }
}
