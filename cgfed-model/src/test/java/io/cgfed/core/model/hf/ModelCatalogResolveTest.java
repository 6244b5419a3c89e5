package io.cgfed.core.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.model.ModelCatalog;
import io.cgfed.core.model.RandomLlama;
import io.cgfed.core.model.WeightSource;
import io.cgfed.core.tensor.DType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogResolveTest {
    @TempDir
    Path dir;

    @Test
    void aBuiltInNameResolvesToItsConfigAndSeededWeights() {
        ModelCatalog.Resolved r = ModelCatalog.resolve("micro-llama", 7);
        assertThat(r.config()).isEqualTo(ModelCatalog.config("micro-llama"));
        assertThat(r.weights()).isInstanceOf(WeightSource.InMemory.class);
        assertThat(((WeightSource.InMemory) r.weights()).weights().flatten())
                .containsExactly(ModelCatalog.baseWeights("micro-llama", 7).flatten());
    }

    @Test
    void anAbsoluteCheckpointPathResolvesToTheCheckpoint() throws Exception {
        CheckpointWriter.write(dir, RandomLlama.GQA, RandomLlama.weights(RandomLlama.GQA, 1), DType.BF16, 2);
        String path = dir.toAbsolutePath().toString();
        assertThat(ModelCatalog.isCheckpointPath(path)).isTrue();
        ModelCatalog.Resolved r = ModelCatalog.resolve(path, 0);
        assertThat(r.name()).isEqualTo(path);
        assertThat(r.config()).isEqualTo(RandomLlama.GQA);
        assertThat(r.weights()).isInstanceOf(HfCheckpoint.class);
        assertThat(((HfCheckpoint) r.weights()).directory()).isEqualTo(dir.toAbsolutePath());
        // built-in names keep their meaning in the other calls
        assertThat(ModelCatalog.exists(path)).isFalse();
        assertThat(ModelCatalog.config("tiny-llama").hiddenSize()).isEqualTo(64);
    }

    @Test
    void unknownNamesRelativePathsAndDirectoriesWithoutConfigAreRefused() throws Exception {
        CheckpointWriter.write(dir.resolve("ckpt"), RandomLlama.GQA, RandomLlama.weights(RandomLlama.GQA, 1),
                DType.F32, 1);
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("ckpt").toAbsolutePath());
        for (String name : new String[] {"giga-llama", relative.toString(), dir.toString(), "/no/such/dir"}) {
            assertThat(ModelCatalog.isCheckpointPath(name)).as(name).isFalse();
            assertThatThrownBy(() -> ModelCatalog.resolve(name, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + name + "'")
                    .hasMessageContaining("micro-llama")
                    .hasMessageContaining("absolute path");
        }
    }
}
