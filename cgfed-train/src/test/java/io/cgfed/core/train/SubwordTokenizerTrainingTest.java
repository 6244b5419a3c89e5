package io.cgfed.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.cgfed.core.text.TextTokenizer;
import io.cgfed.core.data.MultipleChoiceExample;
import io.cgfed.core.data.TokenBatch;
import io.cgfed.core.model.LlamaConfig;
import io.cgfed.core.model.LlamaModel;
import io.cgfed.core.model.LoraAdapter;
import io.cgfed.core.model.LoraConfig;
import io.cgfed.core.model.LoraTarget;
import io.cgfed.core.model.ModelCatalog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Training and evaluation with a tokenizer that has no BOS and spells answers as " A" (subword style). */
class SubwordTokenizerTrainingTest {

    /** Whitespace words; " A" encodes as a space token then the word, as byte-fallback vocabularies do. */
    static final class WordTokenizer implements TextTokenizer {
        private final Map<String, Integer> vocab = new LinkedHashMap<>();

        @Override
        public int[] encode(String text) {
            List<Integer> ids = new ArrayList<>();
            if (text.startsWith(" ")) {
                ids.add(id("<space>"));
            }
            for (String w : text.strip().split("\\s+")) {
                ids.add(id(w));
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }

        private int id(String word) {
            return vocab.computeIfAbsent(word, w -> vocab.size() + 2);
        }

        @Override
        public String decode(int[] ids) {
            return "";
        }

        @Override
        public int bos() {
            return -1;
        }

        @Override
        public int eos() {
            return 1;
        }

        @Override
        public int pad() {
            return 0;
        }
    }

    @Test
    void batchesWithoutBosTargetTheAnswerWordAtTheLastPromptToken() {
        WordTokenizer t = new WordTokenizer();
        TokenBatch tb = TokenBatch.of(List.of(new MultipleChoiceExample("STEM", "what is two Answer:", 2, 4)), t, 64);
        int[] prompt = t.encode("what is two Answer:");
        assertThat(tb.seq()).isEqualTo(prompt.length);
        assertThat(tb.tokens()[0]).isEqualTo(prompt[0]);
        assertThat(tb.lastIndex()[0]).isEqualTo(prompt.length - 1);
        assertThat(tb.targets()[prompt.length - 1]).isEqualTo(t.answerToken('C'));
        assertThat(t.answerToken('C')).isNotEqualTo(t.answerToken('A'));
    }

    @Test
    void aModelTrainsAndEvaluatesWithAnotherTokenizer() {
        WordTokenizer t = new WordTokenizer();
        List<MultipleChoiceExample> data = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            data.add(new MultipleChoiceExample(i % 2 == 0 ? "STEM" : "Other", "fact" + (i % 8) + " Answer:", i % 8 % 4, 4));
        }
        LlamaConfig config = ModelCatalog.config("micro-llama");
        LoraConfig lora = new LoraConfig(4, 8, List.of(LoraTarget.Q, LoraTarget.V));
        try (NDManager manager = NDManager.newBaseManager();
             LlamaModel model = new LlamaModel(manager, config, ModelCatalog.baseWeights("micro-llama", 1), lora)) {
            model.loadAdapter(LoraAdapter.initialise(config, lora, 1));
            Evaluator evaluator = new Evaluator(16, t);
            double before = evaluator.evaluate(model, data).loss();
            var result = new LocalTrainer(t).train(model, data, new TrainingConfig(40, 8, 0.02, 0, 0, 1, 2));
            Evaluator.EvalResult after = evaluator.evaluate(model, data);
            assertThat(result.lastLoss()).isLessThan(result.firstLoss());
            assertThat(after.loss()).isLessThan(before);
            assertThat(after.accuracy()).isGreaterThan(0.5);
        }
    }
}
