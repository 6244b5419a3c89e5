package io.cgfed.core.data;

import io.cgfed.core.text.TextTokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Multiple-choice examples as model input: {@code BOS + prompt} (no BOS where the tokenizer has
 * none), right-padded; the answer letter's token is the target at each example's last prompt
 * position, where the loss mask is one.
 */
public record TokenBatch(long[] tokens, long[] targets, float[] lossMask, int batch, int seq,
                         int[] lastIndex, int[] answers, int numOptions) implements LossBatch {

    public static TokenBatch of(List<MultipleChoiceExample> examples, TextTokenizer tokenizer, int maxSeq) {
        int batch = examples.size();
        int[][] encoded = new int[batch][];
        int prefix = tokenizer.bos() >= 0 ? 1 : 0;
        int seq = 1;
        if (maxSeq <= prefix) {
            throw new IllegalArgumentException("a sequence cap of " + maxSeq + " tokens leaves no room for a prompt");
        }
        for (int b = 0; b < batch; b++) {
            int[] ids = tokenizer.encode(examples.get(b).prompt());
            // a prompt longer than the cap keeps its end: the answer is read after its last token
            encoded[b] = ids.length + prefix > maxSeq ? Arrays.copyOfRange(ids, ids.length - (maxSeq - prefix), ids.length) : ids;
            seq = Math.max(seq, encoded[b].length + prefix);
        }
        int pad = tokenizer.pad() >= 0 ? tokenizer.pad() : 0;
        long[] tokens = new long[batch * seq];
        long[] targets = new long[batch * seq];
        float[] mask = new float[batch * seq];
        int[] last = new int[batch];
        int[] answers = new int[batch];
        Arrays.fill(tokens, pad);
        Arrays.fill(targets, pad);
        int options = examples.isEmpty() ? 4 : examples.get(0).numOptions();
        for (int b = 0; b < batch; b++) {
            MultipleChoiceExample ex = examples.get(b);
            int row = b * seq;
            if (prefix == 1) {
                tokens[row] = tokenizer.bos();
            }
            for (int i = 0; i < encoded[b].length; i++) {
                tokens[row + prefix + i] = encoded[b][i];
            }
            last[b] = encoded[b].length + prefix - 1;
            targets[row + last[b]] = tokenizer.answerToken(ex.answerLetter());
            mask[row + last[b]] = 1f;
            answers[b] = ex.answer();
            options = Math.max(options, ex.numOptions());
        }
        return new TokenBatch(tokens, targets, mask, batch, seq, last, answers, options);
    }
}
