package io.cgfed.core.data;

import java.util.Arrays;
import java.util.List;

/**
 * Multiple-choice examples as model input: {@code BOS + prompt}, right-padded; the answer letter is
 * the target at each example's last prompt position, where the loss mask is one.
 */
public record TokenBatch(long[] tokens, long[] targets, float[] lossMask, int batch, int seq,
                         int[] lastIndex, int[] answers, int numOptions) {

    public static TokenBatch of(List<MultipleChoiceExample> examples, ByteTokenizer tokenizer, int maxSeq) {
        int batch = examples.size();
        int[][] encoded = new int[batch][];
        int seq = 1;
        for (int b = 0; b < batch; b++) {
            encoded[b] = tokenizer.encode(examples.get(b).prompt());
            seq = Math.max(seq, encoded[b].length + 1);
        }
        if (seq > maxSeq) {
            throw new IllegalArgumentException("prompt of " + (seq - 1) + " tokens exceeds the model's " + maxSeq);
        }
        long[] tokens = new long[batch * seq];
        long[] targets = new long[batch * seq];
        float[] mask = new float[batch * seq];
        int[] last = new int[batch];
        int[] answers = new int[batch];
        Arrays.fill(tokens, ByteTokenizer.PAD);
        Arrays.fill(targets, ByteTokenizer.PAD);
        int options = examples.isEmpty() ? 4 : examples.get(0).numOptions();
        for (int b = 0; b < batch; b++) {
            MultipleChoiceExample ex = examples.get(b);
            int row = b * seq;
            tokens[row] = ByteTokenizer.BOS;
            for (int i = 0; i < encoded[b].length; i++) {
                tokens[row + 1 + i] = encoded[b][i];
            }
            last[b] = encoded[b].length;
            targets[row + last[b]] = tokenizer.token(ex.answerLetter());
            mask[row + last[b]] = 1f;
            answers[b] = ex.answer();
            options = Math.max(options, ex.numOptions());
        }
        return new TokenBatch(tokens, targets, mask, batch, seq, last, answers, options);
    }
}
