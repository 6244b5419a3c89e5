package io.cgfed.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private NDManager manager;
    private LlamaModel model;

    @BeforeEach
    void model() {
        LlamaConfig config = ModelCatalog.config("micro-llama");
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O));
        manager = NDManager.newBaseManager();
        model = new LlamaModel(manager, config, BaseWeights.random(config, 3, 0.3, 1.0), lora);
        var adapter = LoraAdapter.initialise(config, lora, 1);
        adapter.forEach((name, t) -> {
            if (name.contains("lora_B")) {
                for (int i = 0; i < t.size(); i++) {
                    t.data()[i] = 0.05f * ((i % 7) - 3);
                }
            }
        });
        model.loadAdapter(adapter);
    }

    @AfterEach
    void close() {
        model.close();
        manager.close();
    }

    @Test
    void cachedStepsGiveTheLogitsOfTheFullSequence() {
        long[] ids = {256, 72, 101, 108, 108, 111, 32, 119};
        float[] full;
        try (NDManager step = model.manager().newSubManager()) {
            full = model.forward(NativeArrays.of(step, ids, new Shape(1, ids.length))).toFloatArray();
        }
        int vocab = model.config().vocabSize();
        try (KvCache cache = new KvCache(model); NDManager step = model.manager().newSubManager()) {
            // a prefill of 5 tokens, then one token at a time
            NDArray first = model.forward(NativeArrays.of(step, Arrays.copyOf(ids, 5), new Shape(1, 5)), cache);
            assertRow(first.toFloatArray(), 4, full, 4, vocab);
            for (int p = 5; p < ids.length; p++) {
                NDArray next = model.forward(NativeArrays.of(step, new long[] {ids[p]}, new Shape(1, 1)), cache);
                assertRow(next.toFloatArray(), 0, full, p, vocab);
            }
            assertThat(cache.length()).isEqualTo(ids.length);
        }
    }

    @Test
    void greedyGenerationMatchesRecomputingTheWholeSequenceEachStep() {
        int[] prompt = {256, 84, 104, 101};
        int[] generated = new Generator(model).generate(prompt, Generator.Settings.greedy(10));
        assertThat(generated).hasSize(10);
        int[] seq = Arrays.copyOf(prompt, prompt.length + generated.length);
        for (int n = 0; n < generated.length; n++) {
            try (NDManager step = model.manager().newSubManager()) {
                long[] ids = Arrays.stream(Arrays.copyOf(seq, prompt.length + n)).asLongStream().toArray();
                float[] logits = model.forward(NativeArrays.of(step, ids, new Shape(1, ids.length)))
                        .get("0, -1, :").toFloatArray();
                assertThat(generated[n]).isEqualTo(Generator.argmax(logits));
                seq[prompt.length + n] = generated[n];
            }
        }
    }

    @Test
    void samplingIsReproducibleUnderTheSeedAndStopsAtAStopToken() {
        int[] prompt = {256, 65};
        var settings = new Generator.Settings(12, 1.0, 20, 7, new int[0]);
        int[] a = new Generator(model).generate(prompt, settings);
        int[] b = new Generator(model).generate(prompt, settings);
        assertThat(a).containsExactly(b);
        int stop = a[3];
        int[] stopped = new Generator(model).generate(prompt, new Generator.Settings(12, 1.0, 20, 7, new int[] {stop}));
        assertThat(stopped[stopped.length - 1]).isEqualTo(stop);
        assertThat(stopped.length).isLessThanOrEqualTo(4);
    }

    private static void assertRow(float[] got, int gotRow, float[] want, int wantRow, int vocab) {
        for (int v = 0; v < vocab; v++) {
            assertThat(got[gotRow * vocab + v]).isCloseTo(want[wantRow * vocab + v], within(1e-4f));
        }
    }
}
