package io.cgfed.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated multiple-choice task in four C-Eval-like categories, deterministic under its seed.
 * Each category owns nine keys; a hidden table maps every key to its answer letter (A-D). A prompt
 * names the category, two random filler letters and the key: {@code "STEM QX k:"}. The fillers make
 * held-out prompts new sequences, so the held-out set measures the facts learnt, not memorised
 * strings. An untuned model is at chance (25 %); the table is learnable by LoRA in a few dozen steps.
 */
public final class DemoTask {
    public static final String NAME = "demo-mc";
    public static final List<String> CATEGORIES = List.of("STEM", "Social Science", "Humanities", "Other");
    private static final String[] CATEGORY_TAGS = {"STEM", "SOC", "HUM", "OTH"};
    private static final String KEYS = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String FILLER = "EFGHIJKLMNOPQRSTUVWXYZ";
    private static final int KEYS_PER_CATEGORY = KEYS.length() / CATEGORY_TAGS.length;

    private final int[] answerOfKey = new int[KEYS.length()];
    private final long seed;

    public DemoTask(long seed) {
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        // balanced answers: each letter equally often, in a seeded order
        for (int i = 0; i < answerOfKey.length; i++) {
            answerOfKey[i] = i % 4;
        }
        for (int i = answerOfKey.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = answerOfKey[i];
            answerOfKey[i] = answerOfKey[j];
            answerOfKey[j] = t;
        }
    }

    /** {@code count} examples drawn with the given stream seed (train and held-out use different ones). */
    public List<MultipleChoiceExample> sample(int count, long streamSeed) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + streamSeed);
        List<MultipleChoiceExample> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int key = random.nextInt(KEYS.length());
            int category = key / KEYS_PER_CATEGORY;
            String filler = "" + FILLER.charAt(random.nextInt(FILLER.length()))
                    + FILLER.charAt(random.nextInt(FILLER.length()));
            String prompt = CATEGORY_TAGS[category] + " " + filler + " " + KEYS.charAt(key) + ":";
            out.add(new MultipleChoiceExample(CATEGORIES.get(category), prompt, answerOfKey[key], 4));
        }
        return out;
    }

    /** The training pool that partitioning splits across clients. */
    public List<MultipleChoiceExample> trainingPool(int count) {
        return sample(count, 1);
    }

    /** The held-out evaluation set, never seen in training. */
    public List<MultipleChoiceExample> heldOut(int count) {
        return sample(count, 2);
    }
}
