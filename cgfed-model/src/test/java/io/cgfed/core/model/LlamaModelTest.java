package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cgfed.core.text.ByteTokenizer;
import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LlamaModelTest {
    private static final String MODEL = "micro-llama";
    private static final LlamaConfig CONFIG = ModelCatalog.config(MODEL);
    private static final NamedTensors BASE = ModelCatalog.baseWeights(MODEL, 1);
    private static final LoraConfig LORA = new LoraConfig(4, 8, List.of(LoraTarget.values()));
    private static final int VOCAB = ModelCatalog.BYTE_VOCAB;

    private static final long[] BATCH = {
            ByteTokenizer.BOS, 'S', 'T', 'E', 'M',
            ByteTokenizer.BOS, 'H', 'U', 'M', ':'};

    private static float[] logits(LlamaModel model, NDManager manager, long[] tokens, int batch, int seq) {
        try (NDManager step = manager.newSubManager()) {
            NDArray out = model.forward(step.create(tokens, new Shape(batch, seq)));
            assertThat(out.getShape()).isEqualTo(new Shape(batch, seq, VOCAB));
            return out.toFloatArray();
        }
    }

    /** A fresh adapter whose B factors are non-zero too, so that LoRA changes the output. */
    private static NamedTensors adapterWithNonZeroB(long seed) {
        NamedTensors adapter = LoraAdapter.initialise(CONFIG, LORA, seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        adapter.forEach((name, t) -> {
            if (name.contains("lora_B")) {
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (random.nextDouble() * 0.2 - 0.1);
                }
            }
        });
        return adapter;
    }

    @Test
    void forwardOfATwoByFiveBatchGivesFiniteLogitsOverTheVocabulary() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            model.loadAdapter(LoraAdapter.initialise(CONFIG, LORA, 3));
            NDArray tokens = manager.create(BATCH, new Shape(2, 5));
            NDArray out = model.forward(tokens);
            assertThat(out.getShape()).isEqualTo(new Shape(2, 5, 259));
            float[] values = out.toFloatArray();
            assertThat(values).hasSize(2 * 5 * 259);
            for (float v : values) {
                assertThat(Float.isFinite(v)).isTrue();
            }
            // not degenerate: the logits vary over the vocabulary
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertThat(max - min).isGreaterThan(0.1f);
        }
    }

    @Test
    void freshLoraAdapterIsANoOp() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            NamedTensors fresh = LoraAdapter.initialise(CONFIG, LORA, 5);
            model.loadAdapter(fresh);
            float[] withFresh = logits(model, manager, BATCH, 2, 5);
            model.loadAdapter(LoraAdapter.layout(CONFIG, LORA)); // all zero: no LoRA path at all
            float[] withZero = logits(model, manager, BATCH, 2, 5);
            assertThat(withFresh).containsExactly(withZero);
            // the fresh adapter really has non-zero A factors: B = 0 is what makes it a no-op
            assertThat(fresh.get(LoraAdapter.name(0, LoraTarget.Q, 'A')).data()).isNotEqualTo(
                    new float[fresh.get(LoraAdapter.name(0, LoraTarget.Q, 'A')).size()]);
        }
    }

    @Test
    void adapterWithNonZeroBChangesTheLogits() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            model.loadAdapter(LoraAdapter.initialise(CONFIG, LORA, 5));
            float[] before = logits(model, manager, BATCH, 2, 5);
            model.loadAdapter(adapterWithNonZeroB(5));
            float[] after = logits(model, manager, BATCH, 2, 5);
            double maxDiff = 0;
            for (int i = 0; i < before.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(before[i] - after[i]));
            }
            assertThat(maxDiff).isGreaterThan(1e-3);
        }
    }

    @Test
    void adapterReadsBackAsLoaded() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            NamedTensors adapter = adapterWithNonZeroB(8);
            model.loadAdapter(adapter);
            NamedTensors back = model.adapter();
            assertThat(back.names()).containsExactlyElementsOf(adapter.names());
            assertThat(back.sameLayout(adapter)).isTrue();
            assertThat(back.flatten()).containsExactly(adapter.flatten());
            assertThat(model.loraParameters()).hasSize(2 * LoraTarget.values().length * CONFIG.numHiddenLayers());
        }
    }

    @Test
    void backwardThroughMaskedCrossEntropyGivesLoraBNonZeroGradients() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            model.loadAdapter(LoraAdapter.initialise(CONFIG, LORA, 3));
            NDArray tokens = manager.create(BATCH, new Shape(2, 5));
            long[] t = new long[10];
            Arrays.fill(t, ByteTokenizer.PAD);
            t[4] = 'A';
            t[9] = 'C';
            float[] m = new float[10];
            m[4] = 1f;
            m[9] = 1f;
            NDArray targets = manager.create(t, new Shape(2, 5));
            NDArray mask = manager.create(m, new Shape(2, 5));
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray l = LlamaModel.maskedCrossEntropy(model.forward(tokens), targets, mask);
                collector.backward(l);
                loss = l.getFloat();
            }
            assertThat(loss).isPositive();
            assertThat(Float.isFinite(loss)).isTrue();
            int bCount = 0;
            for (Map.Entry<String, NDArray> e : model.loraParameters().entrySet()) {
                NDArray grad = e.getValue().getGradient();
                assertThat(grad.getShape()).isEqualTo(e.getValue().getShape());
                float norm = grad.abs().sum().getFloat();
                if (e.getKey().contains("lora_B")) {
                    bCount++;
                    assertThat(norm).as("gradient of %s", e.getKey()).isGreaterThan(0f);
                } else {
                    // with B = 0 the loss does not depend on A yet: dL/dA = B^T (...) = 0
                    assertThat(norm).as("gradient of %s", e.getKey()).isZero();
                }
            }
            assertThat(bCount).isEqualTo(LoraTarget.values().length * CONFIG.numHiddenLayers());
        }
    }

    @Test
    void maskedCrossEntropyAveragesOnlyTheMaskedPositions() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // vocabulary of 2; position 0: logits (0, 0) -> -log(1/2); position 1 is masked out
            NDArray logits = manager.create(new float[] {0f, 0f, 5f, -5f}, new Shape(1, 2, 2));
            NDArray targets = manager.create(new long[] {1, 1}, new Shape(1, 2));
            NDArray mask = manager.create(new float[] {1f, 0f}, new Shape(1, 2));
            assertThat((double) LlamaModel.maskedCrossEntropy(logits, targets, mask).getFloat())
                    .isCloseTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    @Test
    void changingTheLastTokenLeavesEarlierPositionsUnchanged() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            model.loadAdapter(adapterWithNonZeroB(2));
            long[] a = {ByteTokenizer.BOS, 'k', 'e', 'y', ':'};
            long[] b = {ByteTokenizer.BOS, 'k', 'e', 'y', '?'};
            float[] la = logits(model, manager, a, 1, 5);
            float[] lb = logits(model, manager, b, 1, 5);
            for (int i = 0; i < 4 * VOCAB; i++) {
                assertThat(lb[i]).as("logit %d at position %d", i % VOCAB, i / VOCAB).isCloseTo(la[i],
                        org.assertj.core.api.Assertions.within(1e-5f));
            }
            double lastDiff = 0;
            for (int i = 4 * VOCAB; i < 5 * VOCAB; i++) {
                lastDiff = Math.max(lastDiff, Math.abs(la[i] - lb[i]));
            }
            assertThat(lastDiff).isGreaterThan(1e-3);
        }
    }

    @Test
    void batchRowsAreIndependentOfEachOther() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            model.loadAdapter(adapterWithNonZeroB(4));
            float[] both = logits(model, manager, BATCH, 2, 5);
            float[] second = logits(model, manager, Arrays.copyOfRange(BATCH, 5, 10), 1, 5);
            for (int i = 0; i < second.length; i++) {
                assertThat(both[5 * VOCAB + i]).isCloseTo(second[i], org.assertj.core.api.Assertions.within(1e-5f));
            }
        }
    }

    @Test
    void sequenceLongerThanMaxPositionsIsRejected() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            int seq = CONFIG.maxPositionEmbeddings() + 1;
            NDArray tokens = manager.create(new long[seq], new Shape(1, seq));
            assertThatThrownBy(() -> model.forward(tokens))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxPositionEmbeddings");
        }
    }

    @Test
    void loadAdapterRejectsAWrongLayout() {
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, CONFIG, BASE, LORA)) {
            NamedTensors wrongRank = LoraAdapter.initialise(CONFIG, new LoraConfig(2, 8, LORA.targets()), 1);
            NamedTensors wrongTargets = LoraAdapter.initialise(CONFIG, new LoraConfig(4, 8, List.of(LoraTarget.Q)), 1);
            NamedTensors renamed = new NamedTensors();
            LoraAdapter.layout(CONFIG, LORA).forEach((name, t) -> renamed.put(name.replace("base_model.", "x."), t));
            for (NamedTensors wrong : List.of(wrongRank, wrongTargets, renamed)) {
                assertThatThrownBy(() -> model.loadAdapter(wrong))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("layout");
            }
        }
    }

    @Test
    void constructorRejectsBaseWeightsOfAnotherShape() {
        NamedTensors tiny = ModelCatalog.baseWeights("tiny-llama", 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> new LlamaModel(manager, CONFIG, tiny, LORA))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model.embed_tokens.weight");
        }
    }

    /** Hugging Face LlamaForCausalLM with PEFT LoRA, written out in plain Java for one sequence. */
}
